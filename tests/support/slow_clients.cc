#include "tests/support/slow_clients.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>

namespace certadns::test {
namespace {

// A request whose headers never end: after the request line, "X-Pad: aaaa..." forever.
constexpr std::string_view kTrickleStart = "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Pad: ";

// True when the peer has closed `fd` (EOF or reset); appends whatever it sent to `out`.
bool PeerClosed(int fd, std::string* out) {
  char buf[4096];
  for (int i = 0; i < 64; ++i) {
    ssize_t n = recv(fd, buf, sizeof buf, MSG_DONTWAIT);
    if (n > 0) {
      if (out) out->append(buf, static_cast<size_t>(n));
      continue;
    }
    if (n == 0) return true;
    return errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR;
  }
  return false;
}

}  // namespace

long RaiseOpenFileLimit(long want) {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0) return -1;
  if (limit.rlim_cur < static_cast<rlim_t>(want)) {
    limit.rlim_cur = std::min<rlim_t>(static_cast<rlim_t>(want), limit.rlim_max);
    setrlimit(RLIMIT_NOFILE, &limit);
    getrlimit(RLIMIT_NOFILE, &limit);
  }
  return static_cast<long>(limit.rlim_cur);
}

int ConnectFrom(int source_host, int port, std::chrono::milliseconds timeout) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  sockaddr_in source{};
  source.sin_family = AF_INET;
  source.sin_addr.s_addr = htonl((127u << 24) | static_cast<uint32_t>(source_host & 0xffffff));
  sockaddr_in target{};
  target.sin_family = AF_INET;
  target.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  target.sin_port = htons(static_cast<uint16_t>(port));
  if (bind(fd, reinterpret_cast<sockaddr*>(&source), sizeof source) != 0 ||
      (connect(fd, reinterpret_cast<sockaddr*>(&target), sizeof target) != 0 &&
       errno != EINPROGRESS)) {
    close(fd);
    return -1;
  }
  pollfd p{fd, POLLOUT, 0};
  int error = 0;
  socklen_t len = sizeof error;
  if (poll(&p, 1, static_cast<int>(timeout.count())) != 1 ||
      getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &len) != 0 || error != 0) {
    close(fd);
    return -1;
  }
  return fd;
}

SlowClients::SlowClients(int port, int addresses, std::chrono::seconds max_trickle)
    : port_(port), addresses_(addresses < 1 ? 1 : addresses), max_trickle_(max_trickle) {}

SlowClients::~SlowClients() {
  stop_ = true;
  if (thread_.joinable()) thread_.join();
  for (int fd : idle_) close(fd);
  for (int fd : tricklers_) close(fd);
}

int SlowClients::OpenIdle(int n) {
  int opened = 0;
  for (int i = 0; i < n; ++i) {
    int fd = ConnectFrom(2 + (next_source_++ % addresses_), port_, std::chrono::seconds(2));
    if (fd < 0) continue;
    idle_.push_back(fd);
    ++opened;
  }
  return opened;
}

int SlowClients::StartTricklers(int n, std::chrono::milliseconds interval) {
  int opened = 0;
  {
    std::lock_guard lock(mu_);
    for (int i = 0; i < n; ++i) {
      int fd = ConnectFrom(2 + (next_source_++ % addresses_), port_, std::chrono::seconds(2));
      if (fd < 0) continue;
      tricklers_.push_back(fd);
      trickle_done_.push_back(false);
      ++opened;
    }
  }
  if (!thread_.joinable()) thread_ = std::thread([this, interval] { TrickleLoop(interval); });
  return opened;
}

void SlowClients::TrickleLoop(std::chrono::milliseconds interval) {
  auto end = std::chrono::steady_clock::now() + max_trickle_;
  size_t sent = 0;  // bytes of the endless request sent so far, the same on every connection
  while (!stop_ && std::chrono::steady_clock::now() < end) {
    char next = sent < kTrickleStart.size() ? kTrickleStart[sent] : 'a';
    {
      std::lock_guard lock(mu_);
      for (size_t i = 0; i < tricklers_.size(); ++i) {
        if (trickle_done_[i]) continue;
        if (PeerClosed(tricklers_[i], &replies_) ||
            send(tricklers_[i], &next, 1, MSG_NOSIGNAL | MSG_DONTWAIT) < 0) {
          trickle_done_[i] = true;
        }
      }
    }
    ++sent;
    for (auto waited = std::chrono::milliseconds(0); waited < interval && !stop_;
         waited += std::chrono::milliseconds(50)) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  }
}

int SlowClients::IdleClosedByServer() {
  int closed = 0;
  for (int fd : idle_) closed += PeerClosed(fd, nullptr) ? 1 : 0;
  return closed;
}

int SlowClients::TricklersClosedByServer() {
  std::lock_guard lock(mu_);
  int closed = 0;
  for (size_t i = 0; i < tricklers_.size(); ++i) {
    if (!trickle_done_[i] && PeerClosed(tricklers_[i], &replies_)) trickle_done_[i] = true;
    closed += trickle_done_[i] ? 1 : 0;
  }
  return closed;
}

std::string SlowClients::TricklerReplies() {
  TricklersClosedByServer();
  std::lock_guard lock(mu_);
  return replies_;
}

}  // namespace certadns::test
