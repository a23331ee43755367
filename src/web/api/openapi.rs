//! The OpenAPI 3.0 description of the JSON API, served at `/api/openapi.json`. It documents
//! [`super::ROUTES`]; `tests/api_invitations.rs` checks the two agree.

use crate::onboarding::api_keys::MAX_IDEMPOTENCY_KEY_CHARS;
use serde_json::{json, Value};

/// The OpenAPI 3.0 description of the API, with `server` as its base URL.
pub fn document(server: &str) -> Value {
    let err = |description: &str| json!({ "description": description, "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Error" } } } });
    let common = |mut responses: Value| {
        responses["401"] = err("Missing, unknown or revoked API key (`unauthorized`).");
        responses["429"] =
            err("Too many requests for this key (`rate_limited`); see `Retry-After`.");
        responses
    };
    json!({
        "openapi": "3.0.3",
        "info": {
            "title": "Latchkey API",
            "version": "1",
            "description": "Invite guests of partner organisations, and report bounces that arrive later. Authenticate with `Authorization: Bearer <api key>` (keys are created by `latchkey apikey create` or in the admin console). A key scoped to a tenant may invite only addresses of that tenant's domains."
        },
        "servers": [{ "url": server.trim_end_matches('/') }],
        "security": [{ "bearer": [] }],
        "paths": {
            "/api/v1/invitations": {
                "post": {
                    "operationId": "createInvitation",
                    "summary": "Invite a guest",
                    "description": "Mails an invitation link (valid 7 days) to `email`, and a separate link to `cc_email` when given. Redeeming the `cc_email` copy does not verify `email`.",
                    "parameters": [{
                        "name": "Idempotency-Key", "in": "header", "required": false,
                        "description": "Makes retries safe: the same key and body return the first reply again (with `Idempotent-Replayed: true`); the same key with another body is a 409 `idempotency_key_reused`.",
                        "schema": { "type": "string", "minLength": 1, "maxLength": MAX_IDEMPOTENCY_KEY_CHARS }
                    }],
                    "requestBody": { "required": true, "content": { "application/json": { "schema": { "$ref": "#/components/schemas/NewInvitation" } } } },
                    "responses": common(json!({
                        "201": { "description": "Invited.", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Invitation" } } } },
                        "400": err("Malformed JSON (`invalid_json`), an unusable address (`invalid_email`) or Idempotency-Key (`invalid_idempotency_key`)."),
                        "403": err("The key is scoped to another tenant (`forbidden_domain`)."),
                        "409": err("A pending invitation exists (`already_invited`, with `invitation_id`), the address has an account (`already_user`), accounts live in a directory Latchkey may not create entries in (`directory_read_only`), or the Idempotency-Key was used for another body (`idempotency_key_reused`)."),
                        "413": err("The body is too large (`payload_too_large`).")
                    }))
                },
                "get": {
                    "operationId": "listInvitations",
                    "summary": "List invitations, newest first",
                    "parameters": [{
                        "name": "status", "in": "query", "required": false,
                        "schema": { "type": "string", "enum": ["pending", "redeemed", "expired"] }
                    }],
                    "responses": common(json!({
                        "200": { "description": "At most 500 invitations.", "content": { "application/json": { "schema": {
                            "type": "object", "required": ["invitations"],
                            "properties": { "invitations": { "type": "array", "items": { "$ref": "#/components/schemas/Invitation" } } }
                        } } } },
                        "400": err("Unknown status (`invalid_status`).")
                    }))
                }
            },
            "/api/v1/invitations/{id}": {
                "get": {
                    "operationId": "getInvitation",
                    "summary": "One invitation",
                    "parameters": [{ "name": "id", "in": "path", "required": true, "schema": { "type": "string" } }],
                    "responses": common(json!({
                        "200": { "description": "The invitation.", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Invitation" } } } },
                        "404": err("No such invitation for this key (`not_found`).")
                    }))
                }
            },
            "/api/v1/bounces": {
                "post": {
                    "operationId": "reportBounce",
                    "summary": "Report a delivery status notification (platform keys only)",
                    "description": "The body is one whole delivery status notification (RFC 3464: `multipart/report; report-type=delivery-status`), as an MTA pipe or a mail webhook posts it; send it as `message/rfc822` (any content type is read). Each recipient block with `Action: failed` and a `5.x.x` status that concerns the recipient (5.1.x, as at send time) marks that address bounced; delays, deliveries and other failures change nothing. With `mail.bounce_domain` set, only the VERP return path (`bounce+<id>@…`) the report was sent to names the recipient: an unknown id marks nobody. At most 1 MiB.",
                    "requestBody": { "required": true, "content": {
                        "message/rfc822": { "schema": { "type": "string", "format": "binary" } },
                        "text/plain": { "schema": { "type": "string" } }
                    } },
                    "responses": common(json!({
                        "200": { "description": "Read: how many recipients were marked bounced and how many blocks were ignored, and why.", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/BounceSummary" } } } },
                        "403": err("The key is scoped to a tenant (`forbidden`)."),
                        "413": err("The report is larger than 1 MiB (`payload_too_large`)."),
                        "422": err("The body is not a delivery status notification (`not_a_dsn`); nothing changed.")
                    }))
                }
            },
            "/api/openapi.json": {
                "get": {
                    "operationId": "openapi",
                    "summary": "This description",
                    "security": [],
                    "responses": { "200": { "description": "OpenAPI 3 JSON." } }
                }
            }
        },
        "components": {
            "securitySchemes": { "bearer": { "type": "http", "scheme": "bearer" } },
            "schemas": {
                "NewInvitation": {
                    "type": "object", "required": ["email"], "additionalProperties": false,
                    "properties": {
                        "email": { "type": "string", "format": "email" },
                        "display_name": { "type": "string", "nullable": true },
                        "cc_email": { "type": "string", "format": "email", "nullable": true }
                    }
                },
                "Invitation": {
                    "type": "object",
                    "required": ["id", "email", "status", "created_at", "expires_at"],
                    "properties": {
                        "id": { "type": "string" },
                        "email": { "type": "string" },
                        "display_name": { "type": "string", "nullable": true },
                        "cc_email": { "type": "string", "nullable": true },
                        "status": { "type": "string", "enum": ["pending", "redeemed", "expired"] },
                        "tenant_id": { "type": "string", "nullable": true },
                        "created_at": { "type": "string", "format": "date-time" },
                        "expires_at": { "type": "string", "format": "date-time" },
                        "redeemed_at": { "type": "string", "format": "date-time", "nullable": true },
                        "redeemed_via": { "type": "string", "enum": ["primary", "cc"], "nullable": true },
                        "consumer_domain": { "type": "boolean", "description": "In the reply to POST only." }
                    }
                },
                "BounceSummary": {
                    "type": "object", "required": ["bounced", "ignored", "recipients"],
                    "properties": {
                        "bounced": { "type": "integer" },
                        "ignored": { "type": "integer" },
                        "recipients": { "type": "array", "items": {
                            "type": "object", "required": ["action", "outcome"],
                            "properties": {
                                "action": { "type": "string" },
                                "status": { "type": "string", "nullable": true },
                                "outcome": { "type": "string", "enum": ["bounced", "ignored"] },
                                "reason": { "type": "string", "enum": ["not_a_failure", "not_permanent", "not_about_the_recipient", "no_return_path", "unknown_return_path", "no_recipient_address", "already_recorded"] }
                            }
                        } }
                    }
                },
                "Error": {
                    "type": "object", "required": ["error", "message"],
                    "properties": {
                        "error": { "type": "string", "description": "A stable code." },
                        "message": { "type": "string" },
                        "retry_after": { "type": "integer" },
                        "invitation_id": { "type": "string" }
                    }
                }
            }
        }
    })
}
