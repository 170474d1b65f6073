-- Pruning deletes a prefix of the outbox: every id up to this one is gone, every id after it is kept. A stream asked
-- to resume from before it cannot replay what it missed, and says so (event: reset).
CREATE TABLE outbox_horizon (
    id           INTEGER PRIMARY KEY CHECK (id = 1),
    pruned_up_to BIGINT NOT NULL
);
INSERT INTO outbox_horizon (id, pruned_up_to) VALUES (1, 0);
