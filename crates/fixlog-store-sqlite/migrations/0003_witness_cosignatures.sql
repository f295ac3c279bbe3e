-- Witness cosignatures (C2SP cosignature/v1) of signed checkpoints, verified by the server
-- before they are stored. One per (checkpoint size, witness key); insert-only.
CREATE TABLE cosignatures (
    size      INTEGER NOT NULL REFERENCES checkpoints (size),
    key_name  TEXT    NOT NULL,
    key_id    INTEGER NOT NULL,            -- the 4-byte key id as an unsigned number
    timestamp INTEGER NOT NULL,            -- cosignature time, POSIX seconds
    line      TEXT    NOT NULL,            -- the signature line, without its newline
    created   INTEGER NOT NULL,            -- microseconds since the Unix epoch, UTC
    PRIMARY KEY (size, key_name, key_id)
) WITHOUT ROWID;

CREATE TRIGGER cosignatures_insert_only_update BEFORE UPDATE ON cosignatures
BEGIN SELECT RAISE(ABORT, 'cosignatures are append-only'); END;
CREATE TRIGGER cosignatures_insert_only_delete BEFORE DELETE ON cosignatures
BEGIN SELECT RAISE(ABORT, 'cosignatures are append-only'); END;
