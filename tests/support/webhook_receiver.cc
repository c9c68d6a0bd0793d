#include "support/webhook_receiver.h"

#include <algorithm>
#include <atomic>
#include <cctype>
#include <thread>
#include <utility>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

namespace certadns::test {

namespace asio = boost::asio;
namespace beast = boost::beast;
using tcp = asio::ip::tcp;

struct WebhookReceiver::Impl {
  asio::io_context io;
  tcp::acceptor acceptor{io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)};
  std::thread thread;
  std::atomic<bool> stop{false};
  std::mutex mutex;
  std::condition_variable cv;
  std::vector<ReceivedRequest> received;  // guarded by mutex
  std::deque<int> statuses;               // guarded by mutex

  void Serve() {
    while (!stop) {
      boost::system::error_code ec;
      tcp::socket socket(io);
      acceptor.accept(socket, ec);
      if (ec || stop) continue;
      Handle(socket);
    }
  }

  void Handle(tcp::socket& socket) {
    boost::system::error_code ec;
    beast::flat_buffer buffer;
    beast::http::request<beast::http::string_body> request;
    beast::http::read(socket, buffer, request, ec);
    if (ec) return;
    ReceivedRequest r{std::string(request.method_string()), std::string(request.target()), {},
                      request.body()};
    for (const auto& field : request) {
      std::string name(field.name_string());
      std::transform(name.begin(), name.end(), name.begin(),
                     [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
      r.headers[name] = std::string(field.value());
    }
    int status = 204;
    {
      std::lock_guard lock(mutex);
      if (!statuses.empty()) {
        status = statuses.front();
        statuses.pop_front();
      }
      received.push_back(std::move(r));
    }
    cv.notify_all();
    beast::http::response<beast::http::string_body> response{
        static_cast<beast::http::status>(status), 11};
    if (status != 204 && status >= 200) response.body() = "ok";
    response.keep_alive(false);
    response.prepare_payload();
    beast::http::write(socket, response, ec);
    socket.shutdown(tcp::socket::shutdown_both, ec);
  }
};

WebhookReceiver::WebhookReceiver() : impl_(std::make_unique<Impl>()) {
  impl_->thread = std::thread([this] { impl_->Serve(); });
}

WebhookReceiver::~WebhookReceiver() {
  impl_->stop = true;
  // Unblock accept() with a connection of our own.
  boost::system::error_code ec;
  tcp::socket poke(impl_->io);
  poke.connect(impl_->acceptor.local_endpoint(), ec);
  impl_->thread.join();
}

int WebhookReceiver::port() const { return impl_->acceptor.local_endpoint().port(); }

std::string WebhookReceiver::url(const std::string& path) const {
  return "http://127.0.0.1:" + std::to_string(port()) + path;
}

void WebhookReceiver::ScriptStatuses(std::vector<int> statuses) {
  std::lock_guard lock(impl_->mutex);
  impl_->statuses.assign(statuses.begin(), statuses.end());
}

std::vector<ReceivedRequest> WebhookReceiver::WaitFor(size_t n, std::chrono::milliseconds timeout) {
  std::unique_lock lock(impl_->mutex);
  impl_->cv.wait_for(lock, timeout, [&] { return impl_->received.size() >= n; });
  return impl_->received;
}

std::vector<ReceivedRequest> WebhookReceiver::Received() {
  std::lock_guard lock(impl_->mutex);
  return impl_->received;
}

}  // namespace certadns::test
