//! One error type at the HTTP edge: each case maps to a status, and the
//! [`render_error_pages`] middleware turns bare error responses into the HTML (or, under
//! `/api/`, JSON) page. No internals are ever shown: the cause chain goes to the log.

use super::AppState;
use crate::i18n::{Args, Lang};
use crate::services::{class_in_chain, FailureClass, ServiceFailure};
use actix_web::body::{BoxBody, EitherBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderValue};
use actix_web::http::StatusCode;
use actix_web::middleware::Next;
use actix_web::{web, HttpResponse, ResponseError};
use serde::Serialize;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("not found")]
    NotFound,
    #[error("bad request: {0}")]
    BadRequest(String),
    #[error("forbidden")]
    Forbidden,
    #[error("request body too large")]
    PayloadTooLarge,
    #[error("rate limited")]
    RateLimited { retry_after_seconds: u64 },
    /// At capacity (a global ceiling, the sign-in share of the hasher): 503 at once, with
    /// `Retry-After`.
    #[error("busy")]
    Busy { retry_after_seconds: u64 },
    #[error("service unavailable")]
    Unavailable(#[source] anyhow::Error),
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

/// A service's failure, mapped by its class: the edge never names a storage type.
impl<E: ServiceFailure> From<E> for AppError {
    fn from(e: E) -> Self {
        match e.class() {
            FailureClass::Unavailable => AppError::Unavailable(anyhow::Error::new(e)),
            FailureClass::InvalidInput => AppError::BadRequest(e.to_string()),
            FailureClass::Busy(retry_after_seconds) => AppError::Busy {
                retry_after_seconds,
            },
            FailureClass::Unexpected => AppError::Unexpected(anyhow::Error::new(e)),
        }
    }
}

impl ResponseError for AppError {
    fn status_code(&self) -> StatusCode {
        match self {
            AppError::NotFound => StatusCode::NOT_FOUND,
            AppError::BadRequest(_) => StatusCode::BAD_REQUEST,
            AppError::Forbidden => StatusCode::FORBIDDEN,
            AppError::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            AppError::RateLimited { .. } => StatusCode::TOO_MANY_REQUESTS,
            AppError::Busy { .. } => StatusCode::SERVICE_UNAVAILABLE,
            AppError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            // A database outage wrapped on its way here is still an outage: 503, not 500.
            AppError::Unexpected(e) if caused_by_outage(e) => StatusCode::SERVICE_UNAVAILABLE,
            // Text the database refused (a NUL byte on PostgreSQL), wrapped on its way here.
            AppError::Unexpected(e) if caused_by_invalid_text(e) => StatusCode::BAD_REQUEST,
            AppError::Unexpected(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        match self {
            AppError::Unexpected(e) if caused_by_outage(e) => {
                tracing::warn!(error = %format!("{e:#}"), "dependency unavailable")
            }
            AppError::Unexpected(e) if caused_by_invalid_text(e) => {
                tracing::info!(error = %format!("{e:#}"), "request refused: text the database cannot store")
            }
            AppError::Unexpected(e) => {
                tracing::error!(error = %format!("{e:#}"), "unexpected error")
            }
            AppError::Unavailable(e) => {
                tracing::warn!(error = %format!("{e:#}"), "dependency unavailable")
            }
            _ => {}
        }
        let mut res = HttpResponse::build(self.status_code());
        if let AppError::RateLimited {
            retry_after_seconds,
        }
        | AppError::Busy {
            retry_after_seconds,
        } = self
        {
            res.insert_header((header::RETRY_AFTER, retry_after_seconds.to_string()));
        }
        // The body is filled in by `render_error_pages`.
        res.finish()
    }
}

/// Whether an error's cause chain holds text the database refused.
fn caused_by_invalid_text(e: &anyhow::Error) -> bool {
    class_in_chain(e) == Some(FailureClass::InvalidInput)
}

/// Whether an error's cause chain holds an unavailable dependency.
fn caused_by_outage(e: &anyhow::Error) -> bool {
    class_in_chain(e) == Some(FailureClass::Unavailable)
}

#[derive(Serialize)]
struct ErrorPage {
    status: u16,
    title: String,
    message: String,
    lang: &'static str,
    languages: serde_json::Value,
}

/// The error page's title and sentence in `lang` (`pages.ftl`, `error-*`).
fn describe(lang: Lang, status: StatusCode, retry_after: Option<u64>) -> (String, String) {
    let code = match status.as_u16() {
        c @ (400 | 403 | 404 | 405 | 413 | 429 | 503) => c.to_string(),
        _ => "500".to_string(),
    };
    let title = lang.t(&format!("error-{code}-title"));
    let message = match (status.as_u16(), retry_after) {
        (429, Some(s)) if s >= 120 => lang.t_args(
            "error-429-wait-minutes",
            &Args::new().num("n", s.div_ceil(60) as f64),
        ),
        (429, Some(s)) => lang.t_args("error-429-wait-seconds", &Args::new().num("n", s as f64)),
        _ => lang.t(&format!("error-{code}-text")),
    };
    (title, message)
}

/// Middleware: a 4xx/5xx response without a body of its own gets the error page.
pub async fn render_error_pages(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, actix_web::Error> {
    let is_api = req.path().starts_with("/api/");
    // The console stays English; so do the API's messages.
    let is_console = req.path().starts_with("/admin");
    let state = req.app_data::<web::Data<AppState>>().cloned();
    let res = next.call(req).await?;
    let status = res.status();
    let has_body = res.headers().contains_key(header::CONTENT_TYPE);
    if !(status.is_client_error() || status.is_server_error()) || has_body {
        return Ok(res.map_into_left_body());
    }
    let retry_after = res
        .headers()
        .get(header::RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    let lang = if is_api || is_console {
        Lang::En
    } else {
        state
            .as_ref()
            .map(|s| super::lang::of_request(res.request(), s))
            .unwrap_or_default()
    };
    let (title, message) = describe(lang, status, retry_after);
    let (content_type, body) = if is_api {
        let code = match status.as_u16() {
            429 => "rate_limited",
            404 => "not_found",
            413 => "payload_too_large",
            503 => "unavailable",
            s if s >= 500 => "internal_error",
            _ => "bad_request",
        };
        let mut json = serde_json::json!({ "error": code, "message": message });
        if let Some(s) = retry_after {
            json["retry_after"] = s.into();
        }
        ("application/json", json.to_string())
    } else {
        let mut switch = serde_json::Map::new();
        if let Some(s) = &state {
            if !is_console {
                super::lang::add_to_context(res.request(), s, &mut switch);
            }
        }
        let page = ErrorPage {
            status: status.as_u16(),
            title: title.clone(),
            message,
            lang: lang.code(),
            languages: switch.remove("languages").unwrap_or_default(),
        };
        let html = state
            .and_then(|s| s.templates.render("errors/error.html", &page).ok())
            .unwrap_or_else(|| format!("<!doctype html><title>{title}</title><h1>{title}</h1>"));
        ("text/html; charset=utf-8", html)
    };
    let (req, mut res) = res.into_parts();
    res.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    let res = res.set_body(BoxBody::new(body));
    Ok(ServiceResponse::new(req, res).map_into_right_body())
}
