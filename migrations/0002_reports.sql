-- Schema version 2: indexes for `callstats report`.
--
-- * A missed call counts as called back when a later call to the caller's number is answered
--   (the center calling back): looked up by (callee_number, answered_at), like the caller side.
-- * Missed calls per user are counted by the time the user's phone rang: a range on rang_at.
CREATE INDEX call_callee_number ON call (callee_number, answered_at);
CREATE INDEX call_ring_rang ON call_ring (rang_at);
