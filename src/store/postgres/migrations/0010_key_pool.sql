-- RSA keys generated ahead of requests (issuance::KeyPool), sealed with the master key like
-- every private key, shared by every node. A key is taken by deleting its row, so it is
-- never used twice.
CREATE TABLE key_pool (
  id         TEXT PRIMARY KEY,
  sealed_key BYTEA NOT NULL,
  created_at BIGINT NOT NULL
);
CREATE INDEX key_pool_oldest ON key_pool(created_at, id);
