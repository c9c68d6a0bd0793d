// The HTTP server's socket-free decisions: routes with and without the trailing slash, 404
// vs 405, the client address behind trusted proxies, the query string, the dashboard's
// files (never outside the web root), and JSON text that never throws on bad UTF-8.
#include "api/http_front.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "tests/support/temp_dir.h"

namespace certadns::api {
namespace {

TEST(MatchRouteTest, EveryRouteMatchesWithAndWithoutTheTrailingSlash) {
  for (const Route& route : Routes()) {
    std::string path = std::string(kApiBase) + std::string(route.path);
    std::string concrete;
    for (size_t i = 0; i < path.size(); ++i) {
      if (path[i] == '{') {
        concrete += "cert_abc-1";
        i = path.find('}', i);
      } else {
        concrete += path[i];
      }
    }
    for (const std::string& form : {concrete, concrete + "/"}) {
      SCOPED_TRACE(std::string(route.method) + " " + form);
      RouteMatch m = MatchRoute(route.method, form);
      ASSERT_EQ(m.kind, RouteMatch::kFound);
      EXPECT_EQ(m.route->path, route.path);
      EXPECT_EQ(m.route->method, route.method);
    }
  }
}

TEST(MatchRouteTest, CapturesParametersAndRefusesOddOnes) {
  RouteMatch m = MatchRoute("GET", "/api/v1/certificates/cert_1/logs");
  ASSERT_EQ(m.kind, RouteMatch::kFound);
  EXPECT_EQ(m.params, std::vector<std::string>{"cert_1"});
  EXPECT_EQ(MatchRoute("GET", "/api/v1/certificates/%ff").kind, RouteMatch::kNotFound);
  EXPECT_EQ(MatchRoute("GET", "/api/v1/certificates/a.b").kind, RouteMatch::kNotFound);
  EXPECT_EQ(MatchRoute("GET", "/api/v1/certificates//logs").kind, RouteMatch::kNotFound);
  EXPECT_EQ(MatchRoute("GET", "/api/v1/certificates//").kind, RouteMatch::kNotFound);
  EXPECT_EQ(MatchRoute("GET", "/api/v1").kind, RouteMatch::kNotFound);
  EXPECT_EQ(MatchRoute("GET", "/api/v1/").kind, RouteMatch::kNotFound);
  EXPECT_EQ(MatchRoute("GET", "/api/v2/certificates").kind, RouteMatch::kNotFound);
}

TEST(MatchRouteTest, AKnownPathWithAnotherMethodIsWrongMethodWithAllow) {
  RouteMatch m = MatchRoute("PATCH", "/api/v1/certificates/");
  EXPECT_EQ(m.kind, RouteMatch::kWrongMethod);
  EXPECT_EQ(m.allow, "GET, POST");
}

TEST(ClientAddressTest, ForwardedForIsBelievedOnlyFromATrustedProxy) {
  const std::vector<std::string> proxies = {"10.0.0.1", "10.0.0.2"};
  // Not a proxy: its header is ignored.
  EXPECT_EQ(ClientAddress("203.0.113.9", "198.51.100.7", proxies), "203.0.113.9");
  EXPECT_EQ(ClientAddress("203.0.113.9", "198.51.100.7", {}), "203.0.113.9");
  // A proxy: the right-most address that is not one of ours.
  EXPECT_EQ(ClientAddress("10.0.0.1", "198.51.100.7", proxies), "198.51.100.7");
  EXPECT_EQ(ClientAddress("10.0.0.1", "6.6.6.6, 198.51.100.7, 10.0.0.2", proxies),
            "198.51.100.7") << "a client cannot choose its address by sending the header";
  EXPECT_EQ(ClientAddress("10.0.0.1", "10.0.0.2", proxies), "10.0.0.2");
  EXPECT_EQ(ClientAddress("10.0.0.1", " 2001:DB8::1 ", proxies), "2001:db8::1");
  // Absent or broken: the peer.
  EXPECT_EQ(ClientAddress("10.0.0.1", "", proxies), "10.0.0.1");
  EXPECT_EQ(ClientAddress("10.0.0.1", "not-an-ip", proxies), "10.0.0.1");
  EXPECT_EQ(ClientAddress("10.0.0.1", "198.51.100.7,,", proxies), "10.0.0.1");
}

TEST(IsTrustedProxyTest, ACidrTrustsItsWholeNetworkAndNothingElse) {
  const std::vector<std::string> proxies = {"10.1.0.0/16", "2001:db8:aa::/48", "192.0.2.7/32"};
  EXPECT_TRUE(IsTrustedProxy("10.1.0.1", proxies));
  EXPECT_TRUE(IsTrustedProxy("10.1.255.254", proxies));
  EXPECT_FALSE(IsTrustedProxy("10.2.0.1", proxies));
  EXPECT_FALSE(IsTrustedProxy("11.1.0.1", proxies));
  EXPECT_TRUE(IsTrustedProxy("2001:db8:aa:ffff::9", proxies));
  EXPECT_FALSE(IsTrustedProxy("2001:db8:ab::9", proxies));
  EXPECT_TRUE(IsTrustedProxy("192.0.2.7", proxies));
  EXPECT_FALSE(IsTrustedProxy("192.0.2.8", proxies));
  // An IPv4 peer never matches an IPv6 network, nor a broken entry anything.
  EXPECT_FALSE(IsTrustedProxy("10.1.0.1", {"::/0"}));
  EXPECT_FALSE(IsTrustedProxy("10.1.0.1", {"10.1.0.0/33", "10.1.0.0/x", "/16", "10.1.0.0/"}));
  EXPECT_TRUE(IsTrustedProxy("10.1.0.1", {"0.0.0.0/0"}));
  EXPECT_EQ(ClientAddress("10.1.3.4", "198.51.100.7, 10.1.9.9", proxies), "198.51.100.7");
}

TEST(IsTrustedProxyTest, ComparesCanonicalAddresses) {
  EXPECT_TRUE(IsTrustedProxy("2001:db8::1", {"10.0.0.1", "2001:DB8:0::1"}));
  EXPECT_TRUE(IsTrustedProxy("10.0.0.1", {"10.0.0.1"}));
  EXPECT_FALSE(IsTrustedProxy("10.0.0.2", {"10.0.0.1"}));
  EXPECT_FALSE(IsTrustedProxy("", {""}));
}

TEST(SplitTargetTest, DecodesTheQuery) {
  auto [path, query] = SplitTarget("/api/v1/certificates/c1?revoke=true&x=a%20b+c&flag");
  EXPECT_EQ(path, "/api/v1/certificates/c1");
  EXPECT_EQ(query.at("revoke"), "true");
  EXPECT_EQ(query.at("x"), "a b c");
  EXPECT_EQ(query.at("flag"), "");
  EXPECT_EQ(SplitTarget("/healthz").first, "/healthz");
  EXPECT_TRUE(SplitTarget("/healthz").second.empty());
}

class ResolveStaticTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::filesystem::create_directories(root_.File("assets"));
    std::ofstream(root_.File("index.html")) << "index";
    std::ofstream(root_.File("assets/app-1a2b.js")) << "js";
    std::ofstream(root_.File("favicon.ico")) << "ico";
    std::ofstream(root_.File(".env")) << "secret";
    std::ofstream(outside_.File("secret.txt")) << "secret";
  }
  test::TempDir root_;
  test::TempDir outside_;
};

