-- Newest-first call pages order by (started_at, id): with id in the index key a page is a short backward index
-- scan per number (or over all calls, platform-wide) instead of a sort of everything in range.
DROP INDEX calls_number_started_idx;
CREATE INDEX calls_number_started_idx ON calls (business_number_id, started_at, id)
  INCLUDE (direction, status, wait_seconds, talk_seconds);
DROP INDEX calls_started_idx;
CREATE INDEX calls_started_idx ON calls (started_at, id);
