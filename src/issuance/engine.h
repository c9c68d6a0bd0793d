// Engine: the durable issuance state machine (DESIGN.md). Each call runs one idempotent step
// of a job (create order, read authorizations, present TXT records, check propagation,
// respond, poll, finalize, download, clean up) and returns what to persist: the next
// step and when it is due, certificate changes and log lines. Nothing here sleeps; a wait is
// a run_at in the future. TXT records are cleaned up on success and on failure.
// Thread-safe: any number of workers may run steps of different jobs at once.
#pragma once

#include <functional>
#include <mutex>
#include <random>
#include <string>

#include "acme/acme_client.h"
#include "core/clock.h"
#include "crypto/secret_box.h"
#include "dns/dns_provider.h"
#include "issuance/job_state.h"
#include "issuance/key_pool.h"
#include "issuance/notifier.h"
#include "issuance/preflight.h"
#include "issuance/rate_limits.h"
#include "issuance/renewal_schedule.h"
#include "store/account_store.h"
#include "store/certificate_store.h"
#include "store/job_queue.h"
#include "store/records.h"

namespace certadns::issuance {

struct EngineConfig {
  /// Fixed wait before answering challenges, used only when no PropagationChecker is
  /// configured (the spec's 5 s). With a checker, its answer decides.
  core::Duration propagation_delay{5000};
  /// Budget of each wait (propagation, authorization, order): attempts x interval, the
  /// spec's 30 x 2 s. Polls start at first_poll and double up to poll_interval.
  int poll_attempts = 30;
  core::Duration poll_interval{2000};
  core::Duration first_poll{5};  // a CA that validates in milliseconds (Pebble) is seen at once
  /// Transient failures (CA or PowerDNS unreachable, 5xx, badNonce, a short rate limit) of
  /// one step are retried with backoff (first_retry_delay, doubling up to max_retry_delay,
  /// plus up to half of it as jitter) for retry_budget, then the operation fails with the
  /// reason in the log. Cleanup of challenge records keeps retrying for cleanup_budget.
  core::Duration retry_budget{std::chrono::minutes(10)};
  core::Duration first_retry_delay{std::chrono::seconds(1)};
  core::Duration max_retry_delay{std::chrono::seconds(60)};
  core::Duration cleanup_budget{std::chrono::hours(24 * 7)};
  /// Jitter source: a number in [0, 1). Null: a seeded std::mt19937 of the engine's own.
  std::function<double()> jitter;
  /// Renew when this much time remains, or a third of the lifetime if that is sooner.
  core::Duration renew_before{std::chrono::hours(24 * 30)};
  /// The sweep: how many renewals it starts (and ARI windows it asks) at once, and its
  /// longest sleep.
  int sweep_batch = 50;
  core::Duration sweep_interval{std::chrono::minutes(15)};
  /// A renewal the sweep finds due starts at a random time within this window (at most a
  /// quarter of the certificate's remaining life), so renewals falling due together reach
  /// the CA spread out, never as a burst.
  core::Duration renewal_spread{std::chrono::hours(1)};
  /// A failed renewal is tried again with exponential backoff and jitter (renewal_schedule.h):
  /// 1 h at first, up to 24 h (+ up to a third as jitter), until the certificate expires.
  RenewalRetryPolicy renewal_retry;
};

/// Step names, as stored in the job row.
namespace steps {
inline constexpr std::string_view kOrder = "order";
inline constexpr std::string_view kAuthorize = "authorize";
inline constexpr std::string_view kPresent = "present";
inline constexpr std::string_view kPropagate = "propagate";
inline constexpr std::string_view kRespond = "respond";
inline constexpr std::string_view kPollAuthorizations = "poll_authorizations";
inline constexpr std::string_view kFinalize = "finalize";
inline constexpr std::string_view kPollOrder = "poll_order";
inline constexpr std::string_view kDownload = "download";
inline constexpr std::string_view kCleanup = "cleanup";
}  // namespace steps

/// When a certificate with this validity should be renewed.
core::TimePoint RenewalTime(core::TimePoint not_before, core::TimePoint not_after,
                            core::Duration renew_before);

class Engine {
 public:
  /// `checker` may be null: then the fixed propagation_delay is waited instead.
  Engine(store::CertificateStore& certificates, store::JobQueue& jobs,
         store::AccountStore& accounts, acme::AcmeClient& acme, dns::DnsProvider& dns,
         dns::PropagationChecker* checker, const crypto::SecretBox& box,
         const core::Clock& clock, EngineConfig config);
  /// New certificate keys come from `keys` (default: generated on the spot).
  void SetKeySource(KeySource* keys) { keys_ = keys; }
  /// Issued, failed and expiring certificates are told to `notifier` (default: no one).
  void SetNotifier(Notifier* notifier) { notifier_ = notifier; }
  /// With `limits`, automatic renewals are admitted by them at the order step, after the CA's
  /// ARI window is read (inside it they are exempt; one they refuse is not ordered: the
  /// certificate stays issued, with the reason in its log, and is retried when the limit
  /// frees up), failed validations and extra orders are recorded, and an order
  /// that issued nothing is released. Null (the default): no limits.
  void SetRateLimiter(RateLimiter* limits) { limits_ = limits; }
  /// Runs the pre-flight checks (preflight.h) before a renewal's order: a failure fails the
  /// renewal with the check's words in the log (the current certificate stays), and no
  /// order reaches the CA. Null: off. Call before running jobs.
  void SetPreflight(Preflight* preflight) { preflight_ = preflight; }

