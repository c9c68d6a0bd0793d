// The HTTP server against hostile clients, black-box over TCP against the real binary: idle
// and trickling connections, deadlines and connection caps, answers the server writes
// itself (always a JSON {"detail", "code"}), both forms of every route, SIGTERM with
// clients connected, and the dashboard's files. Each test runs its own `certadns serve`.
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>

#include <nlohmann/json.hpp>

#include "http/curl_http_client.h"
#include "tests/support/service_process.h"
#include "tests/support/slow_clients.h"
#include "tests/support/stack_env.h"
#include "tests/support/temp_dir.h"

namespace certadns::test {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;
using std::chrono::seconds;

struct Answer {
  int status = 0;  // 0: no HTTP answer
  std::string head;
  std::string body;
  nlohmann::json json;  // null unless the body is JSON
  std::string Describe() const { return std::to_string(status) + " " + head + "\n" + body; }
};

// Sends `request` as is over one connection from 127.0.0.`source`, reads until the server
// closes it (or 5 s), and splits the first answer.
Answer Raw(int port, const std::string& request, int source = 1) {
  Answer answer;
  int fd = ConnectFrom(source, port, milliseconds(2000));
  if (fd < 0) return answer;
  std::string got;
  size_t sent = 0;
  auto end = Clock::now() + seconds(5);
  while (Clock::now() < end) {
    if (sent < request.size()) {
      ssize_t n = send(fd, request.data() + sent, request.size() - sent, MSG_NOSIGNAL);
      if (n > 0) sent += static_cast<size_t>(n);
    }
    char buf[8192];
    ssize_t n = recv(fd, buf, sizeof buf, MSG_DONTWAIT);
    if (n > 0) {
      got.append(buf, static_cast<size_t>(n));
      continue;
    }
    if (n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)) break;
    std::this_thread::sleep_for(milliseconds(5));
  }
  close(fd);
  auto split = got.find("\r\n\r\n");
  if (got.rfind("HTTP/1.1 ", 0) != 0 || split == std::string::npos) return answer;
  answer.status = std::atoi(got.c_str() + 9);
  answer.head = got.substr(0, split);
  answer.body = got.substr(split + 4);
  answer.json = nlohmann::json::parse(answer.body, nullptr, false);
  if (answer.json.is_discarded()) answer.json = nullptr;
  return answer;
}

::testing::AssertionResult IsJsonError(const Answer& a, int status) {
  if (a.status != status) {
    return ::testing::AssertionFailure() << "want " << status << ", got " << a.Describe();
  }
  if (!a.json.is_object() || !a.json.contains("detail") || !a.json.contains("code") ||
      !a.json["detail"].is_string() || !a.json["code"].is_string()) {
    return ::testing::AssertionFailure() << "want a JSON {detail, code}, got " << a.Describe();
  }
  return ::testing::AssertionSuccess();
}

class HttpServerE2e : public ::testing::Test {
 protected:
  void SetUp() override {
    env_ = ReadStackEnv();
    if (!env_) {
      if (EnvOr("CERTADNS_REQUIRE_STACK") == "1") FAIL() << "the devstack is required";
      GTEST_SKIP() << "no devstack (scripts/devstack.sh up; source its env)";
    }
    RaiseOpenFileLimit(8192);  // the service, started from here, inherits it
  }

  // Starts the service with the stack's config plus `extra`; makes a Pro user and its key.
  void StartService(ConfigValues extra = {}) {
    ConfigValues config = StackConfig(*env_);
    for (const auto& [section, values] : extra) {
      for (const auto& [key, value] : values) config[section][key] = value;
    }
    std::string error = service_.Start(config);
    ASSERT_EQ(error, "");
    std::string email = "http-" + std::to_string(getpid()) + "@example.test";
    CommandResult added = service_.Cli({"user", "add", "--email", email, "--plan", "pro"});
    ASSERT_EQ(added.exit_code, 0) << added.Describe();
    CommandResult key = service_.Cli({"apikey", "create", "--email", email});
    ASSERT_EQ(key.exit_code, 0) << key.Describe();
    api_key_ = key.out.substr(0, key.out.find_last_not_of(" \r\n") + 1);
  }

