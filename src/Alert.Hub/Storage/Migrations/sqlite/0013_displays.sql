-- Signage displays: each has a place, and shows the notices in force there (at or above min_level) over the
-- operator's own content. The id is the device's name in /signage/{id}. A subscriber identity looks after the
-- displays it owns, as with subscribers.
CREATE TABLE displays (
    id                TEXT PRIMARY KEY,
    name              TEXT NOT NULL,
    lat               REAL NOT NULL,
    lng               REAL NOT NULL,
    min_level         INTEGER NOT NULL DEFAULT 4 CHECK (min_level BETWEEN 3 AND 5),
    peacetime_url     TEXT,
    peacetime_message TEXT,
    languages         TEXT NOT NULL DEFAULT 'ja ja-x-easy en zh-Hans ko vi pt',  -- space separated, in the order shown
    status            TEXT NOT NULL DEFAULT 'Actual',                            -- a drill display shows Exercise (or Test)
    owner_id          TEXT REFERENCES identities (id) ON DELETE SET NULL,
    created_at        TEXT NOT NULL,
    updated_at        TEXT NOT NULL
);
