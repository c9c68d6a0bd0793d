// PgStore's certificates with their logs, and the renewal and expiry queries of the sweep.
#include <nlohmann/json.hpp>

#include "core/text.h"
#include "store/postgres/pg_db.h"
#include "store/postgres/pg_pool.h"
#include "store/postgres/pg_store.h"

namespace certadns::store::postgres {
namespace {

using core::FromUnixMillis;
using core::ToUnixMillis;

constexpr std::string_view kCertificateColumns =
    "id, owner_id, zone_id, zone_name, domain, sans, is_wildcard, auto_renew, status, "
    "issued_at, expires_at, next_renewal_at, serial, certificate_pem, chain_pem, created_at, "
    "updated_at";
// The same columns without the PEM bodies: whether a certificate is installed, then NULL.
constexpr std::string_view kCertificateListColumns =
    "id, owner_id, zone_id, zone_name, domain, sans, is_wildcard, auto_renew, status, "
    "issued_at, expires_at, next_renewal_at, serial, COALESCE(certificate_pem, '') <> '', NULL, "
    "created_at, updated_at";

// A row of kCertificateColumns, or of kCertificateListColumns when `with_pems` is false.
core::Certificate ReadCertificate(const PgResult& r, int row, bool with_pems) {
  core::Certificate c;
  c.id = r.Text(row, 0);
  c.owner_id = r.Text(row, 1);
  c.zone_id = r.Text(row, 2);
  c.zone_name = r.Text(row, 3);
  c.domain = r.Text(row, 4);
  auto sans = nlohmann::json::parse(r.Text(row, 5), nullptr, false);
  if (sans.is_array()) {
    for (const auto& san : sans) {
      if (san.is_string()) c.sans.push_back(san.get<std::string>());
    }
  }
  c.is_wildcard = r.Bool(row, 6);
  c.auto_renew = r.Bool(row, 7);
  c.status =
      core::ParseCertificateState(r.Text(row, 8)).value_or(core::CertificateState::kFailed);
  c.issued_at = OptionalTime(r.OptionalInt(row, 9));
  c.expires_at = OptionalTime(r.OptionalInt(row, 10));
  c.next_renewal_at = OptionalTime(r.OptionalInt(row, 11));
  c.serial = r.Text(row, 12);
  if (with_pems) {
    c.certificate_pem = r.Text(row, 13);
    c.chain_pem = r.Text(row, 14);
    c.has_certificate = !c.certificate_pem.empty();
  } else {
    c.has_certificate = r.Bool(row, 13);
  }
  c.created_at = FromUnixMillis(r.Int(row, 15));
  c.updated_at = FromUnixMillis(r.Int(row, 16));
  return c;
}

}  // namespace

core::Status InsertEvent(PgConnection& conn, const std::string& certificate_id,
                         const core::CertificateEvent& e) {
  // Event text carries upstream words (the CA's, PowerDNS's): keep only safe text, so the
  // certificate's log can always be served.
  RETURN_IF_ERROR(conn.Exec("INSERT INTO certificate_events(certificate_id, at, level, message) "
                            "VALUES ($1, $2, $3, $4)",
                            Params().Text(certificate_id).Int(ToUnixMillis(e.at))
                                .Text(core::ToString(e.level)).Text(core::SafeText(e.message))));
  return core::Ok();
}

core::Status PgStore::CreateCertificate(const core::Certificate& c, const Job& job,
                                        int max_certificates) {
  ASSIGN_OR_RETURN(auto conn, pool_->Acquire());
  PgTransaction tx(*conn);
  RETURN_IF_ERROR(tx.status());
  // The account's row, locked: requests for one account, on any node, pass the checks below
  // one at a time, so together they never exceed the plan's limit.
  ASSIGN_OR_RETURN(auto owner, conn->Exec("SELECT 1 FROM users WHERE id = $1 FOR UPDATE",
                                          Params().Text(c.owner_id)));
  if (owner.rows() == 0) return core::NotFound("user " + c.owner_id);
  // The zone is still the owner's (a zone deletion may have committed since it was read).
  ASSIGN_OR_RETURN(auto zone, conn->Exec("SELECT 1 FROM zones WHERE id = $1 AND owner_id = $2",
                                         Params().Text(c.zone_id).Text(c.owner_id)));
  if (zone.rows() == 0) return core::NotFound("zone " + c.zone_id);
  ASSIGN_OR_RETURN(auto owned, conn->Exec("SELECT COUNT(*) FROM certificates WHERE owner_id = $1",
                                          Params().Text(c.owner_id)));
  if (owned.Int(0, 0) >= max_certificates) {
    return core::Error(core::ErrorCode::kResourceExhausted, "certificate limit reached");
  }
  ASSIGN_OR_RETURN(auto active, conn->Exec("SELECT 1 FROM certificates WHERE owner_id = $1 AND "
                                           "domain = $2 AND status IN ($3, $4, $5) LIMIT 1",
                                           Params().Text(c.owner_id).Text(c.domain)
                                               .Text(core::ToString(core::CertificateState::kPending))
                                               .Text(core::ToString(core::CertificateState::kValidating))
                                               .Text(core::ToString(core::CertificateState::kIssued))));
  if (active.rows() > 0) {
    return core::AlreadyExists("an active certificate for " + c.domain + " exists");
  }
  nlohmann::json sans = c.sans;
  RETURN_IF_ERROR(conn->Exec(
      "INSERT INTO certificates(id, owner_id, zone_id, zone_name, domain, sans, is_wildcard, "
      "auto_renew, status, issued_at, expires_at, next_renewal_at, serial, certificate_pem, "
      "chain_pem, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, "
      "$12, $13, $14, $15, $16, $17)",
      Params().Text(c.id).Text(c.owner_id).Text(c.zone_id).Text(c.zone_name).Text(c.domain)
          .Text(sans.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace))
          .Bool(c.is_wildcard).Bool(c.auto_renew).Text(core::ToString(c.status))
          .Int(OptionalMillis(c.issued_at)).Int(OptionalMillis(c.expires_at))
          .Int(OptionalMillis(c.next_renewal_at)).Text(c.serial).Text(c.certificate_pem)
          .Text(c.chain_pem).Int(ToUnixMillis(c.created_at)).Int(ToUnixMillis(c.updated_at))));
  RETURN_IF_ERROR(InsertJob(*conn, job));
  return tx.Commit();
}

