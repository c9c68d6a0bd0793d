#include "http/outbound.h"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <netdb.h>
#include <sys/socket.h>

#include <array>
#include <cstring>
#include <ctime>
#include <memory>
#include <mutex>

namespace certadns::http {
namespace {

constexpr size_t kMaxResponseBytes = 64 * 1024;

void GlobalInitOnce() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

using Easy = std::unique_ptr<CURL, decltype(&curl_easy_cleanup)>;
using Url = std::unique_ptr<CURLU, decltype(&curl_url_cleanup)>;
using Slist = std::unique_ptr<curl_slist, decltype(&curl_slist_free_all)>;

bool InPrefix(const unsigned char* a, const unsigned char* prefix, int bits) {
  for (int i = 0; bits > 0; ++i, bits -= 8) {
    unsigned char mask = bits >= 8 ? 0xff : static_cast<unsigned char>(0xff << (8 - bits));
    if ((a[i] & mask) != (prefix[i] & mask)) return false;
  }
  return true;
}

bool PrivateV4(const unsigned char* a) {
  struct Range {
    std::array<unsigned char, 4> net;
    int bits;
  };
  static constexpr Range kRanges[] = {
      {{0, 0, 0, 0}, 8},       {{10, 0, 0, 0}, 8},     {{100, 64, 0, 0}, 10},
      {{127, 0, 0, 0}, 8},     {{169, 254, 0, 0}, 16}, {{172, 16, 0, 0}, 12},
      {{192, 0, 0, 0}, 24},    {{192, 0, 2, 0}, 24},   {{192, 88, 99, 0}, 24},
      {{192, 168, 0, 0}, 16},  {{198, 18, 0, 0}, 15},  {{198, 51, 100, 0}, 24},
      {{203, 0, 113, 0}, 24},  {{224, 0, 0, 0}, 4},    {{240, 0, 0, 0}, 4},
  };
  for (const Range& r : kRanges) {
    if (InPrefix(a, r.net.data(), r.bits)) return true;
  }
  return false;
}

bool PrivateV6(const unsigned char* a) {
  static constexpr unsigned char kZero[16] = {};
  static constexpr unsigned char kLoopback[16] = {0, 0, 0, 0, 0, 0, 0, 0,
                                                  0, 0, 0, 0, 0, 0, 0, 1};
  static constexpr unsigned char kMapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
  static constexpr unsigned char kNat64[12] = {0, 0x64, 0xff, 0x9b};
  if (std::memcmp(a, kZero, 16) == 0 || std::memcmp(a, kLoopback, 16) == 0) return true;
  if (std::memcmp(a, kMapped, 12) == 0 || std::memcmp(a, kNat64, 12) == 0 ||
      std::memcmp(a, kZero, 12) == 0) {
    return PrivateV4(a + 12);  // v4-mapped, NAT64 and the deprecated v4-compatible form
  }
  static constexpr unsigned char kUniqueLocal[] = {0xfc};
  static constexpr unsigned char kLinkLocal[] = {0xfe, 0x80};
  static constexpr unsigned char kSiteLocal[] = {0xfe, 0xc0};
  static constexpr unsigned char kMulticast[] = {0xff};
  static constexpr unsigned char kDocumentation[] = {0x20, 0x01, 0x0d, 0xb8};
  static constexpr unsigned char kDiscard[] = {0x01, 0x00, 0, 0, 0, 0, 0, 0};
  return InPrefix(a, kUniqueLocal, 7) || InPrefix(a, kLinkLocal, 10) ||
         InPrefix(a, kSiteLocal, 10) || InPrefix(a, kMulticast, 8) ||
         InPrefix(a, kDocumentation, 32) || InPrefix(a, kDiscard, 64);
}

bool PrivateSockaddr(const sockaddr* addr) {
  if (addr->sa_family == AF_INET) {
    const auto* in = reinterpret_cast<const sockaddr_in*>(addr);
    return PrivateV4(reinterpret_cast<const unsigned char*>(&in->sin_addr));
  }
  if (addr->sa_family == AF_INET6) {
    const auto* in6 = reinterpret_cast<const sockaddr_in6*>(addr);
    return PrivateV6(in6->sin6_addr.s6_addr);
  }
  return true;  // nothing but IP is ever allowed
}

struct Guard {
  bool allow_private = false;
  bool refused = false;
};

// CURLOPT_OPENSOCKETFUNCTION: every connection libcurl makes (after its own name
// resolution, for each address it tries) passes here, so a refused address is never dialled.
curl_socket_t OpenSocket(void* user, curlsocktype purpose, curl_sockaddr* address) {
  auto* guard = static_cast<Guard*>(user);
  if (purpose != CURLSOCKTYPE_IPCXN) return CURL_SOCKET_BAD;
  if (!guard->allow_private && PrivateSockaddr(&address->addr)) {
    guard->refused = true;
    return CURL_SOCKET_BAD;
  }
  return socket(address->family, address->socktype, address->protocol);
}

size_t DiscardBounded(char*, size_t size, size_t nmemb, void* user) {
  auto* seen = static_cast<size_t*>(user);
  *seen += size * nmemb;
  return *seen > kMaxResponseBytes ? 0 : size * nmemb;  // 0 ends the transfer
}

std::string Part(CURLU* url, CURLUPart part) {
  char* value = nullptr;
  if (curl_url_get(url, part, &value, 0) != CURLUE_OK || value == nullptr) return "";
  std::string out(value);
  curl_free(value);
  return out;
}

bool HasLineBreak(std::string_view s) { return s.find_first_of("\r\n") != s.npos; }

struct MailBody {
  std::string data;
  size_t offset = 0;
};

size_t ReadMail(char* buffer, size_t size, size_t nitems, void* user) {
  auto* body = static_cast<MailBody*>(user);
  size_t n = std::min(size * nitems, body->data.size() - body->offset);
  std::memcpy(buffer, body->data.data() + body->offset, n);
  body->offset += n;
  return n;
}

std::string MailDate() {
  std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  char out[64];
  std::strftime(out, sizeof out, "%a, %d %b %Y %H:%M:%S +0000", &tm);
  return out;
}

}  // namespace

bool IsPrivateAddress(const std::string& ip) {
  unsigned char a[16];
  if (inet_pton(AF_INET, ip.c_str(), a) == 1) return PrivateV4(a);
  if (inet_pton(AF_INET6, ip.c_str(), a) == 1) return PrivateV6(a);
  return true;
}

core::Status CheckWebhookUrl(const std::string& text, bool allow_private) {
  if (text.size() > kMaxWebhookUrlLength) {
    return core::InvalidArgument("url is longer than " + std::to_string(kMaxWebhookUrlLength) +
                                 " characters");
  }
  Url url(curl_url(), curl_url_cleanup);
  if (!url || curl_url_set(url.get(), CURLUPART_URL, text.c_str(), 0) != CURLUE_OK) {
    return core::InvalidArgument("url is not a valid absolute URL");
  }
  std::string scheme = Part(url.get(), CURLUPART_SCHEME);
  if (scheme != "https" && scheme != "http") {
    return core::InvalidArgument("url must be http:// or https://");
  }
  if (!Part(url.get(), CURLUPART_USER).empty()) {
    return core::InvalidArgument("url must not carry credentials");
  }
  std::string host = Part(url.get(), CURLUPART_HOST);
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  if (host.empty()) return core::InvalidArgument("url has no host");
  if (allow_private) return core::Ok();
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_NUMERICHOST;
  addrinfo* found = nullptr;
  if (getaddrinfo(host.c_str(), nullptr, &hints, &found) != 0) {
    hints.ai_flags = 0;  // a name: every address it resolves to must be public
    if (getaddrinfo(host.c_str(), nullptr, &hints, &found) != 0) {
      return core::InvalidArgument("url's host " + host + " does not resolve");
    }
  }
  bool refused = false;
  for (addrinfo* a = found; a != nullptr; a = a->ai_next) {
    refused = refused || PrivateSockaddr(a->ai_addr);
  }
  freeaddrinfo(found);
  if (refused) {
    return core::InvalidArgument("url's host " + host +
                                 " is a private or loopback address; webhooks must reach a "
                                 "public address");
  }
  return core::Ok();
}

core::Result<long> CurlWebhookClient::Post(const std::string& url,
                                           const std::vector<Header>& headers,
                                           const std::string& body) {
  GlobalInitOnce();
  Easy easy(curl_easy_init(), curl_easy_cleanup);
  if (!easy) return core::Unavailable("webhook: cannot create a curl handle");
  Slist list(nullptr, curl_slist_free_all);
  for (const Header& h : headers) {
    if (HasLineBreak(h.name) || HasLineBreak(h.value)) {
      return core::InvalidArgument("webhook: header with a line break");
    }
    list.reset(curl_slist_append(list.release(), (h.name + ": " + h.value).c_str()));
  }
  list.reset(curl_slist_append(list.release(), "Expect:"));
  Guard guard{allow_private_, false};
  size_t seen = 0;
  CURL* c = easy.get();
  curl_easy_setopt(c, CURLOPT_URL, url.c_str());
  curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt(c, CURLOPT_PROXY, "");  // no proxy from the environment: we check the peer
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, static_cast<long>(timeout_.count()));
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(timeout_.count()));
  curl_easy_setopt(c, CURLOPT_OPENSOCKETFUNCTION, OpenSocket);
  curl_easy_setopt(c, CURLOPT_OPENSOCKETDATA, &guard);
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, list.get());
  curl_easy_setopt(c, CURLOPT_POSTFIELDS, body.c_str());
  curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, DiscardBounded);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &seen);
  curl_easy_setopt(c, CURLOPT_USERAGENT, "CertaDNS-Webhook/1");
  CURLcode rc = curl_easy_perform(c);
  long status = 0;
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
  if (guard.refused) {
    return core::Unavailable("the webhook's host resolved to a private or loopback address; "
                             "refused");
  }
  // An answer whose body we stopped reading still counts: its status line arrived.
  if (rc != CURLE_OK && !(rc == CURLE_WRITE_ERROR && status != 0)) {
    return core::Unavailable(std::string("webhook: ") + curl_easy_strerror(rc));
  }
  return status;
}

