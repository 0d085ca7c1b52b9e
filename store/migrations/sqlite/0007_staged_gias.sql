-- A GIAS file read and waiting for the SIM to choose its local authorities:
-- kept between the two steps so that a 60 MB file is sent once. text is the
-- file decoded to UTF-8 (what the importer reads again on confirming); las
-- is JSON of the authorities it holds with their schools by phase. Rows are
-- dropped when confirmed, replaced by the SIM's next upload, or after a day.
CREATE TABLE staged_gias (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    year_id     BIGINT NOT NULL REFERENCES years (id),
    created_by  BIGINT NOT NULL REFERENCES users (id),
    created_at  BIGINT NOT NULL,
    source_name TEXT NOT NULL,
    las         TEXT NOT NULL,
    text        TEXT NOT NULL
);
CREATE INDEX staged_gias_owner ON staged_gias (year_id, created_by);
