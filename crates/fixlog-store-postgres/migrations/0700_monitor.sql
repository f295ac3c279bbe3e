-- fixlog monitor: raw probe samples (one row per attempt, never aggregated), detected changes,
-- incidents, content snapshots and evidence references. Times are microseconds since the Unix
-- epoch (UTC); booleans are 0/1.
CREATE TABLE monitor_samples (
    id            BIGSERIAL PRIMARY KEY,
    endpoint      TEXT    NOT NULL,
    probe_id      TEXT    NOT NULL,
    attempt       BIGINT NOT NULL,
    last_attempt  BIGINT NOT NULL,
    started       BIGINT NOT NULL,
    ok            BIGINT NOT NULL,
    failure       TEXT,
    status        BIGINT,
    media_type    TEXT,
    latency_ms     DOUBLE PRECISION    NOT NULL,
    dns_ms         DOUBLE PRECISION,
    connect_ms     DOUBLE PRECISION,
    tls_ms         DOUBLE PRECISION,
    ttfb_ms        DOUBLE PRECISION,
    body_sha256   TEXT,
    tls_not_after BIGINT,
    detail        TEXT
);
CREATE INDEX monitor_samples_by_endpoint ON monitor_samples (endpoint, started);

CREATE TABLE monitor_changes (
    id       BIGSERIAL PRIMARY KEY,
    endpoint TEXT    NOT NULL,
    probe_id TEXT    NOT NULL,
    at       BIGINT NOT NULL,
    class    TEXT    NOT NULL,
    subject  TEXT    NOT NULL,
    detail   TEXT    NOT NULL
);
CREATE INDEX monitor_changes_by_endpoint ON monitor_changes (endpoint, id);

CREATE TABLE monitor_incidents (
    id       BIGSERIAL PRIMARY KEY,
    endpoint TEXT    NOT NULL,
    started  BIGINT NOT NULL,
    ended    BIGINT,
    cause    TEXT    NOT NULL
);
CREATE INDEX monitor_incidents_by_endpoint ON monitor_incidents (endpoint, id);

CREATE TABLE monitor_snapshots (
    id         BIGSERIAL PRIMARY KEY,
    endpoint   TEXT    NOT NULL,
    at         BIGINT NOT NULL,
    checkpoint TEXT,
    log_key    TEXT,
    body       TEXT    NOT NULL
);
CREATE INDEX monitor_snapshots_by_endpoint ON monitor_snapshots (endpoint, id);

CREATE TABLE monitor_evidence (
    id              BIGSERIAL PRIMARY KEY,
    endpoint        TEXT    NOT NULL,
    probe_id        TEXT    NOT NULL,
    at              BIGINT NOT NULL,
    reason          TEXT    NOT NULL,
    path            TEXT    NOT NULL,
    manifest_sha256 TEXT    NOT NULL
);
CREATE INDEX monitor_evidence_by_endpoint ON monitor_evidence (endpoint, id);
