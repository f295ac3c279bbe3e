-- Witness cosignatures (C2SP cosignature/v1) of signed checkpoints, verified by the server
-- before they are stored. One per (checkpoint size, witness key); insert-only.
CREATE TABLE cosignatures (
    size      BIGINT NOT NULL REFERENCES checkpoints (size),
    key_name  TEXT   NOT NULL,
    key_id    BIGINT NOT NULL,             -- the 4-byte key id as an unsigned number
    timestamp BIGINT NOT NULL,             -- cosignature time, POSIX seconds
    line      TEXT   NOT NULL,             -- the signature line, without its newline
    created   BIGINT NOT NULL,             -- microseconds since the Unix epoch, UTC
    PRIMARY KEY (size, key_name, key_id)
);
CREATE TRIGGER cosignatures_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON cosignatures
    FOR EACH STATEMENT EXECUTE FUNCTION fixlog_append_only();
