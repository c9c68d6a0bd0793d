-- The fingerprint of the master key that seals this database's secrets (never the key):
-- each node checks its key file against it at start. At most one row.
CREATE TABLE master_key (
  id          INTEGER PRIMARY KEY CHECK (id = 1),
  fingerprint TEXT NOT NULL,
  created_at  BIGINT NOT NULL
);