  // GET `path` with the API key (when `auth`); the answer and how long it took.
  std::pair<long, milliseconds> Timed(const std::string& path, bool auth) {
    http::Request request;
    request.url = service_.base_url() + path;
    request.timeout = milliseconds(5000);
    if (auth) request.headers.push_back({"Authorization", "Bearer " + api_key_});
    auto start = Clock::now();
    auto response = http_.Send(request);
    auto took = std::chrono::duration_cast<milliseconds>(Clock::now() - start);
    return {response.ok() ? response->status : 0, took};
  }

  std::optional<StackEnv> env_;
  ServiceProcess service_;
  http::CurlHttpClient http_{{}};
  std::string api_key_;
};

TEST_F(HttpServerE2e, IdleAndTricklingClientsDoNotStarveTheApi) {
  StartService();
  SlowClients clients(service_.port(), /*addresses=*/20);
  ASSERT_EQ(clients.StartTricklers(100, seconds(1)), 100);
  ASSERT_EQ(clients.OpenIdle(1000), 1000);
  std::this_thread::sleep_for(seconds(1));
  for (int round = 0; round < 10; ++round) {
    auto [health, health_took] = Timed("/healthz", false);
    EXPECT_EQ(health, 200);
    EXPECT_LT(health_took, seconds(2)) << "/healthz under load";
    auto [list, list_took] = Timed("/api/v1/certificates", true);
    EXPECT_EQ(list, 200);
    EXPECT_LT(list_took, seconds(2)) << "GET /api/v1/certificates under load";
  }
}

TEST_F(HttpServerE2e, TricklerIsCutOffAtTheRequestDeadlineAndIdleConnectionsClosed) {
  StartService({{"limits", {{"request_timeout_s", "2"}, {"idle_timeout_s", "1"}}}});
  SlowClients clients(service_.port(), 2);
  ASSERT_EQ(clients.StartTricklers(1, milliseconds(100)), 1);  // keeps sending, never done
  ASSERT_EQ(clients.OpenIdle(1), 1);
  auto end = Clock::now() + seconds(8);
  while (Clock::now() < end &&
         (clients.TricklersClosedByServer() < 1 || clients.IdleClosedByServer() < 1)) {
    std::this_thread::sleep_for(milliseconds(100));
  }
  EXPECT_EQ(clients.TricklersClosedByServer(), 1) << "a trickler must be cut off";
  EXPECT_EQ(clients.IdleClosedByServer(), 1) << "an idle connection must be closed";
  std::string replies = clients.TricklerReplies();
  EXPECT_EQ(replies.rfind("HTTP/1.1 408", 0), 0u) << replies;
  EXPECT_NE(replies.find("\"code\""), std::string::npos) << replies;
}

TEST_F(HttpServerE2e, ConnectionsAreCappedPerAddressAndOthersStillServed) {
  StartService({{"limits", {{"max_connections_per_ip", "5"}}}});
  SlowClients clients(service_.port(), /*addresses=*/1);  // all from 127.0.0.2
  ASSERT_EQ(clients.OpenIdle(10), 10);
  auto end = Clock::now() + seconds(3);
  while (Clock::now() < end && clients.IdleClosedByServer() < 5) {
    std::this_thread::sleep_for(milliseconds(50));
  }
  EXPECT_EQ(clients.IdleClosedByServer(), 5) << "the 6th and later connections are refused";
  // 127.0.0.2 is at its cap: refused, with a 503 when the client can still read it.
  Answer refused = Raw(service_.port(), "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n", 2);
  if (refused.status != 0) {
    EXPECT_TRUE(IsJsonError(refused, 503));
  }
  EXPECT_EQ(Timed("/healthz", false).first, 200) << "127.0.0.1 is not";
}

