-- The log: entries are insert-only (a trigger refuses UPDATE, DELETE and TRUNCATE).
CREATE TABLE entries (
    seq         BIGINT  PRIMARY KEY,
    kind        TEXT    NOT NULL,
    published   BIGINT  NOT NULL,          -- microseconds since the Unix epoch, UTC
    product     TEXT,
    advisory    TEXT,
    version_key TEXT,
    supersedes  BIGINT REFERENCES entries (seq),
    body        BYTEA   NOT NULL           -- canonical bytes, the Merkle leaf data
);
CREATE INDEX entries_by_product ON entries (product, kind, seq);
CREATE INDEX entries_by_advisory ON entries (advisory, seq);
CREATE INDEX entries_by_supersedes ON entries (supersedes);

CREATE TABLE entry_cves (cve TEXT NOT NULL, seq BIGINT NOT NULL, PRIMARY KEY (cve, seq));
CREATE TABLE entry_products (product TEXT NOT NULL, seq BIGINT NOT NULL, PRIMARY KEY (product, seq));
CREATE TABLE entry_digests (digest TEXT NOT NULL, seq BIGINT NOT NULL, PRIMARY KEY (digest, seq));

-- Complete-subtree hashes of the RFC 6962 tree, written with the entry.
CREATE TABLE tlog_nodes (
    level BIGINT   NOT NULL,
    idx   BIGINT   NOT NULL,
    hash  BYTEA    NOT NULL,
    PRIMARY KEY (level, idx)
);

CREATE TABLE checkpoints (
    size    BIGINT PRIMARY KEY,
    note    TEXT   NOT NULL,
    created BIGINT NOT NULL
);

CREATE TABLE tokens (
    id            TEXT   PRIMARY KEY,
    name          TEXT   NOT NULL,
    role          TEXT   NOT NULL,
    secret_sha256 BYTEA  NOT NULL,
    created       BIGINT NOT NULL,
    expires       BIGINT
);

CREATE TABLE audit (
    id     BIGSERIAL PRIMARY KEY,
    at     BIGINT NOT NULL,
    actor  TEXT   NOT NULL,
    action TEXT   NOT NULL,
    detail TEXT   NOT NULL
);

CREATE FUNCTION fixlog_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% is append-only', TG_TABLE_NAME;
END;
$$;
CREATE TRIGGER entries_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON entries
    FOR EACH STATEMENT EXECUTE FUNCTION fixlog_append_only();
CREATE TRIGGER tlog_nodes_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON tlog_nodes
    FOR EACH STATEMENT EXECUTE FUNCTION fixlog_append_only();
