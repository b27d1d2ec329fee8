-- Schema version 4: the same CHECK constraints, written so they cost nothing per row.
--
-- SQLite evaluates `x IN ('a', 'b', 'c')` in a CHECK constraint by building a temporary
-- b-tree of the list for every row written: in agent_state_interval, call and queue_visit
-- that was about a tenth of the collector's writing time. `x = 'a' OR x = 'b' OR ...` is the
-- same constraint (NULL still passes) evaluated with plain comparisons. SQLite cannot alter a
-- constraint, so the three tables are rebuilt (the documented create, copy, drop, rename
-- procedure) with their indexes; the migrator runs it with foreign keys off and checks them
-- before it commits (call_ring refers to call by name, and finds the rebuilt table).

CREATE TABLE agent_state_interval_rebuilt (
    id          INTEGER PRIMARY KEY,
    ipbx        TEXT NOT NULL,
    agent_id    TEXT NOT NULL,
    state       TEXT NOT NULL CHECK (state = 'logged_out' OR state = 'available' OR state = 'acd_call'
                                     OR state = 'wrapup' OR state = 'nonacd_call' OR state = 'paused'),
    start_time  REAL NOT NULL,
    end_time    REAL,                         -- NULL while open
    began       INTEGER NOT NULL DEFAULT 1 CHECK (began = 0 OR began = 1),
    session_id  INTEGER NOT NULL REFERENCES collection_session (session_id)
) STRICT;
INSERT INTO agent_state_interval_rebuilt (id, ipbx, agent_id, state, start_time, end_time, began, session_id)
    SELECT id, ipbx, agent_id, state, start_time, end_time, began, session_id FROM agent_state_interval;
DROP TABLE agent_state_interval;
ALTER TABLE agent_state_interval_rebuilt RENAME TO agent_state_interval;
CREATE INDEX agent_state_interval_agent ON agent_state_interval (agent_id, start_time);
CREATE INDEX agent_state_interval_time ON agent_state_interval (start_time);

CREATE TABLE call_rebuilt (
    call_id         INTEGER PRIMARY KEY,
    ipbx            TEXT NOT NULL,
    started_at      REAL NOT NULL,
    first_ring_at   REAL,
    answered_at     REAL,
    ended_at        REAL,                     -- NULL while in progress
    direction       TEXT CHECK (direction = 'inbound' OR direction = 'outbound' OR direction = 'internal'),
    outcome         TEXT CHECK (outcome = 'answered' OR outcome = 'missed' OR outcome = 'unknown'),
    caller_channel  TEXT,
    caller_number   TEXT,
    caller_name     TEXT,
    callee_channel  TEXT,
    callee_number   TEXT,
    session_id      INTEGER NOT NULL REFERENCES collection_session (session_id)
) STRICT;
INSERT INTO call_rebuilt (call_id, ipbx, started_at, first_ring_at, answered_at, ended_at, direction, outcome,
                          caller_channel, caller_number, caller_name, callee_channel, callee_number, session_id)
    SELECT call_id, ipbx, started_at, first_ring_at, answered_at, ended_at, direction, outcome,
           caller_channel, caller_number, caller_name, callee_channel, callee_number, session_id FROM call;
DROP TABLE call;
ALTER TABLE call_rebuilt RENAME TO call;
CREATE INDEX call_started ON call (started_at);
CREATE INDEX call_caller_number ON call (caller_number, answered_at);
CREATE INDEX call_callee_number ON call (callee_number, answered_at);

CREATE TABLE queue_visit_rebuilt (
    visit_id       INTEGER PRIMARY KEY,
    ipbx           TEXT NOT NULL,
    queue_id       TEXT NOT NULL,
    uniqueid       TEXT,
    caller_number  TEXT,
    caller_name    TEXT,
    join_time      REAL NOT NULL,
    leave_time     REAL,                      -- NULL while waiting
    outcome        TEXT CHECK (outcome = 'answered' OR outcome = 'abandoned' OR outcome = 'unknown'),
    agent_id       TEXT,                      -- who answered
    answered_at    REAL,                      -- the answering agent's acd_call start
    session_id     INTEGER NOT NULL REFERENCES collection_session (session_id)
) STRICT;
INSERT INTO queue_visit_rebuilt (visit_id, ipbx, queue_id, uniqueid, caller_number, caller_name, join_time, leave_time,
                                 outcome, agent_id, answered_at, session_id)
    SELECT visit_id, ipbx, queue_id, uniqueid, caller_number, caller_name, join_time, leave_time,
           outcome, agent_id, answered_at, session_id FROM queue_visit;
DROP TABLE queue_visit;
ALTER TABLE queue_visit_rebuilt RENAME TO queue_visit;
CREATE INDEX queue_visit_queue ON queue_visit (queue_id, join_time);
CREATE INDEX queue_visit_join ON queue_visit (join_time);
CREATE INDEX queue_visit_caller_number ON queue_visit (caller_number, answered_at);
