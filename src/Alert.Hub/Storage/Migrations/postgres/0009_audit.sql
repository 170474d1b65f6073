-- Who did what: every notice accepted or refused and every admin change, in order. Each row's hash covers its
-- fields and the previous row's hash, so a row changed, removed or slipped in breaks the chain (alert audit verify).
CREATE TABLE audit (
    id        bigint PRIMARY KEY,    -- 1, 2, 3 … with no gaps: part of the hash
    at        timestamptz NOT NULL,
    actor     text NOT NULL,         -- identity id, or 'anonymous'
    action    text NOT NULL,         -- notice.accepted | notice.updated | notice.cancelled | notice.refused | admin.change
    subject   text,                  -- the document, or the path of the admin change
    detail    text NOT NULL,         -- JSON
    prev_hash text NOT NULL,
    hash      text NOT NULL
);

-- Append-only: the database itself refuses to change or remove a row (TRUNCATE included).
CREATE FUNCTION audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the audit log is append-only';
END;
$$;
CREATE TRIGGER audit_no_change BEFORE UPDATE OR DELETE ON audit FOR EACH ROW EXECUTE FUNCTION audit_append_only();
CREATE TRIGGER audit_no_truncate BEFORE TRUNCATE ON audit FOR EACH STATEMENT EXECUTE FUNCTION audit_append_only();
