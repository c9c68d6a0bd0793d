-- Zone ownership: several accounts may hold a pending import of one name; at most one zone
-- per name is verified (the account that proved control), and each account imports a name
-- once. checked_at is when control was last proven (verification or re-check).
ALTER TABLE zones DROP CONSTRAINT zones_name_key;
ALTER TABLE zones ADD COLUMN checked_at BIGINT;
UPDATE zones SET checked_at = created_at WHERE verified;
CREATE UNIQUE INDEX zones_owner_name ON zones(owner_id, name);
CREATE UNIQUE INDEX zones_verified_name ON zones(name) WHERE verified;
CREATE INDEX zones_recheck ON zones(verified, checked_at);
