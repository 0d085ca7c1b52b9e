-- The messages the service sent, or made for the SIM to send: one row per
-- message and recipient, with what it said (a sign-in link is kept as a
-- placeholder, never the link: only the token's hash is stored) and what
-- became of it. A resend is a new row that names the one it repeats.
CREATE TABLE messages (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    year_id     BIGINT NOT NULL REFERENCES years (id),
    -- The recipient's user, where they have one.
    user_id     BIGINT REFERENCES users (id),
    recipient   TEXT NOT NULL,
    -- The e-mail address as it was when the message was made; empty where
    -- the person has none.
    address     TEXT NOT NULL,
    -- `invitation`, `availability_reminder`, `writeup_reminder` or `published`.
    kind        TEXT NOT NULL,
    subject     TEXT NOT NULL,
    body        TEXT NOT NULL,
    -- `sent`, `failed` or `not_sent` (no SMTP: in a mail-merge spreadsheet).
    status      TEXT NOT NULL,
    -- The SMTP server's answer, or why the message could not be sent.
    error       TEXT,
    created_by  BIGINT REFERENCES users (id),
    created_at  BIGINT NOT NULL,
    sent_at     BIGINT,
    resent_of   BIGINT REFERENCES messages (id)
);
CREATE INDEX messages_year ON messages (year_id, id);
