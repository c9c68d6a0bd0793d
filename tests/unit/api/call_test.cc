// Call::JsonObject: a request body is one JSON object and nothing else.
#include "api/call.h"

#include <gtest/gtest.h>

#include "core/errors.h"

namespace certadns::api {
namespace {

core::Result<nlohmann::json> Parse(std::string body) {
  Call call;
  call.body = std::move(body);
  return call.JsonObject();
}

TEST(CallTest, AcceptsOneObjectWithSurroundingWhitespace) {
  auto json = Parse(" \r\n{\"domain\": \"app.example.com\"}\n\t ");
  ASSERT_TRUE(json.ok()) << json.error().message();
  EXPECT_EQ(json->value("domain", ""), "app.example.com");
}

TEST(CallTest, RefusesAnythingAfterTheDocument) {
  struct Case {
    std::string_view desc;
    std::string body;
  };
  const Case cases[] = {
      {"a NUL byte", std::string("{\"domain\": \"a.example.com\"}\0", 28)},
      {"a NUL byte and more", std::string("{\"domain\": \"a.example.com\"}\0{}", 30)},
      {"a NUL byte before the document", std::string("\0{}", 3)},
      {"a second document", "{} {}"},
      {"a word", "{} x"},
      {"a stray brace", "{}}"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.desc);
    auto json = Parse(c.body);
    ASSERT_FALSE(json.ok());
    EXPECT_EQ(json.error().code(), core::ErrorCode::kInvalidArgument);
    EXPECT_NE(json.error().message().find("JSON"), std::string::npos) << json.error().message();
  }
}

}  // namespace
}  // namespace certadns::api
