-- The log: entries are insert-only (triggers refuse UPDATE and DELETE).
CREATE TABLE entries (
    seq         INTEGER PRIMARY KEY,
    kind        TEXT    NOT NULL,
    published   INTEGER NOT NULL,          -- microseconds since the Unix epoch, UTC
    product     TEXT,
    advisory    TEXT,
    version_key TEXT,
    supersedes  INTEGER REFERENCES entries (seq),
    body        BLOB    NOT NULL           -- canonical bytes, the Merkle leaf data
);
CREATE INDEX entries_by_product ON entries (product, kind, seq);
CREATE INDEX entries_by_advisory ON entries (advisory, seq);
CREATE INDEX entries_by_supersedes ON entries (supersedes);

CREATE TABLE entry_cves (cve TEXT NOT NULL, seq INTEGER NOT NULL, PRIMARY KEY (cve, seq)) WITHOUT ROWID;
CREATE TABLE entry_products (product TEXT NOT NULL, seq INTEGER NOT NULL, PRIMARY KEY (product, seq)) WITHOUT ROWID;
CREATE TABLE entry_digests (digest TEXT NOT NULL, seq INTEGER NOT NULL, PRIMARY KEY (digest, seq)) WITHOUT ROWID;

-- Complete-subtree hashes of the RFC 6962 tree, written with the entry.
CREATE TABLE tlog_nodes (
    level INTEGER NOT NULL,
    idx   INTEGER NOT NULL,
    hash  BLOB    NOT NULL,
    PRIMARY KEY (level, idx)
) WITHOUT ROWID;

CREATE TABLE checkpoints (
    size    INTEGER PRIMARY KEY,
    note    TEXT    NOT NULL,
    created INTEGER NOT NULL
);

CREATE TABLE tokens (
    id            TEXT PRIMARY KEY,
    name          TEXT    NOT NULL,
    role          TEXT    NOT NULL,
    secret_sha256 BLOB    NOT NULL,
    created       INTEGER NOT NULL,
    expires       INTEGER
);

CREATE TABLE audit (
    id     INTEGER PRIMARY KEY AUTOINCREMENT,
    at     INTEGER NOT NULL,
    actor  TEXT    NOT NULL,
    action TEXT    NOT NULL,
    detail TEXT    NOT NULL
);

CREATE TRIGGER entries_insert_only_update BEFORE UPDATE ON entries
BEGIN SELECT RAISE(ABORT, 'entries are append-only'); END;
CREATE TRIGGER entries_insert_only_delete BEFORE DELETE ON entries
BEGIN SELECT RAISE(ABORT, 'entries are append-only'); END;
CREATE TRIGGER tlog_nodes_insert_only_update BEFORE UPDATE ON tlog_nodes
BEGIN SELECT RAISE(ABORT, 'merkle nodes are append-only'); END;
CREATE TRIGGER tlog_nodes_insert_only_delete BEFORE DELETE ON tlog_nodes
BEGIN SELECT RAISE(ABORT, 'merkle nodes are append-only'); END;
