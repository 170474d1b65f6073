-- Counts every change to subscribers, in the transaction that makes it, whichever hub (or hand) makes it: the fan-out
-- keeps the subscribers' filters in memory and reads them again only when this has moved.
CREATE TABLE subscribers_version (version BIGINT NOT NULL);
INSERT INTO subscribers_version (version) VALUES (0);
CREATE FUNCTION subscribers_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE subscribers_version SET version = version + 1;
    RETURN NULL;
END $$;
CREATE TRIGGER subscribers_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON subscribers
    FOR EACH STATEMENT EXECUTE FUNCTION subscribers_changed();
