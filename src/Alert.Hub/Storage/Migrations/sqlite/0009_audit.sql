-- Who did what: every notice accepted or refused and every admin change, in order. Each row's hash covers its
-- fields and the previous row's hash, so a row changed, removed or slipped in breaks the chain (alert audit verify).
CREATE TABLE audit (
    id        INTEGER PRIMARY KEY,   -- 1, 2, 3 … with no gaps: part of the hash
    at        TEXT NOT NULL,
    actor     TEXT NOT NULL,         -- identity id, or 'anonymous'
    action    TEXT NOT NULL,         -- notice.accepted | notice.updated | notice.cancelled | notice.refused | admin.change
    subject   TEXT,                  -- the document, or the path of the admin change
    detail    TEXT NOT NULL,         -- JSON
    prev_hash TEXT NOT NULL,
    hash      TEXT NOT NULL
);

-- Append-only: the database itself refuses to change or remove a row.
CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
