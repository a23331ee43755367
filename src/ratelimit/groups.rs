//! Which limiter a request belongs to, from its method and path alone (pure).
//!
//! Classification runs before routing, so a path whose handler does not exist yet (or a
//! misspelt one) is limited all the same: every POST outside the admin console and the API
//! counts as a public form (docs/security.md#29: "a per-IP limit on every POST").

use std::fmt;

/// The in-process limiters, one per route group plus the global `POST /reset` ceiling.
/// The name is the `limiter` label in `/metrics` and the `reason` of `rate_limited` audit rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Limiter {
    /// `POST /reset`, `/reset/code`, `/signin`, `/signup` and every other unlisted POST.
    PublicForms,
    /// Every page that takes a mailed token (any method): `/reset/link/*`, `/reset/verify`,
    /// `/reset/new`, `/invite/*`, `/verify/*`, `/signup/complete/*`.
    TokenPages,
    /// `/admin/login*` (password and TOTP steps).
    AdminLogin,
    /// Every other `/admin` page.
    Admin,
    /// `/api/*` with an authenticated key, keyed by that key (checked by the API's
    /// authentication, not by the middleware).
    Api,
    /// `/api/*` without a key or with an unknown one, keyed by client address.
    ApiUnauthenticated,
    /// One ceiling for the instance on `POST /reset`.
    ResetGlobal,
    /// One ceiling for the instance on `POST /signin` and `POST /admin/login` (argon2 work).
    SignInGlobal,
}

impl Limiter {
    /// Every limiter, for iteration (pruning, metrics).
    pub const ALL: [Limiter; 8] = [
        Limiter::PublicForms,
        Limiter::TokenPages,
        Limiter::AdminLogin,
        Limiter::Admin,
        Limiter::Api,
        Limiter::ApiUnauthenticated,
        Limiter::ResetGlobal,
        Limiter::SignInGlobal,
    ];

    /// The stable name (matches the `[rate_limits.<name>]` setting).
    pub fn name(self) -> &'static str {
        match self {
            Limiter::PublicForms => "public_forms",
            Limiter::TokenPages => "token_pages",
            Limiter::AdminLogin => "admin_login",
            Limiter::Admin => "admin",
            Limiter::Api => "api",
            Limiter::ApiUnauthenticated => "api_unauthenticated",
            Limiter::ResetGlobal => "reset_global",
            Limiter::SignInGlobal => "sign_in_global",
        }
    }
}

impl fmt::Display for Limiter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// What limits one request: its keyed group (if any) and whether the global `POST /reset`
/// or sign-in ceiling applies as well. Requests under `/api` are classified [`Limiter::Api`]:
/// the middleware limits those without a key per address, and the API's authentication
/// limits the others (per key once authenticated, per address when the key is unknown).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Classification {
    pub keyed: Option<Limiter>,
    pub reset_global: bool,
    pub sign_in_global: bool,
}

/// Classifies a request. `path` should be the percent-decoded path the router sees (actix:
/// `match_info().as_str()`); repeated and trailing slashes are ignored so `//reset/` cannot slip
/// past a limit the router would still route.
pub fn classify(method: &str, path: &str) -> Classification {
    let path = normalize(path);
    let is_post = method.eq_ignore_ascii_case("POST");
    // A method no route uses is answered 405, and counted like a post: a flood of made-up
    // methods is limited per address.
    let is_form =
        is_post || !(method.eq_ignore_ascii_case("GET") || method.eq_ignore_ascii_case("HEAD"));
    let under = |prefix: &str| path == prefix || path.starts_with(&format!("{prefix}/"));
    let keyed = if under("/api") {
        Some(Limiter::Api)
    } else if path.starts_with("/admin/login") {
        Some(Limiter::AdminLogin)
    } else if under("/admin") {
        Some(Limiter::Admin)
    } else if TOKEN_PAGES.iter().any(|p| under(p)) {
        Some(Limiter::TokenPages)
    } else if is_form {
        Some(Limiter::PublicForms)
    } else {
        None
    };
    Classification {
        keyed,
        reset_global: is_post && path == "/reset",
        sign_in_global: is_post && (path == "/signin" || path == "/admin/login"),
    }
}

/// The pages that take a mailed token or continue a flow started by one: each guess at a
/// token costs the caller from one per-address budget, whatever the route.
const TOKEN_PAGES: [&str; 7] = [
    "/reset/link",
    "/reset/not-me",
    "/reset/verify",
    "/reset/new",
    "/invite",
    "/verify",
    "/signup/complete",
];

