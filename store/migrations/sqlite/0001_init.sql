-- The schema, the same for SQLite and PostgreSQL but for the id columns;
-- keep it in step with ../postgres/ (a test compares them).
-- Every submission is a new row (a version); rows change in place only for
-- job state, invitation use and session expiry.

CREATE TABLE users (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    role        TEXT NOT NULL CHECK (role IN ('sim', 'head', 'adviser', 'consultant')),
    name        TEXT NOT NULL,
    email       TEXT NOT NULL DEFAULT '',
    -- The school a head leads (URN), or NULL.
    urn         TEXT,
    -- The adviser's or consultant's id in the year's inputs, or NULL.
    ext_id      TEXT,
    created_at  BIGINT NOT NULL
);
CREATE UNIQUE INDEX users_head_urn ON users (urn) WHERE role = 'head';
CREATE UNIQUE INDEX users_ext_id ON users (role, ext_id) WHERE ext_id IS NOT NULL;

CREATE TABLE invitations (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id     BIGINT NOT NULL REFERENCES users (id),
    token_hash  TEXT NOT NULL UNIQUE,
    expires_at  BIGINT NOT NULL,
    used_at     BIGINT,
    created_by  BIGINT REFERENCES users (id),
    created_at  BIGINT NOT NULL
);

CREATE TABLE sessions (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id     BIGINT NOT NULL REFERENCES users (id),
    token_hash  TEXT NOT NULL UNIQUE,
    csrf_token  TEXT NOT NULL,
    expires_at  BIGINT NOT NULL,
    created_at  BIGINT NOT NULL
);

CREATE TABLE years (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    name        TEXT NOT NULL,
    first_day   TEXT NOT NULL,
    last_day    TEXT NOT NULL,
    -- Last day heads may change their availability.
    deadline    TEXT NOT NULL,
    -- optimiser::schedule::Calendar as JSON (terms, half-terms, blackouts).
    calendar    TEXT NOT NULL,
    -- The rules file (TOML) for every step.
    rules       TEXT NOT NULL DEFAULT '',
    created_by  BIGINT REFERENCES users (id),
    created_at  BIGINT NOT NULL
);

-- The SIM's inputs of a year, each upload a new version:
-- kind is one of schools, advisers, consultants, history, sspb, need,
-- last_allocations, hand (pins, exclusions, opt-outs). data is JSON.
CREATE TABLE inputs (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    year_id     BIGINT NOT NULL REFERENCES years (id),
    kind        TEXT NOT NULL,
    version     BIGINT NOT NULL,
    source_name TEXT NOT NULL DEFAULT '',
    data        TEXT NOT NULL,
    created_by  BIGINT REFERENCES users (id),
    created_at  BIGINT NOT NULL,
    UNIQUE (year_id, kind, version)
);

-- A person's availability for a year, each submission a new version.
-- dates is JSON: [{"date":"2027-01-12","level":"preferred"|"possible"}].
CREATE TABLE availability (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    year_id     BIGINT NOT NULL REFERENCES years (id),
    user_id     BIGINT NOT NULL REFERENCES users (id),
    version     BIGINT NOT NULL,
    dates       TEXT NOT NULL,
    created_at  BIGINT NOT NULL,
    UNIQUE (year_id, user_id, version)
);

-- A head's choices for their school: focus areas, and schools they ask not
-- to be grouped with (with reasons). JSON, versioned.
CREATE TABLE school_choices (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    year_id     BIGINT NOT NULL REFERENCES years (id),
    urn         TEXT NOT NULL,
    version     BIGINT NOT NULL,
    data        TEXT NOT NULL,
    created_by  BIGINT REFERENCES users (id),
    created_at  BIGINT NOT NULL,
    UNIQUE (year_id, urn, version)
);

-- Plan versions: drafts from matching jobs; one published at a time.
CREATE TABLE plans (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    year_id     BIGINT NOT NULL REFERENCES years (id),
    version     BIGINT NOT NULL,
    status      TEXT NOT NULL CHECK (status IN ('draft', 'published', 'withdrawn')),
    plan        TEXT NOT NULL,
    job_id      BIGINT,
    created_at  BIGINT NOT NULL,
    published_at BIGINT,
    published_by BIGINT REFERENCES users (id),
    UNIQUE (year_id, version)
);

-- Background work. Any instance may claim a queued job, or a running one
-- whose lease has expired (its instance died).
CREATE TABLE jobs (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    year_id     BIGINT NOT NULL REFERENCES years (id),
    kind        TEXT NOT NULL CHECK (kind IN ('matching', 'allocation')),
    state       TEXT NOT NULL CHECK (state IN ('queued', 'running', 'succeeded', 'failed', 'cancelled')),
    progress_done  BIGINT NOT NULL DEFAULT 0,
    progress_total BIGINT NOT NULL DEFAULT 0,
    message     TEXT NOT NULL DEFAULT '',
    owner       TEXT,
    lease_until BIGINT,
    attempts    BIGINT NOT NULL DEFAULT 0,
    cancel_requested BIGINT NOT NULL DEFAULT 0,
    result_id   BIGINT,
    created_by  BIGINT REFERENCES users (id),
    created_at  BIGINT NOT NULL,
    started_at  BIGINT,
    finished_at BIGINT
);
CREATE INDEX jobs_state ON jobs (state, id);

-- Write-ups, one row per saved version; the review is the host school's of
-- the year. body is JSON (the fields of a write-up).
CREATE TABLE writeups (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    year_id     BIGINT NOT NULL REFERENCES years (id),
    host_urn    TEXT NOT NULL,
    lead_urn    TEXT NOT NULL,
    plan_id     BIGINT NOT NULL REFERENCES plans (id),
    version     BIGINT NOT NULL,
    status      TEXT NOT NULL CHECK (status IN ('draft', 'submitted')),
    body        TEXT NOT NULL,
    created_by  BIGINT NOT NULL REFERENCES users (id),
    created_at  BIGINT NOT NULL,
    UNIQUE (year_id, host_urn, version)
);

-- Who may read a school's write-up, chosen by its head; versioned.
CREATE TABLE sharing (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    year_id     BIGINT NOT NULL REFERENCES years (id),
    urn         TEXT NOT NULL,
    version     BIGINT NOT NULL,
    share_group BIGINT NOT NULL,
    sim_full    BIGINT NOT NULL,
    created_by  BIGINT NOT NULL REFERENCES users (id),
    created_at  BIGINT NOT NULL,
    UNIQUE (year_id, urn, version)
);

-- Allocation results, each run a new version.
CREATE TABLE allocations (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    year_id     BIGINT NOT NULL REFERENCES years (id),
    version     BIGINT NOT NULL,
    data        TEXT NOT NULL,
    job_id      BIGINT,
    created_at  BIGINT NOT NULL,
    UNIQUE (year_id, version)
);

CREATE TABLE audit (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    at          BIGINT NOT NULL,
    user_id     BIGINT,
    action      TEXT NOT NULL,
    object      TEXT NOT NULL,
    detail      TEXT NOT NULL DEFAULT ''
);
