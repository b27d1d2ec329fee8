-- Schema version 11: when a following queue_log import (`import queue-log --follow`) last
-- looked at its source.
--
-- A queue_log is quiet while nothing happens (at night, on a holiday): a follower that read
-- no line for hours is still live. `callstats status` measures its freshness by its last
-- look at the file or the table, which the follower writes every few seconds.
ALTER TABLE queue_log_source ADD COLUMN polled_at REAL;  -- local clock, epoch seconds
