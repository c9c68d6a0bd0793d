// CurlHttpClient input checks that need no network: bad requests are refused before curl
// sends anything, and only http/https URLs are allowed.
#include "http/curl_http_client.h"

#include <gtest/gtest.h>

namespace certadns::http {
namespace {

core::ErrorCode SendAndGetCode(Request request) {
  CurlHttpClient client(CurlHttpClientOptions{});
  core::Result<Response> response = client.Send(request);
  EXPECT_FALSE(response.ok());
  return response.ok() ? core::ErrorCode::kInternal : response.error().code();
}

TEST(CurlHttpClientTest, RefusesNonHttpSchemes) {
  struct Case {
    std::string_view desc;
    std::string url;
  };
  const Case cases[] = {
      {"local file", "file:///etc/hostname"},
      {"ftp", "ftp://127.0.0.1/x"},
      {"gopher", "gopher://127.0.0.1/x"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.desc);
    Request request;
    request.url = c.url;
    EXPECT_EQ(SendAndGetCode(request), core::ErrorCode::kInvalidArgument);
  }
}

TEST(CurlHttpClientTest, RefusesMethodThatIsNotAToken) {
  Request request;
  request.method = "GET / HTTP/1.1\r\nHost: x\r\n\r\nGET";
  request.url = "http://127.0.0.1:1/";
  EXPECT_EQ(SendAndGetCode(request), core::ErrorCode::kInvalidArgument);
}

TEST(CurlHttpClientTest, RefusesHeaderWithLineBreak) {
  Request request;
  request.url = "http://127.0.0.1:1/";
  request.headers.push_back({"X-Test", "a\r\nX-Injected: b"});
  EXPECT_EQ(SendAndGetCode(request), core::ErrorCode::kInvalidArgument);
}

TEST(CurlHttpClientTest, RefusesMalformedUrl) {
  Request request;
  request.url = "http://[::1/";  // unbalanced bracket, never resolved
  EXPECT_EQ(SendAndGetCode(request), core::ErrorCode::kInvalidArgument);
}

}  // namespace
}  // namespace certadns::http