/// Collapses repeated slashes and drops a trailing one (`//reset/` → `/reset`).
fn normalize(path: &str) -> String {
    let mut out = String::with_capacity(path.len() + 1);
    for segment in path.split('/').filter(|s| !s.is_empty()) {
        out.push('/');
        out.push_str(segment);
    }
    if out.is_empty() {
        out.push('/');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keyed(method: &str, path: &str) -> Option<Limiter> {
        classify(method, path).keyed
    }

    #[test]
    fn made_up_methods_count_as_public_forms() {
        assert_eq!(keyed("MADEUP", "/"), Some(Limiter::PublicForms));
        assert_eq!(keyed("OPTIONS", "/reset"), Some(Limiter::PublicForms));
        assert_eq!(keyed("GET", "/"), None);
        assert_eq!(keyed("HEAD", "/"), None);
    }

    #[test]
    fn public_forms_are_the_posts() {
        for p in [
            "/reset",
            "/reset/code",
            "/signin",
            "/signup",
            "/anything/else",
        ] {
            assert_eq!(keyed("POST", p), Some(Limiter::PublicForms), "{p}");
        }
        // Their GET forms are cheap pages and not limited.
        assert_eq!(keyed("GET", "/reset"), None);
        assert_eq!(keyed("GET", "/signin"), None);
        assert_eq!(keyed("GET", "/"), None);
        assert_eq!(keyed("GET", "/healthz"), None);
    }

    #[test]
    fn token_pages_are_limited_on_every_method() {
        for m in ["GET", "POST", "HEAD"] {
            assert_eq!(keyed(m, "/reset/link/abc"), Some(Limiter::TokenPages));
            assert_eq!(keyed(m, "/reset/verify"), Some(Limiter::TokenPages));
            assert_eq!(keyed(m, "/reset/new"), Some(Limiter::TokenPages));
        }
        assert_eq!(keyed("POST", "/reset/newer"), Some(Limiter::PublicForms));
    }

    #[test]
    fn every_token_route_is_a_token_page() {
        for m in ["GET", "POST", "HEAD"] {
            for p in ["/invite/abc", "/verify/abc", "/signup/complete/abc"] {
                assert_eq!(keyed(m, p), Some(Limiter::TokenPages), "{m} {p}");
            }
        }
        // The signup form itself is a public form, not a token page.
        assert_eq!(keyed("POST", "/signup"), Some(Limiter::PublicForms));
        assert_eq!(keyed("GET", "/signup"), None);
        assert_eq!(keyed("GET", "/verifying"), None);
    }

    #[test]
    fn admin_and_api_groups() {
        assert_eq!(keyed("GET", "/admin/login"), Some(Limiter::AdminLogin));
        assert_eq!(
            keyed("POST", "/admin/login/totp"),
            Some(Limiter::AdminLogin)
        );
        assert_eq!(keyed("GET", "/admin"), Some(Limiter::Admin));
        assert_eq!(keyed("POST", "/admin/tenants/x"), Some(Limiter::Admin));
        assert_eq!(keyed("GET", "/administrator"), None);
        assert_eq!(keyed("GET", "/api/openapi.json"), Some(Limiter::Api));
        assert_eq!(keyed("POST", "/api/v1/invitations"), Some(Limiter::Api));
    }

    /// The global ceilings: `POST /reset` counts toward the reset one, and the two password
    /// posts (guest and admin sign-in) toward the sign-in one; nothing else does.
    #[test]
    fn the_global_ceilings_count_only_their_posts() {
        for (method, path, reset, sign_in) in [
            ("POST", "/reset", true, false),
            ("post", "//reset/", true, false),
            ("GET", "/reset", false, false),
            ("POST", "/reset/code", false, false),
            ("POST", "/signin", false, true),
            ("POST", "//admin/login/", false, true),
            ("POST", "/admin/login/totp", false, false),
            ("GET", "/signin", false, false),
        ] {
            let class = classify(method, path);
            assert_eq!(class.reset_global, reset, "{method} {path}");
            assert_eq!(class.sign_in_global, sign_in, "{method} {path}");
        }
    }

    #[test]
    fn slashes_do_not_dodge_a_group() {
        assert_eq!(keyed("GET", "//admin//audit/"), Some(Limiter::Admin));
        assert_eq!(keyed("GET", "/reset//link/x"), Some(Limiter::TokenPages));
    }
}
