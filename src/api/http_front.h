// The HTTP server's decisions that need no socket, kept apart so they are unit-tested:
// which route a request path names (with or without a trailing slash), the client's address
// behind trusted proxies, the query string, which dashboard file a path serves (never one
// outside the web root) and with which headers, the headers every answer carries, and JSON
// text that cannot throw. Pure functions (ResolveStatic reads the file system). Private to
// src/api/ (and its tests).
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "api/routes.h"

namespace certadns::api {

inline constexpr std::string_view kApiBase = "/api/v1";

struct RouteMatch {
  enum Kind { kFound, kWrongMethod, kNotFound } kind = kNotFound;
  const Route* route = nullptr;     // kFound
  std::vector<std::string> params;  // the route's captures, e.g. {id}
  std::string allow;                // kWrongMethod: "GET, POST"
};

/// Finds the route for `method` and the request's `path` (no query; "/api/v1/..."). One
/// trailing slash is ignored ("/certificates/" is "/certificates"). A parameter matches
/// [A-Za-z0-9_-]+.
RouteMatch MatchRoute(std::string_view method, std::string_view path);

/// The caller's address: `peer`, unless `peer` is one of `trusted_proxies`; then the
/// right-most address in `forwarded_for` (X-Forwarded-For) that is not a trusted proxy (the
/// left-most when all are). `peer` again when the header is absent or holds a non-address.
std::string ClientAddress(const std::string& peer, std::string_view forwarded_for,
                          const std::vector<std::string>& trusted_proxies);

/// True when `peer` is one of `trusted_proxies`: addresses (compared in canonical form) or
/// networks in CIDR notation ("10.0.0.0/8", "2001:db8::/32"); a malformed entry matches nothing.
bool IsTrustedProxy(const std::string& peer, const std::vector<std::string>& trusted_proxies);

/// Splits a request target into its path and its decoded query parameters.
std::pair<std::string, std::map<std::string, std::string>> SplitTarget(std::string_view target);

struct StaticFile {
  std::string file;  // absolute path of the file to send
  std::string content_type;
  std::string cache_control;
};

/// The dashboard file for a GET of `path` under `web_root`: the file itself when it exists
/// inside the root (hashed assets under assets/ cached for a year, anything else revalidated),
/// else index.html (client-side routes; never cached). Nothing for a missing file under
/// assets/, a path that tries to leave the root, or when there is no index.html.
std::optional<StaticFile> ResolveStatic(const std::string& web_root, std::string_view path);

/// The headers every answer carries (CSP without inline script, no framing, nosniff,
/// no referrer).
const std::vector<std::pair<std::string, std::string>>& SecurityHeaders();

/// `json` as text; invalid UTF-8 in its strings is replaced (U+FFFD), never thrown.
std::string JsonText(const nlohmann::json& json);

}  // namespace certadns::api
