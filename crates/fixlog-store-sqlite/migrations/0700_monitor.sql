-- fixlog monitor: raw probe samples (one row per attempt, never aggregated), detected changes,
-- incidents, content snapshots and evidence references. Times are microseconds since the Unix
-- epoch (UTC); booleans are 0/1.
CREATE TABLE monitor_samples (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    endpoint      TEXT    NOT NULL,
    probe_id      TEXT    NOT NULL,
    attempt       INTEGER NOT NULL,
    last_attempt  INTEGER NOT NULL,
    started       INTEGER NOT NULL,
    ok            INTEGER NOT NULL,
    failure       TEXT,
    status        INTEGER,
    media_type    TEXT,
    latency_ms    REAL    NOT NULL,
    dns_ms        REAL,
    connect_ms    REAL,
    tls_ms        REAL,
    ttfb_ms       REAL,
    body_sha256   TEXT,
    tls_not_after INTEGER,
    detail        TEXT
);
CREATE INDEX monitor_samples_by_endpoint ON monitor_samples (endpoint, started);

CREATE TABLE monitor_changes (
    id       INTEGER PRIMARY KEY AUTOINCREMENT,
    endpoint TEXT    NOT NULL,
    probe_id TEXT    NOT NULL,
    at       INTEGER NOT NULL,
    class    TEXT    NOT NULL,
    subject  TEXT    NOT NULL,
    detail   TEXT    NOT NULL
);
CREATE INDEX monitor_changes_by_endpoint ON monitor_changes (endpoint, id);

CREATE TABLE monitor_incidents (
    id       INTEGER PRIMARY KEY AUTOINCREMENT,
    endpoint TEXT    NOT NULL,
    started  INTEGER NOT NULL,
    ended    INTEGER,
    cause    TEXT    NOT NULL
);
CREATE INDEX monitor_incidents_by_endpoint ON monitor_incidents (endpoint, id);

CREATE TABLE monitor_snapshots (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    endpoint   TEXT    NOT NULL,
    at         INTEGER NOT NULL,
    checkpoint TEXT,
    log_key    TEXT,
    body       TEXT    NOT NULL
);
CREATE INDEX monitor_snapshots_by_endpoint ON monitor_snapshots (endpoint, id);

CREATE TABLE monitor_evidence (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    endpoint        TEXT    NOT NULL,
    probe_id        TEXT    NOT NULL,
    at              INTEGER NOT NULL,
    reason          TEXT    NOT NULL,
    path            TEXT    NOT NULL,
    manifest_sha256 TEXT    NOT NULL
);
CREATE INDEX monitor_evidence_by_endpoint ON monitor_evidence (endpoint, id);
