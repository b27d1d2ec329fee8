-- Schema version 9: the derived tables' indexes are those the reports, the views and the
-- recorder use (Tests/ReportsTests/IndexUsageTests.swift plans every one of their queries
-- and fails on an index none of them uses).
--
-- The indexes go before the new one is built, so that it takes their pages: built first, it
-- grew a year's file by its whole size (2 GB on BENCHMARKS.md's synthetic year), pages that
-- would stay free until rows filled them.
--
-- Indexes no report, view or recorder lookup uses: their cost on every row written, and
-- their bytes (on BENCHMARKS.md's 60-day slice, 129 MB of its 1.39 GB), bought nothing.
--
-- * agent_state_interval_time (start_time): the occupancy report and the views read each
--   agent's intervals through agent_state_interval_agent (agent_id, start_time).
-- * queue_visit_queue (queue_id, join_time): the missed-call reports read a period's visits
--   by join time (queue_visit_join) and filter queues as they go; so does `calls`.
-- * call_ring_user (user_id, rang_at): the same for rings, by call_ring_rang (rang_at).
-- * phone_identity (identity): the recorder knows every phone's identity in memory, and no
--   report looks a phone up.
DROP INDEX agent_state_interval_time;
DROP INDEX queue_visit_queue;
DROP INDEX call_ring_user;
DROP INDEX phone_identity;

-- queue_stat_sample_steps replaces queue_stat_sample_series (queue_id, key, event_time).
-- The EWT report and the `queues` view read a queue's series in (event_time, id) order and
-- need each sample's value and session: with the former index, each sample was then looked
-- up in the table by its id, most of a month's EWT report (3.9 s of 4.2 s on BENCHMARKS.md's
-- 60-day slice; 1.0 s with this one). This one holds all they read, in their order, so they
-- read it alone. It is about 7 % larger than the index it replaces.
DROP INDEX queue_stat_sample_series;
CREATE INDEX queue_stat_sample_steps ON queue_stat_sample (queue_id, key, event_time, id, value, session_id);
