-- Latchkey schema, SQLite flavour. migrations/postgres holds the same logical schema.
-- Ids are TEXT (uuid v4 strings), times are naive UTC TIMESTAMP (DESIGN.md §8).

CREATE TABLE tenants (
    id               TEXT PRIMARY KEY,
    name             TEXT NOT NULL UNIQUE,
    kind             TEXT NOT NULL CHECK (kind IN ('unmanaged', 'managed')),
    plan             TEXT NOT NULL DEFAULT 'free' CHECK (plan IN ('free', 'premium')),
    sspr_enabled     BOOLEAN NOT NULL DEFAULT TRUE,
    methods_required INTEGER NOT NULL DEFAULT 1 CHECK (methods_required IN (1, 2)),
    helpdesk_url     TEXT,
    is_consumer      BOOLEAN NOT NULL DEFAULT FALSE,
    created_at       TIMESTAMP NOT NULL,
    updated_at       TIMESTAMP NOT NULL
);

CREATE TABLE tenant_domains (
    domain               TEXT PRIMARY KEY,
    tenant_id            TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    verified_at          TIMESTAMP,
    challenge            TEXT,
    challenge_user_id    TEXT,
    challenge_expires_at TIMESTAMP,
    created_at           TIMESTAMP NOT NULL
);
CREATE INDEX tenant_domains_tenant ON tenant_domains (tenant_id);

CREATE TABLE users (
    id                  TEXT PRIMARY KEY,
    tenant_id           TEXT NOT NULL REFERENCES tenants (id),
    email               TEXT NOT NULL UNIQUE,
    display_name        TEXT,
    password_hash       TEXT,
    verified_at         TIMESTAMP,
    bounced_at          TIMESTAMP,
    bounce_reason       TEXT,
    totp_secret         TEXT,
    totp_last_step      BIGINT,
    disabled            BOOLEAN NOT NULL DEFAULT FALSE,
    locked_until        TIMESTAMP,
    session_generation  BIGINT NOT NULL DEFAULT 0,
    password_changed_at TIMESTAMP,
    created_at          TIMESTAMP NOT NULL,
    updated_at          TIMESTAMP NOT NULL
);
CREATE INDEX users_tenant ON users (tenant_id);

CREATE TABLE admins (
    id                 TEXT PRIMARY KEY,
    email              TEXT NOT NULL UNIQUE,
    role               TEXT NOT NULL CHECK (role IN ('platform', 'tenant')),
    tenant_id          TEXT REFERENCES tenants (id),
    password_hash      TEXT,
    totp_secret        TEXT,
    totp_last_step     BIGINT,
    session_generation BIGINT NOT NULL DEFAULT 0,
    setup_token_hash   TEXT UNIQUE,
    setup_expires_at   TIMESTAMP,
    failed_attempts    INTEGER NOT NULL DEFAULT 0,
    locked_until       TIMESTAMP,
    disabled           BOOLEAN NOT NULL DEFAULT FALSE,
    last_login_at      TIMESTAMP,
    created_at         TIMESTAMP NOT NULL,
    CHECK ((role = 'platform' AND tenant_id IS NULL) OR (role = 'tenant' AND tenant_id IS NOT NULL))
);

CREATE TABLE api_keys (
    id           TEXT PRIMARY KEY,
    key_hash     TEXT NOT NULL UNIQUE,
    prefix       TEXT NOT NULL,
    name         TEXT NOT NULL,
    tenant_id    TEXT REFERENCES tenants (id),
    created_by   TEXT,
    created_at   TIMESTAMP NOT NULL,
    last_used_at TIMESTAMP,
    revoked_at   TIMESTAMP
);

