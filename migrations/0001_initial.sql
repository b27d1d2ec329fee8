-- CallStats schema, version 1.
--
-- Conventions:
-- * Times are seconds since the Unix epoch (REAL, sub-millisecond precision) on the CTI
--   server's clock ("event time", see docs/METRICS.md), unless a column says otherwise.
-- * PBX object ids are TEXT: the server sends the same id as a string or an integer.
-- * Every derived table can be rebuilt from `journal` by `callstats replay`; the columns
--   `journal_seq` point back to the line a row came from.
-- * Time-range queries use indexes on (object, start time). State intervals are cut at every
--   UTC hour boundary by the recorder, so no interval is longer than an hour and a query for
--   [from, to) only needs rows with start_time in [from - 3600, to).

-- A CTI server we collected from (an "IPBX" in the protocol: `tipbxid`).
CREATE TABLE ipbx (
    ipbx        TEXT PRIMARY KEY,
    first_seen  REAL NOT NULL,
    last_seen   REAL NOT NULL
) STRICT;

-- One connection of the collector: coverage is the union of [started_at, ended_at).
CREATE TABLE collection_session (
    session_id    INTEGER PRIMARY KEY,
    server        TEXT NOT NULL,              -- host:port as configured
    protocol      TEXT,                       -- negotiated protocol version, e.g. "1.2"
    tls           INTEGER NOT NULL DEFAULT 0 CHECK (tls IN (0, 1)),
    connected_at  REAL NOT NULL,              -- local clock, when the TCP connection opened
    logged_in_at  REAL,                       -- server clock, login_capas answered
    started_at    REAL,                       -- server clock: timenow of the server's first reply
    ended_at      REAL,                       -- server clock (metrics.md "Coverage"); NULL while live
    end_reason    TEXT,                       -- 'shutdown', 'connection_lost', 'login_refused', ...
    last_event_at REAL                        -- server clock of the latest message, kept while live
) STRICT;
CREATE INDEX collection_session_started ON collection_session (started_at);

-- Every line received, exactly as received, in order. The source of truth.
CREATE TABLE journal (
    seq          INTEGER PRIMARY KEY,         -- receive order
    session_id   INTEGER NOT NULL REFERENCES collection_session (session_id),
    received_at  REAL NOT NULL,               -- local clock
    event_time   REAL NOT NULL,               -- server clock (metrics.md "Time")
    class        TEXT,
    list         TEXT,                        -- getlist's listname
    function     TEXT,                        -- getlist's function
    object_id    TEXT,                        -- tid, or the queue id of queue messages
    malformed    TEXT,                        -- why the line could not be decoded; NULL when it could
    line         BLOB NOT NULL                -- the exact bytes, without the line end
) STRICT;
CREATE INDEX journal_malformed ON journal (seq) WHERE malformed IS NOT NULL;

-- PBX objects: the last known configuration (and status, where one exists) of each.
CREATE TABLE pbx_user (
    ipbx        TEXT NOT NULL,
    user_id     TEXT NOT NULL,
    fullname    TEXT,
    firstname   TEXT,
    lastname    TEXT,
    agent_id    TEXT,
    config      TEXT NOT NULL DEFAULT '{}',   -- JSON, as last received
    status      TEXT NOT NULL DEFAULT '{}',   -- JSON, partial statuses merged
    updated_at  REAL NOT NULL,
    deleted_at  REAL,
    PRIMARY KEY (ipbx, user_id)
) STRICT;

CREATE TABLE phone (
    ipbx        TEXT NOT NULL,
    phone_id    TEXT NOT NULL,
    identity    TEXT,                         -- e.g. "SIP/ihvbur": its channels are "SIP/ihvbur-..."
    number      TEXT,
    user_id     TEXT,                         -- iduserfeatures
    context     TEXT,
    protocol    TEXT,
    config      TEXT NOT NULL DEFAULT '{}',
    status      TEXT NOT NULL DEFAULT '{}',
    updated_at  REAL NOT NULL,
    deleted_at  REAL,
    PRIMARY KEY (ipbx, phone_id)
) STRICT;
CREATE INDEX phone_identity ON phone (identity);

CREATE TABLE agent (
    ipbx        TEXT NOT NULL,
    agent_id    TEXT NOT NULL,
    number      TEXT,
    firstname   TEXT,
    lastname    TEXT,
    context     TEXT,
    config      TEXT NOT NULL DEFAULT '{}',
    status      TEXT NOT NULL DEFAULT '{}',
    updated_at  REAL NOT NULL,
    deleted_at  REAL,
    PRIMARY KEY (ipbx, agent_id)
) STRICT;

CREATE TABLE queue (
    ipbx          TEXT NOT NULL,
    queue_id      TEXT NOT NULL,
    name          TEXT,
    number        TEXT,
    display_name  TEXT,
    context       TEXT,
    config        TEXT NOT NULL DEFAULT '{}',
    updated_at    REAL NOT NULL,
    deleted_at    REAL,
    PRIMARY KEY (ipbx, queue_id)
) STRICT;

-- Queue membership, e.g. member_id "Agent/2002,blue": interface "Agent/2002", queue "blue".
CREATE TABLE queue_member (
    ipbx        TEXT NOT NULL,
    member_id   TEXT NOT NULL,
    interface   TEXT,
    queue_name  TEXT,
    paused      TEXT,
    penalty     TEXT,
    membership  TEXT,
    status      TEXT,
    config      TEXT NOT NULL DEFAULT '{}',
    updated_at  REAL NOT NULL,
    deleted_at  REAL,
    PRIMARY KEY (ipbx, member_id)
) STRICT;

