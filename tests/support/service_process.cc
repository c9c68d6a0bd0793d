#include "tests/support/service_process.h"
#include "tests/support/file_text.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <thread>

#include "http/curl_http_client.h"

extern char** environ;

namespace certadns::test {
namespace {

using Clock = std::chrono::steady_clock;

// Starts `args` with the environment minus CERTADNS_* (plus `extra_env`), stdout and stderr
// appended to the given files. -1 when it could not be started.
pid_t Spawn(const std::vector<std::string>& args, const std::string& out_path,
            const std::string& err_path, const std::vector<std::string>& extra_env) {
  std::vector<std::string> env_strings;
  for (char** e = environ; *e != nullptr; ++e) {
    if (std::string_view(*e).rfind("CERTADNS_", 0) != 0) env_strings.emplace_back(*e);
  }
  env_strings.insert(env_strings.end(), extra_env.begin(), extra_env.end());
  std::vector<char*> envp;
  for (auto& s : env_strings) envp.push_back(s.data());
  envp.push_back(nullptr);

  std::vector<std::string> argv_strings = args;
  std::vector<char*> argv;
  for (auto& a : argv_strings) argv.push_back(a.data());
  argv.push_back(nullptr);

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 1, out_path.c_str(),
                                   O_WRONLY | O_CREAT | O_APPEND, 0600);
  if (err_path == out_path) {
    posix_spawn_file_actions_adddup2(&actions, 1, 2);
  } else {
    posix_spawn_file_actions_addopen(&actions, 2, err_path.c_str(),
                                     O_WRONLY | O_CREAT | O_APPEND, 0600);
  }
  pid_t pid = -1;
  int rc = posix_spawn(&pid, argv[0], &actions, nullptr, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  return rc == 0 ? pid : -1;
}

// Waits for `pid` up to `limit`; returns true with its wait status once it exited.
bool WaitFor(pid_t pid, std::chrono::milliseconds limit, int* status) {
  auto deadline = Clock::now() + limit;
  while (true) {
    pid_t done = waitpid(pid, status, WNOHANG);
    if (done == pid) return true;
    if (done < 0) {
      *status = -1;
      return true;  // not our child any more (already reaped)
    }
    if (Clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

std::string DescribeStatus(int status) {
  if (status == -1) return "not waited for";
  if (WIFEXITED(status)) return "exit code " + std::to_string(WEXITSTATUS(status));
  if (WIFSIGNALED(status)) return "killed by signal " + std::to_string(WTERMSIG(status));
  return "status " + std::to_string(status);
}

}  // namespace

std::string Toml(const std::string& value) {
  std::string out = "\"";
  for (char c : value) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

std::string TomlList(const std::vector<std::string>& values) {
  std::string out = "[";
  for (size_t i = 0; i < values.size(); ++i) out += (i ? ", " : "") + Toml(values[i]);
  return out + "]";
}

ConfigValues StackConfig(const StackEnv& env) {
  ConfigValues c;
  c["server"]["web_root"] = Toml("");
  c["acme"]["directory_url"] = Toml(env.acme_directory_url);
  c["acme"]["ca_bundle"] = Toml(env.acme_ca_bundle);
  c["powerdns"]["api_url"] = Toml(env.pdns_api_url);
  c["powerdns"]["api_key"] = Toml(env.pdns_api_key);
  c["powerdns"]["server_id"] = Toml(env.pdns_server_id);
  c["dns"]["nameservers"] = TomlList(env.nameservers);
  c["dns"]["propagation_delay_s"] = "0";
  c["dns"]["poll_interval_s"] = "0.2";
  c["issuance"]["key_pool"] = "4";
  // Every test client comes from 127.0.0.1 and suites make requests in quick loops: limits
  // far above what tests do; the throttle suite sets its own.
  c["limits"]["api_requests_per_s"] = "1000";
  c["limits"]["api_burst"] = "10000";
  c["limits"]["anonymous_requests_per_s"] = "1000";
  c["limits"]["anonymous_burst"] = "10000";
  c["limits"]["login_failures_per_address"] = "1000";
  if (!env.zones_verify_resolvers.empty()) {
    c["zones"]["verify_resolvers"] = TomlList(env.zones_verify_resolvers);
  }
  return c;
}

std::string CommandResult::Describe() const {
  return "exit " + std::to_string(exit_code) + "\n--- stdout:\n" + out + "\n--- stderr:\n" + err;
}

int PickFreePort() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return 0;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  int port = 0;
  socklen_t len = sizeof addr;
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 &&
      getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0) {
    port = ntohs(addr.sin_port);
  }
  close(fd);
  return port;
}

ServiceProcess::~ServiceProcess() { Stop(); }

std::string ServiceProcess::Start(ConfigValues config, std::chrono::seconds ready_within) {
  if (dir_.path().empty()) return "cannot create a temp dir";
  port_ = PickFreePort();
  if (port_ == 0) return "cannot pick a free port";
  config["server"]["listen"] = Toml("127.0.0.1:" + std::to_string(port_));
  if (database_url_.empty()) {
    auto given = config["database"].find("url");
    const char* backend = std::getenv("CERTADNS_TEST_DATABASE");
    if (given != config["database"].end()) {
      database_url_ = given->second.substr(1, given->second.size() - 2);  // unquoted
    } else if (backend != nullptr && std::string(backend) == "postgresql") {
      pg_ = std::make_unique<PgTestDatabase>();
      if (pg_->url().empty()) return "CERTADNS_TEST_DATABASE=postgresql: " + pg_->problem();
      database_url_ = pg_->url();
    } else {
      database_url_ = "sqlite://" + dir_.File("certadns.db");
    }
  }
  config["database"]["url"] = Toml(database_url_);
  // Several nodes share one master key (and database) when the caller names them.
  if (!config["secrets"].contains("master_key_file")) {
    config["secrets"]["master_key_file"] = Toml(dir_.File("master.key"));
  }
  config_file_ = dir_.File("certadns.toml");
  log_file_ = dir_.File("serve.log");
  {
    std::ofstream out(config_file_);
    for (const auto& [section, values] : config) {
      out << "[" << section << "]\n";
      for (const auto& [key, value] : values) out << key << " = " << value << "\n";
    }
  }

  pid_ = Spawn({CERTADNS_BINARY, "serve", "--config", config_file_}, log_file_, log_file_,
               {"CERTADNS_LOG_LEVEL=debug"});
  if (pid_ < 0) return std::string("cannot start ") + CERTADNS_BINARY;

  http::CurlHttpClient http({});
  auto deadline = Clock::now() + ready_within;
  std::string last = "no answer";
  while (Clock::now() < deadline) {
    int status = 0;
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      return "certadns serve exited during startup (" + DescribeStatus(status) + "):\n" +
             LogTail();
    }
    http::Request request;
    request.url = base_url() + "/healthz";
    request.timeout = std::chrono::milliseconds(1000);
    auto response = http.Send(request);
    if (response.ok() && response->status == 200) return "";
    last = response.ok() ? "HTTP " + std::to_string(response->status) + " " + response->body
                         : response.error().message();
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  Stop();
  return "certadns serve did not answer /healthz within " +
         std::to_string(ready_within.count()) + " s (last: " + last + "):\n" + LogTail();
}

int ServiceProcess::Stop(std::chrono::seconds grace) {
  if (pid_ <= 0) return -1;
  int status = -1;
  kill(pid_, SIGTERM);
  if (!WaitFor(pid_, grace, &status)) {
    kill(pid_, SIGKILL);
    WaitFor(pid_, std::chrono::seconds(10), &status);
  }
  pid_ = -1;
  return status;
}

int ServiceProcess::Kill() {
  if (pid_ <= 0) return -1;
  int status = -1;
  kill(pid_, SIGKILL);
  WaitFor(pid_, std::chrono::seconds(10), &status);
  pid_ = -1;
  return status;
}

CommandResult ServiceProcess::Cli(std::vector<std::string> args,
                                  std::chrono::seconds limit) const {
  static int counter = 0;
  const std::string tag = std::to_string(++counter);
  const std::string out_path = dir_.File("cli-" + tag + ".out");
  const std::string err_path = dir_.File("cli-" + tag + ".err");
  args.insert(args.begin(), CERTADNS_BINARY);
  args.push_back("--config");
  args.push_back(config_file_);
  CommandResult result;
  pid_t pid = Spawn(args, out_path, err_path, {});
  if (pid < 0) {
    result.err = std::string("cannot start ") + CERTADNS_BINARY;
    return result;
  }
  int status = 0;
  if (!WaitFor(pid, limit, &status)) {
    kill(pid, SIGKILL);
    WaitFor(pid, std::chrono::seconds(10), &status);
    result.err = "timed out after " + std::to_string(limit.count()) + " s\n";
  } else if (WIFEXITED(status)) {
    result.exit_code = WEXITSTATUS(status);
  }
  result.out = ReadFileText(out_path);
  result.err += ReadFileText(err_path);
  return result;
}

std::string ServiceProcess::LogTail(size_t bytes) const {
  std::string log = ReadFileText(log_file_);
  return log.size() > bytes ? "..." + log.substr(log.size() - bytes) : log;
}

}  // namespace certadns::test
