// The engine's steps, one function each, in the order an issuance takes them. Each is
// idempotent: run twice (after a crash between the work and its commit), it does no harm.
#include <algorithm>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "crypto/csr.h"
#include "crypto/encoding.h"
#include "crypto/jws.h"
#include "crypto/x509.h"
#include "issuance/engine.h"
#include "issuance/engine_context.h"
#include "core/parallel_calls.h"

namespace certadns::issuance {

using core::CertificateState;
using core::EventLevel;

namespace {

std::string Join(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& n : names) out += (out.empty() ? "" : ", ") + n;
  return out;
}

std::string ProblemText(const std::optional<acme::Problem>& problem) {
  return problem ? problem->Describe() : "no reason given by the CA";
}

// New orders placed after a failed validation that may have been our DNS's fault. One:
// each failed validation counts against the CA's limits (Let's Encrypt: 5 per hour).
constexpr int kMaxReorders = 1;

// A failed validation the CA may not have failed for good: it could not reach or read our
// nameservers (PowerDNS down or restarting when it asked, a nameserver lagging). Not CAA,
// a rejected identifier, a rate limit...: those fail again with a new order.
bool MayBeOurDnsOutage(const std::optional<acme::Problem>& problem) {
  if (!problem) return false;
  const std::string type = problem->ShortType();
  return type == "dns" || type == "unauthorized" || type == "connection" ||
         type == "serverInternal";
}

}  // namespace

std::string Engine::DescribeWindow(const acme::RenewalInfo& info) {
  return "ARI: the CA suggests renewing between " + core::FormatRfc3339(info.window_start) +
         " and " + core::FormatRfc3339(info.window_end) +
         (info.explanation_url.empty() ? "" : " (see " + info.explanation_url + ")");
}

core::Result<std::optional<acme::RenewalInfo>> Engine::AskRenewalInfo(
    Context& ctx, const std::string& cert_id) {
  auto info = acme_.GetRenewalInfo(cert_id);
  if (!info.ok()) {
    // ARI only advises: without it the plan in place applies and nothing waits for it.
    ctx.Log(EventLevel::kWarning,
            "ARI: cannot read the CA's renewal window: " + info.error().message());
  }
  return info;
}

core::Status Engine::AdmitAutomaticRenewal(Context& ctx, bool inside_ari_window) {
  auto admitted = limits_->AdmitRenewal(ctx.cert, ctx.job.id, inside_ari_window);
  if (admitted.ok()) return core::Ok();
  const core::Error& refusal = admitted.error();
  // Admitted by an earlier run of this step (its order request failed): the slot is its own.
  if (refusal.code() == core::ErrorCode::kAlreadyExists) return core::Ok();
  if (refusal.code() != core::ErrorCode::kResourceExhausted || !refusal.retry_after_s()) {
    // The ledger cannot be read: retried like any outage, never ordered unchecked.
    return core::Unavailable("cannot check the rate limits: " + refusal.message());
  }
  // Refused (nothing recorded): no order; the certificate stays issued, and the renewal is
  // tried again when the limit frees up.
  ctx.MoveAutomaticRenewal(
      ctx.now + std::chrono::seconds(*refusal.retry_after_s()), EventLevel::kWarning,
      "Automatic renewal not ordered: " + refusal.message() +
          ". It is tried again then; the current certificate stays in place.");
  return core::Ok();
}

