#include "tests/support/own_stack.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sqlite3.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>
#include <vector>

#include "crypto/encoding.h"
#include "http/curl_http_client.h"
#include "tests/support/file_text.h"

namespace certadns::test {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;
using std::chrono::seconds;

// A loopback port free for TCP and for UDP (bound to 0, read, closed); 0 on failure.
int FreePort() {
  for (int tries = 0; tries < 20; ++tries) {
    int tcp = socket(AF_INET, SOCK_STREAM, 0);
    if (tcp < 0) return 0;
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    int port = 0;
    if (bind(tcp, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 &&
        getsockname(tcp, reinterpret_cast<sockaddr*>(&addr), &len) == 0) {
      port = ntohs(addr.sin_port);
    }
    close(tcp);
    if (port == 0) return 0;
    int udp = socket(AF_INET, SOCK_DGRAM, 0);
    if (udp < 0) return 0;
    bool udp_free = bind(udp, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
    close(udp);
    if (udp_free) return port;
  }
  return 0;
}

// Starts `args` with `env`, stdin /dev/null, stdout and stderr appended to `log`; -1 on failure.
pid_t Spawn(std::vector<std::string> args, std::vector<std::string> env, const std::string& log) {
  std::vector<char*> argv, envp;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  for (auto& e : env) envp.push_back(e.data());
  envp.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 1, log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0600);
  posix_spawn_file_actions_adddup2(&actions, 1, 2);
  pid_t pid = -1;
  int rc = posix_spawn(&pid, argv[0], &actions, nullptr, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  return rc == 0 ? pid : -1;
}

// SIGTERM, up to 5 s, then SIGKILL; reaps it. Sets `pid` to -1.
void StopPid(pid_t& pid) {
  if (pid <= 0) return;
  kill(pid, SIGTERM);
  for (int i = 0; i < 100; ++i) {
    int status = 0;
    if (waitpid(pid, &status, WNOHANG) == pid) {
      pid = -1;
      return;
    }
    std::this_thread::sleep_for(milliseconds(50));
  }
  kill(pid, SIGKILL);
  int status = 0;
  waitpid(pid, &status, 0);
  pid = -1;
}

// Polls `ready` every 100 ms for `limit`; "" once it holds, else why not (the process exited,
// or the time ran out), the process then stopped.
template <typename Ready>
std::string WaitReady(pid_t& pid, const std::string& what, const std::string& log,
                      Clock::duration limit, Ready ready) {
  for (auto deadline = Clock::now() + limit; Clock::now() < deadline;) {
    int status = 0;
    if (waitpid(pid, &status, WNOHANG) == pid) {
      pid = -1;
      return what + " exited at start:\n" + ReadFileText(log);
    }
    if (ready()) return "";
    std::this_thread::sleep_for(milliseconds(100));
  }
  StopPid(pid);
  return what + " did not answer in time:\n" + ReadFileText(log);
}

std::string PdnsSchema() {
  for (const char* path : {"/usr/share/pdns-backend-sqlite3/schema/schema.sqlite3.sql",
                           "/usr/share/doc/pdns-backend-sqlite3/schema.sqlite3.sql"}) {
    std::string text = ReadFileText(path);
    if (!text.empty()) return text;
  }
  return "";
}

}  // namespace

std::string OwnPowerDns::Start(const std::string& dir) {
  if (pid_ > 0) return "";
  if (dir_.empty()) {
    dir_ = dir + "/pdns";
    std::filesystem::create_directories(dir_);
    chmod(dir_.c_str(), 0700);
    api_key_ = crypto::HexEncode(crypto::RandomBytes(16));
    dns_port_ = FreePort();
    api_port_ = FreePort();
    if (dns_port_ == 0 || api_port_ == 0) return "no free port for PowerDNS";
    const std::string schema = PdnsSchema();
    if (schema.empty()) return "gsqlite3 schema not found (is pdns-backend-sqlite3 installed?)";
    sqlite3* db = nullptr;
    const std::string db_path = dir_ + "/pdns.sqlite3";
    int rc = sqlite3_open(db_path.c_str(), &db);
    if (rc == SQLITE_OK) rc = sqlite3_exec(db, schema.c_str(), nullptr, nullptr, nullptr);
    sqlite3_close(db);
    if (rc != SQLITE_OK) return "cannot create " + db_path;
    // As scripts/devstack.sh writes it: no caches, so API changes are served at once.
    std::ofstream(dir_ + "/pdns.conf")
        << "launch=gsqlite3\ngsqlite3-database=" << db_path
        << "\ngsqlite3-dnssec=no\nlocal-address=127.0.0.1\nlocal-port=" << dns_port_
        << "\nquery-local-address=127.0.0.1\nsocket-dir=" << dir_
        << "\ndaemon=no\nguardian=no\nwrite-pid=no\ndisable-syslog=yes\nloglevel=4\n"
           "api=yes\napi-key="
        << api_key_ << "\nwebserver=yes\nwebserver-address=127.0.0.1\nwebserver-port="
        << api_port_
        << "\nwebserver-allow-from=127.0.0.0/8\ncache-ttl=0\nnegquery-cache-ttl=0\n"
           "query-cache-ttl=0\nzone-metadata-cache-ttl=0\nzone-cache-refresh-interval=0\n"
           "security-poll-suffix=\nresolver=no\n"
           "default-soa-content=ns1.certadns.test hostmaster.@ 0 10800 3600 604800 3600\n"
           "primary=no\nsecondary=no\ndistributor-threads=1\nreceiver-threads=1\n";
    chmod((dir_ + "/pdns.conf").c_str(), 0600);
  }
  const std::string log = dir_ + "/pdns.log";
  pid_ = Spawn({EnvOr("PDNS_BIN", "/usr/sbin/pdns_server"), "--config-dir=" + dir_},
               {"PATH=/usr/sbin:/usr/bin:/bin"}, log);
  if (pid_ < 0) return "cannot start pdns_server";
  http::CurlHttpClient http({});
  const std::string probe = api_url() + "/api/v1/servers/localhost";
  return WaitReady(pid_, "pdns_server", log, seconds(20), [&] {
    auto answer = http.Send({.method = "GET",
                             .url = probe,
                             .headers = {{"X-API-Key", api_key_}},
                             .timeout = milliseconds(1000)});
    return answer.ok() && answer->status == 200;
  });
}

void OwnPowerDns::Stop() { StopPid(pid_); }

StackEnv OwnPowerDns::Use(StackEnv env) const {
  env.pdns_api_url = api_url();
  env.pdns_api_key = api_key_;
  env.pdns_server_id = "localhost";
  env.nameservers = {nameserver()};
  return env;
}

std::string OwnPebble::Start(const StackEnv& env, const std::string& dir,
                             const std::string& dns_server, int nonce_reject,
                             long validity_s) {
  const std::string stack_dir = EnvOr("STACK_DIR");
  if (stack_dir.empty()) return "STACK_DIR is not set (source the stack's env file)";
  const std::string tls = stack_dir + "/pebble/";
  port_ = FreePort();
  const int mgmt = FreePort();
  if (port_ == 0 || mgmt == 0) return "no free port for Pebble";
  directory_url_ = "https://127.0.0.1:" + std::to_string(port_) + "/dir";
  const std::string config = dir + "/pebble-config.json";
  // httpPort and tlsPort are only where Pebble's VA would connect (DNS-01 only here).
  std::ofstream(config) << "{\"pebble\": {\"listenAddress\": \"127.0.0.1:" << port_
                        << "\", \"managementListenAddress\": \"127.0.0.1:" << mgmt
                        << "\", \"certificate\": \"" << tls << "cert.pem\", \"privateKey\": \""
                        << tls << "key.pem\", \"httpPort\": " << FreePort()
                        << ", \"tlsPort\": " << FreePort()
                        << (validity_s > 0 ? ", \"certificateValidityPeriod\": " +
                                                 std::to_string(validity_s)
                                           : std::string())
                        << ", \"ocspResponderURL\": \"\", "
                           "\"externalAccountBindingRequired\": false}}\n";
  const std::string log = dir + "/pebble.log";
  pid_ = Spawn({EnvOr("PEBBLE_BIN", "/usr/bin/pebble"), "-config", config, "-dnsserver",
                dns_server},
               {"PEBBLE_VA_NOSLEEP=1", "PEBBLE_WFE_NONCEREJECT=" + std::to_string(nonce_reject),
                "PEBBLE_AUTHZREUSE=0", "PATH=/usr/bin:/bin"},
               log);
  if (pid_ < 0) return "cannot start pebble";
  http::CurlHttpClient http(http::CurlHttpClientOptions{.ca_bundle = env.acme_ca_bundle});
  return WaitReady(pid_, "pebble", log, seconds(20), [&] {
    auto answer = http.Send(
        {.method = "GET", .url = directory_url_, .timeout = milliseconds(1000)});
    return answer.ok() && answer->status == 200;
  });
}

void OwnPebble::Stop() { StopPid(pid_); }

}  // namespace certadns::test
