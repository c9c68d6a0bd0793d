#include "tests/support/pg_test_database.h"

#include <libpq-fe.h>

#include <cstdlib>
#include <random>

namespace certadns::test {
namespace {

// Runs `sql` on a fresh connection to `url`; "" when it succeeded, else the error.
std::string RunOn(const std::string& url, const std::string& sql) {
  PGconn* conn = PQconnectdb(url.c_str());
  std::string problem;
  if (PQstatus(conn) != CONNECTION_OK) {
    problem = PQerrorMessage(conn);
  } else {
    PGresult* r = PQexec(conn, sql.c_str());
    if (PQresultStatus(r) != PGRES_COMMAND_OK) problem = PQresultErrorMessage(r);
    PQclear(r);
  }
  PQfinish(conn);
  return problem;
}

// `url` with its database (the path after host:port) replaced by `name`; query kept.
std::string WithDatabase(const std::string& url, const std::string& name) {
  auto scheme = url.find("://");
  auto slash = url.find('/', scheme == std::string::npos ? 0 : scheme + 3);
  auto query = url.find('?');
  std::string base = slash == std::string::npos ? url.substr(0, query) : url.substr(0, slash);
  std::string rest = query == std::string::npos ? "" : url.substr(query);
  return base + "/" + name + rest;
}

}  // namespace

bool PgTestDatabase::Required() {
  const char* required = std::getenv("CERTADNS_REQUIRE_PG");
  return required != nullptr && std::string(required) == "1";
}

PgTestDatabase::PgTestDatabase() {
  const char* server = std::getenv("CERTADNS_TEST_PG_URL");
  if (server == nullptr || *server == '\0') {
    problem_ = "CERTADNS_TEST_PG_URL is not set (scripts/pg.sh up writes one)";
    return;
  }
  server_url_ = server;
  std::random_device random;
  name_ = "certadns_test_" + std::to_string(random()) + std::to_string(random() % 1000);
  problem_ = RunOn(server_url_, "CREATE DATABASE " + name_);
  if (problem_.empty()) url_ = WithDatabase(server_url_, name_);
}

PgTestDatabase::~PgTestDatabase() {
  if (!url_.empty()) (void)RunOn(server_url_, "DROP DATABASE IF EXISTS " + name_ + " WITH (FORCE)");
}

}  // namespace certadns::test