core::Status Engine::CreateOrder(Context& ctx) {
  // A renewal bound to fail (CAA changed, zone moved away) costs no order. A new certificate
  // was checked when it was requested.
  if (preflight_ != nullptr && ctx.job.kind == store::JobKind::kRenew) {
    PreflightReport report = preflight_->Run(ctx.cert.owner_id, ctx.cert.zone_name,
                                             ctx.cert.AllNames());
    if (auto refused = report.AsStatus(); !refused.ok()) {
      return refused.error().Wrap("pre-flight check " + refused.error().reason());
    }
  }
  // A renewal asks the CA's ARI window first (RFC 9773): an automatic one it is not yet due
  // for moves to a time in the window instead; an order names the certificate it replaces.
  std::string replaces;
  bool inside_window = false;
  if (ctx.job.kind == store::JobKind::kRenew && !ctx.cert.certificate_pem.empty()) {
    auto cert_id = crypto::AriCertificateId(ctx.cert.certificate_pem);
    std::optional<acme::RenewalInfo> info;
    if (cert_id.ok()) {
      if (auto asked = AskRenewalInfo(ctx, *cert_id); asked.ok()) info = *asked;
    }
    if (info) {
      replaces = *cert_id;
      if (ctx.state.automatic && ctx.now < info->window_start) {
        core::TimePoint at = PickInWindow(info->window_start, info->window_end, ctx.now, Jitter());
        // No order: a slot an earlier run of this step took (its order request failed) goes.
        if (limits_ != nullptr) limits_->Forget(ctx.job.id);
        // The window is asked again on the CA's schedule until then (RFC 9773 §4.3).
        ctx.set_ari_check = true;
        ctx.ari_check_at = AriCheckTime(ctx.now, info->retry_after_s);
        ctx.MoveAutomaticRenewal(at, EventLevel::kInfo,
                                 DescribeWindow(*info) + "; automatic renewal moved to " +
                                     core::FormatRfc3339(at));
        return core::Ok();
      }
      inside_window = ctx.now >= info->window_start;
    }
  }
  // The rate limits admit an automatic renewal here, once the CA's window is known: inside
  // it, Let's Encrypt exempts the renewal (counted all the same). A manual renewal was
  // admitted when it was requested.
  if (limits_ != nullptr && ctx.job.kind == store::JobKind::kRenew && ctx.state.automatic) {
    RETURN_IF_ERROR(AdmitAutomaticRenewal(ctx, inside_window));
    if (ctx.finished) return core::Ok();
  }
  ASSIGN_OR_RETURN(acme::Order order,
                   replaces.empty() ? acme_.NewOrder(ctx.cert.AllNames())
                                    : acme_.NewRenewalOrder(ctx.cert.AllNames(), replaces));
  const int reorders = ctx.state.reorders;
  const bool automatic = ctx.state.automatic;
  ctx.state = JobState{};
  ctx.state.reorders = reorders;
  ctx.state.automatic = automatic;
  ctx.state.inside_ari_window = inside_window;
  ctx.state.zone = ctx.cert.zone_name;
  ctx.state.order_url = order.url;
  ctx.state.finalize_url = order.finalize;
  for (const std::string& url : order.authorizations) {
    ctx.state.authorizations.push_back(AuthorizationState{.url = url});
  }
  ctx.SetStatus(CertificateState::kValidating);
  ctx.Info("ACME order created for " + Join(ctx.cert.AllNames()) + " (" +
           std::to_string(order.authorizations.size()) + " authorizations)");
  ctx.Next(steps::kAuthorize);
  return core::Ok();
}

core::Status Engine::ReadAuthorizations(Context& ctx) {
  ASSIGN_OR_RETURN(std::string thumbprint, acme_.AccountThumbprint());
  auto fetched = core::ParallelCalls(ctx.state.authorizations.size(), core::kParallelCalls, [&](size_t i) {
    return acme_.GetAuthorization(ctx.state.authorizations[i].url);
  });
  int to_validate = 0;
  for (size_t i = 0; i < fetched.size(); ++i) {
    AuthorizationState& a = ctx.state.authorizations[i];
    ASSIGN_OR_RETURN(acme::Authorization authz, std::move(fetched[i]));
    a.identifier = authz.identifier;
    a.wildcard = authz.wildcard;
    a.status = authz.status;
    if (authz.status == "valid") continue;  // reused from an earlier validation
    if (authz.status != "pending") {
      return core::FailedPrecondition("authorization for " + authz.identifier + " is " +
                                      authz.status);
    }
    const acme::Challenge* challenge = authz.FindChallenge("dns-01");
    if (challenge == nullptr) {
      return core::FailedPrecondition("the CA offered no dns-01 challenge for " +
                                      authz.identifier);
    }
    a.challenge_url = challenge->url;
    a.fqdn = "_acme-challenge." + authz.identifier;
    a.value = crypto::Dns01TxtValue(crypto::KeyAuthorization(challenge->token, thumbprint));
    a.responded = challenge->status != "pending";
    ++to_validate;
  }
  if (to_validate == 0) {
    ctx.Info("All names already validated for this ACME account");
    ctx.Next(steps::kFinalize);
  } else {
    ctx.Next(steps::kPresent);
  }
  return core::Ok();
}

core::Status Engine::PresentRecords(Context& ctx) {
  // All of the certificate's values in one go (PowerDNS: one write for the zone). Marked
  // before the call: if we crash mid-call, cleanup still removes the values.
  std::vector<dns::ChallengeRecord> records;
  for (AuthorizationState& a : ctx.state.authorizations) {
    if (a.fqdn.empty() || a.status == "valid") continue;
    a.presented = true;
    records.push_back({ctx.state.zone, a.fqdn, a.value});
  }
  RETURN_IF_ERROR(dns_.PresentAll(records));
  ctx.Info("Challenge TXT records published in DNS");
  if (checker_ == nullptr) {
    ctx.Next(steps::kPropagate);
    ctx.job.run_at = ctx.now + config_.propagation_delay;
    ctx.state.deadline_ms = 0;
  } else {
    StartWait(ctx, steps::kPropagate);
  }
  return core::Ok();
}

