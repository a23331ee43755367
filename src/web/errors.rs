//! One error type at the HTTP edge: each case maps to a status, and the
//! [`render_error_pages`] middleware turns bare error responses into the HTML (or, under
//! `/api/`, JSON) page. No internals are ever shown: the cause chain goes to the log.

use super::AppState;
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
    title: &'static str,
    message: String,
}

fn describe(status: StatusCode, retry_after: Option<u64>) -> (&'static str, String) {
    match status.as_u16() {
        400 => ("Something in the request was not right", "Please go back and try again.".into()),
        403 => (
            "This form has expired",
            "For your security the form could not be accepted. Go back, reload the page and try again.".into(),
        ),
        404 => ("Page not found", "There is nothing at this address.".into()),
        405 => ("Not allowed", "This page cannot be used that way.".into()),
        413 => ("Too much data", "The form sent more data than this page accepts.".into()),
        429 => (
            "Too many attempts",
            match retry_after {
                Some(s) if s >= 120 => format!("Please wait about {} minutes and try again.", s.div_ceil(60)),
                Some(s) => format!("Please wait {s} seconds and try again."),
                None => "Please wait a moment and try again.".into(),
            },
        ),
        503 => (
            "Temporarily unavailable",
            "The service cannot answer right now. Nothing was changed; please try again in a minute.".into(),
        ),
        _ => (
            "Something went wrong",
            "Nothing was changed. Please try again later.".into(),
        ),
    }
}

/// Middleware: a 4xx/5xx response without a body of its own gets the error page.
pub async fn render_error_pages(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, actix_web::Error> {
    let is_api = req.path().starts_with("/api/");
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
    let (title, message) = describe(status, retry_after);
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
        let page = ErrorPage {
            status: status.as_u16(),
            title,
            message,
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
