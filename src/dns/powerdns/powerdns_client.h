// PowerDnsClient: a thin client for the PowerDNS Authoritative 4.7 HTTP API (zones and RRsets
// under /api/v1/servers/{server_id}), cf. lego providers/dns/pdns/internal/client.go and pdns
// ws-auth.cc. Thread-safe when its HttpClient is. Writes (PATCH) go out one at a time per
// client: PowerDNS's gsqlite3 backend has one writer, and concurrent PATCHes (even to
// different zones) fail there with HTTP 500 "database is locked", which a burst of
// issuances turned into seconds of retry backoff. Reads are not serialised.
#pragma once

#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "http/http_client.h"

namespace certadns::dns::powerdns {

struct PowerDnsConfig {
  std::string api_url;  // base URL without /api/v1, e.g. "http://127.0.0.1:8081"
  std::string api_key;  // sent as X-API-Key; never logged
  std::string server_id = "localhost";
};

/// One record of an RRset in presentation format, as the API stores it. TXT content is
/// quoted: the value abc is the content "\"abc\"".
struct Record {
  std::string content;
  bool disabled = false;
};

/// An RRset as read from the API. `records` is empty when the RRset does not exist.
struct Rrset {
  std::string name;  // canonical: lower case with a trailing dot
  std::string type;  // "TXT"
  uint32_t ttl = 0;
  std::vector<Record> records;
};

/// One RRset's new contents in a PATCH: `records` replace it (REPLACE), or, when empty, the
/// RRset is deleted (DELETE).
struct RrsetChange {
  std::string name;  // canonical
  std::string type;
  uint32_t ttl = 0;
  std::vector<Record> records;
};

/// Names (zones and owners) may be given with or without the trailing dot and in any case;
/// the client sends them canonical (lower case, trailing dot), as the API requires.
/// Errors: kNotFound when the zone does not exist (HTTP 404, or 422 "Could not find
/// domain"); kUnavailable on transport errors and HTTP 502/503/504; kInvalidArgument for a
/// name the client refuses to send; kInternal for other API errors, with PowerDNS's "error"
/// text in the message.
class PowerDnsClient {
 public:
  /// `http` must outlive the client.
  PowerDnsClient(http::HttpClient& http, PowerDnsConfig config);

  /// Reads the RRset `name`/`type` of `zone`. An absent RRset is not an error: the result
  /// has no records.
  core::Result<Rrset> GetRrset(std::string_view zone, std::string_view name, std::string_view type);

  /// Replaces the RRset `name`/`type` of `zone` with `records` (PATCH, changetype REPLACE).
  /// Comments on the RRset are left alone. `records` must not be empty (use DeleteRrset).
  core::Status ReplaceRrset(std::string_view zone, std::string_view name, std::string_view type,
                            uint32_t ttl, const std::vector<Record>& records);

  /// Makes every change to `zone`'s RRsets in one PATCH, which PowerDNS applies at once.
  /// Names may be given in any case, with or without the trailing dot.
  core::Status ChangeRrsets(std::string_view zone, std::vector<RrsetChange> changes);

  /// Deletes the RRset `name`/`type` of `zone` (PATCH, changetype DELETE). Deleting an
  /// absent RRset succeeds.
  core::Status DeleteRrset(std::string_view zone, std::string_view name, std::string_view type);

  /// Creates a Native zone with the given NS names (may be empty). kAlreadyExists when it
  /// exists (PowerDNS answers 409 "Conflict").
  core::Status CreateZone(std::string_view name, const std::vector<std::string>& nameservers);

  /// True when PowerDNS hosts the zone `name`.
  core::Result<bool> ZoneExists(std::string_view name);

  /// Deletes the zone `name` and all its records. kNotFound when it does not exist.
  core::Status DeleteZone(std::string_view name);

 private:
  core::Result<http::Response> Call(std::string method, std::string url, std::string body,
                                    std::string_view what);
  std::string ZonesUrl() const;
  core::Result<std::string> ZoneUrl(std::string_view zone) const;
  core::Status PatchRrsets(std::string_view zone, std::string body, std::string_view what);

  http::HttpClient& http_;
  PowerDnsConfig config_;
  std::mutex write_mutex_;  // held for the duration of one PATCH
};

/// `name` in lower case with exactly one trailing dot ("Example.com" -> "example.com.").
std::string CanonicalName(std::string_view name);

}  // namespace certadns::dns::powerdns
