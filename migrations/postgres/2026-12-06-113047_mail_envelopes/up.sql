-- The return paths of sent mail (VERP, set when mail.bounce_domain is): each mail goes out with
-- MAIL FROM bounce+<id>@<bounce domain>, a random id of its own, so a delivery status
-- notification that comes back later names the one mail, and so the one recipient, it is about.
-- Only the SHA-256 of the id is stored. A report may mark the recipient once (bounced_at). The
-- retention sweep deletes rows retention.jobs_days after they were created.
CREATE TABLE mail_envelopes (
    id_hash    TEXT PRIMARY KEY NOT NULL,
    message_id TEXT NOT NULL,
    kind       TEXT NOT NULL,
    email      TEXT NOT NULL,
    user_id    TEXT,
    tenant_id  TEXT,
    created_at TIMESTAMP NOT NULL,
    bounced_at TIMESTAMP
);
CREATE INDEX mail_envelopes_created ON mail_envelopes (created_at);
