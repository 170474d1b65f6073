-- A delivery being sent is marked so (one revision at a time per subscriber); its lease lapses only if the hub
-- sending it died, so the retry scheduler looks at sending rows as well.
DROP INDEX deliveries_due;
CREATE INDEX deliveries_due ON deliveries (next_attempt_at) WHERE state IN ('pending', 'retrying', 'sending');
