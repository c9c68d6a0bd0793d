// Notifier: what the engine tells about a certificate's life, for webhooks and email
// (notify/ implements it; app/ wires it). Calls never fail and never block on delivery:
// an implementation records the event and returns. Each occurrence is told once, also
// across restarts and nodes (the implementation remembers what it recorded).
// Implementations are thread-safe.
#pragma once

#include <string>

#include "core/certificate.h"
#include "core/clock.h"
#include "store/records.h"

namespace certadns::issuance {

class Notifier {
 public:
  virtual ~Notifier() = default;
  /// `c` now holds a new certificate: certificate.issued, or certificate.renewed when `job`
  /// is a renewal.
  virtual void Issued(const core::Certificate& c, const store::Job& job) = 0;
  /// `job` failed for `reason`: certificate.failed, and certificate.renewal_overdue when a
  /// renewal failed with next_renewal_at already past.
  virtual void Failed(const core::Certificate& c, const store::Job& job,
                      const std::string& reason, core::TimePoint now) = 0;
  /// The sweep's tick: certificate.expiring for certificates expiring within the warning
  /// window with no renewal planned.
  virtual void Sweep(core::TimePoint now) = 0;
};

/// Tells no one (the engine's default).
class NullNotifier final : public Notifier {
 public:
  void Issued(const core::Certificate&, const store::Job&) override {}
  void Failed(const core::Certificate&, const store::Job&, const std::string&,
              core::TimePoint) override {}
  void Sweep(core::TimePoint) override {}
};

}  // namespace certadns::issuance
