-- Words a tenant bans from its guests' passwords (product names, nicknames), as its admins
-- typed them; matched case-insensitively and through look-alike substitutions.
CREATE TABLE tenant_banned_words (
    tenant_id  TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    word       TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (tenant_id, word)
);
