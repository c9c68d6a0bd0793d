// WebhookReceiver: an HTTP server on 127.0.0.1 (a free port) that records every request it
// gets and answers each with the next status of a script (then 204), for webhook tests.
// Boost.Beast parses the requests. Thread-safe.
#pragma once

#include <chrono>
#include <condition_variable>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace certadns::test {

struct ReceivedRequest {
  std::string method;
  std::string target;
  std::map<std::string, std::string> headers;  // names lower-cased
  std::string body;
};

class WebhookReceiver {
 public:
  WebhookReceiver();
  ~WebhookReceiver();
  int port() const;
  std::string url(const std::string& path = "/hook") const;
  /// The statuses to answer the next requests with, in order.
  void ScriptStatuses(std::vector<int> statuses);
  /// Waits (up to `timeout`) until `n` requests arrived; returns all received so far.
  std::vector<ReceivedRequest> WaitFor(size_t n, std::chrono::milliseconds timeout);
  std::vector<ReceivedRequest> Received();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace certadns::test
