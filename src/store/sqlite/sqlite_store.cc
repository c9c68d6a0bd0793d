#include "store/sqlite/sqlite_store.h"

#include <fcntl.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include <nlohmann/json.hpp>

#include "core/text.h"
#include "store/sqlite/sqlite_db.h"

namespace certadns::store::sqlite {

extern const std::vector<std::string_view> kMigrations;

namespace {

using core::FromUnixMillis;
using core::ToUnixMillis;

std::optional<int64_t> OptMillis(const std::optional<core::TimePoint>& t) {
  if (!t) return std::nullopt;
  return ToUnixMillis(*t);
}

std::optional<core::TimePoint> OptTime(std::optional<int64_t> ms) {
  if (!ms) return std::nullopt;
  return FromUnixMillis(*ms);
}

constexpr std::string_view kCertificateColumns =
    "id, owner_id, zone_id, zone_name, domain, sans, is_wildcard, auto_renew, status, "
    "issued_at, expires_at, next_renewal_at, serial, certificate_pem, chain_pem, created_at, "
    "updated_at";

// The same columns without the PEM bodies: whether a certificate is installed (a column
// generated from its PEM), then NULL. All of them are in the certificates_list index.
constexpr std::string_view kCertificateListColumns =
    "id, owner_id, zone_id, zone_name, domain, sans, is_wildcard, auto_renew, status, "
    "issued_at, expires_at, next_renewal_at, serial, has_certificate, NULL, created_at, "
    "updated_at";

// A row of kCertificateColumns, or of kCertificateListColumns when `with_pems` is false.
core::Certificate ReadCertificate(const Statement& s, bool with_pems) {
  core::Certificate c;
  c.id = s.Text(0);
  c.owner_id = s.Text(1);
  c.zone_id = s.Text(2);
  c.zone_name = s.Text(3);
  c.domain = s.Text(4);
  const std::string sans_text = s.Text(5);
  if (sans_text != "[]") {  // most certificates have no SANs: nothing to parse
    auto sans = nlohmann::json::parse(sans_text, nullptr, false);
    if (sans.is_array()) {
      for (const auto& san : sans) {
        if (san.is_string()) c.sans.push_back(san.get<std::string>());
      }
    }
  }
  c.is_wildcard = s.Int(6) != 0;
  c.auto_renew = s.Int(7) != 0;
  c.status = core::ParseCertificateState(s.Text(8)).value_or(core::CertificateState::kFailed);
  c.issued_at = OptTime(s.OptionalInt(9));
  c.expires_at = OptTime(s.OptionalInt(10));
  c.next_renewal_at = OptTime(s.OptionalInt(11));
  c.serial = s.Text(12);
  if (with_pems) {
    c.certificate_pem = s.Text(13);
    c.chain_pem = s.Text(14);
    c.has_certificate = !c.certificate_pem.empty();
  } else {
    c.has_certificate = s.Int(13) != 0;
  }
  c.created_at = FromUnixMillis(s.Int(15));
  c.updated_at = FromUnixMillis(s.Int(16));
  return c;
}

}  // namespace

namespace {

// False for ":memory:" and "file:" URIs (which may name a database in memory): no file of
// its own to make private, and another connection to the name may open another database.
bool IsPlainFile(const std::string& path) {
  return !path.empty() && path != ":memory:" && path.rfind("file:", 0) != 0;
}

// The database holds password hashes and sealed keys: only our user may read it. SQLite
// gives the -wal and -shm files the database file's permissions, so creating the file
// 0600 before SQLite does covers all three; files left by an older version are tightened.
core::Status MakePrivate(const std::string& path) {
  if (!IsPlainFile(path)) return core::Ok();
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0) {
    return core::Unavailable("cannot open database " + path + ": " + std::strerror(errno));
  }
  int rc = ::fchmod(fd, 0600);
  int err = errno;
  ::close(fd);
  if (rc != 0) {
    return core::Unavailable("cannot make database " + path + " private: " + std::strerror(err));
  }
  for (const char* suffix : {"-wal", "-shm", "-journal"}) {
    std::string side = path + suffix;
    if (::chmod(side.c_str(), 0600) != 0 && errno != ENOENT) {
      return core::Unavailable("cannot make " + side + " private: " + std::strerror(errno));
    }
  }
  return core::Ok();
}

// A connection to `path` with `flags`, waiting kBusyTimeoutMs for locks.
core::Result<sqlite3*> OpenHandle(const std::string& path, int flags) {
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(path.c_str(), &db, flags, nullptr) != SQLITE_OK) {
    std::string message = db ? sqlite3_errmsg(db) : "out of memory";
    sqlite3_close(db);
    return core::Unavailable("cannot open database " + path + ": " + message);
  }
  sqlite3_busy_timeout(db, kBusyTimeoutMs);
  return db;
}

}  // namespace

