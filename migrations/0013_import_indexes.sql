-- Schema version 13: indexes a long import builds once, at its end, instead of row by row
-- (docs/RECORDING.md "Catching up"). The visits' caller-number index takes each new visit at
-- a random place: a year of queue_log imported with it rewrote most of its pages at every
-- commit (42 GB written for a 3.3 GB file).
--
-- A row here is an index dropped while an import catches up, with the SQL that makes it. The
-- import builds it again when it has caught up or ends; an import killed before that leaves
-- the row, and the next writer to open the database (`Database.openWriter`) builds it.
CREATE TABLE deferred_index (
    name  TEXT PRIMARY KEY,
    sql   TEXT NOT NULL
) STRICT;

-- The agent spans' (agent_id, kind, start_time) index served one lookup, a paused interval's
-- reason (the `pause` spans): it now holds those alone. Every login, XiVO pause and wrap-up
-- span (most of them: a wrap-up each ACD call) paid for an entry no query read; without them a
-- year of queue_log took 12 s less CPU to import.
DROP INDEX queue_log_agent_span_agent;
CREATE INDEX queue_log_agent_span_pause ON queue_log_agent_span (agent_id, start_time) WHERE kind = 'pause';

-- The callback lookup asks only for answered visits from a number: the caller-number index
-- holds those alone. An abandoned caller's visit, or one without a number, had an entry no
-- lookup could match; without them the index is smaller and a long import builds it in 4.2 s
-- instead of 5.2 (a year of the simulator's queue_log).
DROP INDEX queue_visit_caller_number;
CREATE INDEX queue_visit_caller_number ON queue_visit (caller_number, answered_at)
    WHERE answered_at IS NOT NULL AND caller_number IS NOT NULL;