core::Result<int> PgStore::CountCertificates(const std::string& owner_id) {
  ASSIGN_OR_RETURN(auto r, Exec("SELECT COUNT(*) FROM certificates WHERE owner_id = $1",
                                Params().Text(owner_id)));
  return static_cast<int>(r.Int(0, 0));
}

core::Status PgStore::SetAutoRenew(const std::string& owner_id, const std::string& id,
                                   bool enabled, std::optional<core::TimePoint> next_renewal_at) {
  ASSIGN_OR_RETURN(auto r, Exec("UPDATE certificates SET auto_renew = $3, next_renewal_at = $4 "
                                "WHERE owner_id = $1 AND id = $2",
                                Params().Text(owner_id).Text(id).Bool(enabled)
                                    .Int(OptionalMillis(next_renewal_at))));
  if (r.affected() != 1) return core::NotFound("certificate " + id);
  return core::Ok();
}

core::Status PgStore::DeleteCertificate(const std::string& owner_id, const std::string& id) {
  // certificate_events go with the row (ON DELETE CASCADE). A job, if any, stays: its worker
  // finds the certificate gone, cleans up its TXT records and ends the job.
  ASSIGN_OR_RETURN(auto r, Exec("DELETE FROM certificates WHERE owner_id = $1 AND id = $2",
                                Params().Text(owner_id).Text(id)));
  if (r.affected() != 1) return core::NotFound("certificate " + id);
  return core::Ok();
}