core::Result<std::unique_ptr<SqliteStore>> SqliteStore::Open(const std::string& path, int readers) {
  RETURN_IF_ERROR(MakePrivate(path));
  ASSIGN_OR_RETURN(sqlite3 * db, OpenHandle(path, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
                                                      SQLITE_OPEN_FULLMUTEX));
  std::unique_ptr<SqliteStore> store(new SqliteStore(db));
  bool wal = false;
  {
    Statement mode(store->db_, "PRAGMA journal_mode=WAL");
    wal = mode.Step() && mode.Text(0) == "wal";
    RETURN_IF_ERROR(mode.status());
  }
  RETURN_IF_ERROR(Exec(db, "PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;"));
  RETURN_IF_ERROR(store->Migrate());
  // Without WAL, readers would wait for the writer instead of reading beside it.
  if (wal && IsPlainFile(path)) {
    RETURN_IF_ERROR(store->OpenReaders(path, std::clamp(readers, 1, kMaxReaders)));
  }
  return store;
}

core::Status SqliteStore::OpenReaders(const std::string& path, int count) {
  for (int i = 0; i < count; ++i) {
    // NOMUTEX: a lease hands a reader to one thread at a time.
    ASSIGN_OR_RETURN(sqlite3 * db, OpenHandle(path, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX));
    readers_.push_back(std::make_unique<Connection>(db));
    RETURN_IF_ERROR(Exec(db, "PRAGMA query_only=1"));
  }
  std::lock_guard lock(readers_mutex_);
  for (const auto& reader : readers_) idle_readers_.push_back(reader.get());
  return core::Ok();
}

SqliteStore::ReadLease::ReadLease(SqliteStore& store) : store_(store) {
  if (store.readers_.empty()) {
    writer_lock_ = std::unique_lock(store.mutex_);
    connection_ = &store.db_;
    return;
  }
  std::unique_lock lock(store.readers_mutex_);
  store.reader_returned_.wait(lock, [&store] { return !store.idle_readers_.empty(); });
  connection_ = store.idle_readers_.back();
  store.idle_readers_.pop_back();
}

SqliteStore::ReadLease::~ReadLease() {
  if (writer_lock_.owns_lock()) return;  // the writer's lock goes with writer_lock_
  {
    std::lock_guard lock(store_.readers_mutex_);
    store_.idle_readers_.push_back(connection_);
  }
  store_.reader_returned_.notify_one();
}

SqliteStore::~SqliteStore() = default;

core::Status SqliteStore::Migrate() {
  std::lock_guard lock(mutex_);
  RETURN_IF_ERROR(Exec(db_, "CREATE TABLE IF NOT EXISTS schema_migrations "
                            "(version INTEGER PRIMARY KEY)"));
  Transaction tx(db_);
  RETURN_IF_ERROR(tx.status());
  int64_t applied = 0;
  {
    // Reset before the migrations run: a statement still stepping keeps its tables locked
    // against DROP TABLE ("database table is locked").
    Statement current(db_, "SELECT COALESCE(MAX(version), 0) FROM schema_migrations");
    applied = current.Step() ? current.Int(0) : 0;
    RETURN_IF_ERROR(current.status());
  }
  for (size_t i = static_cast<size_t>(applied); i < kMigrations.size(); ++i) {
    RETURN_IF_ERROR(Exec(db_, kMigrations[i]));
    Statement mark(db_, "INSERT INTO schema_migrations(version) VALUES (?1)");
    RETURN_IF_ERROR(mark.Bind(1, static_cast<int64_t>(i + 1)).Run());
  }
  return tx.Commit();
}

