-- Counts every change to subscribers, in the transaction that makes it, whichever hub (or hand) makes it: the fan-out
-- keeps the subscribers' filters in memory and reads them again only when this has moved.
CREATE TABLE subscribers_version (version INTEGER NOT NULL);
INSERT INTO subscribers_version (version) VALUES (0);
CREATE TRIGGER subscribers_added AFTER INSERT ON subscribers BEGIN UPDATE subscribers_version SET version = version + 1; END;
CREATE TRIGGER subscribers_changed AFTER UPDATE ON subscribers BEGIN UPDATE subscribers_version SET version = version + 1; END;
CREATE TRIGGER subscribers_removed AFTER DELETE ON subscribers BEGIN UPDATE subscribers_version SET version = version + 1; END;
