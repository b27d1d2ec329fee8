-- Schema version 5: two indexes the collector paid for on every line and nothing reads.
--
-- Each index of a table the collector writes costs, for every row, a search and an insert,
-- and, at every commit, a page written to the WAL for each leaf it touched. These two were
-- the costliest and serve no report or command:
--
-- * channel_event_channel (channel, event_time). The recorder used it for one thing: when a
--   call was written, it found the call's channel events by channel name to set their
--   `call_id`. A call's id is now the id of its first channel event (docs/RECORDING.md,
--   "Calls"), so every event is written with its call's id. Channel names are unique per call,
--   so each insert landed on a different page: the largest share of each commit's WAL.
--   Look a channel's events up through its call (`call_id`).
-- * agent_status_change_agent (agent_id, event_time): one leaf per agent in every commit.
--   The reports read agents' states from agent_state_interval, which keeps its index by
--   agent. agent_status_change is the raw trail of every status received, in the order
--   received (its id); to follow one agent over a long period, use agent_state_interval or
--   create an index of your own.
DROP INDEX channel_event_channel;
DROP INDEX agent_status_change_agent;
