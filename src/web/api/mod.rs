//! The JSON API (docs/onboarding.md): invitations, and bounce reports (docs/mail.md#bounces),
//! authenticated by `Authorization: Bearer <key>`.
//!
//! No cookies and no CSRF here: a bearer key is not sent by browsers on their own, so the CSRF
//! extractor is deliberately absent from every handler. Errors are JSON with a stable `error`
//! code (`unauthorized`, `forbidden_domain`, `not_found`, `invalid_json`, `invalid_email`,
//! `invalid_status`, `invalid_idempotency_key`, `forbidden`, `not_a_dsn`, `already_invited`, `already_user`,
//! `directory_read_only`, `idempotency_key_reused`, `payload_too_large`, `rate_limited`); 413
//! and 429 come from the shared middleware in the same shape. An `Idempotency-Key` header makes
//! `POST` safe to retry: the same key and body get the first reply again, the same key with
//! another body a 409.
//!
//! The OpenAPI 3 description is served at `/api/openapi.json`; [`ROUTES`] lists what
//! [`configure`] registers, and `tests/api_invitations.rs` checks the two agree.

mod auth;
mod bounces;
mod openapi;

use super::{AppError, AppState};
use crate::domain::InvitationId;
use crate::onboarding::api::{self as onboarding_api, ApiKey, InvitationStatus};
use crate::onboarding::api_keys::{self, Replay, MAX_IDEMPOTENCY_KEY_CHARS};
use crate::onboarding::invitations::{InviteOutcome, InviteRequest};
use actix_web::http::{header, StatusCode};
use actix_web::{web, HttpRequest, HttpResponse};
use auth::Authenticated;
use serde::Deserialize;
use serde_json::{json, Value};

/// Largest JSON body accepted by the API.
pub const MAX_JSON_BYTES: usize = 64 * 1024;
/// Most invitations one list returns (newest first).
pub const LIST_LIMIT: i64 = 500;

/// Every API route as (method, path template): what [`configure`] registers and the OpenAPI
/// description documents.
pub const ROUTES: &[(&str, &str)] = &[
    ("POST", "/api/v1/invitations"),
    ("GET", "/api/v1/invitations"),
    ("GET", "/api/v1/invitations/{id}"),
    ("POST", "/api/v1/bounces"),
    ("GET", "/api/openapi.json"),
];

/// Registers [`ROUTES`].
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/api/v1/invitations").post(create).get(list))
        .service(web::resource("/api/v1/invitations/{id}").get(show))
        .service(web::resource("/api/v1/bounces").post(bounces::report))
        .service(web::resource("/api/openapi.json").get(openapi));
}

/// A JSON error reply.
pub(super) fn error(status: StatusCode, code: &str, message: impl Into<String>) -> HttpResponse {
    json_reply(status, &json!({ "error": code, "message": message.into() }))
}

pub(super) fn json_reply(status: StatusCode, body: &Value) -> HttpResponse {
    HttpResponse::build(status)
        .content_type("application/json")
        .body(body.to_string())
}

/// A refusal decided before the request runs: the JSON error to send.
#[derive(Debug)]
struct Refusal {
    status: StatusCode,
    code: &'static str,
    message: String,
}

impl Refusal {
    fn into_response(self) -> HttpResponse {
        let mut res = error(self.status, self.code, self.message);
        if self.status == StatusCode::UNAUTHORIZED {
            res.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                header::HeaderValue::from_static("Bearer"),
            );
        }
        res
    }
}

/// The body of `POST /api/v1/invitations`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct CreateBody {
    email: String,
    #[serde(default)]
    display_name: Option<String>,
    #[serde(default)]
    cc_email: Option<String>,
}

/// The `Idempotency-Key` header: absent, valid, or the 400 to send.
fn idempotency_key(req: &HttpRequest) -> Result<Option<String>, Refusal> {
    let Some(v) = req.headers().get("idempotency-key") else {
        return Ok(None);
    };
    match v.to_str() {
        Ok(k) if !k.is_empty()
            && k.len() <= MAX_IDEMPOTENCY_KEY_CHARS
            && k.bytes().all(|b| b.is_ascii_graphic()) =>
        {
            Ok(Some(k.to_string()))
        }
        _ => Err(Refusal {
            status: StatusCode::BAD_REQUEST,
            code: "invalid_idempotency_key",
            message: format!(
                "Idempotency-Key must be 1 to {MAX_IDEMPOTENCY_KEY_CHARS} printable ASCII characters."
            ),
        }),
    }
}

/// `POST /api/v1/invitations`. The body is read only once the key is authenticated.
async fn create(
    req: HttpRequest,
    state: web::Data<AppState>,
    payload: web::Payload,
    Authenticated(key): Authenticated,
) -> Result<HttpResponse, AppError> {
    let Some(body) = read_body(payload).await? else {
        return Ok(error(
            StatusCode::PAYLOAD_TOO_LARGE,
            "payload_too_large",
            format!("The body is larger than {} KiB.", MAX_JSON_BYTES / 1024),
        ));
    };
    let idem = match idempotency_key(&req) {
        Ok(k) => k,
        Err(refusal) => return Ok(refusal.into_response()),
    };
    let fingerprint = api_keys::request_fingerprint("POST", req.path(), &body);
    if let Some(k) = &idem {
        match onboarding_api::replay(&state, &key, k, &fingerprint).await? {
            Replay::Fresh => {}
            Replay::Stored { status, body } => return Ok(replayed(status, body)),
            Replay::Mismatch => return Ok(reused()),
        }
    }
    let (status, reply) = invite_reply(&state, &key, &body, idem.as_deref()).await?;
    if let Some(k) = idem {
        let text = reply.to_string();
        let stored =
            onboarding_api::remember(&state, &key, &k, &fingerprint, status.as_u16(), text).await?;
        match stored {
            Replay::Stored { status, body } => return Ok(replayed(status, body)),
            Replay::Mismatch => return Ok(reused()),
            Replay::Fresh => {}
        }
    }
    Ok(json_reply(status, &reply))
}

