// ZoneRecheckLoop: one background thread that runs ZoneService::RecheckDue every `period`
// (the zones due are chosen by the service's clock, so the logic is tested without this
// thread). Start/Stop are not thread-safe with each other; Stop returns within one
// RecheckDue call.
#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "zones/zone_service.h"

namespace certadns::zones {

class ZoneRecheckLoop {
 public:
  ZoneRecheckLoop(ZoneService& zones, std::chrono::milliseconds period);
  ~ZoneRecheckLoop();
  ZoneRecheckLoop(const ZoneRecheckLoop&) = delete;
  ZoneRecheckLoop& operator=(const ZoneRecheckLoop&) = delete;

  void Start();
  void Stop();

 private:
  void Run();

  ZoneService& zones_;
  const std::chrono::milliseconds period_;
  std::mutex mu_;
  std::condition_variable wake_;
  bool stopping_ = false;  // guarded by mu_
  std::thread thread_;
};

}  // namespace certadns::zones
