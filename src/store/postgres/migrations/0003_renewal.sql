-- Automatic renewal: when a failed attempt may be retried, and indexes for the sweep.
ALTER TABLE certificates ADD COLUMN renewal_retry_at BIGINT;
CREATE INDEX certificates_renewal ON certificates(status, auto_renew, next_renewal_at);
CREATE INDEX certificates_expiry ON certificates(status, expires_at);
