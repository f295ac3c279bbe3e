-- Wakes RESTCONF subscribers of every `fixlog serve` replica when any replica appends:
-- NOTIFY is delivered on commit, so a listener that re-reads the log size after a
-- notification sees the new entries. The payload is empty; listeners read entries by seq.
CREATE FUNCTION fixlog_notify_append() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('fixlog_appends', '');
    RETURN NULL;
END;
$$;
CREATE TRIGGER entries_notify_append AFTER INSERT ON entries
    FOR EACH STATEMENT EXECUTE FUNCTION fixlog_notify_append();
