//! Pure entry points for the fuzz targets (`tests/fuzz`, `scripts/fuzz.sh`) and their
//! regression tests (`tests/fuzz_regressions.rs`): every form, query and JSON body a public
//! route decodes, decoded exactly as the extractors do (`serde_urlencoded` for `web::Form` and
//! `web::Query`, the `csrf_token` envelope of [`CsrfForm`](super::csrf::CsrfForm),
//! `serde_json` for the API). No I/O, no HTTP types; not part of the service's API.

use serde::de::DeserializeOwned;

/// How many of the decoders accepted the input (for the fuzzer's invariants: a decode either
/// succeeds or returns an error, never panics).
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Decoded {
    pub accepted: usize,
    pub refused: usize,
}

impl Decoded {
    fn count<T>(&mut self, r: Result<T, impl std::fmt::Display>) {
        match r {
            Ok(_) => self.accepted += 1,
            Err(e) => {
                // Rendering the error is part of what a handler does with it (the 400 page).
                let _ = e.to_string();
                self.refused += 1;
            }
        }
    }

    /// A urlencoded body as `CsrfForm<T>` reads it (the envelope with `csrf_token`).
    pub(crate) fn form<T: DeserializeOwned>(&mut self, body: &[u8]) {
        self.count(super::csrf::decode_envelope::<T>(body));
    }

    /// A query string as `web::Query<T>` reads it.
    pub(crate) fn query<T: DeserializeOwned>(&mut self, query: &str) {
        self.count(serde_urlencoded::from_str::<T>(query));
    }
}

/// Decodes `body` as every urlencoded form of every public POST route.
pub fn decode_forms(body: &[u8]) -> Decoded {
    let mut d = Decoded::default();
    d.form::<super::csrf::NoFields>(body);
    d.form::<super::invite::PasswordForm>(body);
    d.form::<super::account::CodeForm>(body);
    d.form::<super::account::RemoveForm>(body);
    d.form::<super::signup::EmailForm>(body);
    d.form::<super::signin::SignInForm>(body);
    d.form::<super::reset::EmailForm>(body);
    d.form::<super::reset::CodeForm>(body);
    d.form::<super::reset::NewPasswordForm>(body);
    super::admin::fuzz_decode_forms(&mut d, body);
    d
}

/// Decodes `query` (the part after `?`) as every query struct of every GET route.
pub fn decode_queries(query: &str) -> Decoded {
    let mut d = Decoded::default();
    d.query::<super::account::SecurityQuery>(query);
    d.query::<super::signin::SignInQuery>(query);
    d.query::<super::reset::TokenQuery>(query);
    d.query::<super::api::ListQuery>(query);
    super::admin::fuzz_decode_queries(&mut d, query);
    d
}

/// Decodes `body` as the JSON body of `POST /api/v1/invitations`.
pub fn decode_api_body(body: &[u8]) -> Decoded {
    let mut d = Decoded::default();
    d.count(serde_json::from_slice::<super::api::CreateBody>(body));
    d
}
