// The API's JSON shapes hold only valid UTF-8, whatever the store returns.
#include "api/dto.h"

#include <gtest/gtest.h>

namespace certadns::api {
namespace {

TEST(DtoTest, AnEventStoredWithInvalidUtf8IsServedAsValidText) {
  // A row written before upstream text was made safe: a CA detail cut inside a character.
  core::CertificateEvent event{core::TimePoint(), core::EventLevel::kError,
                               "Issuance failed: dns: caf\xC3"};
  nlohmann::json logs = {{"logs", nlohmann::json::array({EventJson(event)})}};
  std::string text;
  EXPECT_NO_THROW(text = logs.dump());
  EXPECT_NE(text.find("Issuance failed: dns: caf"), std::string::npos) << text;
}

}  // namespace
}  // namespace certadns::api
