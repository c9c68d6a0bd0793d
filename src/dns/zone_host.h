// ZoneHost: puts a user's zone live on our authoritative DNS, or takes it off. ZoneService
// calls it only for the one account that proved control of the zone. Implementations are
// thread-safe.
#pragma once

#include <string>
#include <vector>

#include "core/result.h"

namespace certadns::dns {

class ZoneHost {
 public:
  virtual ~ZoneHost() = default;

  /// Serves `zone` with the NS set `nameservers`: creates it, or adopts the zone our DNS
  /// already holds (its NS set is replaced, and any `_certadns-verify` TXT record in it is
  /// removed, so that our own copy can never count as proof of control). kUnavailable on
  /// transport errors.
  virtual core::Status Host(const std::string& zone,
                            const std::vector<std::string>& nameservers) = 0;

  /// Stops serving `zone` and deletes its records; an absent zone is a no-op success.
  /// kUnavailable on transport errors.
  virtual core::Status Withdraw(const std::string& zone) = 0;
};

}  // namespace certadns::dns