core::Status CurlSmtpClient::Send(const Mail& mail) {
  const SmtpConfig& cfg = config_;
  if (HasLineBreak(mail.to) || HasLineBreak(mail.subject) || HasLineBreak(cfg.from)) {
    return core::InvalidArgument("mail: an address or subject with a line break");
  }
  GlobalInitOnce();
  Easy easy(curl_easy_init(), curl_easy_cleanup);
  if (!easy) return core::Unavailable("mail: cannot create a curl handle");
  CURL* c = easy.get();
  std::string scheme = cfg.tls == "tls" ? "smtps://" : "smtp://";
  std::string url = scheme + cfg.host + ":" + std::to_string(cfg.port);
  Slist rcpt(curl_slist_append(nullptr, ("<" + mail.to + ">").c_str()), curl_slist_free_all);
  MailBody body;
  body.data = "Date: " + MailDate() + "\r\nFrom: " + cfg.from + "\r\nTo: " + mail.to +
              "\r\nSubject: " + mail.subject +
              "\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n"
              "Content-Transfer-Encoding: 8bit\r\n\r\n";
  // Dot-stuffing and line endings are curl's (it converts a leading "." itself).
  for (char ch : mail.text) {
    if (ch == '\n') body.data += "\r\n";
    else if (ch != '\r') body.data += ch;
  }
  body.data += "\r\n";
  curl_easy_setopt(c, CURLOPT_URL, url.c_str());
  curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, static_cast<long>(cfg.timeout.count()));
  curl_easy_setopt(c, CURLOPT_PROXY, "");
  if (cfg.tls == "starttls") curl_easy_setopt(c, CURLOPT_USE_SSL, static_cast<long>(CURLUSESSL_ALL));
  if (!cfg.user.empty()) {
    curl_easy_setopt(c, CURLOPT_USERNAME, cfg.user.c_str());
    curl_easy_setopt(c, CURLOPT_PASSWORD, cfg.password.c_str());
  }
  curl_easy_setopt(c, CURLOPT_MAIL_FROM, ("<" + cfg.from + ">").c_str());
  curl_easy_setopt(c, CURLOPT_MAIL_RCPT, rcpt.get());
  curl_easy_setopt(c, CURLOPT_READFUNCTION, ReadMail);
  curl_easy_setopt(c, CURLOPT_READDATA, &body);
  curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
  CURLcode rc = curl_easy_perform(c);
  if (rc != CURLE_OK) {
    long code = 0;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
    return core::Unavailable("mail to the SMTP server failed: " +
                             std::string(curl_easy_strerror(rc)) +
                             (code ? " (reply " + std::to_string(code) + ")" : ""));
  }
  return core::Ok();
}

}  // namespace certadns::http
