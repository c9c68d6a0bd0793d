-- RSA keys generated ahead of requests (issuance::KeyPool), sealed with the master key like
-- every private key. A key is taken by deleting its row, so it is never used twice.
CREATE TABLE key_pool (
  id TEXT PRIMARY KEY,
  sealed_key BLOB NOT NULL,
  created_at INTEGER NOT NULL
);