core::Result<std::vector<core::Certificate>> PgStore::QueryCertificates(std::string_view where,
                                                                        const Params& params,
                                                                        bool with_pems) {
  ASSIGN_OR_RETURN(auto r, Exec("SELECT " +
                                    std::string(with_pems ? kCertificateColumns
                                                          : kCertificateListColumns) +
                                    " FROM certificates WHERE " + std::string(where),
                                params));
  std::vector<core::Certificate> out;
  for (int i = 0; i < r.rows(); ++i) out.push_back(ReadCertificate(r, i, with_pems));
  return out;
}

core::Result<core::Certificate> PgStore::GetCertificate(const std::string& owner_id,
                                                        const std::string& id) {
  ASSIGN_OR_RETURN(auto rows, QueryCertificates("owner_id = $1 AND id = $2",
                                                Params().Text(owner_id).Text(id)));
  if (rows.empty()) return core::NotFound("certificate " + id);
  return std::move(rows.front());
}

core::Result<core::Certificate> PgStore::GetCertificateForWorker(const std::string& id) {
  ASSIGN_OR_RETURN(auto rows, QueryCertificates("id = $1", Params().Text(id)));
  if (rows.empty()) return core::NotFound("certificate " + id);
  return std::move(rows.front());
}

core::Result<std::vector<core::Certificate>> PgStore::ListCertificates(
    const std::string& owner_id) {
  return QueryCertificates("owner_id = $1 ORDER BY created_at, id", Params().Text(owner_id),
                           /*with_pems=*/false);
}

core::Result<std::string> PgStore::GetSealedPrivateKey(const std::string& owner_id,
                                                       const std::string& id) {
  ASSIGN_OR_RETURN(auto r, Exec("SELECT private_key_sealed FROM certificates "
                                "WHERE owner_id = $1 AND id = $2",
                                Params().Text(owner_id).Text(id)));
  if (r.rows() == 0 || r.IsNull(0, 0)) return core::NotFound("private key of certificate " + id);
  return r.Bytes(0, 0);
}

core::Result<std::vector<core::CertificateEvent>> PgStore::ListEvents(
    const std::string& owner_id, const std::string& certificate_id) {
  ASSIGN_OR_RETURN(auto r, Exec("SELECT e.at, e.level, e.message FROM certificate_events e "
                                "JOIN certificates c ON c.id = e.certificate_id "
                                "WHERE c.owner_id = $1 AND c.id = $2 ORDER BY e.id",
                                Params().Text(owner_id).Text(certificate_id)));
  std::vector<core::CertificateEvent> events;
  for (int i = 0; i < r.rows(); ++i) {
    std::string level = r.Text(i, 1);
    core::EventLevel parsed = level == "error"     ? core::EventLevel::kError
                              : level == "warning" ? core::EventLevel::kWarning
                                                   : core::EventLevel::kInfo;
    events.push_back({FromUnixMillis(r.Int(i, 0)), parsed, r.Text(i, 2)});
  }
  return events;
}

core::Status PgStore::AppendEvent(const std::string& certificate_id,
                                  const core::CertificateEvent& event) {
  ASSIGN_OR_RETURN(auto conn, pool_->Acquire());
  return InsertEvent(*conn, certificate_id, event);
}

core::Status PgStore::SetCertificateStatus(const std::string& owner_id, const std::string& id,
                                           core::CertificateState status,
                                           const core::CertificateEvent& event) {
  ASSIGN_OR_RETURN(auto conn, pool_->Acquire());
  PgTransaction tx(*conn);
  RETURN_IF_ERROR(tx.status());
  ASSIGN_OR_RETURN(auto r, conn->Exec("UPDATE certificates SET status = $3, updated_at = $4 "
                                      "WHERE owner_id = $1 AND id = $2",
                                      Params().Text(owner_id).Text(id)
                                          .Text(core::ToString(status))
                                          .Int(ToUnixMillis(event.at))));
  if (r.affected() != 1) return core::NotFound("certificate " + id);
  RETURN_IF_ERROR(InsertEvent(*conn, id, event));
  return tx.Commit();
}

