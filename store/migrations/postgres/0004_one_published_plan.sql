-- At most one published plan per year, whatever the number of instances
-- publishing at once: publishing is a compare-and-set on the published
-- version, and this index backs it up. A database where a race left two
-- published keeps the one published last.
UPDATE plans SET status = 'withdrawn'
WHERE status = 'published'
  AND EXISTS (
    SELECT 1 FROM plans AS later
    WHERE later.year_id = plans.year_id
      AND later.status = 'published'
      AND (later.published_at > plans.published_at
           OR (later.published_at = plans.published_at AND later.version > plans.version))
  );
CREATE UNIQUE INDEX plans_one_published ON plans (year_id) WHERE status = 'published';
