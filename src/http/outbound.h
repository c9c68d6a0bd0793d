// Outbound deliveries to addresses users choose (webhooks) and to the operator's mail relay.
// A webhook may not reach inside the network: private, loopback, link-local and other
// special-purpose addresses are refused unless allowed, both when the URL is checked and at
// each delivery, on the address libcurl actually connects to (so DNS rebinding cannot get
// around the check). Redirects are not followed; the response body is read up to a bound
// and ignored. Email goes through libcurl's SMTP. Implementations are thread-safe.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "core/result.h"
#include "http/http_client.h"

namespace certadns::http {

/// The longest webhook URL accepted.
inline constexpr size_t kMaxWebhookUrlLength = 2048;

/// True for an IPv4 or IPv6 address (text) that is not a public unicast one: loopback,
/// RFC 1918, CGNAT, link-local, unique-local, multicast, unspecified, reserved and
/// documentation ranges, and v4-mapped/NAT64 forms of those. Unparseable text is private.
bool IsPrivateAddress(const std::string& ip);

/// Checks a webhook URL: http or https, a host, at most kMaxWebhookUrlLength characters, no
/// credentials; unless `allow_private`, the host must not be (or resolve to) a private
/// address. kInvalidArgument with the reason a user can act on.
core::Status CheckWebhookUrl(const std::string& url, bool allow_private);

class WebhookClient {
 public:
  virtual ~WebhookClient() = default;
  /// POSTs `body` to `url` and returns the HTTP status. kUnavailable on transport errors
  /// and when the connection would go to a refused address (with the reason).
  virtual core::Result<long> Post(const std::string& url, const std::vector<Header>& headers,
                                  const std::string& body) = 0;
};

class CurlWebhookClient final : public WebhookClient {
 public:
  CurlWebhookClient(bool allow_private, std::chrono::milliseconds timeout)
      : allow_private_(allow_private), timeout_(timeout) {}
  core::Result<long> Post(const std::string& url, const std::vector<Header>& headers,
                          const std::string& body) override;

 private:
  const bool allow_private_;
  const std::chrono::milliseconds timeout_;
};

struct SmtpConfig {
  std::string host;  // empty: no email
  int port = 587;
  std::string user;
  std::string password;
  std::string from;
  std::string tls = "starttls";  // "starttls" (required), "tls" (SMTPS) or "none"
  std::chrono::milliseconds timeout{20000};
};

struct Mail {
  std::string to;
  std::string subject;
  std::string text;
};

class MailSender {
 public:
  virtual ~MailSender() = default;
  /// Sends `mail`; kUnavailable with the server's or transport's reason when it was not
  /// accepted, kInvalidArgument for an address or subject with line breaks.
  virtual core::Status Send(const Mail& mail) = 0;
};

class CurlSmtpClient final : public MailSender {
 public:
  explicit CurlSmtpClient(SmtpConfig config) : config_(std::move(config)) {}
  core::Status Send(const Mail& mail) override;

 private:
  const SmtpConfig config_;
};

}  // namespace certadns::http