core::Status SqliteStore::WriteCertificate(const core::Certificate& c, bool insert) {
  nlohmann::json sans = c.sans;
  std::string sql =
      insert ? "INSERT INTO certificates(id, owner_id, zone_id, zone_name, domain, sans, "
               "is_wildcard, auto_renew, status, issued_at, expires_at, next_renewal_at, serial, "
               "certificate_pem, chain_pem, created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, "
               "?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17)"
             : "UPDATE certificates SET owner_id = ?2, zone_id = ?3, zone_name = ?4, "
               "domain = ?5, sans = ?6, is_wildcard = ?7, auto_renew = ?8, status = ?9, "
               "issued_at = ?10, expires_at = ?11, next_renewal_at = ?12, serial = ?13, "
               "certificate_pem = ?14, chain_pem = ?15, created_at = ?16, updated_at = ?17 "
               "WHERE id = ?1";
  Statement s(db_, sql);
  s.Bind(1, c.id).Bind(2, c.owner_id).Bind(3, c.zone_id).Bind(4, c.zone_name).Bind(5, c.domain);
  s.Bind(6, sans.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace)).Bind(7, int64_t{c.is_wildcard}).Bind(8, int64_t{c.auto_renew});
  s.Bind(9, core::ToString(c.status)).Bind(10, OptMillis(c.issued_at));
  s.Bind(11, OptMillis(c.expires_at)).Bind(12, OptMillis(c.next_renewal_at));
  s.Bind(13, c.serial).Bind(14, c.certificate_pem).Bind(15, c.chain_pem);
  s.Bind(16, ToUnixMillis(c.created_at)).Bind(17, ToUnixMillis(c.updated_at));
  RETURN_IF_ERROR(s.Run());
  if (!insert && sqlite3_changes(db_) != 1) return core::NotFound("certificate " + c.id);
  return core::Ok();
}

core::Status SqliteStore::InsertEvent(const std::string& certificate_id,
                                      const core::CertificateEvent& e) {
  Statement s(db_, "INSERT INTO certificate_events(certificate_id, at, level, message) "
                   "VALUES (?1, ?2, ?3, ?4)");
  s.Bind(1, certificate_id).Bind(2, ToUnixMillis(e.at)).Bind(3, core::ToString(e.level));
  // Event text carries upstream words (the CA's, PowerDNS's): keep only safe text, so the
  // certificate's log can always be served.
  s.Bind(4, core::SafeText(e.message));
  return s.Run();
}

