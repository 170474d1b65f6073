-- Who may speak for what. An issuer's kind sets its scope (see Auth/IssuerScope.cs):
--   municipality  its own code (a designated city also its wards), every category
--   prefecture    itself, and as 代行 each of its municipalities (recorded on the notice)
--   lifeline      its declared service area (areas), lifeline notices only
--   national      anywhere, every category but evacuation information (a mayor's or, as 代行, a governor's to issue)
-- Subscribers are transmitters looking after their own subscriptions; admins run the hub.
ALTER TABLE identities ADD COLUMN kind TEXT;
ALTER TABLE identities ADD COLUMN areas TEXT NOT NULL DEFAULT '';   -- a lifeline operator's service area: codes, space separated
ALTER TABLE identities ADD COLUMN disabled_at TEXT;
UPDATE identities SET kind = CASE WHEN length(area_code) = 2 THEN 'prefecture' ELSE 'municipality' END WHERE role = 'issuer';

-- Several keys per identity, so a key can be rotated without a gap: a new one is made, the old one expires later.
-- key_id names a key in lists and logs; the key itself is never stored.
ALTER TABLE api_keys ADD COLUMN key_id TEXT;
ALTER TABLE api_keys ADD COLUMN label TEXT;
ALTER TABLE api_keys ADD COLUMN expires_at TEXT;
ALTER TABLE api_keys ADD COLUMN revoked_at TEXT;
-- Every key so far was made at start-up (ALERT_ADMIN_KEY, ALERT_ISSUER_KEY): the next start replaces it.
UPDATE api_keys SET key_id = 'key-' || substr(key_hash, 1, 12), label = 'start-up';
CREATE UNIQUE INDEX api_keys_by_id ON api_keys (key_id);

-- A prefecture issuing for one of its municipalities (代行): the municipality's code. NULL: the issuer speaks for itself.
ALTER TABLE notices ADD COLUMN proxy_for TEXT;

-- A subscriber identity looks after the subscriptions it owns; admins look after all.
ALTER TABLE subscribers ADD COLUMN owner_id TEXT REFERENCES identities (id) ON DELETE SET NULL;
