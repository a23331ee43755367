-- Decoys: what a reset flow holds when its request issued no token (no account for the address,
-- or any denial). The code step reads and updates a flow's decoy as it reads and updates a flow's
-- token, so a wrong code costs the same row work whether the address has an account or not
-- (docs/security.md#12). A decoy belongs to no user, is never redeemable (no step accepts a code
-- or a link against it), is counted nowhere, and is purged with expired tokens. Its hashes are
-- of random values that were never sent to anyone.
CREATE TABLE reset_decoys (
    flow_id_hash   TEXT PRIMARY KEY NOT NULL,
    id             TEXT NOT NULL,
    token_hash     TEXT NOT NULL,
    code_hash      TEXT NOT NULL,
    attempts       INTEGER NOT NULL DEFAULT 0,
    created_at     TIMESTAMP NOT NULL,
    expires_at     TIMESTAMP NOT NULL,
    revoked_at     TIMESTAMP,
    revoked_reason TEXT
);
CREATE INDEX reset_decoys_expires ON reset_decoys (expires_at);
