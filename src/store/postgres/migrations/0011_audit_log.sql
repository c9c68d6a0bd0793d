-- The audit log (store/audit_log.h): append-only; rows go only with their account.
CREATE TABLE audit_log (
  sequence       BIGSERIAL PRIMARY KEY,
  id             TEXT NOT NULL UNIQUE,
  owner_id       TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  at             BIGINT NOT NULL,
  action         TEXT NOT NULL,
  target_id      TEXT NOT NULL,
  target_name    TEXT NOT NULL,
  client_address TEXT NOT NULL,
  credential     TEXT NOT NULL,
  detail         TEXT NOT NULL
);
CREATE INDEX audit_log_owner ON audit_log(owner_id, sequence);
CREATE INDEX audit_log_target ON audit_log(owner_id, target_id, sequence);
CREATE FUNCTION audit_log_append_only() RETURNS trigger AS $$
BEGIN RAISE EXCEPTION 'audit_log is append-only'; END $$ LANGUAGE plpgsql;
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
  FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
