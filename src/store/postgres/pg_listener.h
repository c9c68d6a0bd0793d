// PgListener: a thread with a connection of its own that LISTENs on one channel and calls
// a function for each notification (several at once may be merged into one call). A lost
// connection is re-opened (once a second at most) and then reported as a notification too,
// since whatever was sent meanwhile is lost. Thread-safe; stops and joins on destruction.
#pragma once

#include <atomic>
#include <functional>
#include <string>
#include <thread>

namespace certadns::store::postgres {

class PgListener {
 public:
  PgListener(std::string conninfo, std::string channel, std::function<void()> on_notify);
  ~PgListener();
  PgListener(const PgListener&) = delete;
  PgListener& operator=(const PgListener&) = delete;

 private:
  void Run();

  const std::string conninfo_;
  const std::string channel_;
  const std::function<void()> on_notify_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

}  // namespace certadns::store::postgres
