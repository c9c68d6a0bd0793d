-- ARI polling (RFC 9773 §4.3): when the CA's renewal window of a certificate is next asked
-- (Unix milliseconds; NULL: never, the CA offers no ARI), and how many checks in a row got
-- no answer. Certificates issued before this are checked at the next sweep.
ALTER TABLE certificates ADD COLUMN ari_check_at BIGINT;
ALTER TABLE certificates ADD COLUMN ari_check_failures INTEGER NOT NULL DEFAULT 0;
UPDATE certificates SET ari_check_at = 0 WHERE status = 'issued';
CREATE INDEX certificates_ari_check ON certificates(status, auto_renew, ari_check_at)
  WHERE ari_check_at IS NOT NULL;