core::Status SqliteStore::CreateCertificate(const core::Certificate& certificate,
                                            const Job& job, int max_certificates) {
  std::lock_guard lock(mutex_);
  // BEGIN IMMEDIATE takes the write lock first, so two requests (or nodes) cannot both pass
  // the checks below and exceed the limit together.
  Transaction tx(db_);
  RETURN_IF_ERROR(tx.status());
  // The zone is still the owner's (a zone deletion may have committed since it was read).
  ASSIGN_OR_RETURN(int64_t zones,
                   Count(db_, "SELECT COUNT(*) FROM zones WHERE id = ?1 AND owner_id = ?2",
                         certificate.zone_id, certificate.owner_id));
  if (zones == 0) return core::NotFound("zone " + certificate.zone_id);
  ASSIGN_OR_RETURN(
      int64_t owned,
      Count(db_, "SELECT COUNT(*) FROM certificates WHERE owner_id = ?1", certificate.owner_id));
  if (owned >= max_certificates) {
    return core::Error(core::ErrorCode::kResourceExhausted, "certificate limit reached");
  }
  {
    Statement active(db_, "SELECT 1 FROM certificates WHERE owner_id = ?1 AND domain = ?2 "
                          "AND status IN (?3, ?4, ?5) LIMIT 1");
    active.Bind(1, certificate.owner_id).Bind(2, certificate.domain);
    active.Bind(3, core::ToString(core::CertificateState::kPending));
    active.Bind(4, core::ToString(core::CertificateState::kValidating));
    active.Bind(5, core::ToString(core::CertificateState::kIssued));
    if (active.Step()) {
      return core::AlreadyExists("an active certificate for " + certificate.domain + " exists");
    }
    RETURN_IF_ERROR(active.status());
  }
  RETURN_IF_ERROR(WriteCertificate(certificate, /*insert=*/true));
  RETURN_IF_ERROR(InsertJob(job));
  return tx.Commit();
}

core::Result<int64_t> SqliteStore::Count(Connection& db, const std::string& sql,
                                         const std::string& a, const std::string& b) {
  Statement s(db, sql);
  s.Bind(1, a);
  if (!b.empty()) s.Bind(2, b);
  int64_t count = s.Step() ? s.Int(0) : 0;
  RETURN_IF_ERROR(s.status());
  return count;
}

core::Result<int> SqliteStore::CountCertificates(const std::string& owner_id) {
  ReadLease db(*this);
  ASSIGN_OR_RETURN(int64_t count,
                   Count(*db, "SELECT COUNT(*) FROM certificates WHERE owner_id = ?1", owner_id));
  return static_cast<int>(count);
}

core::Status SqliteStore::SetAutoRenew(const std::string& owner_id, const std::string& id,
                                       bool enabled,
                                       std::optional<core::TimePoint> next_renewal_at) {
  std::lock_guard lock(mutex_);
  Statement s(db_, "UPDATE certificates SET auto_renew = ?3, next_renewal_at = ?4 "
                   "WHERE owner_id = ?1 AND id = ?2");
  s.Bind(1, owner_id).Bind(2, id).Bind(3, int64_t{enabled ? 1 : 0});
  RETURN_IF_ERROR(s.Bind(4, OptMillis(next_renewal_at)).Run());
  if (sqlite3_changes(db_) != 1) return core::NotFound("certificate " + id);
  return core::Ok();
}

core::Status SqliteStore::DeleteCertificate(const std::string& owner_id, const std::string& id) {
  std::lock_guard lock(mutex_);
  // certificate_events go with the row (ON DELETE CASCADE). A job, if any, stays: its worker
  // finds the certificate gone, cleans up its TXT records and ends the job.
  Statement s(db_, "DELETE FROM certificates WHERE owner_id = ?1 AND id = ?2");
  RETURN_IF_ERROR(s.Bind(1, owner_id).Bind(2, id).Run());
  if (sqlite3_changes(db_) != 1) return core::NotFound("certificate " + id);
  return core::Ok();
}

core::Result<std::vector<core::Certificate>> SqliteStore::QueryCertificates(
    Connection& db, const std::string& where, const std::string& a, const std::string& b,
    bool with_pems) {
  Statement s(db, "SELECT " +
                      std::string(with_pems ? kCertificateColumns : kCertificateListColumns) +
                      " FROM certificates WHERE " + where + " ORDER BY created_at, id");
  s.Bind(1, a);
  if (!b.empty()) s.Bind(2, b);
  std::vector<core::Certificate> out;
  while (s.Step()) out.push_back(ReadCertificate(s, with_pems));
  RETURN_IF_ERROR(s.status());
  return out;
}

core::Result<core::Certificate> SqliteStore::GetCertificate(const std::string& owner_id,
                                                            const std::string& id) {
  ReadLease db(*this);
  ASSIGN_OR_RETURN(auto rows, QueryCertificates(*db, "owner_id = ?1 AND id = ?2", owner_id, id));
  if (rows.empty()) return core::NotFound("certificate " + id);
  return std::move(rows.front());
}

