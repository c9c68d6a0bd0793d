-- Notifications (store/notification_store.h): webhooks, the events sent (each occurrence
-- once), the durable delivery queue with each attempt's outcome, and email settings.
CREATE TABLE webhooks (
  id            TEXT PRIMARY KEY,
  owner_id      TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  url           TEXT NOT NULL,
  events        TEXT NOT NULL,  -- ",type,type," so a type matches with instr()
  sealed_secret BLOB NOT NULL,
  created_at    INTEGER NOT NULL
);
CREATE INDEX webhooks_owner ON webhooks(owner_id);

CREATE TABLE notification_events (
  certificate_id TEXT NOT NULL,
  type           TEXT NOT NULL,
  occurrence     TEXT NOT NULL,
  owner_id       TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  created_at     INTEGER NOT NULL,
  PRIMARY KEY (certificate_id, type, occurrence)
);

CREATE TABLE deliveries (
  id              TEXT PRIMARY KEY,
  owner_id        TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  channel         TEXT NOT NULL,  -- 'webhook' | 'email'
  webhook_id      TEXT REFERENCES webhooks(id) ON DELETE CASCADE,
  event_type      TEXT NOT NULL,
  body            TEXT NOT NULL,
  created_at      INTEGER NOT NULL,
  next_attempt_at INTEGER NOT NULL,
  attempts        INTEGER NOT NULL DEFAULT 0,
  state           TEXT NOT NULL DEFAULT 'pending',
  last_status     INTEGER,
  last_error      TEXT NOT NULL DEFAULT ''
);
CREATE INDEX deliveries_due ON deliveries(state, next_attempt_at);
CREATE INDEX deliveries_webhook ON deliveries(webhook_id, created_at);

CREATE TABLE notification_settings (
  owner_id      TEXT PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
  email_enabled INTEGER NOT NULL,
  email_success INTEGER NOT NULL
);
