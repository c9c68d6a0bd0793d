#include "app/cli.h"

#include <cctype>
#include <istream>
#include <memory>
#include <ostream>
#include <utility>

#include <CLI/CLI.hpp>

#include "accounts/api_keys.h"
#include "app/config.h"
#include "app/master_key.h"
#include "app/store_factory.h"
#include "core/clock.h"
#include "core/names.h"
#include "core/plan.h"
#include "crypto/api_key.h"
#include "crypto/encoding.h"
#include "crypto/password.h"
#include "crypto/secret.h"
#include "dns/powerdns/powerdns_zone_host.h"
#include "http/curl_http_client.h"
#include "issuance/plan_rules.h"
#include "store/store.h"
#include "zones/zone_service.h"

namespace certadns::app {
namespace {

// What every command works with. The store is opened on first use, so a typo in an argument
// is reported before a database file is created.
class Context {
 public:
  explicit Context(Config config) : config_(std::move(config)) {}

  const Config& config() const { return config_; }
  const core::Clock& clock() const { return clock_; }
  core::Result<store::Store*> Store() {
    if (!store_) {
      ASSIGN_OR_RETURN(store_, OpenStore(config_.database.url));
    }
    return store_.get();
  }

 private:
  Config config_;
  core::SystemClock clock_;
  std::unique_ptr<store::Store> store_;
};

struct Streams {
  std::istream& in;
  std::ostream& out;
  std::ostream& err;
};

using Command = core::Status (*)(Context&, const AdminOptions&, Streams);

core::Result<std::string> PlanName(const std::string& raw) {
  auto plan = core::ParsePlan(raw);
  if (!plan) return core::InvalidArgument("unknown plan '" + raw + "' (free, plus, pro, elite)");
  return std::string(core::ToString(*plan));
}

core::Result<store::User> FindUser(Context& ctx, const std::string& raw_email) {
  ASSIGN_OR_RETURN(std::string email, NormalizeEmail(raw_email));
  ASSIGN_OR_RETURN(store::Store * db, ctx.Store());
  auto user = db->GetUserByEmail(email);
  if (!user.ok() && user.error().code() == core::ErrorCode::kNotFound) {
    return core::NotFound("no user with email " + email);
  }
  return user;
}

// The Argon2id hash of the --password value ("-" reads a line from stdin); "" without one.
core::Result<std::string> PasswordHash(const AdminOptions& o, std::istream& in) {
  if (!o.password) return std::string();
  crypto::SecretString password(*o.password);
  if (*o.password == "-") {
    std::string line;
    if (!std::getline(in, line)) return core::InvalidArgument("no password on stdin");
    if (!line.empty() && line.back() == '\r') line.pop_back();
    password = crypto::SecretString(std::move(line));
  }
  return crypto::HashPassword(password.reveal());
}

core::Status UserAdd(Context& ctx, const AdminOptions& o, Streams io) {
  ASSIGN_OR_RETURN(std::string email, NormalizeEmail(o.email));
  ASSIGN_OR_RETURN(std::string plan, PlanName(o.plan));
  ASSIGN_OR_RETURN(std::string hash, PasswordHash(o, io.in));
  ASSIGN_OR_RETURN(store::Store * db, ctx.Store());
  store::User user{crypto::RandomId("user"), email, plan, hash, ctx.clock().Now()};
  auto created = db->CreateUser(user);
  if (!created.ok() && created.error().code() == core::ErrorCode::kAlreadyExists) {
    return core::AlreadyExists("user " + email + " exists already (see `user set-plan`, " +
                               "`user set-password`)");
  }
  RETURN_IF_ERROR(created);
  io.out << "created user " << user.id << " " << email << " on plan " << plan
         << (hash.empty() ? " (no password: API keys only)" : "") << "\n";
  return core::Ok();
}

core::Status UserSetPlan(Context& ctx, const AdminOptions& o, Streams io) {
  ASSIGN_OR_RETURN(std::string email, NormalizeEmail(o.email));
  ASSIGN_OR_RETURN(std::string plan, PlanName(o.plan));
  ASSIGN_OR_RETURN(store::Store * db, ctx.Store());
  RETURN_IF_ERROR(db->SetUserPlan(email, plan));
  // Where the new plan lacks auto-renewal, it is turned off (logged per certificate).
  ASSIGN_OR_RETURN(store::User user, db->GetUserByEmail(email));
  RETURN_IF_ERROR(issuance::ApplyPlanChange(*db, ctx.clock(), user));
  io.out << "user " << email << " is on plan " << plan << "\n";
  return core::Ok();
}

core::Status UserSetPassword(Context& ctx, const AdminOptions& o, Streams io) {
  ASSIGN_OR_RETURN(std::string email, NormalizeEmail(o.email));
  ASSIGN_OR_RETURN(std::string hash, PasswordHash(o, io.in));
  ASSIGN_OR_RETURN(store::Store * db, ctx.Store());
  RETURN_IF_ERROR(db->SetUserPassword(email, hash));
  io.out << "password of " << email << " changed\n";
  return core::Ok();
}

core::Status ApiKeyCreate(Context& ctx, const AdminOptions& o, Streams io) {
  ASSIGN_OR_RETURN(store::User user, FindUser(ctx, o.email));
  ASSIGN_OR_RETURN(store::Store * db, ctx.Store());
  ASSIGN_OR_RETURN(accounts::CreatedApiKey created,
                   accounts::CreateApiKey(*db, user, ctx.clock().Now()));
  const store::ApiKey& row = created.row;
  // The only place a key is ever shown: alone on stdout, so scripts can capture it.
  io.out << created.key.reveal() << std::endl;
  io.err << "created API key " << row.id << " (" << row.prefix << "...) for " << user.email
         << "; it is shown only this once\n";
  auto plan = core::ParsePlan(user.plan);
  if (!plan || !core::LimitsOf(*plan).api_access) {
    io.err << "note: plan " << user.plan << " has no API access; the key works once the user "
           << "is on a paid plan\n";
  }
  return core::Ok();
}

core::Status ApiKeyRevoke(Context& ctx, const AdminOptions& o, Streams io) {
  ASSIGN_OR_RETURN(store::User user, FindUser(ctx, o.email));
  ASSIGN_OR_RETURN(store::Store * db, ctx.Store());
  std::string target = o.key;
  const size_t key_length = crypto::kApiKeyPrefix.size() + crypto::kApiKeyRandomChars;
  if (target.size() == key_length && target.rfind(crypto::kApiKeyPrefix, 0) == 0) {
    // A whole key: find it by hash, and never echo it.
    crypto::SecretString whole(std::move(target));
    target.clear();
    std::string hash = crypto::HashToken(whole.reveal());
    ASSIGN_OR_RETURN(std::vector<store::ApiKey> keys, db->ListApiKeys(user.id));
    for (const store::ApiKey& k : keys) {
      if (crypto::ConstantTimeEquals(k.key_hash, hash)) target = k.id;
    }
    if (target.empty()) return core::NotFound("that key is not one of " + user.email + "'s");
  }
  RETURN_IF_ERROR(db->RevokeApiKey(user.id, target, ctx.clock().Now()));
  io.out << "revoked API key " << target << " of " << user.email << "\n";
  return core::Ok();
}

core::Status ZoneImport(Context& ctx, const AdminOptions& o, Streams io) {
  ASSIGN_OR_RETURN(store::User user, FindUser(ctx, o.email));
  ASSIGN_OR_RETURN(store::Store * db, ctx.Store());
  const Config& config = ctx.config();
  http::CurlHttpClient http(http::CurlHttpClientOptions{});
  dns::powerdns::PowerDnsZoneHost host(
      http, {config.powerdns.api_url, config.powerdns.api_key, config.powerdns.server_id});
  zones::ZoneService service(*db, host, /*verifier=*/nullptr, ctx.clock(),
                             {config.zones.nameservers, config.zones.public_zones});
  ASSIGN_OR_RETURN(std::string name, core::NormalizeDnsName(o.zone_name));
  ASSIGN_OR_RETURN(std::vector<store::Zone> mine, db->ListZones(user.id));
  bool verified_before = false;
  for (const store::Zone& zone : mine) verified_before |= zone.name == name && zone.verified;
  // --verified (an administrator's word for the proof), or importing again a zone that is
  // verified already: it is (again) served by PowerDNS (a fresh devstack starts empty).
  auto imported = o.verified || verified_before ? service.ImportVerified(user, o.zone_name)
                                                : service.Import(user, o.zone_name);
  if (!imported.ok()) return imported.error();
  io.out << "imported zone " << imported->name << " (" << imported->id << ") for "
         << user.email << (imported->verified ? ", verified" : "") << "\n";
  if (!imported->verified) {
    std::string nameservers;
    for (const std::string& ns : service.NameserversFor(user.id)) {
      nameservers += (nameservers.empty() ? "" : " ") + ns;
    }
    io.out << "to verify it, delegate it to " << nameservers << " or publish TXT "
           << zones::VerificationRecordName(imported->name) << " \""
           << zones::VerificationRecordValue(*imported) << "\"\n";
  }
  return core::Ok();
}

// Re-seals every secret under secrets.master_key_file (opening them with it or with
// secrets.previous_master_key_files), then records the new key's fingerprint.
core::Status MasterKeyRotate(Context& ctx, const AdminOptions&, Streams io) {
  ASSIGN_OR_RETURN(store::Store * db, ctx.Store());
  const auto& secrets = ctx.config().secrets;
  if (secrets.previous_master_key_files.empty()) {
    return core::InvalidArgument(
        "secrets.previous_master_key_files is empty: put the new key in "
        "secrets.master_key_file and the old one there (docs/operations.md)");
  }
  ASSIGN_OR_RETURN(crypto::SecretBox box, OpenMasterKey(secrets.master_key_file, *db,
                                                        secrets.previous_master_key_files));
  ASSIGN_OR_RETURN(RotationReport report, RotateMasterKey(*db, box));
  io.out << "re-sealed " << report.resealed << " secrets under master key "
         << box.Fingerprint().substr(0, 16) << " (" << report.already_new
         << " were sealed under it already); "
         << (report.recorded ? "the database now records it"
                             : "the database recorded it already")
         << ". Remove secrets.previous_master_key_files from every node's configuration, "
            "restart them, then retire the old key file.\n";
  return core::Ok();
}

}  // namespace

core::Result<std::string> NormalizeEmail(const std::string& raw) {
  size_t begin = raw.find_first_not_of(" \t\r\n");
  size_t end = raw.find_last_not_of(" \t\r\n");
  std::string email = begin == std::string::npos ? "" : raw.substr(begin, end - begin + 1);
  for (char& ch : email) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  size_t at = email.find('@');
  bool valid = at != std::string::npos && at > 0 && at + 1 < email.size() &&
               email.find('@', at + 1) == std::string::npos;
  for (char ch : email) {
    auto byte = static_cast<unsigned char>(ch);
    if (std::isspace(byte) || std::iscntrl(byte)) valid = false;
  }
  if (!valid) return core::InvalidArgument("'" + raw + "' is not an email address");
  return email;
}

AdminCli::AdminCli(CLI::App& app) {
  auto with_config = [this](CLI::App* command) {
    command->add_option("--config", options_.config_path, "TOML configuration file")
        ->check(CLI::ExistingFile);
    return command;
  };
  auto with_email = [this](CLI::App* command) {
    command->add_option("--email", options_.email, "The user's email address")->required();
    return command;
  };
  // CLI11 2.1 has no std::optional options: --password lands in a string and counts.
  auto with_password = [this](CLI::App* command, bool required) {
    CLI::Option* option = command->add_option(
        "--password", password_text_,
        "Dashboard password, 8 to 1024 characters; '-' reads it from stdin");
    if (required) option->required();
    password_options_.push_back(option);
    return command;
  };

  CLI::App* user = app.add_subcommand("user", "Manage users");
  user->require_subcommand(1);
  user_add_ = with_config(with_email(user->add_subcommand("add", "Create a user")));
  user_add_->add_option("--plan", options_.plan, "free, plus, pro or elite")->required();
  with_password(user_add_, false);
  user_set_plan_ = with_config(with_email(user->add_subcommand("set-plan", "Change a plan")));
  user_set_plan_->add_option("--plan", options_.plan, "free, plus, pro or elite")->required();
  user_set_password_ = with_config(
      with_email(user->add_subcommand("set-password", "Set a user's dashboard password")));
  with_password(user_set_password_, true);

  CLI::App* apikey = app.add_subcommand("apikey", "Manage API keys");
  apikey->require_subcommand(1);
  apikey_create_ = with_config(with_email(
      apikey->add_subcommand("create", "Create an API key and print it (shown only once)")));
  apikey_revoke_ = with_config(with_email(apikey->add_subcommand("revoke", "Revoke an API key")));
  apikey_revoke_->add_option("--key", options_.key, "The key's id (key_...) or its prefix")
      ->required();

  CLI::App* zone = app.add_subcommand("zone", "Manage zones");
  zone->require_subcommand(1);
  zone_import_ = with_config(with_email(zone->add_subcommand(
      "import", "Create a zone in PowerDNS (if missing) and record it for the user")));
  zone_import_->add_option("--name", options_.zone_name, "Zone name, e.g. example.com")
      ->required();
  zone_import_->add_flag("--verified", options_.verified,
                         "Mark it verified, usable for certificates at once");

  CLI::App* master_key = app.add_subcommand("master-key", "Manage the master key");
  master_key->require_subcommand(1);
  master_key_rotate_ = with_config(master_key->add_subcommand(
      "rotate", "Re-seal every secret under secrets.master_key_file, then record it"));
}

std::optional<int> AdminCli::Run(std::istream& in, std::ostream& out, std::ostream& err) {
  const std::pair<CLI::App*, Command> commands[] = {
      {user_add_, UserAdd},
      {user_set_plan_, UserSetPlan},
      {user_set_password_, UserSetPassword},
      {apikey_create_, ApiKeyCreate},
      {apikey_revoke_, ApiKeyRevoke},
      {zone_import_, ZoneImport},
      {master_key_rotate_, MasterKeyRotate},
  };
  Command command = nullptr;
  for (const auto& [app, run] : commands) {
    if (app->parsed()) command = run;
  }
  if (command == nullptr) return std::nullopt;
  for (const CLI::Option* option : password_options_) {
    if (option->count() > 0) options_.password = password_text_;
  }
  core::Status status = [&]() -> core::Status {
    ASSIGN_OR_RETURN(Config config, LoadConfig(options_.config_path, ProcessEnv));
    Context ctx(std::move(config));
    return command(ctx, options_, Streams{in, out, err});
  }();
  if (!status.ok()) {
    err << "certadns: " << status.error().message() << "\n";
    return 1;
  }
  return 0;
}

}  // namespace certadns::app
