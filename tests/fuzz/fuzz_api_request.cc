// libFuzzer target: the request decoding of the API, the pure part of the handlers. The input
// is a request body. It is read the way POST /certificates reads it (Call::JsonObject, then
// the typed field readers of api/call.h for zone_id, domain, sans, wildcard and auto_renew,
// and the names rules on domain and each SAN), and like the one-field bodies of the other
// routes (name, enabled, email, password). Every error is turned into the answer body the
// server writes ({"detail", "code"}, serialised), as api/http_server.cc does: nothing may
// crash or throw, including nlohmann::json::dump on the error text.
#include <cstddef>
#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

#include "api/call.h"
#include "api/error_mapping.h"
#include "core/errors.h"
#include "core/names.h"

namespace {

using certadns::core::Error;

void Answer(const Error& error) {
  certadns::api::Reply reply = certadns::api::ErrorReply(error);
  (void)reply.body.dump();
}

template <typename R>
bool Read(const R& result) {
  if (!result.ok()) Answer(result.error());
  return result.ok();
}

void DecodeCertificateRequest(const nlohmann::json& body) {
  using certadns::api::OptionalBool;
  using certadns::api::OptionalString;
  using certadns::api::OptionalStringList;
  auto zone_id = OptionalString(body, "zone_id");
  auto domain = OptionalString(body, "domain");
  auto sans = OptionalStringList(body, "sans");
  auto wildcard = OptionalBool(body, "wildcard");
  auto auto_renew = OptionalBool(body, "auto_renew");
  if (!Read(zone_id) || !Read(domain) || !Read(sans) || !Read(wildcard) || !Read(auto_renew)) {
    return;
  }
  if (domain.value()) (void)Read(certadns::core::NormalizeDnsName(*domain.value()));
  for (const auto& san : sans.value()) (void)Read(certadns::core::NormalizeDnsName(san));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  certadns::api::Call call;
  call.method = "POST";
  call.content_type = "application/json";
  call.body.assign(reinterpret_cast<const char*>(data), size);
  auto body = call.JsonObject();
  if (!Read(body)) return 0;
  DecodeCertificateRequest(body.value());
  (void)Read(certadns::api::OptionalString(body.value(), "name"));
  (void)Read(certadns::api::OptionalBool(body.value(), "enabled"));
  (void)Read(certadns::api::OptionalString(body.value(), "email"));
  (void)Read(certadns::api::OptionalString(body.value(), "password"));
  return 0;
}
