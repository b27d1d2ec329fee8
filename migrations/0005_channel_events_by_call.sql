-- Schema version 5: no index on channel_event's channel name.
--
-- The recorder used it for one thing: when a call was written, it found the call's channel
-- events by channel name to set their `call_id`. It now keeps the row ids of a call's events
-- while the call is in progress and updates those rows by id. Keyed by channel name, the
-- index put every insert on a different page (channel names are unique per call), which made
-- it the largest share of what each commit wrote to the WAL. No report reads channel events
-- by name; look a channel up through its call (`call_id`) or the journal.
DROP INDEX channel_event_channel;
