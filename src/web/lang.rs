//! The language of a page (src/i18n/negotiate.rs for the order): the `lang` cookie set by the
//! language switch (`GET /language?set=de&back=/reset`), what the request knows about the
//! guest ([`hint`]: their stored preference and their tenant's default, recorded by
//! [`super::session::current`] for every page of a signed-in guest), `Accept-Language`,
//! English. Every rendered page gets `lang` (for `<html lang>` and the `t` function) and the
//! switch's links.

use super::page::Page;
use super::{cookies, AppState};
use crate::i18n::negotiate::{self, Sources};
use crate::i18n::Lang;
use actix_web::cookie::time::Duration as CookieDuration;
use actix_web::cookie::{Cookie, SameSite};
use actix_web::http::header;
use actix_web::{web, HttpMessage, HttpRequest, HttpResponse};
use serde::{Deserialize, Serialize};

/// The explicit choice made with the language switch (a plain language code, not a secret).
pub const COOKIE: &str = "lk_lang";
/// How long the choice is remembered.
const COOKIE_DAYS: i64 = 365;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/language").get(switch));
}

/// What the handler knows about the guest a page is about: attach with [`hint`] before
/// rendering.
#[derive(Debug, Clone, Default)]
pub struct Hint {
    /// The account's stored language (`user_languages`).
    pub user: Option<String>,
    /// The tenant's default language (`tenants.default_language`).
    pub tenant: Option<String>,
}

/// Records what is known about the guest for this request's pages.
pub fn hint(req: &HttpRequest, user: Option<&str>, tenant: Option<&str>) {
    let mut ext = req.extensions_mut();
    let known = ext.get::<Hint>().cloned().unwrap_or_default();
    ext.insert(Hint {
        user: user.map(str::to_string).or(known.user),
        tenant: tenant.map(str::to_string).or(known.tenant),
    });
}

/// The stored language of the account this request's page is about, as the session recorded
/// it with [`hint`] (`None` when not signed in or none stored).
pub fn stored(req: &HttpRequest) -> Option<Lang> {
    let ext = req.extensions();
    Lang::parse_opt(ext.get::<Hint>().and_then(|h| h.user.as_deref()))
}

/// The cookie that remembers `lang` as this browser's explicit choice.
pub fn choice_cookie(state: &AppState, lang: Lang) -> Cookie<'static> {
    cookies::build(
        state,
        COOKIE,
        lang.code().to_string(),
        SameSite::Lax,
        Some(CookieDuration::days(COOKIE_DAYS)),
    )
}

/// The explicit choice of this browser, if any (and a language we have).
pub fn chosen(req: &HttpRequest, state: &AppState) -> Option<Lang> {
    Lang::parse_opt(cookies::read(req, state, COOKIE).as_deref())
}

/// The language of this request's page.
pub fn of_request(req: &HttpRequest, state: &AppState) -> Lang {
    let cookie = cookies::read(req, state, COOKIE);
    let hint = req.extensions().get::<Hint>().cloned().unwrap_or_default();
    let accept = req
        .headers()
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok());
    negotiate::resolve(&Sources {
        choice: cookie.as_deref(),
        user: hint.user.as_deref(),
        tenant: hint.tenant.as_deref(),
        accept_language: accept,
    })
}

#[derive(Serialize)]
struct Choice {
    code: &'static str,
    name: &'static str,
    href: String,
    current: bool,
}

/// Pages whose path carries a secret (a link's token): the switch never repeats the token in
/// the page, and goes back to the start of that area instead.
const TOKEN_PATHS: &[(&str, &str)] = &[
    ("/reset/link/", "/reset"),
    ("/reset/not-me/", "/reset"),
    ("/signup/complete/", "/signup"),
    ("/invite/", "/"),
    ("/verify/", "/"),
    ("/admin/setup/", "/admin/login"),
];

/// Where the language switch goes back to from `path`.
fn back_to(path: &str) -> &str {
    TOKEN_PATHS
        .iter()
        .find(|(prefix, _)| path.starts_with(prefix))
        .map_or(path, |(_, start)| start)
}

/// Adds `lang` and `languages` (the switch) to a page's context.
pub fn add_to_context(
    req: &HttpRequest,
    state: &AppState,
    map: &mut serde_json::Map<String, serde_json::Value>,
) {
    let lang = of_request(req, state);
    let back =
        url::form_urlencoded::byte_serialize(back_to(req.path()).as_bytes()).collect::<String>();
    let choices: Vec<Choice> = Lang::ALL
        .into_iter()
        .map(|l| Choice {
            code: l.code(),
            name: l.native_name(),
            href: format!("/language?set={}&back={back}", l.code()),
            current: l == lang,
        })
        .collect();
    map.insert("lang".into(), lang.code().into());
    map.insert(
        "languages".into(),
        serde_json::to_value(choices).unwrap_or_default(),
    );
}

#[derive(Deserialize)]
struct SwitchQuery {
    set: Option<String>,
    back: Option<String>,
}

/// `GET /language?set=de&back=/reset`: remembers the choice and goes back to the page. Only a
/// language preference changes (no CSRF token needed, nothing of a flow is touched); `back` must
/// be a path on this site, anything else goes to `/`. An unknown code clears nothing and sets
/// nothing.
async fn switch(page: Page, query: web::Query<SwitchQuery>) -> HttpResponse {
    let back = query
        .back
        .as_deref()
        .filter(|b| is_local_path(b))
        .unwrap_or("/");
    let mut res = HttpResponse::SeeOther();
    res.insert_header((header::LOCATION, back.to_string()))
        .insert_header((header::CACHE_CONTROL, "no-store"));
    if let Some(lang) = Lang::parse_opt(query.set.as_deref()) {
        res.cookie(choice_cookie(&page.state, lang));
    }
    res.finish()
}

/// A path on this site: starts with one `/`, no scheme or host, no backslash or control
/// character, not absurdly long.
fn is_local_path(p: &str) -> bool {
    p.starts_with('/')
        && !p.starts_with("//")
        && p.len() <= 512
        && !p.chars().any(|c| c == '\\' || c.is_control())
}

#[cfg(test)]
mod tests {
    use super::{back_to, is_local_path};

    #[test]
    fn the_switch_never_repeats_a_token_of_the_path() {
        for (path, back) in [
            ("/reset/link/SECRET", "/reset"),
            ("/reset/not-me/SECRET", "/reset"),
            ("/invite/SECRET", "/"),
            ("/signup/complete/SECRET", "/signup"),
            ("/reset/code", "/reset/code"),
        ] {
            assert_eq!(back_to(path), back, "{path}");
        }
    }

    #[test]
    fn back_must_be_a_local_path() {
        assert!(is_local_path("/reset/check-email"));
        for elsewhere in [
            "//evil.example/",
            "https://evil.example/",
            "/\\evil.example",
            "/a\nb",
        ] {
            assert!(!is_local_path(elsewhere), "{elsewhere:?}");
        }
    }
}
