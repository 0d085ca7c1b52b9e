-- Figures the SIM's lists show without reading whole JSON documents.

-- Items in an input version (schools, rows of a file); NULL where the
-- input is not a list (the SIM's hand, the rules).
ALTER TABLE inputs ADD COLUMN items BIGINT;

-- A plan version's figures for the versions list (JSON: groups, placed,
-- unplaced, dated reviews, objective, gap); '{}' where not computed.
ALTER TABLE plans ADD COLUMN summary TEXT NOT NULL DEFAULT '{}';
