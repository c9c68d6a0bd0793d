// ServiceProcess: the real `certadns` binary (CERTADNS_BINARY) for black-box tests. It writes a
// config file for the devstack into a private temp dir, runs `certadns serve` on a free
// loopback port and waits for /healthz, runs CLI subcommands against the same config
// (capturing their output), and stops the server by its pid: SIGTERM, then SIGKILL after a
// bounded wait. Children get the environment minus CERTADNS_*, so the config file alone
// decides. The database is a SQLite file in that dir, or, with CERTADNS_TEST_DATABASE=
// postgresql, a fresh PostgreSQL database on CERTADNS_TEST_PG_URL's server (a config that
// names database.url keeps it: several processes may share one). Not thread-safe.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "tests/support/pg_test_database.h"
#include "tests/support/stack_env.h"
#include "tests/support/temp_dir.h"

namespace certadns::test {

/// A TOML value as written in the file: Toml("x") is "\"x\"", TomlList({"a"}) is "[\"a\"]".
std::string Toml(const std::string& value);
std::string TomlList(const std::vector<std::string>& values);

/// The config file's contents, section -> key -> TOML value.
using ConfigValues = std::map<std::string, std::map<std::string, std::string>>;

/// The settings for the devstack `env` describes, with issuance tuned for tests (no fixed
/// propagation delay: the nameservers are checked instead; short polling).
ConfigValues StackConfig(const StackEnv& env);

struct CommandResult {
  int exit_code = -1;  // -1: did not exit normally (killed, timed out, not started)
  std::string out;
  std::string err;
  std::string Describe() const;  // for failure messages
};

/// A free TCP port on 127.0.0.1 (bound to port 0, read, closed); 0 on failure.
int PickFreePort();

class ServiceProcess {
 public:
  ServiceProcess() = default;
  ~ServiceProcess();
  ServiceProcess(const ServiceProcess&) = delete;
  ServiceProcess& operator=(const ServiceProcess&) = delete;

  /// Writes `config` (the listen address is filled in here, and the database and master key
  /// unless `config` names them: nodes sharing one) and starts
  /// `certadns serve`; returns "" once /healthz answers 200, else what went wrong (with the
  /// service's log), the process then being stopped.
  std::string Start(ConfigValues config,
                    std::chrono::seconds ready_within = std::chrono::seconds(15));

  /// SIGTERM, then SIGKILL when it has not exited within `grace`. Returns the wait status
  /// (-1 when nothing was running). Idempotent.
  int Stop(std::chrono::seconds grace = std::chrono::seconds(10));
  /// SIGKILL at once, as a crash would; returns the wait status (-1 when nothing ran).
  int Kill();

  /// A file in the service's private directory: "certadns.db", "master.key", "serve.log".
  /// Start() may be called again after a stop: it keeps the database and master key.
  std::string File(const std::string& name) const { return dir_.File(name); }

  /// The database the service uses (database.url).
  const std::string& database_url() const { return database_url_; }

  /// Runs `certadns <args...> --config <file>` to completion (bounded by `limit`).
  CommandResult Cli(std::vector<std::string> args,
                    std::chrono::seconds limit = std::chrono::seconds(30)) const;

  int port() const { return port_; }
  /// The running service's pid (-1 when none runs), e.g. to lower its limits with prlimit(2).
  pid_t pid() const { return pid_; }
  std::string base_url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  const std::string& config_file() const { return config_file_; }
  /// The last `bytes` of the service's stdout/stderr.
  std::string LogTail(size_t bytes = 6000) const;

 private:
  TempDir dir_;
  std::unique_ptr<PgTestDatabase> pg_;  // with CERTADNS_TEST_DATABASE=postgresql
  std::string database_url_;
  std::string config_file_;
  std::string log_file_;
  pid_t pid_ = -1;
  int port_ = 0;
};

}  // namespace certadns::test
