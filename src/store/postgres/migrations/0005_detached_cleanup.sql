-- A job in its cleanup step no longer holds its certificate: certificate_id becomes
-- 'cleanup:<job id>' (out of the way of jobs_cert and the "has a job" checks) and the
-- certificate's id moves to detached_from, so a new operation may start while the old
-- challenge records are still being removed.
ALTER TABLE jobs ADD COLUMN detached_from TEXT;
CREATE INDEX jobs_detached ON jobs(detached_from) WHERE detached_from IS NOT NULL;
