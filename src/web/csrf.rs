//! CSRF protection on every form (docs/security.md#31): each browser gets a random,
//! server-signed binding in an HttpOnly cookie; every form carries `csrf_token`, a fresh MAC over that binding. A POST
//! whose token does not verify, or that a browser marks `Sec-Fetch-Site: cross-site`, or whose
//! `Origin` is not ours, is refused with 403 before its handler runs.

use super::{cookies, AppError, AppState};
use actix_web::cookie::time::Duration as CookieDuration;
use actix_web::cookie::{Cookie, SameSite};
use actix_web::dev::Payload;
use actix_web::{web, FromRequest, HttpRequest};
use futures_util::future::LocalBoxFuture;
use serde::de::DeserializeOwned;
use serde::Deserialize;

/// The token to put in a page's forms, and the binding cookie to set if the browser had none.
pub struct CsrfIssue {
    pub token: String,
    pub cookie: Option<Cookie<'static>>,
}

/// Issues a token for this browser (creating its binding on first use).
pub fn issue(req: &HttpRequest, state: &AppState) -> CsrfIssue {
    match cookies::read(req, state, cookies::CSRF) {
        // Only a binding this server issued is kept; any other value (a sibling host on plain
        // http can set our cookie) is replaced, and forms posted with it are refused.
        Some(binding) if state.csrf.binding_is_ours(&binding) => CsrfIssue {
            token: state.csrf.issue(&binding),
            cookie: None,
        },
        _ => {
            let binding = state.csrf.new_binding();
            let token = state.csrf.issue(&binding);
            let cookie = cookies::build(
                state,
                cookies::CSRF,
                binding,
                SameSite::Lax,
                Some(CookieDuration::days(30)),
            );
            CsrfIssue {
                token,
                cookie: Some(cookie),
            }
        }
    }
}

/// Whether the request may carry a state-changing form at all (before reading the body).
fn origin_ok(req: &HttpRequest, state: &AppState) -> bool {
    let h = req.headers();
    if h.get("sec-fetch-site")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.eq_ignore_ascii_case("cross-site"))
    {
        return false;
    }
    match h.get("origin").and_then(|v| v.to_str().ok()) {
        // Browsers send `Origin: null` for same-site form posts under
        // `Referrer-Policy: no-referrer`; the token (and Sec-Fetch-Site) still decide.
        None | Some("null") => true,
        Some(origin) => {
            let ours = state
                .settings
                .public_base_url
                .origin()
                .ascii_serialization();
            origin == ours
        }
    }
}

/// Checks a token taken from a body `CsrfForm` cannot parse (a multipart upload).
pub fn verify_token(req: &HttpRequest, state: &AppState, presented: &str) -> bool {
    origin_ok(req, state)
        && cookies::read(req, state, cookies::CSRF)
            .is_some_and(|b| state.csrf.verify(&b, presented))
}

#[derive(Deserialize)]
struct Envelope<T> {
    #[serde(default)]
    csrf_token: String,
    #[serde(flatten)]
    inner: T,
}

/// A urlencoded form whose `csrf_token` verified. Use it for every POST handler's body.
pub struct CsrfForm<T>(pub T);

impl<T: DeserializeOwned + 'static> FromRequest for CsrfForm<T> {
    type Error = actix_web::Error;
    type Future = LocalBoxFuture<'static, Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let req = req.clone();
        let form = web::Form::<Envelope<T>>::from_request(&req, payload);
        Box::pin(async move {
            let state = super::state_of(&req)?;
            if !origin_ok(&req, state) {
                return Err(AppError::Forbidden.into());
            }
            let binding = cookies::read(&req, state, cookies::CSRF);
            // Parse errors of a form with a missing or bad token are a 403 as well: an attacker
            // learns nothing from the difference.
            let envelope = match form.await {
                Ok(f) => f.into_inner(),
                Err(e) => {
                    if binding.is_none() {
                        return Err(AppError::Forbidden.into());
                    }
                    return Err(e);
                }
            };
            match binding {
                Some(b) if state.csrf.verify(&b, &envelope.csrf_token) => {
                    Ok(CsrfForm(envelope.inner))
                }
                _ => Err(AppError::Forbidden.into()),
            }
        })
    }
}

/// Decodes a urlencoded body as [`CsrfForm`] does before it checks the token (the fuzzing entry
/// point, `web::fuzzing`).
pub(crate) fn decode_envelope<T: DeserializeOwned>(
    body: &[u8],
) -> Result<(String, T), serde_urlencoded::de::Error> {
    serde_urlencoded::from_bytes::<Envelope<T>>(body).map(|e| (e.csrf_token, e.inner))
}

/// For POSTs without fields of their own (sign out …).
#[derive(Deserialize)]
pub struct NoFields {}
