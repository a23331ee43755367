-- A tenant's branding overrides (docs/branding.md): each set column replaces the service-wide
-- `[branding]` value in the mails (and pages) about that tenant's guests. One optional row per
-- tenant, set by a platform admin.
CREATE TABLE tenant_branding (
    tenant_id     TEXT PRIMARY KEY NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    service_name  TEXT,
    organisation  TEXT,
    logo          TEXT,
    accent_colour TEXT,
    updated_at    TIMESTAMP NOT NULL
);

-- "This wasn't me" links in the reset mail and the password-changed notice: single use, only
-- the SHA-256 of the token is stored (docs/security.md#2), consumed by one guarded update.
CREATE TABLE not_me_tokens (
    id         TEXT PRIMARY KEY NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    user_id    TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    tenant_id  TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    used_at    TIMESTAMP
);
CREATE INDEX not_me_tokens_user ON not_me_tokens (user_id);