TEST_F(HttpServerE2e, ConnectionsAreCappedGlobally) {
  StartService({{"limits", {{"max_connections", "20"}}}});
  SlowClients clients(service_.port(), /*addresses=*/10);
  ASSERT_EQ(clients.OpenIdle(30), 30);
  auto end = Clock::now() + seconds(3);
  while (Clock::now() < end && clients.IdleClosedByServer() < 10) {
    std::this_thread::sleep_for(milliseconds(50));
  }
  EXPECT_EQ(clients.IdleClosedByServer(), 10);
}

TEST_F(HttpServerE2e, InvalidUtf8InThePathIsA404AndTheServiceLives) {
  StartService();
  for (const char* path : {"/api/v1/%ff", "/api/v1/\xff\xfe", "/api/v1/certificates/%c3%28"}) {
    SCOPED_TRACE(path);
    Answer a = Raw(service_.port(), std::string("GET ") + path +
                                        " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    EXPECT_TRUE(a.status == 404 || a.status == 400) << a.Describe();
    EXPECT_TRUE(IsJsonError(a, a.status));
  }
  EXPECT_EQ(Timed("/healthz", false).first, 200);
}

TEST_F(HttpServerE2e, AnswersTheServerWritesItselfAreJson) {
  StartService();
  const int port = service_.port();
  auto auth = "Authorization: Bearer " + api_key_ + "\r\n";
  std::string big(1024 * 1024 + 1, 'x');
  EXPECT_TRUE(IsJsonError(Raw(port, "POST /api/v1/certificates HTTP/1.1\r\nHost: x\r\n" + auth +
                                        "Content-Type: application/json\r\nContent-Length: " +
                                        std::to_string(big.size()) + "\r\n\r\n" + big),
                          413));
  Answer huge_header = Raw(port, "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: " +
                                     std::string(64 * 1024, 'a') + "\r\n\r\n");
  EXPECT_TRUE(huge_header.status == 431 || huge_header.status == 400) << huge_header.Describe();
  EXPECT_TRUE(IsJsonError(huge_header, huge_header.status));
  EXPECT_TRUE(IsJsonError(Raw(port, "THIS IS NOT HTTP\r\n\r\n"), 400));
  EXPECT_TRUE(IsJsonError(
      Raw(port, "GET /api/v1/nope HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"), 404));
  EXPECT_TRUE(IsJsonError(Raw(port, "PATCH /api/v1/certificates HTTP/1.1\r\nHost: x\r\n" + auth +
                                        "Connection: close\r\n\r\n"),
                          405));
}

TEST_F(HttpServerE2e, ExpectContinueGetsTheGoAheadThenTheAnswer) {
  StartService();
  Answer a = Raw(service_.port(), "POST /api/v1/certificates HTTP/1.1\r\nHost: x\r\n"
                                  "Authorization: Bearer " + api_key_ + "\r\n"
                                  "Content-Type: application/json\r\nContent-Length: 2\r\n"
                                  "Expect: 100-continue\r\nConnection: close\r\n\r\n{}");
  EXPECT_EQ(a.status, 100) << a.Describe();
  // After the go-ahead, the handler's answer: a 400 naming the missing field.
  EXPECT_EQ(a.body.rfind("HTTP/1.1 400", 0), 0u) << a.body;
  EXPECT_NE(a.body.find("\"detail\""), std::string::npos) << a.body;
}

TEST_F(HttpServerE2e, EveryRouteAnswersWithAndWithoutTheTrailingSlash) {
  StartService();
  EXPECT_EQ(Timed("/api/v1/certificates", true).first, 200);
  EXPECT_EQ(Timed("/api/v1/certificates/", true).first, 200);
  EXPECT_EQ(Timed("/api/v1/me/", true).first, 200);
  EXPECT_EQ(Timed("/api/v1/openapi.json/", false).first, 200);
  Answer post = Raw(service_.port(), "POST /api/v1/certificates/ HTTP/1.1\r\nHost: x\r\n"
                                     "Authorization: Bearer " + api_key_ + "\r\n"
                                     "Content-Type: application/json\r\nContent-Length: 2\r\n"
                                     "Connection: close\r\n\r\n{}");
  EXPECT_TRUE(IsJsonError(post, 400)) << "reaches the handler, which names the missing field";
}

TEST_F(HttpServerE2e, SigtermReturnsWithinFiveSecondsWithSlowClientsConnected) {
  StartService();
  SlowClients clients(service_.port(), 20);
  ASSERT_EQ(clients.StartTricklers(100, seconds(1)), 100);
  ASSERT_EQ(clients.OpenIdle(1000), 1000);
  std::this_thread::sleep_for(seconds(2));
  auto start = Clock::now();
  int status = service_.Stop(seconds(5));
  EXPECT_LT(Clock::now() - start, seconds(5));
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "wait status " << status;
}

TEST_F(HttpServerE2e, ServesTheDashboardSafelyWithItsHeaders) {
  TempDir web;
  std::filesystem::create_directories(web.File("assets"));
  std::ofstream(web.File("index.html")) << "<!doctype html><title>CertaDNS</title>";
  std::ofstream(web.File("assets/app-3f2a1b.js")) << "console.log(1)";
  std::ofstream(web.File("assets/app-3f2a1b.css")) << "body{}";
  TempDir outside;  // a secret next to the web root, which no path may reach
  std::ofstream(outside.File("secret.txt")) << "top secret";
  StartService({{"server", {{"web_root", Toml(web.path())}}}});
  const int port = service_.port();
  auto get = [&](const std::string& path) {
    return Raw(port, "GET " + path + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  };
  auto has = [](const Answer& a, const std::string& header) {
    return a.head.find(header) != std::string::npos;
  };

  Answer index = get("/");
  EXPECT_EQ(index.status, 200);
  EXPECT_EQ(index.body, "<!doctype html><title>CertaDNS</title>");
  EXPECT_TRUE(has(index, "Content-Type: text/html")) << index.head;
  EXPECT_TRUE(has(index, "Cache-Control: no-store")) << index.head;
  Answer js = get("/assets/app-3f2a1b.js");
  EXPECT_EQ(js.body, "console.log(1)");
  EXPECT_TRUE(has(js, "Content-Type: text/javascript")) << js.head;
  EXPECT_TRUE(has(js, "Cache-Control: public, max-age=31536000, immutable")) << js.head;
  EXPECT_TRUE(has(get("/assets/app-3f2a1b.css"), "Content-Type: text/css"));
  Answer route = get("/certificates/cert_abc");  // a client-side route
  EXPECT_EQ(route.status, 200);
  EXPECT_EQ(route.body, index.body);
  EXPECT_TRUE(IsJsonError(get("/api/v1/nothing-here"), 404));
  for (const Answer& a : {index, js, route, get("/api/v1/nothing-here"), get("/healthz")}) {
    EXPECT_TRUE(has(a, "X-Content-Type-Options: nosniff")) << a.head;
    EXPECT_TRUE(has(a, "Referrer-Policy: no-referrer")) << a.head;
    EXPECT_TRUE(has(a, "Content-Security-Policy: ")) << a.head;
    EXPECT_TRUE(has(a, "frame-ancestors 'none'")) << a.head;
    EXPECT_FALSE(has(a, "unsafe-inline")) << a.head;
  }
  std::string up = "/../" + std::filesystem::path(outside.path()).filename().string();
  for (const std::string& path : std::vector<std::string>{
           up + "/secret.txt", "/assets/../../" + up + "/secret.txt", "/%2e%2e/%2e%2e/etc/passwd",
           "/..%2f..%2fetc/passwd", "/../../../../etc/passwd"}) {
    Answer a = get(path);
    EXPECT_EQ(a.body.find("top secret"), std::string::npos) << path;
    EXPECT_EQ(a.body.find("root:"), std::string::npos) << path;
  }
}

}  // namespace
}  // namespace certadns::test