TEST_F(ResolveStaticTest, ServesFilesWithTheirTypeAndCaching) {
  auto js = ResolveStatic(root_.path(), "/assets/app-1a2b.js");
  ASSERT_TRUE(js);
  EXPECT_EQ(js->content_type, "text/javascript; charset=utf-8");
  EXPECT_EQ(js->cache_control, "public, max-age=31536000, immutable");
  auto ico = ResolveStatic(root_.path(), "/favicon.ico");
  ASSERT_TRUE(ico);
  EXPECT_EQ(ico->content_type, "image/x-icon");
  EXPECT_EQ(ico->cache_control, "no-cache");
  for (const char* path : {"/", "/index.html", "/certificates/cert_1", "/zones/"}) {
    SCOPED_TRACE(path);
    auto index = ResolveStatic(root_.path(), path);
    ASSERT_TRUE(index);
    EXPECT_EQ(std::filesystem::path(index->file).filename(), "index.html");
    EXPECT_EQ(index->cache_control, "no-store");
    EXPECT_EQ(index->content_type, "text/html; charset=utf-8");
  }
  EXPECT_FALSE(ResolveStatic(root_.path(), "/assets/missing-9z.js"));
  EXPECT_FALSE(ResolveStatic("", "/"));
  EXPECT_FALSE(ResolveStatic(outside_.path(), "/")) << "no index.html";
}

TEST_F(ResolveStaticTest, NeverLeavesTheWebRoot) {
  std::string out = std::filesystem::path(outside_.path()).filename().string();
  std::filesystem::create_symlink(outside_.File("secret.txt"), root_.File("assets/link.js"));
  for (const std::string& path :
       {"/../" + out + "/secret.txt", "/assets/../../" + out + "/secret.txt",
        "/%2e%2e/" + out + "/secret.txt", "/..%2f" + out + "%2fsecret.txt", std::string("/.env"),
        std::string("/assets/link.js"), std::string("/..\\etc\\passwd"),
        std::string("/etc/passwd\0x", 13)}) {
    SCOPED_TRACE(path);
    auto file = ResolveStatic(root_.path(), path);
    if (file) {
      EXPECT_EQ(std::filesystem::path(file->file).filename(), "index.html");
    }
  }
}

TEST(JsonTextTest, InvalidUtf8IsReplacedNotThrown) {
  std::string text;
  EXPECT_NO_THROW(text = JsonText({{"detail", "No such endpoint: GET /api/v1/\xff"}}));
  EXPECT_NE(text.find("\xEF\xBF\xBD"), std::string::npos) << text;
}

TEST(SecurityHeadersTest, ForbidInlineScriptAndFraming) {
  std::map<std::string, std::string> h(SecurityHeaders().begin(), SecurityHeaders().end());
  EXPECT_NE(h["Content-Security-Policy"].find("frame-ancestors 'none'"), std::string::npos);
  EXPECT_NE(h["Content-Security-Policy"].find("script-src 'self'"), std::string::npos);
  EXPECT_EQ(h["Content-Security-Policy"].find("unsafe-inline"), std::string::npos);
  EXPECT_EQ(h["X-Content-Type-Options"], "nosniff");
  EXPECT_EQ(h["Referrer-Policy"], "no-referrer");
}

}  // namespace
}  // namespace certadns::api
