-- PostgreSQL only: wake the other nodes' workers (LISTEN certadns_jobs) when a job is
-- enqueued, rescheduled or released (every write that leaves a job without a lease).
-- Claims take a lease and notify nobody. Notifications of one transaction are merged.
CREATE FUNCTION certadns_jobs_notify() RETURNS trigger AS $$
BEGIN
  PERFORM pg_notify('certadns_jobs', '');
  RETURN NULL;
END
$$ LANGUAGE plpgsql;
CREATE TRIGGER jobs_notify AFTER INSERT OR UPDATE ON jobs
  FOR EACH ROW WHEN (NEW.lease_owner IS NULL) EXECUTE FUNCTION certadns_jobs_notify();