core::Status Engine::CheckPropagation(Context& ctx) {
  if (checker_ != nullptr) {
    std::map<std::string, std::vector<std::string>> by_name;
    for (const AuthorizationState& a : ctx.state.authorizations) {
      if (a.presented && a.status != "valid") by_name[a.fqdn].push_back(a.value);
    }
    std::vector<std::pair<std::string, std::vector<std::string>>> names(by_name.begin(),
                                                                        by_name.end());
    auto answers = core::ParallelCalls(names.size(), core::kParallelCalls, [&](size_t i) {
      return checker_->IsServed(names[i].first, names[i].second);
    });
    for (size_t i = 0; i < names.size(); ++i) {
      const std::string& fqdn = names[i].first;
      const core::Result<bool>& served = answers[i];
      if (!served.ok() && served.error().code() == core::ErrorCode::kUnavailable) {
        // No nameserver answered at all: PowerDNS is down, not slow to propagate. Retried
        // within the retry budget like any PowerDNS failure; the propagation wait starts
        // again once the nameservers answer.
        ctx.state.deadline_ms =
            core::ToUnixMillis(ctx.now + config_.poll_interval * config_.poll_attempts);
        ctx.state.delay_ms = 0;
        return served.error();
      }
      if (!served.ok() || !*served) {
        std::string why = served.ok() ? "" : " (" + served.error().message() + ")";
        return WaitMore(ctx, "DNS propagation of " + fqdn + why, std::nullopt);
      }
    }
    ctx.Info("Every nameserver serves the challenge records");
  }
  ctx.Next(steps::kRespond);
  return core::Ok();
}

core::Status Engine::RespondToChallenges(Context& ctx) {
  auto& authorizations = ctx.state.authorizations;
  std::vector<size_t> open;
  for (size_t i = 0; i < authorizations.size(); ++i) {
    const AuthorizationState& a = authorizations[i];
    if (!a.challenge_url.empty() && a.status != "valid" && !a.responded) open.push_back(i);
  }
  auto answers = core::ParallelCalls(open.size(), core::kParallelCalls, [&](size_t k) -> core::Status {
    const AuthorizationState& a = authorizations[open[k]];
    auto challenge = acme_.RespondToChallenge(a.challenge_url);
    if (!challenge.ok()) {
      // A repeat after a crash finds the challenge no longer pending; the poll decides.
      auto authz = acme_.GetAuthorization(a.url);
      if (!authz.ok() || authz->status == "pending") return challenge.error();
    }
    return core::Ok();
  });
  std::optional<core::Error> failed;
  for (size_t k = 0; k < open.size(); ++k) {
    if (answers[k].ok()) {
      authorizations[open[k]].responded = true;
    } else if (!failed) {
      failed = answers[k].error();
    }
  }
  if (failed) return *failed;  // retried; the challenges answered stay answered
  ctx.Info("Asked the CA to validate the challenges");
  StartWait(ctx, steps::kPollAuthorizations);
  return core::Ok();
}

