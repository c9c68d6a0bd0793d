#include "store/postgres/pg_listener.h"

#include <libpq-fe.h>
#include <poll.h>

#include <chrono>
#include <memory>

namespace certadns::store::postgres {
namespace {

// How often the thread looks at stop_ while nothing arrives.
constexpr int kPollMs = 200;

struct ConnCloser {
  void operator()(PGconn* conn) const { PQfinish(conn); }
};
using ConnPtr = std::unique_ptr<PGconn, ConnCloser>;

}  // namespace

PgListener::PgListener(std::string conninfo, std::string channel,
                       std::function<void()> on_notify)
    : conninfo_(std::move(conninfo)),
      channel_(std::move(channel)),
      on_notify_(std::move(on_notify)) {
  thread_ = std::thread([this] { Run(); });
}

PgListener::~PgListener() {
  stop_ = true;
  if (thread_.joinable()) thread_.join();
}

void PgListener::Run() {
  ConnPtr conn;
  auto last_attempt = std::chrono::steady_clock::time_point{};
  while (!stop_) {
    if (!conn || PQstatus(conn.get()) != CONNECTION_OK) {
      conn.reset();
      auto now = std::chrono::steady_clock::now();
      if (now - last_attempt < std::chrono::seconds(1)) {
        poll(nullptr, 0, kPollMs);
        continue;
      }
      last_attempt = now;
      ConnPtr fresh(PQconnectdb(conninfo_.c_str()));
      if (!fresh || PQstatus(fresh.get()) != CONNECTION_OK) continue;
      std::string listen = "LISTEN " + channel_;
      PGresult* r = PQexec(fresh.get(), listen.c_str());
      bool ok = PQresultStatus(r) == PGRES_COMMAND_OK;
      PQclear(r);
      if (!ok) continue;
      conn = std::move(fresh);
      on_notify_();  // anything sent while we were not listening is lost: look again
      continue;
    }
    pollfd fd{PQsocket(conn.get()), POLLIN, 0};
    if (poll(&fd, 1, kPollMs) <= 0) continue;
    if (!PQconsumeInput(conn.get())) {
      conn.reset();
      continue;
    }
    bool notified = false;
    while (PGnotify* notify = PQnotifies(conn.get())) {
      notified = true;
      PQfreemem(notify);
    }
    if (notified) on_notify_();
  }
}

}  // namespace certadns::store::postgres
