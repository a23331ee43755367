-- Webhook deliveries: one row per (audit event, subscribed webhook), or per test event sent from
-- the console. `id` is the `webhook-id` header, the same on every attempt, so receivers can
-- deduplicate. `body` is the JSON sent (no secret, no password, no token); the webhook is
-- named by its configured URL.
CREATE TABLE webhook_deliveries (
    id              TEXT PRIMARY KEY NOT NULL,
    webhook_url     TEXT NOT NULL,
    audit_event_id  BIGINT,
    event           TEXT NOT NULL,
    tenant_id       TEXT,
    body            TEXT NOT NULL,
    status          TEXT NOT NULL,
    attempts        INTEGER NOT NULL DEFAULT 0,
    last_status     INTEGER,
    last_error      TEXT,
    created_at      TIMESTAMP NOT NULL,
    last_attempt_at TIMESTAMP,
    delivered_at    TIMESTAMP
);
CREATE INDEX webhook_deliveries_url_created ON webhook_deliveries (webhook_url, created_at);

-- How far the audit trail has been read for webhooks: audit events with a larger id have not
-- been looked at yet. One row, `name` = 'audit'.
CREATE TABLE webhook_cursor (
    name          TEXT PRIMARY KEY NOT NULL,
    last_audit_id BIGINT NOT NULL,
    updated_at    TIMESTAMP NOT NULL
);