  /// Runs the job's current step and returns what to commit. Never fails: errors become
  /// a retry, or the certificate's failure with the reason in its log.
  store::StepCommit RunStep(const store::Job& job);

  /// The sweep job to enqueue once (kAlreadyExists from the store means it is there):
  /// it marks expired certificates, polls the CA's ARI windows that are due, and starts due
  /// automatic renewals, spread out, then sleeps until the next certificate falls due or its
  /// ARI check does (at most sweep_interval).
  static store::Job SweepJob(core::TimePoint now);

 private:
  struct Context;
  using Step = core::Status (Engine::*)(Context&);

  Step Lookup(std::string_view step) const;
  store::StepCommit RunSweep(const store::Job& job);
  core::Status CreateOrder(Context& ctx);
  core::Status ReadAuthorizations(Context& ctx);
  core::Status PresentRecords(Context& ctx);
  core::Status CheckPropagation(Context& ctx);
  core::Status RespondToChallenges(Context& ctx);
  core::Status PollAuthorizations(Context& ctx);
  core::Status FinalizeOrder(Context& ctx);
  core::Status PollOrder(Context& ctx);
  core::Status DownloadCertificate(Context& ctx);
  core::Status CleanUpRecords(Context& ctx);
  /// Whether the downloaded certificate is for the key this job made its CSR with.
  core::Result<bool> MatchesOurKey(Context& ctx, const std::string& certificate_pem);
  /// Removes every challenge value still marked presented (one call for all); how many.
  core::Result<int> RemovePresented(Context& ctx);

  /// The CA's ARI window for `cert_id`: nullopt without ARI; an error, with a warning in the
  /// log, when it cannot be read (ARI only advises: the plan in place applies).
  core::Result<std::optional<acme::RenewalInfo>> AskRenewalInfo(Context& ctx,
                                                                const std::string& cert_id);
  static std::string DescribeWindow(const acme::RenewalInfo& info);
  /// The sweep's ARI polling (RFC 9773 §4.3, engine_ari.cc): asks the CA's window of each
  /// certificate whose check is due (at most sweep_batch), moves a planned renewal the window
  /// no longer holds into it, and sets the next check from the CA's Retry-After. Stops at the
  /// first check the CA does not answer (that one is retried with backoff). True when a
  /// whole batch was answered: more checks may be due.
  bool PollRenewalInfo(core::TimePoint now);
  /// One certificate's check; false when the CA gave no answer.
  bool CheckRenewalInfo(core::TimePoint now, const store::AriCheckDue& due);
  void StartWait(Context& ctx, std::string_view step);
  /// After a failure of the current step: schedules it again with capped, jittered
  /// backoff (honouring a capped Retry-After); false once `budget` since the step's first
  /// failure is spent.
  bool ScheduleRetry(Context& ctx, const core::Error& error, core::Duration budget);
  /// The backoff before retry number `attempt` + 1 (first_retry_delay doubling up to
  /// max_retry_delay, plus up to half of it as jitter).
  core::Duration RetryDelay(int attempt);
  double Jitter();
  /// Schedules another poll of the current step with backoff; fails it past the budget.
  core::Status WaitMore(Context& ctx, const std::string& what, std::optional<long> retry_after_s);
  /// Admits an automatic renewal through the rate limits (limits_ set) before its order;
  /// `inside_ari_window` exempts it. One they refuse is finished without an order: the
  /// certificate stays as it is, the reason goes to its log, and its next renewal moves to
  /// when the limit frees up. A ledger that cannot be read is an outage (kUnavailable).
  core::Status AdmitAutomaticRenewal(Context& ctx, bool inside_ari_window);
  /// Fails the operation with `reason` in the log. A renewal failed while the current
  /// certificate is valid keeps it `issued` and schedules the next automatic attempt with
  /// backoff, not before `not_before_s` from now (a CA's rateLimited Retry-After).
  void Fail(Context& ctx, const std::string& reason,
            std::optional<long> not_before_s = std::nullopt);

  store::CertificateStore& certificates_;
  store::JobQueue& jobs_;  // the sweep's queries
  store::AccountStore& accounts_;  // the owners' plans, for the sweep
  acme::AcmeClient& acme_;
  dns::DnsProvider& dns_;
  dns::PropagationChecker* checker_;
  const crypto::SecretBox& box_;
  const core::Clock& clock_;
  const EngineConfig config_;
  std::mutex random_mutex_;
  std::mt19937_64 random_;  // guarded by random_mutex_; used when config_.jitter is null
  DirectKeySource direct_keys_;
  KeySource* keys_ = &direct_keys_;
  NullNotifier no_notifier_;
  Notifier* notifier_ = &no_notifier_;
  RateLimiter* limits_ = nullptr;
  Preflight* preflight_ = nullptr;
};

}  // namespace certadns::issuance
