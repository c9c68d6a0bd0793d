// FakeHttpClient: an HttpClient that answers from a script and records every request.
// Responses are scripted per method+URL (When) or in plain order (Enqueue). Thread-safe.
#pragma once

#include <cstddef>
#include <deque>
#include <map>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "core/result.h"
#include "http/http_client.h"

namespace certadns::test {

class FakeHttpClient final : public http::HttpClient {
 public:
  /// Answers requests with this `method` and `url`. Several calls for one route queue up and
  /// are used in order; the last one then repeats. A route URL without '?' also matches
  /// requests that carry a query string. Routes win over the Enqueue queue.
  void When(std::string method, std::string url, core::Result<http::Response> response);

  /// Appends a response for the next request no route matches (first in, first out).
  void Enqueue(core::Result<http::Response> response);

  /// Answers a scripted response; kInternal "FakeHttpClient: unexpected request ..." when
  /// nothing is scripted. Every request is recorded, matched or not.
  core::Result<http::Response> Send(const http::Request& request) override;

  /// Every request sent so far, in order.
  std::vector<http::Request> Requests() const;
  /// The requests sent with `method` (e.g. "PATCH").
  std::vector<http::Request> RequestsWithMethod(const std::string& method) const;
  size_t RequestCount() const;
  /// Forgets the script and the recorded requests.
  void Reset();

  /// A response with `status`, `body` and, when the body is not empty, a JSON content type.
  static http::Response JsonResponse(long status, std::string body);
  /// A response with `status` and a text/plain `body` (PowerDNS 4.7's 404/409 answers).
  static http::Response TextResponse(long status, std::string body);

 private:
  using Key = std::pair<std::string, std::string>;  // method, URL

  mutable std::mutex mu_;
  std::map<Key, std::deque<core::Result<http::Response>>> routes_;  // guarded by mu_
  std::deque<core::Result<http::Response>> queue_;                  // guarded by mu_
  std::vector<http::Request> requests_;                             // guarded by mu_
};

}  // namespace certadns::test
