-- Pending deliveries are leased to the message sent for them, so the retry scheduler also looks at pending rows.
DROP INDEX deliveries_due;
CREATE INDEX deliveries_due ON deliveries (next_attempt_at) WHERE state IN ('pending', 'retrying');

-- Rows from before deliveries had a creation time: their give-up time counts from their last change.
UPDATE deliveries SET created_at = updated_at WHERE created_at IS NULL;