-- Each value of a `getqueuesstats` key: a step function per queue and key.
-- `value` is NULL for the server's "" (no data); `window_s` is set for windowed replies.
CREATE TABLE queue_stat_sample (
    id           INTEGER PRIMARY KEY,
    ipbx         TEXT NOT NULL,
    queue_id     TEXT NOT NULL,
    key          TEXT NOT NULL,
    event_time   REAL NOT NULL,
    value        REAL,
    window_s     INTEGER,
    session_id   INTEGER NOT NULL REFERENCES collection_session (session_id),
    journal_seq  INTEGER
) STRICT;
CREATE INDEX queue_stat_sample_series ON queue_stat_sample (queue_id, key, event_time);

-- Each agent status received, with the state (metrics.md) of the merged status after it.
CREATE TABLE agent_status_change (
    id            INTEGER PRIMARY KEY,
    ipbx          TEXT NOT NULL,
    agent_id      TEXT NOT NULL,
    event_time    REAL NOT NULL,
    availability  TEXT,
    on_call_acd   INTEGER,
    on_wrapup     INTEGER,
    state         TEXT,                       -- NULL while the availability is not known yet
    partial       INTEGER NOT NULL CHECK (partial IN (0, 1)),
    session_id    INTEGER NOT NULL REFERENCES collection_session (session_id),
    journal_seq   INTEGER
) STRICT;
CREATE INDEX agent_status_change_agent ON agent_status_change (agent_id, event_time);

-- The time an agent spent in each state, cut at session ends and at every UTC hour.
-- `began` is 1 when the state began at start_time, 0 for the continuation of a cut.
CREATE TABLE agent_state_interval (
    id          INTEGER PRIMARY KEY,
    ipbx        TEXT NOT NULL,
    agent_id    TEXT NOT NULL,
    state       TEXT NOT NULL CHECK (state IN ('logged_out', 'available', 'acd_call', 'wrapup', 'nonacd_call', 'paused')),
    start_time  REAL NOT NULL,
    end_time    REAL,                         -- NULL while open
    began       INTEGER NOT NULL DEFAULT 1 CHECK (began IN (0, 1)),
    session_id  INTEGER NOT NULL REFERENCES collection_session (session_id)
) STRICT;
CREATE INDEX agent_state_interval_agent ON agent_state_interval (agent_id, start_time);
CREATE INDEX agent_state_interval_time ON agent_state_interval (start_time);

-- Each channel update or hang-up, as received (partial updates: absent keys are NULL).
CREATE TABLE channel_event (
    id            INTEGER PRIMARY KEY,
    ipbx          TEXT NOT NULL,
    channel       TEXT NOT NULL,
    event_time    REAL NOT NULL,
    kind          TEXT NOT NULL CHECK (kind IN ('update', 'delete')),
    commstatus    TEXT,
    state         TEXT,
    direction     TEXT,
    talkingto_id  TEXT,
    call_id       INTEGER,
    session_id    INTEGER NOT NULL REFERENCES collection_session (session_id),
    journal_seq   INTEGER
) STRICT;
CREATE INDEX channel_event_channel ON channel_event (channel, event_time);

-- A call: the channels that talk to each other (metrics.md "Calls").
CREATE TABLE call (
    call_id         INTEGER PRIMARY KEY,
    ipbx            TEXT NOT NULL,
    started_at      REAL NOT NULL,
    first_ring_at   REAL,
    answered_at     REAL,
    ended_at        REAL,                     -- NULL while in progress
    direction       TEXT CHECK (direction IN ('inbound', 'outbound', 'internal')),
    outcome         TEXT CHECK (outcome IN ('answered', 'missed', 'unknown')), -- missed: ended, never answered
    caller_channel  TEXT,
    caller_number   TEXT,
    caller_name     TEXT,
    callee_channel  TEXT,
    callee_number   TEXT,
    session_id      INTEGER NOT NULL REFERENCES collection_session (session_id)
) STRICT;
CREATE INDEX call_started ON call (started_at);
CREATE INDEX call_caller_number ON call (caller_number, answered_at);

-- Which users' phones rang for a call, and when first.
CREATE TABLE call_ring (
    call_id    INTEGER NOT NULL REFERENCES call (call_id),
    phone_id   TEXT NOT NULL,
    user_id    TEXT,
    channel    TEXT NOT NULL,
    rang_at    REAL NOT NULL,
    PRIMARY KEY (call_id, phone_id)
) STRICT;
CREATE INDEX call_ring_user ON call_ring (user_id, rang_at);

-- One caller's stay in one queue (metrics.md "Queue visits").
CREATE TABLE queue_visit (
    visit_id       INTEGER PRIMARY KEY,
    ipbx           TEXT NOT NULL,
    queue_id       TEXT NOT NULL,
    uniqueid       TEXT,
    caller_number  TEXT,
    caller_name    TEXT,
    join_time      REAL NOT NULL,
    leave_time     REAL,                      -- NULL while waiting
    outcome        TEXT CHECK (outcome IN ('answered', 'abandoned', 'unknown')),
    agent_id       TEXT,                      -- who answered
    answered_at    REAL,                      -- the answering agent's acd_call start
    session_id     INTEGER NOT NULL REFERENCES collection_session (session_id)
) STRICT;
CREATE INDEX queue_visit_queue ON queue_visit (queue_id, join_time);
CREATE INDEX queue_visit_join ON queue_visit (join_time);
CREATE INDEX queue_visit_caller_number ON queue_visit (caller_number, answered_at);