core::Result<int> PgStore::ExpireCertificates(core::TimePoint now) {
  // One statement: the status change and its log line cannot be split by another node.
  ASSIGN_OR_RETURN(auto r, Exec(
      "WITH expired AS (UPDATE certificates SET status = 'expired', updated_at = $1 "
      "  WHERE status = 'issued' AND expires_at <= $1 RETURNING id, expires_at) "
      "INSERT INTO certificate_events(certificate_id, at, level, message) "
      "SELECT id, $1, 'warning', 'Certificate expired on ' || "
      "to_char(to_timestamp(expires_at / 1000) AT TIME ZONE 'UTC', "
      "'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"') FROM expired",
      Params().Int(ToUnixMillis(now))));
  return static_cast<int>(r.affected());
}

core::Result<std::vector<core::Certificate>> PgStore::ListDueRenewals(core::TimePoint now,
                                                                      int limit) {
  return QueryCertificates(
      "status = 'issued' AND auto_renew AND next_renewal_at <= $1 AND "
      "(renewal_retry_at IS NULL OR renewal_retry_at <= $1) AND "
      "NOT EXISTS (SELECT 1 FROM jobs j WHERE j.certificate_id = certificates.id) AND "
      // A scalar subquery (NULL without a row), not EXISTS: the planner would make EXISTS a
      // join, misjudge the (zone_id, owner_id) pair's selectivity and scan the whole table;
      // as a filter, the scan follows certificates_renewal and stops at the limit.
      "(SELECT z.verified FROM zones z WHERE z.id = certificates.zone_id AND "
      "z.owner_id = certificates.owner_id) "
      "ORDER BY next_renewal_at LIMIT $2",
      Params().Int(ToUnixMillis(now)).Int(int64_t{limit}));
}

core::Status PgStore::StartAutoRenewal(const Job& job, core::TimePoint retry_at) {
  ASSIGN_OR_RETURN(auto conn, pool_->Acquire());
  PgTransaction tx(*conn);
  RETURN_IF_ERROR(tx.status());
  RETURN_IF_ERROR(InsertJob(*conn, job));
  ASSIGN_OR_RETURN(auto r, conn->Exec("UPDATE certificates SET renewal_retry_at = $2 "
                                      "WHERE id = $1",
                                      Params().Text(job.certificate_id)
                                          .Int(ToUnixMillis(retry_at))));
  if (r.affected() != 1) return core::NotFound("certificate " + job.certificate_id);
  return tx.Commit();
}

core::Result<std::optional<core::TimePoint>> PgStore::NextLifecycleEvent(core::TimePoint now) {
  // The next renewal event is GREATEST(next_renewal_at, renewal_retry_at), split into its
  // two cases so that each is the first row of an index range (certificates_renewal,
  // certificates_retry) rather than a scan of every auto-renewing certificate.
  ASSIGN_OR_RETURN(auto r, Exec(
      "SELECT MIN(t) FROM ("
      "SELECT MIN(expires_at) AS t FROM certificates WHERE status = 'issued' AND expires_at > $1 "
      "UNION ALL SELECT MIN(next_renewal_at) FROM certificates WHERE status = 'issued' AND "
      "  auto_renew AND next_renewal_at > $1 AND "
      "  (renewal_retry_at IS NULL OR renewal_retry_at <= next_renewal_at) "
      "UNION ALL SELECT MIN(renewal_retry_at) FROM certificates WHERE status = 'issued' AND "
      "  auto_renew AND next_renewal_at IS NOT NULL AND renewal_retry_at > $1 AND "
      "  renewal_retry_at > next_renewal_at "
      "UNION ALL SELECT MIN(ari_check_at) FROM certificates WHERE status = 'issued' AND "
      "  auto_renew AND ari_check_at > $1) AS events",
      Params().Int(ToUnixMillis(now))));
  if (r.IsNull(0, 0)) return std::optional<core::TimePoint>();
  return std::optional<core::TimePoint>(FromUnixMillis(r.Int(0, 0)));
}

}  // namespace certadns::store::postgres
