-- Look-ups that must stay O(log n) in a log of millions of entries (bench/scale.sh):
-- the product entries after a high-water seq (catalog refresh, the latest record per line),
-- and the live release of one product version (the append precondition, version status).
CREATE INDEX entries_by_kind ON entries (kind, seq);
CREATE INDEX entries_by_version ON entries (product, version_key, seq);
