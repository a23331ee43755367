-- A directory account (LDAP / Active Directory) and Latchkey's own row for it: keyed by the
-- entry's stable id (entryUUID, objectGUID), so a renamed or moved entry keeps its TOTP,
-- verification, bounce, lock and session generation.
CREATE TABLE directory_links (
    directory_id TEXT PRIMARY KEY,
    user_id      TEXT NOT NULL UNIQUE REFERENCES users (id) ON DELETE CASCADE,
    dn           TEXT NOT NULL,
    created_at   TIMESTAMP NOT NULL,
    updated_at   TIMESTAMP NOT NULL
);
