-- Schema version 10: Asterisk's queue_log as a second source (`callstats import queue-log`).
--
-- A queue_log is read into the same tables as the CTI collector fills: every line is kept
-- byte for byte in the journal (its blocks, under a collection session of its own), and the
-- recorder derives queue visits and agent state intervals from it (docs/RECORDING.md,
-- "Asterisk's queue_log"). These tables say which sessions are a queue_log's, and where each
-- source was left, so that an import adds only what it has not read yet.

-- One queue_log stream: the log of one PBX, read from its files (rotated or not) or its table.
-- Its sessions follow each other without gaps (each begins where the previous one ended), and
-- the state its last session ended with (agents logged in, paused, on a call; callers still
-- waiting) is kept here, so that the next import goes on from it.
CREATE TABLE queue_log_source (
    source_id        INTEGER PRIMARY KEY,
    name             TEXT NOT NULL UNIQUE,        -- 'file', or the table's connection without its password
    kind             TEXT NOT NULL CHECK (kind = 'file' OR kind = 'table'),
    last_session_id  INTEGER REFERENCES collection_session (session_id),
    last_event_at    REAL,                        -- time of the latest line read (PBX clock, epoch seconds)
    last_row_id      INTEGER,                     -- a table's: the largest `id` read
    carried_state    TEXT                         -- JSON: the interpreter's state at the last session's end
) STRICT;

-- A file of a file source, known by its first line (a rotated or compressed copy of a file
-- has the same first line, whatever its name), and how much of its content was read: every
-- complete line up to `bytes_read` (of the uncompressed content).
CREATE TABLE queue_log_file (
    source_id   INTEGER NOT NULL REFERENCES queue_log_source (source_id),
    first_line  BLOB NOT NULL,
    bytes_read  INTEGER NOT NULL,
    lines_read  INTEGER NOT NULL,
    path        TEXT NOT NULL,                    -- the name it was last read under
    PRIMARY KEY (source_id, first_line)
) STRICT;

-- NULL: a CTI collection session; else the queue_log source the session read.
ALTER TABLE collection_session ADD COLUMN source_id INTEGER REFERENCES queue_log_source (source_id);
