-- Calendar subscriptions: each person's secret feed address of a year, and
-- the events of the year's published plans as recorded when each was
-- published, so that a re-publish updates (same UID, higher SEQUENCE) or
-- cancels what people's calendar applications already hold.

-- A feed address: only the SHA-256 of its token is kept. Revoking keeps the
-- row (who revoked it, when); at most one live address per person and year.
CREATE TABLE calendar_links (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    year_id     BIGINT NOT NULL REFERENCES years (id),
    user_id     BIGINT NOT NULL REFERENCES users (id),
    token_hash  TEXT NOT NULL UNIQUE,
    created_by  BIGINT REFERENCES users (id),
    created_at  BIGINT NOT NULL,
    revoked_at  BIGINT,
    revoked_by  BIGINT REFERENCES users (id)
);
CREATE UNIQUE INDEX calendar_links_one_live ON calendar_links (year_id, user_id)
    WHERE revoked_at IS NULL;

-- One row per event a published plan of the year ever had, keyed by what
-- the event is (the host school), never by a plan version. Its content is
-- that of the latest publish that had it; `sequence` goes up whenever the
-- content's fingerprint changes, or the event is cancelled (1: no longer
-- in the published plan).
CREATE TABLE calendar_events (
    year_id      BIGINT NOT NULL REFERENCES years (id),
    event_key    TEXT NOT NULL,
    sequence     BIGINT NOT NULL,
    fingerprint  TEXT NOT NULL,
    cancelled    BIGINT NOT NULL,
    first_day    TEXT NOT NULL,
    end_day      TEXT NOT NULL,
    summary      TEXT NOT NULL,
    location     TEXT NOT NULL,
    description  TEXT NOT NULL,
    plan_version BIGINT NOT NULL,
    updated_at   BIGINT NOT NULL,
    PRIMARY KEY (year_id, event_key)
);

-- Everyone an event was ever in the calendar of (`head:<URN>`,
-- `adviser:<id>`), and whether they still are (1) or were taken off it (0):
-- a person taken off still gets the event, cancelled.
CREATE TABLE calendar_attendees (
    year_id     BIGINT NOT NULL REFERENCES years (id),
    event_key   TEXT NOT NULL,
    person      TEXT NOT NULL,
    attending   BIGINT NOT NULL,
    PRIMARY KEY (year_id, event_key, person)
);
CREATE INDEX calendar_attendees_person ON calendar_attendees (year_id, person);
