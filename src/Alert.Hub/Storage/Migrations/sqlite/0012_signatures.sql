-- The certificates an issuer signs its XML notices with: a signature is trusted only when made with one of these
-- (matched by SHA-256 thumbprint), never because the document carries a certificate.
CREATE TABLE issuer_certificates (
    identity_id TEXT NOT NULL REFERENCES identities (id) ON DELETE CASCADE,
    sha256      TEXT NOT NULL,          -- thumbprint: lower-case hex SHA-256 of the DER
    subject     TEXT NOT NULL,
    not_before  TEXT NOT NULL,
    not_after   TEXT NOT NULL,
    der         BLOB NOT NULL,
    added_at    TEXT NOT NULL,
    PRIMARY KEY (identity_id, sha256)
);

-- 1: every notice of this issuer must come signed (so XML only: JSON and CSV cannot carry a signature).
ALTER TABLE identities ADD COLUMN require_signature INTEGER NOT NULL DEFAULT 0;

-- The thumbprint of the registered certificate whose signature was verified on this revision; NULL when unsigned.
ALTER TABLE notices ADD COLUMN signed_with TEXT;
