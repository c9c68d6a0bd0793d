-- PostgreSQL only: the scheduler's next event among renewal retries is the first row of
-- this index (bench/pg_scale_bench: one tick with 1,000,000 certificates).
CREATE INDEX certificates_retry ON certificates(status, auto_renew, renewal_retry_at)
  WHERE renewal_retry_at IS NOT NULL;
