-- The SQLite schema (src/store/sqlite/migrations) in PostgreSQL, migration for migration.
-- Times are milliseconds since the Unix epoch (UTC) in BIGINT, as there.
CREATE TABLE users (
  id            TEXT PRIMARY KEY,
  email         TEXT NOT NULL UNIQUE,
  plan          TEXT NOT NULL,
  password_hash TEXT NOT NULL DEFAULT '',
  created_at    BIGINT NOT NULL
);

CREATE TABLE zones (
  id         TEXT PRIMARY KEY,
  owner_id   TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  name       TEXT NOT NULL UNIQUE,
  verified   BOOLEAN NOT NULL DEFAULT FALSE,
  created_at BIGINT NOT NULL
);
CREATE INDEX zones_owner ON zones(owner_id);

CREATE TABLE certificates (
  id                 TEXT PRIMARY KEY,
  owner_id           TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  zone_id            TEXT NOT NULL,
  zone_name          TEXT NOT NULL,
  domain             TEXT NOT NULL,
  sans               TEXT NOT NULL DEFAULT '[]',
  is_wildcard        BOOLEAN NOT NULL DEFAULT FALSE,
  auto_renew         BOOLEAN NOT NULL DEFAULT FALSE,
  status             TEXT NOT NULL,
  issued_at          BIGINT,
  expires_at         BIGINT,
  next_renewal_at    BIGINT,
  serial             TEXT NOT NULL DEFAULT '',
  certificate_pem    TEXT NOT NULL DEFAULT '',
  chain_pem          TEXT NOT NULL DEFAULT '',
  private_key_sealed BYTEA,
  created_at         BIGINT NOT NULL,
  updated_at         BIGINT NOT NULL
);
CREATE INDEX certificates_owner ON certificates(owner_id, created_at, id);
CREATE INDEX certificates_domain ON certificates(domain);

CREATE TABLE certificate_events (
  id             BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  certificate_id TEXT NOT NULL REFERENCES certificates(id) ON DELETE CASCADE,
  at             BIGINT NOT NULL,
  level          TEXT NOT NULL,
  message        TEXT NOT NULL
);
CREATE INDEX certificate_events_cert ON certificate_events(certificate_id, id);

CREATE TABLE jobs (
  id             TEXT PRIMARY KEY,
  certificate_id TEXT NOT NULL,
  kind           TEXT NOT NULL,
  step           TEXT NOT NULL,
  attempt        INTEGER NOT NULL DEFAULT 0,
  run_at         BIGINT NOT NULL,
  lease_owner    TEXT,
  lease_until    BIGINT,
  state          TEXT NOT NULL DEFAULT '{}',
  sealed_key     BYTEA,
  created_at     BIGINT NOT NULL
);
CREATE INDEX jobs_due ON jobs(run_at);
-- One operation at a time per certificate.
CREATE UNIQUE INDEX jobs_cert ON jobs(certificate_id);

CREATE TABLE acme_accounts (
  directory_url TEXT PRIMARY KEY,
  key_sealed    BYTEA NOT NULL,
  created_at    BIGINT NOT NULL
);
