-- REPLACE resolves a key conflict by deleting the old row, and that deletion fires no
-- DELETE trigger (unless recursive_triggers is on), so `INSERT OR REPLACE` would get around
-- the append-only triggers of 0001. Refuse any insert whose key is already taken instead.
CREATE TRIGGER entries_insert_only_replace BEFORE INSERT ON entries
WHEN EXISTS (SELECT 1 FROM entries WHERE seq = NEW.seq)
BEGIN SELECT RAISE(ABORT, 'entries are append-only'); END;
CREATE TRIGGER tlog_nodes_insert_only_replace BEFORE INSERT ON tlog_nodes
WHEN EXISTS (SELECT 1 FROM tlog_nodes WHERE level = NEW.level AND idx = NEW.idx)
BEGIN SELECT RAISE(ABORT, 'merkle nodes are append-only'); END;
