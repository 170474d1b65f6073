-- An identity's keys are read by the identity (its page, the admin listing of one, revoking and replacing keys):
-- without this index each of those read every key of every identity.
CREATE INDEX api_keys_by_identity ON api_keys (identity_id);
