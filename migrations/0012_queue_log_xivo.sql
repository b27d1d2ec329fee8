-- Schema version 12: what XiVO's statistics (xivo-stat) count from a queue_log that the
-- queue visits and agent state intervals do not hold, and the queue_log's pause reasons and
-- ring-no-answer attempts (docs/METRICS.md "XiVO's own figures", "Pause reasons").
--
-- Derived rows like every other: the queue_log interpreter writes them from each line as it
-- is journaled, and replay rebuilds them from the journal.

-- One call in one queue as xivo-stat's `stat_call_on_queue` holds it: its status, the wait and
-- talk seconds the queue_log line gives (XiVO reads the fields, not the times), and the time
-- XiVO files it under. A refused call (`FULL`, `CLOSED`, `JOINEMPTY`, `DIVERT_*`) is a row
-- here though it never joined the queue (it is no queue visit). A call is written once it has a
-- status: a caller still waiting (or one whose end XiVO ignores) has no row.
CREATE TABLE queue_log_call (
    id          INTEGER PRIMARY KEY,
    ipbx        TEXT NOT NULL,
    queue_id    TEXT NOT NULL,
    callid      TEXT NOT NULL,
    entered_at  REAL,                          -- its ENTERQUEUE, NULL when the log lacks it
    status      TEXT NOT NULL CHECK (status = 'answered' OR status = 'abandoned' OR status = 'timeout' OR status = 'leaveempty'
                            OR status = 'joinempty' OR status = 'closed' OR status = 'full'
                            OR status = 'divert_ca_ratio' OR status = 'divert_waittime'),
    status_at   REAL,                          -- the line that gave the status
    counted_at  REAL,                          -- the time XiVO counts it at; NULL: XiVO does not count it
    wait_s      REAL,
    talk_s      REAL,
    agent_id    TEXT,                          -- who answered
    session_id  INTEGER NOT NULL REFERENCES collection_session (session_id)
) STRICT;
CREATE INDEX queue_log_call_counted ON queue_log_call (counted_at) WHERE counted_at IS NOT NULL;

-- An agent's time as the queue_log tells it, per kind:
--  login     XiVO's login session: [logoff - logged-in seconds, logoff] from each *LOGOFF, or
--            from the latest *LOGIN while no logoff followed (end NULL);
--  pause_all from PAUSEALL to the next UNPAUSEALL (XiVO's pause);
--  pause     any pause (PAUSE or PAUSEALL) until the agent is paused nowhere, with its reason;
--  wrapup    WRAPUPSTART and its seconds.
-- end_time NULL: still so when the log was last read.
CREATE TABLE queue_log_agent_span (
    id          INTEGER PRIMARY KEY,
    ipbx        TEXT NOT NULL,
    agent_id    TEXT NOT NULL,
    kind        TEXT NOT NULL CHECK (kind = 'login' OR kind = 'pause_all' OR kind = 'pause' OR kind = 'wrapup'),
    start_time  REAL NOT NULL,
    end_time    REAL,
    reason      TEXT,                          -- a pause's reason as given (empty: none)
    source_id   INTEGER NOT NULL REFERENCES queue_log_source (source_id),
    session_id  INTEGER NOT NULL REFERENCES collection_session (session_id)
) STRICT;
CREATE INDEX queue_log_agent_span_agent ON queue_log_agent_span (agent_id, kind, start_time);
CREATE INDEX queue_log_agent_span_time ON queue_log_agent_span (start_time);
-- The few spans longer than a day or still open (logins, long pauses): a report finds those that
-- began before the day it looks at without reading every span since.
CREATE INDEX queue_log_agent_span_long ON queue_log_agent_span (end_time)
    WHERE end_time IS NULL OR end_time > start_time + 86400;

-- Each RINGNOANSWER: an agent rang for a caller and did not answer. No report reads them yet,
-- so no index (each costs every import a write per row).
CREATE TABLE queue_log_ring_no_answer (
    id          INTEGER PRIMARY KEY,
    ipbx        TEXT NOT NULL,
    queue_id    TEXT NOT NULL,
    callid      TEXT NOT NULL,
    agent_id    TEXT NOT NULL,
    rang_at     REAL NOT NULL,                 -- when the ringing ended (the line's time)
    ring_ms     INTEGER,                       -- how long it rang, as the line says
    session_id  INTEGER NOT NULL REFERENCES collection_session (session_id)
) STRICT;
