#include "api/http_front.h"

#include <arpa/inet.h>

#include <algorithm>
#include <filesystem>

namespace certadns::api {
namespace {

bool IsParamChar(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
         c == '_' || c == '-';
}

std::vector<std::string_view> Segments(std::string_view path) {
  std::vector<std::string_view> out;
  size_t start = 1;  // paths start with '/'
  while (start <= path.size()) {
    size_t end = path.find('/', start);
    if (end == std::string_view::npos) end = path.size();
    out.push_back(path.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

// Matches the request's segments against a route path like "/certificates/{id}/logs".
bool PathMatches(std::string_view route_path, const std::vector<std::string_view>& request,
                 std::vector<std::string>* params) {
  std::vector<std::string_view> pattern = Segments(route_path);
  if (pattern.size() != request.size()) return false;
  std::vector<std::string> captured;
  for (size_t i = 0; i < pattern.size(); ++i) {
    if (!pattern[i].empty() && pattern[i].front() == '{') {
      if (request[i].empty() || !std::all_of(request[i].begin(), request[i].end(), IsParamChar)) {
        return false;
      }
      captured.emplace_back(request[i]);
    } else if (pattern[i] != request[i]) {
      return false;
    }
  }
  *params = std::move(captured);
  return true;
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// The address in its canonical text form, or "" when `text` is not an IP address.
std::string CanonicalAddress(std::string_view text) {
  std::string s(text);
  if (s.size() > 2 && s.front() == '[' && s.back() == ']') s = s.substr(1, s.size() - 2);
  unsigned char buf[16];
  char out[INET6_ADDRSTRLEN];
  if (inet_pton(AF_INET, s.c_str(), buf) == 1) {
    return inet_ntop(AF_INET, buf, out, sizeof out) ? out : "";
  }
  if (inet_pton(AF_INET6, s.c_str(), buf) == 1) {
    return inet_ntop(AF_INET6, buf, out, sizeof out) ? out : "";
  }
  return "";
}

// The address as bytes (4 or 16), or "" when `text` is not an IP address.
std::string AddressBytes(std::string_view text) {
  std::string s(text);
  unsigned char buf[16];
  if (inet_pton(AF_INET, s.c_str(), buf) == 1) return std::string(buf, buf + 4);
  if (inet_pton(AF_INET6, s.c_str(), buf) == 1) return std::string(buf, buf + 16);
  return "";
}

// Whether `address` is `entry`: an address, or a network "address/prefix-length".
bool Matches(const std::string& address, const std::string& entry) {
  size_t slash = entry.find('/');
  if (slash == std::string::npos) return CanonicalAddress(entry) == address;
  std::string network = AddressBytes(std::string_view(entry).substr(0, slash));
  std::string peer = AddressBytes(address);
  std::string_view length_text = std::string_view(entry).substr(slash + 1);
  auto digit = [](char c) { return c >= '0' && c <= '9'; };
  if (network.empty() || network.size() != peer.size() || length_text.empty() ||
      length_text.size() > 3 || !std::all_of(length_text.begin(), length_text.end(), digit)) {
    return false;
  }
  const size_t length = std::stoul(std::string(length_text));
  if (length > network.size() * 8) return false;
  for (size_t bit = 0; bit < length; ++bit) {
    const unsigned mask = 0x80u >> (bit % 8);
    if ((static_cast<unsigned char>(network[bit / 8]) & mask) !=
        (static_cast<unsigned char>(peer[bit / 8]) & mask)) {
      return false;
    }
  }
  return true;
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// application/x-www-form-urlencoded decoding of one query component.
std::string DecodeComponent(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '+') {
      out += ' ';
    } else if (s[i] == '%' && i + 2 < s.size() && HexValue(s[i + 1]) >= 0 &&
               HexValue(s[i + 2]) >= 0) {
      out += static_cast<char>(HexValue(s[i + 1]) * 16 + HexValue(s[i + 2]));
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

std::string ContentType(const std::filesystem::path& file) {
  static const std::map<std::string, std::string> kTypes = {
      {".html", "text/html; charset=utf-8"},
      {".js", "text/javascript; charset=utf-8"},
      {".mjs", "text/javascript; charset=utf-8"},
      {".css", "text/css; charset=utf-8"},
      {".json", "application/json"},
      {".map", "application/json"},
      {".svg", "image/svg+xml"},
      {".png", "image/png"},
      {".jpg", "image/jpeg"},
      {".jpeg", "image/jpeg"},
      {".gif", "image/gif"},
      {".webp", "image/webp"},
      {".ico", "image/x-icon"},
      {".woff", "font/woff"},
      {".woff2", "font/woff2"},
      {".txt", "text/plain; charset=utf-8"},
      {".webmanifest", "application/manifest+json"},
  };
  auto it = kTypes.find(file.extension().string());
  return it == kTypes.end() ? "application/octet-stream" : it->second;
}

}  // namespace

RouteMatch MatchRoute(std::string_view method, std::string_view path) {
  RouteMatch match;
  if (path.substr(0, kApiBase.size()) != kApiBase) return match;
  std::string_view rest = path.substr(kApiBase.size());
  if (rest.size() > 1 && rest.back() == '/') rest.remove_suffix(1);
  if (rest.empty() || rest.front() != '/') return match;
  std::vector<std::string_view> request = Segments(rest);
  for (const Route& route : Routes()) {
    std::vector<std::string> params;
    if (!PathMatches(route.path, request, &params)) continue;
    if (route.method == method) {
      match.kind = RouteMatch::kFound;
      match.route = &route;
      match.params = std::move(params);
      return match;
    }
    match.kind = RouteMatch::kWrongMethod;
    if (match.allow.find(route.method) == std::string::npos) {
      match.allow += (match.allow.empty() ? "" : ", ") + std::string(route.method);
    }
  }
  return match;
}

bool IsTrustedProxy(const std::string& peer, const std::vector<std::string>& trusted_proxies) {
  std::string address = CanonicalAddress(peer);
  return !address.empty() &&
         std::any_of(trusted_proxies.begin(), trusted_proxies.end(),
                     [&](const std::string& t) { return Matches(address, t); });
}

std::string ClientAddress(const std::string& peer, std::string_view forwarded_for,
                          const std::vector<std::string>& trusted_proxies) {
  auto trusted = [&](const std::string& address) {
    return IsTrustedProxy(address, trusted_proxies);
  };
  if (!trusted(peer) || Trim(forwarded_for).empty()) return peer;
  std::vector<std::string> hops;
  size_t start = 0;
  while (start <= forwarded_for.size()) {
    size_t end = forwarded_for.find(',', start);
    if (end == std::string_view::npos) end = forwarded_for.size();
    std::string hop = CanonicalAddress(Trim(forwarded_for.substr(start, end - start)));
    if (hop.empty()) return peer;  // a broken chain proves nothing
    hops.push_back(hop);
    start = end + 1;
  }
  for (auto it = hops.rbegin(); it != hops.rend(); ++it) {
    if (!trusted(*it)) return *it;
  }
  return hops.front();
}

std::pair<std::string, std::map<std::string, std::string>> SplitTarget(std::string_view target) {
  std::map<std::string, std::string> query;
  size_t mark = target.find('?');
  if (mark == std::string_view::npos) return {std::string(target), query};
  std::string_view rest = target.substr(mark + 1);
  while (!rest.empty()) {
    size_t amp = rest.find('&');
    std::string_view pair = rest.substr(0, amp);
    size_t eq = pair.find('=');
    std::string key = DecodeComponent(pair.substr(0, eq));
    std::string value = eq == std::string_view::npos ? "" : DecodeComponent(pair.substr(eq + 1));
    if (!key.empty()) query.emplace(std::move(key), std::move(value));
    if (amp == std::string_view::npos) break;
    rest.remove_prefix(amp + 1);
  }
  return {std::string(target.substr(0, mark)), query};
}

std::optional<StaticFile> ResolveStatic(const std::string& web_root, std::string_view path) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (web_root.empty()) return std::nullopt;
  fs::path root = fs::canonical(web_root, ec);
  if (ec) return std::nullopt;
  auto index = [&]() -> std::optional<StaticFile> {
    fs::path file = root / "index.html";
    if (!fs::is_regular_file(file, ec)) return std::nullopt;
    return StaticFile{file.string(), "text/html; charset=utf-8", "no-store"};
  };
  if (path.empty() || path.front() != '/') return std::nullopt;
  // Only plain names: no "..", no hidden files, no escapes, no NUL or backslash.
  std::string_view rel = path.substr(1);
  bool plain = rel.find_first_of(std::string_view("%\\\0", 3)) == std::string_view::npos;
  for (std::string_view segment : Segments(path)) {
    if (!segment.empty() && segment.front() == '.') plain = false;
  }
  if (!plain) return std::nullopt;
  bool asset = rel.substr(0, 7) == "assets/";
  if (!rel.empty()) {
    fs::path file = fs::weakly_canonical(root / fs::path(std::string(rel)), ec);
    std::string inside = root.string() + "/";
    if (!ec && file.string().compare(0, inside.size(), inside) == 0 &&
        fs::is_regular_file(file, ec)) {
      if (file.filename() == "index.html") return index();
      return StaticFile{file.string(), ContentType(file),
                        asset ? "public, max-age=31536000, immutable" : "no-cache"};
    }
  }
  if (asset) return std::nullopt;  // a missing hashed asset is a 404, not the app
  return index();
}

const std::vector<std::pair<std::string, std::string>>& SecurityHeaders() {
  static const std::vector<std::pair<std::string, std::string>> headers = {
      {"Content-Security-Policy",
       "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
       "frame-ancestors 'none'"},
      {"X-Content-Type-Options", "nosniff"},
      {"Referrer-Policy", "no-referrer"},
      {"X-Frame-Options", "DENY"},
  };
  return headers;
}

std::string JsonText(const nlohmann::json& json) {
  return json.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace certadns::api
