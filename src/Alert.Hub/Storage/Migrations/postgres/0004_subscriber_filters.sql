-- What a subscriber wants beyond its areas and modes: hub categories (space separated, empty = all), a lowest
-- evacuation level and CAP severity, the form of the body (cap, text, notice-json) and the languages wanted
-- (CAP infos, short text; space separated, empty = the hub's default of Japanese and English).
ALTER TABLE subscribers ADD COLUMN categories TEXT NOT NULL DEFAULT '';
ALTER TABLE subscribers ADD COLUMN min_level INTEGER;
ALTER TABLE subscribers ADD COLUMN min_severity TEXT;
ALTER TABLE subscribers ADD COLUMN format TEXT NOT NULL DEFAULT 'cap';
ALTER TABLE subscribers ADD COLUMN languages TEXT NOT NULL DEFAULT '';
