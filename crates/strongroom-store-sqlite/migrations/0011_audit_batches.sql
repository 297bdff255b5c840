-- Audit records are appended a run at a time: each run of consecutive seqs of one chain is one row, its
-- records encoded and LZ4-compressed (src/audit.rs). Rows written before this migration stay in
-- audit_records and are read alongside.
CREATE TABLE audit_batches (
    chain_id  TEXT    NOT NULL,
    first_seq INTEGER NOT NULL CHECK (first_seq >= 0),
    last_seq  INTEGER NOT NULL CHECK (last_seq >= first_seq),
    records   BLOB    NOT NULL
) STRICT;

-- Stored runs never overlap, so ordering by last_seq orders the records, and the first run ending at or
-- after a seq is the only one that can hold it.
CREATE UNIQUE INDEX audit_batches_by_last_seq ON audit_batches (chain_id, last_seq);
