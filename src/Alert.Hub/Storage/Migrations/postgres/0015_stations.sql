-- Observation stations a desk watches (river gauges, wave gauges) and its thresholds for each. An observation that
-- rises across a threshold makes a draft for the desk to review; nothing here is ever published without a person.
-- The feed signs each observation with the station's secret, as the hub signs its webhooks.
CREATE TABLE stations (
    id          TEXT PRIMARY KEY,
    issuer_id   TEXT NOT NULL REFERENCES identities (id),
    name        TEXT NOT NULL,
    kind        TEXT NOT NULL,                 -- river-level, wave-height
    area_code   TEXT NOT NULL,                 -- the municipality or ward a draft would cover (check digit included)
    thresholds  TEXT NOT NULL,                 -- JSON, ascending: [{"value": 3.2, "level": 3}, {"value": 4.1, "level": 4}]
    secret      TEXT NOT NULL,
    last_value  DOUBLE PRECISION,
    last_level  INTEGER NOT NULL DEFAULT 0,    -- the highest threshold level the last observation stood at (0: none)
    last_at     timestamptz,
    created_at  timestamptz NOT NULL,
    updated_at  timestamptz NOT NULL
);

CREATE TABLE drafts (
    id          TEXT PRIMARY KEY,
    station_id  TEXT NOT NULL REFERENCES stations (id) ON DELETE CASCADE,
    issuer_id   TEXT NOT NULL,
    level       INTEGER NOT NULL,
    value       DOUBLE PRECISION NOT NULL,
    observed_at timestamptz NOT NULL,
    created_at  timestamptz NOT NULL,
    state       TEXT NOT NULL DEFAULT 'open',  -- open, issued (a person sent a notice), dismissed
    decided_at  timestamptz,
    decided_by  TEXT,
    notice_id   TEXT
);
CREATE INDEX drafts_by_issuer ON drafts (issuer_id, state);
