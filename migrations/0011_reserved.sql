-- Schema version 11 is reserved for the queue_log PostgreSQL source (issue 17, another branch).
-- This placeholder keeps the versions without a gap on this branch; the merge takes that
-- branch's 0011 in its place.
SELECT 1;
