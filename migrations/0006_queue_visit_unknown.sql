-- Visits whose caller was still waiting when their collection session ended (outcome
-- 'unknown'). The recorder reads them once when a session begins, to continue the visit of
-- a caller who is still waiting (Recording/Rows/PreexistingRows.swift), instead of looking
-- each new visit up while it records: it no longer reads the database while recording, since
-- its rows are written on another thread.
--
-- Partial: only rows whose outcome is 'unknown' are in it, a few per session, so the inserts
-- and outcome updates of every other visit do not touch it.
CREATE INDEX queue_visit_unknown ON queue_visit (visit_id) WHERE outcome = 'unknown';
