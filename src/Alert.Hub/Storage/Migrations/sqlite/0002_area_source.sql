-- What a revision's shape was made from: codes (the areas' boundaries), shapes (polygons, circles, code
-- districts) or towns (cells of town points: approximate, and said so wherever the shape is shown).
ALTER TABLE notices ADD COLUMN area_source TEXT NOT NULL DEFAULT 'codes';

-- The active-alert index reloads the documents changed since it last looked.
CREATE INDEX documents_updated ON documents (updated_at);