CREATE TABLE reset_tokens (
    id               TEXT PRIMARY KEY,
    user_id          TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    tenant_id        TEXT NOT NULL REFERENCES tenants (id),
    token_hash       TEXT NOT NULL UNIQUE,
    code_hash        TEXT,
    flow_id_hash     TEXT,
    issued_by        TEXT,
    totp_required    BOOLEAN NOT NULL DEFAULT FALSE,
    totp_verified_at TIMESTAMP,
    attempts         INTEGER NOT NULL DEFAULT 0,
    created_at       TIMESTAMP NOT NULL,
    expires_at       TIMESTAMP NOT NULL,
    used_at          TIMESTAMP,
    revoked_at       TIMESTAMP,
    revoked_reason   TEXT
);
CREATE INDEX reset_tokens_user ON reset_tokens (user_id);
CREATE INDEX reset_tokens_tenant ON reset_tokens (tenant_id);
CREATE INDEX reset_tokens_flow ON reset_tokens (flow_id_hash);

CREATE TABLE email_verifications (
    id         TEXT PRIMARY KEY,
    email      TEXT NOT NULL,
    user_id    TEXT REFERENCES users (id) ON DELETE CASCADE,
    token_hash TEXT NOT NULL UNIQUE,
    purpose    TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    used_at    TIMESTAMP
);
CREATE INDEX email_verifications_email ON email_verifications (email);

CREATE TABLE invitations (
    id              TEXT PRIMARY KEY,
    email           TEXT NOT NULL,
    display_name    TEXT,
    cc_email        TEXT,
    tenant_id       TEXT REFERENCES tenants (id),
    token_hash      TEXT NOT NULL UNIQUE,
    cc_token_hash   TEXT UNIQUE,
    invited_by      TEXT,
    api_key_id      TEXT,
    idempotency_key TEXT,
    created_at      TIMESTAMP NOT NULL,
    expires_at      TIMESTAMP NOT NULL,
    redeemed_at     TIMESTAMP,
    redeemed_via    TEXT,
    user_id         TEXT REFERENCES users (id)
);
CREATE INDEX invitations_email ON invitations (email);
CREATE UNIQUE INDEX invitations_idempotency ON invitations (api_key_id, idempotency_key);

CREATE TABLE jobs (
    id            TEXT PRIMARY KEY,
    kind          TEXT NOT NULL,
    payload       TEXT NOT NULL,
    run_at        TIMESTAMP NOT NULL,
    attempts      INTEGER NOT NULL DEFAULT 0,
    max_attempts  INTEGER NOT NULL DEFAULT 8,
    claimed_until TIMESTAMP,
    claimed_by    TEXT,
    done_at       TIMESTAMP,
    failed_at     TIMESTAMP,
    last_error    TEXT,
    created_at    TIMESTAMP NOT NULL
);
-- The worker's claim query only ever looks at open jobs in run_at order.
CREATE INDEX jobs_open_run_at ON jobs (run_at) WHERE done_at IS NULL AND failed_at IS NULL;

CREATE TABLE audit_events (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    occurred_at TIMESTAMP NOT NULL,
    tenant_id   TEXT,
    user_id     TEXT,
    actor       TEXT NOT NULL,
    ip          TEXT,
    event       TEXT NOT NULL,
    outcome     TEXT NOT NULL,
    reason      TEXT,
    email       TEXT,
    detail      TEXT,
    request_id  TEXT
);
-- Keyset pagination runs newest first on id; these serve the console's filters.
CREATE INDEX audit_tenant_id ON audit_events (tenant_id, id);
CREATE INDEX audit_event_id ON audit_events (event, id);
CREATE INDEX audit_email_id ON audit_events (email, id);
CREATE INDEX audit_occurred ON audit_events (occurred_at);

CREATE TABLE rate_counters (
    key          TEXT NOT NULL,
    window_start TIMESTAMP NOT NULL,
    count        BIGINT NOT NULL DEFAULT 0,
    expires_at   TIMESTAMP NOT NULL,
    PRIMARY KEY (key, window_start)
);
CREATE INDEX rate_counters_expires ON rate_counters (expires_at);

CREATE TABLE idempotency_keys (
    api_key_id      TEXT NOT NULL,
    idempotency_key TEXT NOT NULL,
    request_hash    TEXT NOT NULL,
    status          INTEGER NOT NULL,
    body            TEXT NOT NULL,
    created_at      TIMESTAMP NOT NULL,
    PRIMARY KEY (api_key_id, idempotency_key)
);
