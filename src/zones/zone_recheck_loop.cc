// ZoneRecheckLoop: RecheckDue in a loop; every exception and error is logged, never thrown
// out of the thread.
#include "zones/zone_recheck_loop.h"

#include <spdlog/spdlog.h>

#include <exception>

namespace certadns::zones {

ZoneRecheckLoop::ZoneRecheckLoop(ZoneService& zones, std::chrono::milliseconds period)
    : zones_(zones), period_(period) {}

ZoneRecheckLoop::~ZoneRecheckLoop() { Stop(); }

void ZoneRecheckLoop::Start() {
  if (thread_.joinable()) return;
  {
    std::lock_guard lock(mu_);
    stopping_ = false;
  }
  thread_ = std::thread([this] { Run(); });
}

void ZoneRecheckLoop::Stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void ZoneRecheckLoop::Run() {
  for (;;) {
    try {
      core::Result<RecheckReport> report = zones_.RecheckDue();
      if (!report.ok()) {
        spdlog::warn("zone re-check failed: {}", report.error().message());
      } else if (report->unverified > 0 || report->unanswered > 0) {
        spdlog::info("zone re-check: {} still proven, {} unverified, {} without an answer",
                     report->checked, report->unverified, report->unanswered);
      }
    } catch (const std::exception& e) {
      spdlog::error("zone re-check threw: {}", e.what());
    } catch (...) {
      spdlog::error("zone re-check threw an unknown exception");
    }
    std::unique_lock lock(mu_);
    if (wake_.wait_for(lock, period_, [this] { return stopping_; })) return;
  }
}

}  // namespace certadns::zones