/// The request body, at most [`MAX_JSON_BYTES`] (`None` past that: 413).
async fn read_body(payload: web::Payload) -> Result<Option<web::Bytes>, AppError> {
    read_body_up_to(payload, MAX_JSON_BYTES).await
}

/// The request body, at most `limit` bytes (`None` past that: 413).
pub(super) async fn read_body_up_to(
    mut payload: web::Payload,
    limit: usize,
) -> Result<Option<web::Bytes>, AppError> {
    use futures_util::StreamExt as _;
    let mut body = web::BytesMut::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|e| AppError::BadRequest(format!("reading the body: {e}")))?;
        if body.len() + chunk.len() > limit {
            return Ok(None);
        }
        body.extend_from_slice(&chunk);
    }
    Ok(Some(body.freeze()))
}

fn replayed(status: u16, body: String) -> HttpResponse {
    HttpResponse::build(StatusCode::from_u16(status).unwrap_or(StatusCode::OK))
        .content_type("application/json")
        .insert_header(("idempotent-replayed", "true"))
        .body(body)
}

fn reused() -> HttpResponse {
    error(
        StatusCode::CONFLICT,
        "idempotency_key_reused",
        "This Idempotency-Key was already used for a different request.",
    )
}

/// Runs the invitation and returns the status and JSON body (stored for idempotent replays).
async fn invite_reply(
    state: &AppState,
    key: &ApiKey,
    body: &[u8],
    idem: Option<&str>,
) -> Result<(StatusCode, Value), AppError> {
    let parsed: CreateBody = match serde_json::from_slice(body) {
        Ok(b) => b,
        Err(e) => {
            let body = json!({ "error": "invalid_json", "message": format!("The body is not a valid invitation: {e}.") });
            return Ok((StatusCode::BAD_REQUEST, body));
        }
    };
    let request = InviteRequest {
        email: parsed.email,
        display_name: parsed.display_name,
        cc_email: parsed.cc_email,
    };
    let outcome = onboarding_api::invite_idempotent(
        state,
        onboarding_api::inviter(key),
        key.id.clone(),
        request,
        idem.map(str::to_string),
    )
    .await?;
    state.jobs_wakeup.notify_one();
    let err = |status, code: &str, message: String| {
        (status, json!({ "error": code, "message": message }))
    };
    Ok(match outcome {
        InviteOutcome::Invited {
            id,
            consumer_domain,
        } => {
            let view = onboarding_api::invitation(state, key, id).await?;
            let mut v = serde_json::to_value(view).map_err(anyhow::Error::from)?;
            v["consumer_domain"] = consumer_domain.into();
            (StatusCode::CREATED, v)
        }
        InviteOutcome::AlreadyInvited { id } => {
            let mut v = json!({ "error": "already_invited", "message": "A pending invitation for this address exists; nothing was sent again." });
            v["invitation_id"] = id.into_string().into();
            (StatusCode::CONFLICT, v)
        }
        InviteOutcome::AlreadyUser => err(
            StatusCode::CONFLICT,
            "already_user",
            "This address already has an account.".into(),
        ),
        InviteOutcome::InvalidAddress { reason } => {
            err(StatusCode::BAD_REQUEST, "invalid_email", reason)
        }
        InviteOutcome::ForbiddenDomain => err(
            StatusCode::FORBIDDEN,
            "forbidden_domain",
            "This API key may invite only into its own organisation's domains.".into(),
        ),
        InviteOutcome::DirectoryReadOnly => err(
            StatusCode::CONFLICT,
            "directory_read_only",
            "Accounts live in the organisation's directory and Latchkey may not create entries in \
             it (directory.create_under is not set): create the account in the directory instead."
                .into(),
        ),
    })
}

#[derive(Deserialize)]
pub(crate) struct ListQuery {
    status: Option<String>,
}

/// `GET /api/v1/invitations[?status=pending|redeemed|expired]`.
async fn list(
    state: web::Data<AppState>,
    q: web::Query<ListQuery>,
    Authenticated(key): Authenticated,
) -> Result<HttpResponse, AppError> {
    let status = match q.status.as_deref() {
        None => None,
        Some(s) => match InvitationStatus::parse(s) {
            Some(st) => Some(st),
            None => {
                return Ok(error(
                    StatusCode::BAD_REQUEST,
                    "invalid_status",
                    "status must be pending, redeemed or expired.",
                ))
            }
        },
    };
    let rows = onboarding_api::invitations(&state, &key, status, LIST_LIMIT).await?;
    Ok(json_reply(StatusCode::OK, &json!({ "invitations": rows })))
}

/// `GET /api/v1/invitations/{id}`.
async fn show(
    state: web::Data<AppState>,
    path: web::Path<String>,
    Authenticated(key): Authenticated,
) -> Result<HttpResponse, AppError> {
    let id = InvitationId::from_string(path.into_inner());
    match onboarding_api::invitation(&state, &key, id).await? {
        Some(v) => Ok(json_reply(
            StatusCode::OK,
            &serde_json::to_value(v).map_err(anyhow::Error::from)?,
        )),
        None => Ok(error(
            StatusCode::NOT_FOUND,
            "not_found",
            "There is no such invitation (for this key).",
        )),
    }
}

/// `GET /api/openapi.json`.
async fn openapi(state: web::Data<AppState>) -> HttpResponse {
    json_reply(StatusCode::OK, &openapi::document(&state.settings.link("")))
}
