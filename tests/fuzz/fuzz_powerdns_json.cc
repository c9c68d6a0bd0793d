// libFuzzer target: the PowerDNS JSON decoder (dns/powerdns/powerdns_json.h). The input is a
// response body from the PowerDNS API: a zone document, read by DecodeRrset for the TXT
// RRset of an _acme-challenge name (and its SOA), and an error body, read by
// DecodeErrorText. Nothing may crash, throw or read out of bounds.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "dns/powerdns/powerdns_json.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  namespace json = certadns::dns::powerdns::json;
  std::string_view body(reinterpret_cast<const char*>(data), size);
  (void)json::DecodeRrset(body, "_acme-challenge.app.example.com.", "TXT");
  (void)json::DecodeRrset(body, "example.com.", "SOA");
  (void)json::DecodeErrorText(body);
  return 0;
}
