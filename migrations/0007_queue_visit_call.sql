-- Schema version 7: a queue visit names the call its caller was on.
--
-- A caller in a queue is also a call (the channels Asterisk made for it), and the two were
-- recorded apart: `callstats calls` listed every queue call twice, and an inbound call had no
-- caller number although its queue entry named the caller. The channel events never carry
-- the entry's `uniqueid`, so the recorder links them by time (docs/RECORDING.md "Queue visits
-- and their calls"): a visit's call is the most recently started call in progress when the
-- caller joined in which no channel had rung yet (a queue rings agents only once the caller
-- is in it), in the collection session the join happened in; a call goes with one visit at most,
-- the first that finds it, and a later visit that finds the same call has none. An inbound
-- call takes the caller number and name of its visit.
--
-- The statements below link the rows recorded before this version by that rule, so an
-- upgraded database reads as if its calls had been recorded by this version.

ALTER TABLE queue_visit ADD COLUMN call_id INTEGER REFERENCES call (call_id);

-- `callstats calls` lists a queue call once: it looks a call's visit up by the call.
-- Partial: visits without a call (no channel events, as from XiVO 15.19) cost nothing.
CREATE INDEX queue_visit_call ON queue_visit (call_id) WHERE call_id IS NOT NULL;

-- Only for the linking: each visit's search stays within its session's calls.
CREATE INDEX call_session_started ON call (session_id, started_at);

WITH nearest AS (
    SELECT v.visit_id,
           (SELECT c.call_id
              FROM call c INDEXED BY call_session_started
              JOIN collection_session cs ON cs.session_id = c.session_id
             WHERE c.session_id = (SELECT s.session_id FROM collection_session s
                                    WHERE s.started_at <= v.join_time
                                    ORDER BY s.started_at DESC, s.session_id DESC LIMIT 1)
               AND c.started_at <= v.join_time
               AND c.ipbx = v.ipbx
               AND coalesce(c.ended_at, cs.ended_at, cs.last_event_at) >= v.join_time
               AND (c.first_ring_at IS NULL OR c.first_ring_at >= v.join_time)
             ORDER BY c.started_at DESC, c.call_id
             LIMIT 1) AS call_id
    FROM queue_visit v
),
first_visit AS (
    SELECT call_id, min(visit_id) AS visit_id FROM nearest WHERE call_id IS NOT NULL GROUP BY call_id
)
UPDATE queue_visit SET call_id = first_visit.call_id
  FROM first_visit
 WHERE queue_visit.visit_id = first_visit.visit_id;

UPDATE call SET caller_number = nullif(v.caller_number, ''), caller_name = nullif(v.caller_name, '')
  FROM queue_visit v
 WHERE v.call_id = call.call_id AND call.direction = 'inbound';

DROP INDEX call_session_started;
