// FakeHttpClient: scripted responses, recorded requests.
#include "support/fake_http_client.h"

namespace certadns::test {

void FakeHttpClient::When(std::string method, std::string url,
                          core::Result<http::Response> response) {
  std::lock_guard<std::mutex> lock(mu_);
  routes_[{std::move(method), std::move(url)}].push_back(std::move(response));
}

void FakeHttpClient::Enqueue(core::Result<http::Response> response) {
  std::lock_guard<std::mutex> lock(mu_);
  queue_.push_back(std::move(response));
}

core::Result<http::Response> FakeHttpClient::Send(const http::Request& request) {
  std::lock_guard<std::mutex> lock(mu_);
  requests_.push_back(request);
  auto route = routes_.find({request.method, request.url});
  if (route == routes_.end()) {
    const std::string without_query = request.url.substr(0, request.url.find('?'));
    route = routes_.find({request.method, without_query});
  }
  if (route != routes_.end() && !route->second.empty()) {
    std::deque<core::Result<http::Response>>& answers = route->second;
    core::Result<http::Response> answer = answers.front();
    if (answers.size() > 1) answers.pop_front();  // the last answer repeats
    return answer;
  }
  if (!queue_.empty()) {
    core::Result<http::Response> answer = std::move(queue_.front());
    queue_.pop_front();
    return answer;
  }
  return core::Internal("FakeHttpClient: unexpected request " + request.method + " " + request.url);
}

std::vector<http::Request> FakeHttpClient::Requests() const {
  std::lock_guard<std::mutex> lock(mu_);
  return requests_;
}

std::vector<http::Request> FakeHttpClient::RequestsWithMethod(const std::string& method) const {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<http::Request> matching;
  for (const http::Request& request : requests_) {
    if (request.method == method) matching.push_back(request);
  }
  return matching;
}

size_t FakeHttpClient::RequestCount() const {
  std::lock_guard<std::mutex> lock(mu_);
  return requests_.size();
}

void FakeHttpClient::Reset() {
  std::lock_guard<std::mutex> lock(mu_);
  routes_.clear();
  queue_.clear();
  requests_.clear();
}

http::Response FakeHttpClient::JsonResponse(long status, std::string body) {
  http::Response response;
  response.status = status;
  if (!body.empty()) response.headers.push_back({"Content-Type", "application/json"});
  response.body = std::move(body);
  return response;
}

http::Response FakeHttpClient::TextResponse(long status, std::string body) {
  http::Response response;
  response.status = status;
  response.headers.push_back({"Content-Type", "text/plain; charset=utf-8"});
  response.body = std::move(body);
  return response;
}

}  // namespace certadns::test
