-- The feeds date their last change from the latest expiry passed, found through this index without a scan.
CREATE INDEX notices_expires ON notices (expires);
