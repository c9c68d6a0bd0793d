// libFuzzer target: the ACME response parsers (acme/types.h). The input is a response body
// from the CA; it is parsed as JSON and handed to each of ParseProblem, ParseChallenge,
// ParseAuthorization, ParseOrder and ParseDirectory, as the client does with what a CA
// answers. What they
// accept is described (Problem::Describe, ProblemToError) and serialised the way a
// certificate's log entry is; nothing may crash or throw.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "acme/types.h"

namespace {

using certadns::acme::Problem;

void Serialise(const std::string& text) {
  // The certificate's log goes out as JSON (GET /certificates/{id}/logs). Invalid UTF-8 is
  // replaced rather than thrown on: whether upstream text must be valid is the service's
  // rule (issue 6, defect 1), not this parser's.
  (void)nlohmann::json(text).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

void Describe(const Problem& problem) {
  Serialise(problem.Describe());
  Serialise(problem.ShortType());
  Serialise(certadns::acme::ProblemToError(problem, std::nullopt).message());
  Serialise(certadns::acme::ProblemToError(problem, 3600).message());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  nlohmann::json json = nlohmann::json::parse(data, data + size, nullptr,
                                              /*allow_exceptions=*/false);
  if (json.is_discarded()) return 0;

  if (auto problem = certadns::acme::ParseProblem(json); problem.ok()) {
    Describe(problem.value());
  } else {
    Serialise(problem.error().message());
  }
  if (auto challenge = certadns::acme::ParseChallenge(json); challenge.ok()) {
    if (challenge.value().error) Describe(*challenge.value().error);
  }
  if (auto authorization = certadns::acme::ParseAuthorization(json); authorization.ok()) {
    (void)authorization.value().FindChallenge("dns-01");
    for (const auto& challenge : authorization.value().challenges) {
      if (challenge.error) Describe(*challenge.error);
    }
  }
  if (auto order = certadns::acme::ParseOrder(json); order.ok()) {
    if (order.value().error) Describe(*order.value().error);
  } else {
    Serialise(order.error().message());
  }
  if (auto directory = certadns::acme::ParseDirectory(json); directory.ok()) {
    const auto& d = directory.value();
    Serialise(d.new_nonce + d.new_account + d.new_order + d.revoke_cert);
  } else {
    Serialise(directory.error().message());
  }
  return 0;
}
