// StackEnv: where the integration stack (scripts/devstack.sh) is, read from the variables
// its `env` file exports. Tests call RequireStack() first: it skips them when the stack is
// absent, or fails them when CERTADNS_REQUIRE_STACK=1 (as `make test` sets), so an
// integration run can never pass by skipping. Header-only.
#pragma once

#include <gtest/gtest.h>

#include <cstdlib>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

namespace certadns::test {

struct StackEnv {
  std::string acme_directory_url;
  std::string acme_ca_bundle;
  std::string pdns_api_url;
  std::string pdns_api_key;
  std::string pdns_server_id;
  std::vector<std::string> nameservers;
  std::string pebble_root_pem_file;
  // The "world" PowerDNS (the public internet's DNS) and the resolvers zone verification asks.
  // Empty when the env file predates them: tests needing them skip / fail on their own.
  std::string world_pdns_api_url;
  std::string world_pdns_api_key;
  std::vector<std::string> zones_verify_resolvers;
};

inline std::string EnvOr(const char* name, std::string fallback = "") {
  const char* v = std::getenv(name);
  return v ? std::string(v) : fallback;
}

inline std::optional<StackEnv> ReadStackEnv() {
  StackEnv env;
  env.acme_directory_url = EnvOr("CERTADNS_ACME_DIRECTORY_URL");
  env.acme_ca_bundle = EnvOr("CERTADNS_ACME_CA_BUNDLE");
  env.pdns_api_url = EnvOr("CERTADNS_POWERDNS_API_URL");
  env.pdns_api_key = EnvOr("CERTADNS_POWERDNS_API_KEY");
  env.pdns_server_id = EnvOr("CERTADNS_POWERDNS_SERVER_ID", "localhost");
  env.pebble_root_pem_file = EnvOr("PEBBLE_ROOT_PEM");
  std::stringstream ns(EnvOr("CERTADNS_DNS_NAMESERVERS"));
  for (std::string item; std::getline(ns, item, ',');) {
    if (!item.empty()) env.nameservers.push_back(item);
  }
  env.world_pdns_api_url = EnvOr("WORLD_PDNS_API_URL");
  env.world_pdns_api_key = EnvOr("WORLD_PDNS_API_KEY");
  std::stringstream resolvers(EnvOr("CERTADNS_ZONES_VERIFY_RESOLVERS"));
  for (std::string item; std::getline(resolvers, item, ',');) {
    if (!item.empty()) env.zones_verify_resolvers.push_back(item);
  }
  if (env.acme_directory_url.empty() || env.pdns_api_url.empty() || env.nameservers.empty()) {
    return std::nullopt;
  }
  return env;
}

inline bool StackRequired() { return EnvOr("CERTADNS_REQUIRE_STACK") == "1"; }

}  // namespace certadns::test

/// In a TEST body: binds `var` to the StackEnv, or skips / fails the test without it.
#define REQUIRE_STACK(var)                                                              \
  auto var##_opt = ::certadns::test::ReadStackEnv();                                 \
  if (!var##_opt) {                                                                     \
    if (::certadns::test::StackRequired()) FAIL() << "integration stack env missing"; \
    GTEST_SKIP() << "no integration stack (run scripts/devstack.sh up, source its env)"; \
  }                                                                                     \
  const ::certadns::test::StackEnv& var = *var##_opt