core::Result<core::Certificate> SqliteStore::GetCertificateForWorker(const std::string& id) {
  std::lock_guard lock(mutex_);
  ASSIGN_OR_RETURN(auto rows, QueryCertificates(db_, "id = ?1", id, ""));
  if (rows.empty()) return core::NotFound("certificate " + id);
  return std::move(rows.front());
}

core::Result<std::vector<core::Certificate>> SqliteStore::ListCertificates(
    const std::string& owner_id) {
  ReadLease db(*this);
  return QueryCertificates(*db, "owner_id = ?1", owner_id, "", /*with_pems=*/false);
}

core::Result<std::string> SqliteStore::GetSealedPrivateKey(const std::string& owner_id,
                                                           const std::string& id) {
  ReadLease db(*this);
  Statement s(*db, "SELECT private_key_sealed FROM certificates WHERE owner_id = ?1 AND id = ?2");
  s.Bind(1, owner_id).Bind(2, id);
  if (!s.Step() || s.IsNull(0)) {
    RETURN_IF_ERROR(s.status());
    return core::NotFound("private key of certificate " + id);
  }
  return s.Blob(0);
}

core::Result<std::vector<core::CertificateEvent>> SqliteStore::ListEvents(
    const std::string& owner_id, const std::string& certificate_id) {
  ReadLease db(*this);
  Statement s(*db,
              "SELECT e.at, e.level, e.message FROM certificate_events e "
              "JOIN certificates c ON c.id = e.certificate_id "
              "WHERE c.owner_id = ?1 AND c.id = ?2 ORDER BY e.id");
  s.Bind(1, owner_id).Bind(2, certificate_id);
  std::vector<core::CertificateEvent> events;
  while (s.Step()) {
    std::string level = s.Text(1);
    core::EventLevel parsed = level == "error"     ? core::EventLevel::kError
                              : level == "warning" ? core::EventLevel::kWarning
                                                   : core::EventLevel::kInfo;
    events.push_back({FromUnixMillis(s.Int(0)), parsed, s.Text(2)});
  }
  RETURN_IF_ERROR(s.status());
  return events;
}

core::Status SqliteStore::AppendEvent(const std::string& certificate_id,
                                      const core::CertificateEvent& event) {
  std::lock_guard lock(mutex_);
  return InsertEvent(certificate_id, event);
}

core::Result<std::optional<std::string>> SqliteStore::GetAcmeAccountKey(
    const std::string& directory_url) {
  std::lock_guard lock(mutex_);
  Statement s(db_, "SELECT key_sealed FROM acme_accounts WHERE directory_url = ?1");
  s.Bind(1, directory_url);
  if (!s.Step()) {
    RETURN_IF_ERROR(s.status());
    return std::optional<std::string>();
  }
  return std::optional<std::string>(s.Blob(0));
}

core::Result<std::string> SqliteStore::PutAcmeAccountKey(const std::string& directory_url,
                                                         const std::string& sealed_key) {
  std::lock_guard lock(mutex_);
  Transaction tx(db_);
  RETURN_IF_ERROR(tx.status());
  Statement insert(db_, "INSERT OR IGNORE INTO acme_accounts(directory_url, key_sealed, "
                        "created_at) VALUES (?1, ?2, strftime('%s','now') * 1000)");
  RETURN_IF_ERROR(insert.Bind(1, directory_url).BindBlob(2, sealed_key).Run());
  Statement read(db_, "SELECT key_sealed FROM acme_accounts WHERE directory_url = ?1");
  read.Bind(1, directory_url);
  if (!read.Step()) return core::Internal("ACME account key vanished");
  std::string stored = read.Blob(0);
  RETURN_IF_ERROR(tx.Commit());
  return stored;
}

}  // namespace certadns::store::sqlite
