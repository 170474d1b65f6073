-- Identities and their API keys. Keys are stored only as SHA-256 hashes.
CREATE TABLE identities (
    id          TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    role        TEXT NOT NULL,          -- issuer | admin
    area_code   TEXT                    -- for issuers: the code they may issue for (43100 = 熊本市 and its wards)
);

CREATE TABLE api_keys (
    key_hash    TEXT PRIMARY KEY,
    identity_id TEXT NOT NULL REFERENCES identities (id) ON DELETE CASCADE,
    created_at  timestamptz NOT NULL
);

-- A document is what residents see: one notice, replaced whole by each revision.
CREATE TABLE documents (
    id               TEXT PRIMARY KEY,
    issuer_id        TEXT NOT NULL REFERENCES identities (id),
    document_key     TEXT NOT NULL,     -- the issuer's id for it: a native documentId, or sender/identifier of the first CAP
    status           TEXT NOT NULL,     -- Actual | Exercise | Test
    current_revision INTEGER NOT NULL,
    state            TEXT NOT NULL,     -- active | cancelled
    updated_at       timestamptz NOT NULL,
    UNIQUE (issuer_id, document_key)
);

-- Every revision as received (the body byte for byte, so signatures stay valid), with what geocoding made of it.
CREATE TABLE notices (
    document_id  TEXT NOT NULL REFERENCES documents (id),
    revision     INTEGER NOT NULL,
    sender       TEXT NOT NULL,
    identifier   TEXT NOT NULL,
    sent         timestamptz NOT NULL,
    msg_type     TEXT NOT NULL,         -- Alert | Update | Cancel
    title        TEXT NOT NULL,
    area_codes   TEXT NOT NULL,         -- codes the issuer named, space separated (43100)
    part_codes   TEXT NOT NULL,         -- municipalities and wards covered (43101 43102 ...): what routing matches
    area_wkb     bytea,
    expires      timestamptz,                -- when every info has expired; NULL: until updated or cancelled
    body_sha256  TEXT NOT NULL,
    cap_body     bytea NOT NULL,        -- the CAP distributed: the body itself when it came as CAP
    source_type  TEXT NOT NULL,         -- cap | notice-xml | notice-json
    source_body  bytea NOT NULL,        -- the body exactly as received
    received_at  timestamptz NOT NULL,
    fanned_out_at timestamptz,               -- set once its deliveries are recorded
    PRIMARY KEY (document_id, revision),
    UNIQUE (sender, identifier)
);

-- Written in the same transaction as the notice; the relay publishes rows in id order and marks them sent.
CREATE TABLE outbox (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    document_id  TEXT NOT NULL,
    revision     INTEGER NOT NULL,
    message_type TEXT NOT NULL,
    payload      TEXT NOT NULL,
    created_at   timestamptz NOT NULL,
    sent_at      timestamptz
);
CREATE INDEX outbox_unsent ON outbox (id) WHERE sent_at IS NULL;

CREATE TABLE subscribers (
    id          TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    kind        TEXT NOT NULL,          -- broadcaster | app | signage | other
    url         TEXT NOT NULL,
    area_codes  TEXT NOT NULL,          -- filter: prefecture (43) or municipality codes, space separated
    statuses    TEXT NOT NULL,          -- Actual, and Exercise/Test only when asked for
    created_at  timestamptz NOT NULL
);

-- One row per (revision, subscriber): the idempotency key receivers see, and its fate.
CREATE TABLE deliveries (
    document_id   TEXT NOT NULL,
    revision      INTEGER NOT NULL,
    subscriber_id TEXT NOT NULL REFERENCES subscribers (id) ON DELETE CASCADE,
    state         TEXT NOT NULL,        -- pending | retrying | delivered | superseded | failed
    attempts      INTEGER NOT NULL DEFAULT 0,
    last_error    TEXT,
    updated_at    timestamptz NOT NULL,
    delivered_at  timestamptz,
    PRIMARY KEY (document_id, revision, subscriber_id),
    FOREIGN KEY (document_id, revision) REFERENCES notices (document_id, revision)
);
CREATE INDEX deliveries_by_subscriber ON deliveries (subscriber_id, document_id);
