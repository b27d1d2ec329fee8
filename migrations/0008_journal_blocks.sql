-- Schema version 8: the journal in compressed blocks.
--
-- Every line is still kept byte for byte, but consecutive lines of a session are stored
-- together, zstd-compressed, in one row of `journal_block` (the format is in
-- docs/RECORDING.md, "The journal's blocks"): about 16 bytes a line instead of about 300.
-- A line's seq stays its number in receive order, so derived rows' `journal_seq` still name it.
--
-- Lines recorded before this version stay in `journal_line` (the old `journal`, renamed) and
-- are read from there until `callstats migrate` moves them into blocks, a block per
-- transaction (`JournalConverter`): resumable after a kill, and short enough to run beside
-- a collector. Readers read both tables (`JournalReader`).

ALTER TABLE journal RENAME TO journal_line;
DROP INDEX journal_malformed;
CREATE INDEX journal_line_malformed ON journal_line (seq) WHERE malformed IS NOT NULL;

-- `lines` last: a row's small columns then sit in its first page, and finding blocks by
-- time or session never reads the compressed lines.
CREATE TABLE journal_block (
    first_seq          INTEGER PRIMARY KEY,   -- seq of its first line; line i has seq first_seq + i
    last_seq           INTEGER NOT NULL,
    session_id         INTEGER NOT NULL REFERENCES collection_session (session_id),
    first_received_at  REAL NOT NULL,         -- local clock, of its first line
    last_received_at   REAL NOT NULL,         -- local clock, of its last line
    last_event_time    REAL,                  -- latest event time of its lines that could be decoded
    lines              BLOB NOT NULL          -- zstd frame: times, lengths, then the lines' bytes
) STRICT;
CREATE INDEX journal_block_session ON journal_block (session_id, first_seq);

-- Why a line could not be decoded (its bytes are in its block, as received).
CREATE TABLE journal_malformed (
    seq     INTEGER PRIMARY KEY,
    reason  TEXT NOT NULL
) STRICT;
