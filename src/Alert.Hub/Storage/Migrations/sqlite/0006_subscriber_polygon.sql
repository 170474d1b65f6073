-- A subscriber may watch a drawn area instead of (or beside) codes: a CAP-style polygon, "lat,lon lat,lon …".
-- A notice reaches it when the notice's shape meets the polygon.
ALTER TABLE subscribers ADD COLUMN polygon TEXT;
