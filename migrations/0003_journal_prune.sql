-- Schema version 3: journal retention (`callstats prune`).
--
-- `callstats prune` deletes the oldest journal lines and keeps every derived row. The journal
-- stays a contiguous suffix of what was received: every line with a seq below the latest
-- `first_kept_seq` is gone, every line from it on is kept. Derived rows keep their
-- `journal_seq`, which then names a line that no longer exists (no foreign key points at
-- `journal`). `callstats replay` rebuilds derived tables from the journal, so it refuses to
-- run once any line was pruned: it would lose everything older than the first kept line.

-- One row per `callstats prune` run that deleted lines, updated in the same transaction as
-- each batch it deletes, so it is exact even when the run is interrupted.
CREATE TABLE journal_prune (
    prune_id        INTEGER PRIMARY KEY,
    started_at      REAL NOT NULL,           -- local clock, when the run began deleting
    finished_at     REAL NOT NULL,           -- local clock, when its latest batch committed
    older_than      REAL NOT NULL,           -- the cut-off on journal.received_at (local clock)
    first_kept_seq  INTEGER NOT NULL,        -- every journal line with a smaller seq is deleted
    lines           INTEGER NOT NULL         -- journal lines this run deleted
) STRICT;
