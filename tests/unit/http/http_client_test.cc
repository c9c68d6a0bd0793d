// Response header lookups: names compare case-insensitively (RFC 9110 §5.1).
#include "http/http_client.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace certadns::http {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

Response MakeResponse() {
  Response response;
  response.status = 201;
  response.headers = {{"Replay-Nonce", "nonce-1"},
                      {"link", "<https://ca/dir>;rel=\"index\""},
                      {"Location", "https://ca/order/1"},
                      {"LINK", "<https://ca/alt>;rel=\"alternate\""}};
  return response;
}

TEST(ResponseTest, FindHeaderIgnoresCase) {
  const Response response = MakeResponse();
  EXPECT_EQ(response.FindHeader("replay-nonce"), "nonce-1");
  EXPECT_EQ(response.FindHeader("REPLAY-NONCE"), "nonce-1");
  EXPECT_EQ(response.FindHeader("location"), "https://ca/order/1");
}

TEST(ResponseTest, FindHeaderReturnsFirstOfSeveral) {
  EXPECT_EQ(MakeResponse().FindHeader("Link"), "<https://ca/dir>;rel=\"index\"");
}

TEST(ResponseTest, FindHeaderOfAbsentNameIsEmpty) {
  EXPECT_EQ(MakeResponse().FindHeader("Retry-After"), std::nullopt);
  EXPECT_EQ(MakeResponse().FindHeader("Locatio"), std::nullopt);
}

TEST(ResponseTest, FindHeadersReturnsAllInArrivalOrder) {
  EXPECT_THAT(MakeResponse().FindHeaders("Link"),
              ElementsAre("<https://ca/dir>;rel=\"index\"", "<https://ca/alt>;rel=\"alternate\""));
  EXPECT_THAT(MakeResponse().FindHeaders("x-missing"), IsEmpty());
}

}  // namespace
}  // namespace certadns::http
