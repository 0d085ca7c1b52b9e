-- At most one queued or running job of each kind per year, whatever the
-- number of instances enqueueing at once: the API checks first to answer
-- with the job in the way, and this index settles a race between two
-- instances (the loser's INSERT fails and is answered 409).
CREATE UNIQUE INDEX jobs_one_active ON jobs (year_id, kind) WHERE state IN ('queued', 'running');
