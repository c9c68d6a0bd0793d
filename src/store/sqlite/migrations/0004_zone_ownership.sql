-- Zone ownership: several accounts may hold a pending import of one name; at most one zone
-- per name is verified (the account that proved control), and each account imports a name
-- once. checked_at is when control was last proven (verification or re-check).
CREATE TABLE zones_new (
  id                 TEXT PRIMARY KEY,
  owner_id           TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  name               TEXT NOT NULL,
  verified           INTEGER NOT NULL DEFAULT 0,
  created_at         INTEGER NOT NULL,
  verification_token TEXT NOT NULL DEFAULT '',
  checked_at         INTEGER
);
INSERT INTO zones_new(id, owner_id, name, verified, created_at, verification_token, checked_at)
  SELECT id, owner_id, name, verified, created_at, verification_token,
         CASE WHEN verified = 1 THEN created_at END FROM zones;
DROP TABLE zones;
ALTER TABLE zones_new RENAME TO zones;
CREATE INDEX zones_owner ON zones(owner_id);
CREATE UNIQUE INDEX zones_owner_name ON zones(owner_id, name);
CREATE UNIQUE INDEX zones_verified_name ON zones(name) WHERE verified = 1;
CREATE INDEX zones_recheck ON zones(verified, checked_at);