core::Status Engine::PollAuthorizations(Context& ctx) {
  std::optional<long> retry_after;
  bool waiting = false;
  auto& authorizations = ctx.state.authorizations;
  auto fetched = core::ParallelCalls(authorizations.size(), core::kParallelCalls,
                               [&](size_t i) -> core::Result<std::optional<acme::Authorization>> {
    if (authorizations[i].status == "valid") return std::optional<acme::Authorization>();
    ASSIGN_OR_RETURN(acme::Authorization authz, acme_.GetAuthorization(authorizations[i].url));
    return std::optional<acme::Authorization>(std::move(authz));
  });
  for (size_t i = 0; i < authorizations.size(); ++i) {
    AuthorizationState& a = authorizations[i];
    if (a.status == "valid") continue;
    ASSIGN_OR_RETURN(std::optional<acme::Authorization> polled, std::move(fetched[i]));
    const acme::Authorization& authz = *polled;
    a.status = authz.status;
    if (authz.status == "valid") continue;
    if (authz.status == "pending") {
      waiting = true;
      if (authz.retry_after_s) retry_after = authz.retry_after_s;
      continue;
    }
    const acme::Challenge* challenge = authz.FindChallenge("dns-01");
    const std::optional<acme::Problem> problem = challenge ? challenge->error : std::nullopt;
    const std::string reason = "validation of " + std::string(a.wildcard ? "*." : "") +
                               a.identifier + " failed: " + ProblemText(problem);
    if (limits_ != nullptr) limits_->RecordFailedValidation(a.url, a.identifier);
    if (ctx.state.reorders < kMaxReorders && MayBeOurDnsOutage(problem)) {
      // An invalid authorization is final for its order: try once more with a new one.
      // This order's records go first (a failure here is retried like any PowerDNS error).
      auto removed = RemovePresented(ctx);
      if (!removed.ok()) return removed.error().Wrap("before a new order");
      ++ctx.state.reorders;
      if (limits_ != nullptr) limits_->RecordReorder(ctx.job.id, ctx.cert.id, ctx.state.reorders);
      ctx.Log(core::EventLevel::kWarning,
              reason + "; the CA may not have reached our nameservers: placing a new order (" +
                  std::to_string(ctx.state.reorders) + " of " + std::to_string(kMaxReorders) +
                  ")");
      ctx.Next(steps::kOrder);
      ctx.job.run_at = ctx.now + RetryDelay(0);
      return core::Ok();
    }
    return core::FailedPrecondition(reason);
  }
  if (waiting) return WaitMore(ctx, "Validation by the CA", retry_after);
  ctx.Info("All names validated by the CA");
  ctx.Next(steps::kFinalize);
  return core::Ok();
}

core::Status Engine::FinalizeOrder(Context& ctx) {
  if (ctx.job.sealed_key.empty()) {
    // The key is needed first here, so the key pool refills while the CA validates. It is
    // sealed and persisted before the CSR goes out: a CSR must never be for a key we lost.
    ASSIGN_OR_RETURN(crypto::SecretString fresh, keys_->TakePem());
    ASSIGN_OR_RETURN(ctx.job.sealed_key, box_.Seal(fresh.reveal(), ctx.cert.id));
    ctx.Next(steps::kFinalize);
    return core::Ok();
  }
  ASSIGN_OR_RETURN(crypto::SecretString pem, box_.Open(ctx.job.sealed_key, ctx.cert.id));
  ASSIGN_OR_RETURN(crypto::PrivateKey key, crypto::PrivateKey::FromPem(pem.reveal()));
  ASSIGN_OR_RETURN(std::string csr, crypto::CreateCsrDer(key, ctx.cert.AllNames()));
  ctx.state.key_spki = crypto::Base64UrlEncode(key.PublicKeyDer());
  auto order = acme_.Finalize(ctx.state.order_url, ctx.state.finalize_url, csr);
  if (!order.ok()) {
    // Finalized already (a repeat after a crash): the order's status tells how far it got.
    auto current = acme_.GetOrder(ctx.state.order_url);
    if (!current.ok() || (current->status != "processing" && current->status != "valid")) {
      return order.error();
    }
    order = std::move(current);
  }
  if (order->status == "invalid") {
    return core::FailedPrecondition("the CA refused the order: " + ProblemText(order->error));
  }
  ctx.state.certificate_url = order->certificate;
  ctx.Info("Order finalized with a new certificate signing request");
  if (order->status == "valid" && !order->certificate.empty()) {
    ctx.Next(steps::kDownload);
  } else {
    StartWait(ctx, steps::kPollOrder);
  }
  return core::Ok();
}

core::Status Engine::PollOrder(Context& ctx) {
  ASSIGN_OR_RETURN(acme::Order order, acme_.GetOrder(ctx.state.order_url));
  if (order.status == "invalid") {
    return core::FailedPrecondition("the CA refused the order: " + ProblemText(order.error));
  }
  if (order.status != "valid" || order.certificate.empty()) {
    return WaitMore(ctx, "Certificate issuance by the CA", order.retry_after_s);
  }
  ctx.state.certificate_url = order.certificate;
  ctx.Next(steps::kDownload);
  return core::Ok();
}

core::Result<bool> Engine::MatchesOurKey(Context& ctx, const std::string& certificate_pem) {
  if (!ctx.state.key_spki.empty()) {
    auto spki = crypto::CertificatePublicKeyDer(certificate_pem);
    return spki.ok() && crypto::Base64UrlEncode(*spki) == ctx.state.key_spki;
  }
  // A job whose CSR was made before the public key was noted: decode the private key.
  ASSIGN_OR_RETURN(crypto::SecretString pem, box_.Open(ctx.job.sealed_key, ctx.cert.id));
  ASSIGN_OR_RETURN(crypto::PrivateKey key, crypto::PrivateKey::FromPem(pem.reveal()));
  return key.MatchesCertificate(certificate_pem);
}

