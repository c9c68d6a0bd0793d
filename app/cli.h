// The operator's commands beside `serve` (DESIGN.md "Contracts"): user add / set-plan /
// set-password, apikey create / revoke, zone import, master-key rotate. Each loads the configuration, opens the
// store named by database.url, does one thing and reports on stderr; only `apikey create`
// writes a secret, the new key, alone on stdout. Not thread-safe (one command per process).
#pragma once

#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

#include "core/result.h"

namespace CLI {
class App;
class Option;
}  // namespace CLI

namespace certadns::app {

/// The values CLI11 fills in for the admin subcommands.
struct AdminOptions {
  std::string config_path;  // empty = defaults and CERTADNS_* only
  std::string email;
  std::string plan;
  std::optional<std::string> password;  // "-" = read one line from stdin
  std::string key;                      // key id, displayed prefix or the whole key
  std::string zone_name;
  bool verified = false;
};

class AdminCli {
 public:
  /// Adds the `user`, `apikey`, `zone` and `master-key` subcommands to `app`; `app` must outlive this.
  explicit AdminCli(CLI::App& app);

  /// Runs the subcommand CLI11 parsed, if it is one of ours: 0 on success, 1 after writing
  /// the reason to `err`. nullopt when none of ours was given.
  std::optional<int> Run(std::istream& in, std::ostream& out, std::ostream& err);

 private:
  AdminOptions options_;
  std::string password_text_;  // CLI11 2.1 has no std::optional options
  std::vector<CLI::Option*> password_options_;
  CLI::App* user_add_ = nullptr;
  CLI::App* user_set_plan_ = nullptr;
  CLI::App* user_set_password_ = nullptr;
  CLI::App* apikey_create_ = nullptr;
  CLI::App* apikey_revoke_ = nullptr;
  CLI::App* zone_import_ = nullptr;
  CLI::App* master_key_rotate_ = nullptr;
};

/// `raw` trimmed and lower-cased; kInvalidArgument unless it has exactly one '@' with text on
/// both sides and no spaces or control characters.
core::Result<std::string> NormalizeEmail(const std::string& raw);

}  // namespace certadns::app
