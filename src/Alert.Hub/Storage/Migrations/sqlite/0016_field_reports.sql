-- Field reports (参加型情報収集): what field staff saw, where, with photos. A report is the desk's to verify, merge
-- into another of the same site, reject, or send on as a site of a damage notice; nothing in it is public before then.
CREATE TABLE field_reports (
    id            TEXT PRIMARY KEY,
    reporter_id   TEXT NOT NULL REFERENCES identities (id),
    area_code     TEXT NOT NULL,                 -- the municipality or ward the location lies in, else the reporter's own area
    category      TEXT NOT NULL,                 -- road-blocked, building-damage, landslide, flooding, other
    comment       TEXT,
    lat           REAL,              -- null: no location, kept and flagged, never on a map
    lng           REAL,
    located_by    TEXT,                          -- device (the form's position) or photo (its EXIF GPS)
    posted_at     TEXT NOT NULL,
    state         TEXT NOT NULL DEFAULT 'new',   -- new, verified, rejected, merged, reported (in a damage notice)
    merged_into   TEXT REFERENCES field_reports (id),
    decided_at    TEXT,
    decided_by    TEXT,
    notice_id     TEXT
);
CREATE INDEX field_reports_by_area ON field_reports (area_code, state);
CREATE INDEX field_reports_by_reporter ON field_reports (reporter_id);

-- Photos as served: decoded, turned upright, re-encoded without any of the original's metadata, at two sizes. They
-- live in the database with their report: one transaction, one backup, and every hub instance sees them.
CREATE TABLE field_photos (
    id          TEXT PRIMARY KEY,
    report_id   TEXT NOT NULL REFERENCES field_reports (id) ON DELETE CASCADE,
    n           INTEGER NOT NULL,
    width       INTEGER NOT NULL,
    height      INTEGER NOT NULL,
    large       BLOB NOT NULL,                  -- JPEG, at most 1600 px on its longer side
    thumb       BLOB NOT NULL                   -- JPEG, at most 320 px
);
CREATE INDEX field_photos_by_report ON field_photos (report_id);
