-- Advisory drafts: the non-public part of the store. Nothing here is ever served by a public
-- route; an approval publishes a draft through the log and records the entry's seq.
CREATE TABLE drafts (
    id            TEXT PRIMARY KEY,
    state         TEXT    NOT NULL CHECK (state IN ('draft', 'published')),
    body          TEXT    NOT NULL,       -- the POST /api/v1/advisories body (JSON)
    source        TEXT,                   -- tracker reference(s), e.g. jira:PLCSEC-42
    published_seq INTEGER,
    created       INTEGER NOT NULL,       -- microseconds since the Unix epoch, UTC
    created_by    TEXT    NOT NULL,
    updated       INTEGER NOT NULL,
    updated_by    TEXT    NOT NULL
);

-- CVE ids of each draft (de-duplication of imports by CVE).
CREATE TABLE draft_cves (
    cve   TEXT NOT NULL,
    draft TEXT NOT NULL REFERENCES drafts (id),
    PRIMARY KEY (cve, draft)
) WITHOUT ROWID;

-- High-water marks of tracker imports (incremental sync), saved with the drafts they cover.
CREATE TABLE tracker_sync (
    source  TEXT PRIMARY KEY,
    mark    TEXT    NOT NULL,
    updated INTEGER NOT NULL
);
