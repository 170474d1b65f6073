-- A subscriber's shared secret signs every webhook body (X-Alert-Signature); paused subscribers keep their
-- deliveries waiting instead of losing them.
ALTER TABLE subscribers ADD COLUMN secret TEXT NOT NULL DEFAULT '';
ALTER TABLE subscribers ADD COLUMN paused INTEGER NOT NULL DEFAULT 0;

-- Retries are rows, not held messages: a failed attempt sets when to try again, and a scheduler sends the due ones.
-- A delivery that cannot be made before its notice's valid-until is dead (dead-lettered), until republished.
ALTER TABLE deliveries ADD COLUMN next_attempt_at timestamptz;
ALTER TABLE deliveries ADD COLUMN created_at timestamptz;
-- Set when an operator republishes a dead delivery: it is tried again until then, whatever the notice's valid-until.
ALTER TABLE deliveries ADD COLUMN retry_until timestamptz;
CREATE INDEX deliveries_due ON deliveries (next_attempt_at) WHERE state = 'retrying';