core::Status Engine::DownloadCertificate(Context& ctx) {
  ASSIGN_OR_RETURN(std::string chain, acme_.DownloadCertificate(ctx.state.certificate_url));
  std::vector<std::string> pems = crypto::SplitPemChain(chain);
  if (pems.empty()) return core::FailedPrecondition("the CA returned no certificate");
  ASSIGN_OR_RETURN(crypto::CertificateInfo info, crypto::ParseCertificate(pems.front()));
  ASSIGN_OR_RETURN(bool ours, MatchesOurKey(ctx, pems.front()));
  if (!ours) return core::FailedPrecondition("the CA's certificate does not match our private key");
  std::string intermediates;
  for (size_t i = 1; i < pems.size(); ++i) intermediates += pems[i];

  core::Certificate& c = ctx.cert;
  c.certificate_pem = pems.front();
  c.chain_pem = intermediates;
  c.serial = info.serial_hex;
  c.issued_at = ctx.now;
  c.expires_at = info.not_after;
  c.next_renewal_at = RenewalTime(info.not_before, info.not_after, config_.renew_before);
  // Where the CA offers ARI, its window decides instead (RFC 9773 §4.2), and the sweep asks
  // it again on the CA's Retry-After schedule until the renewal (§4.3); a window that could
  // not be read is asked again with backoff. Without ARI, no check.
  std::string planned;
  ctx.set_ari_check = true;
  if (auto cert_id = crypto::AriCertificateId(pems.front()); cert_id.ok()) {
    auto window = AskRenewalInfo(ctx, *cert_id);
    if (!window.ok()) {
      ctx.ari_check_at = AriCheckRetryTime(ctx.now, 1, window.error().retry_after_s(), Jitter());
    } else if (const std::optional<acme::RenewalInfo>& w = *window; w) {
      c.next_renewal_at = PickInWindow(w->window_start, w->window_end, ctx.now, Jitter());
      ctx.ari_check_at = AriCheckTime(ctx.now, w->retry_after_s);
      planned = DescribeWindow(*w) + "; renewal planned at " +
                core::FormatRfc3339(*c.next_renewal_at);
    }
  }
  ctx.cert_changed = true;
  // A new validity: no retry of an earlier failed attempt holds the next renewal back, and
  // the sweep wakes for its renewal time, expiry or ARI check even when that is sooner than
  // it planned.
  ctx.clear_renewal_retry = true;
  ctx.wake_sweep_at = std::min({*c.next_renewal_at, *c.expires_at,
                                ctx.ari_check_at.value_or(*c.expires_at)});
  ctx.SetStatus(CertificateState::kIssued);
  ctx.RecordEnd(core::metrics::IssuanceResult::kIssued);
  ctx.install_key = ctx.job.sealed_key;
  ctx.job.sealed_key.clear();
  ctx.Info("Certificate issued: serial " + info.serial_hex + ", expires " +
           core::FormatRfc3339(info.not_after));
  notifier_->Issued(c, ctx.job);
  if (!planned.empty()) ctx.Info(planned);
  ctx.Next(steps::kCleanup);
  return core::Ok();
}

core::Result<int> Engine::RemovePresented(Context& ctx) {
  std::vector<dns::ChallengeRecord> records;
  std::string names;
  for (const AuthorizationState& a : ctx.state.authorizations) {
    if (!a.presented) continue;
    records.push_back({ctx.state.zone, a.fqdn, a.value});
    names += (names.empty() ? "" : ", ") + a.fqdn;
  }
  if (records.empty()) return 0;
  auto status = dns_.CleanUpAll(records);
  if (!status.ok() && status.error().code() != core::ErrorCode::kNotFound) {
    // The records stay marked; the step is retried with backoff.
    return status.error().Wrap("removing challenge records " + names);
  }
  for (AuthorizationState& a : ctx.state.authorizations) a.presented = false;
  return static_cast<int>(records.size());
}

core::Status Engine::CleanUpRecords(Context& ctx) {
  ASSIGN_OR_RETURN(int removed, RemovePresented(ctx));
  if (removed > 0) ctx.Info("Removed " + std::to_string(removed) + " challenge TXT records");
  ctx.finished = true;
  return core::Ok();
}

}  // namespace certadns::issuance
