//! Every guest page speaks the guest's language (docs/languages.md): the start page, the whole
//! reset flow and its error pages, "this wasn't me", sign-in, sign-up, the account pages,
//! taking over an organisation, invitation links, email confirmation and the 404 page, each in
//! English, German and French, chosen with the language switch (the `lk_lang` cookie, which
//! beats the browser's language) or by `Accept-Language` alone. Each page answers with the
//! expected status, `<html lang="xx">`, and a sentence taken from that language's catalog
//! (never English text written here).

mod sec_support;
mod support;

use latchkey::i18n::{catalog, Args, Lang};
use latchkey::onboarding::invitations::{self, InviteRequest};
use latchkey::onboarding::Inviter;
use sec_support::*;
use support::browser::{Browser, Page};
use support::smtp::link_with;
use support::TestApp;

/// How the browser names its language.
#[derive(Debug, Clone, Copy)]
enum Via {
    /// The language switch (`GET /language?set=xx`), with a browser that prefers another.
    Cookie,
    /// Only the `Accept-Language` header, with a regional variant first.
    AcceptLanguage,
}

/// A browser that speaks one language, the one way `via` says.
struct Guest {
    b: Browser,
    lang: Lang,
    accept: String,
}

impl Guest {
    async fn new(app: &TestApp, lang: Lang, via: Via) -> Guest {
        let mut b = app.browser();
        let accept = match via {
            Via::Cookie => {
                let p = b
                    .get(&format!("/language?set={}&back=/signin", lang.code()))
                    .await;
                p.assert_see_other("/signin");
                // The browser prefers another language: the explicit choice wins.
                let other = Lang::ALL.into_iter().find(|l| *l != lang).unwrap();
                other.code().to_string()
            }
            Via::AcceptLanguage => match lang {
                Lang::En => "en-GB,en;q=0.9".to_string(),
                l => format!("{0}-CH,{0};q=0.9,en;q=0.5", l.code()),
            },
        };
        Guest { b, lang, accept }
    }

    async fn get(&mut self, path: &str) -> Page {
        let accept = self.accept.clone();
        self.b
            .get_with(path, &[("accept-language", accept.as_str())])
            .await
    }

    /// POSTs `fields` with the CSRF token of `form_page` (fetched first).
    async fn submit(&mut self, form_page: &str, path: &str, fields: &[(&str, &str)]) -> Page {
        let page = self.get(form_page).await;
        let token = page
            .csrf()
            .unwrap_or_else(|| panic!("no csrf_token on {form_page}: {}", page.body));
        let mut all = vec![("csrf_token", token.as_str())];
        all.extend_from_slice(fields);
        let body = serde_urlencoded::to_string(&all).unwrap();
        let accept = self.accept.clone();
        self.b
            .post_raw(path, body, &[("accept-language", accept.as_str())])
            .await
    }

    /// Follows a redirect (one hop), as a browser does after a form.
    async fn follow(&mut self, page: Page) -> Page {
        match (page.status, page.location()) {
            (303, Some(to)) => {
                let to = to.to_string();
                self.get(&to).await
            }
            _ => page,
        }
    }

    /// `page` is in this guest's language: `status`, `<html lang>`, and the catalog's text of
    /// every message in `keys`.
    fn check(&self, what: &str, page: &Page, status: u16, keys: &[(&str, Args)]) {
        let lang = self.lang;
        assert_eq!(page.status, status, "{what} {lang}: {}", page.body);
        assert!(
            page.body
                .contains(&format!("<html lang=\"{}\">", lang.code())),
            "{what} {lang}: <html lang> in {}",
            page.body
        );
        for (key, args) in keys {
            let text = catalog()
                .format_exact(lang, key, args)
                .unwrap_or_else(|| panic!("{key} is missing in {lang}"));
            assert!(
                shown(&page.body, &text),
                "{what} {lang}: `{key}` ({text}) not on the page: {}",
                page.body
            );
            // And not in another language (where that one's text differs).
            for other in Lang::ALL.into_iter().filter(|l| *l != lang) {
                let theirs = catalog().format_exact(other, key, args).unwrap();
                if theirs != text && !text.contains(&theirs) {
                    assert!(
                        !shown(&page.body, &theirs),
                        "{what} {lang}: the {other} `{key}` is on the page"
                    );
                }
            }
        }
    }
}

/// `text` is on the page: as a message (placed as it is) or as a sentence the Rust code
/// produced (escaped by the template).
fn shown(body: &str, text: &str) -> bool {
    let decoded = body
        .replace("&#39;", "'")
        .replace("&#x27;", "'")
        .replace("&#x2F;", "/")
        .replace("&#x2f;", "/")
        .replace("&quot;", "\"")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&");
    body.contains(text) || decoded.contains(text)
}

fn none() -> Args {
    Args::new()
}

/// Invites `email` as the operator would, and returns the link of the invitation mail.
async fn invitation_link(app: &TestApp, email: &str) -> String {
    let (settings, now) = (app.state.settings.clone(), app.state.now());
    let req = InviteRequest {
        email: email.into(),
        display_name: None,
        cc_email: None,
    };
    app.state
        .db
        .run(move |c| invitations::invite_one(c, &settings, &Inviter::Operator, &req, None, now))
        .await
        .unwrap();
    app.state.jobs_wakeup.notify_one();
    let mail = app.wait_mail_to(email, 1).await;
    link_with(&mail.text(), "/invite/").unwrap_or_else(|| panic!("{}", mail.text()))
}

/// Walks every guest page in `lang`, named `via`.
async fn every_page_speaks(lang: Lang, via: Via) {
    let app = app().await;
    let guest = "guest@fabrikam.test";
    let unverified = "new@fabrikam.test";
    app.user(guest, OLD, true, false);
    app.user(unverified, OLD, false, false);
    let mut g = Guest::new(&app, lang, via).await;

    // The start page and a page that does not exist.
    let p = g.get("/").await;
    g.check("start", &p, 200, &[("index-lead", none())]);
    let p = g.get("/no-such-page").await;
    g.check("404", &p, 404, &[("error-404-title", none())]);

    // The reset flow, from the request to the done page.
    let p = g.get("/reset").await;
    g.check("reset request", &p, 200, &[("reset-request-text", none())]);
    let p = g.submit("/reset", "/reset", &[("email", "x@@")]).await;
    g.check(
        "reset request, malformed",
        &p,
        400,
        &[("email-error-multiple-at", none())],
    );
    let p = g.submit("/reset", "/reset", &[("email", guest)]).await;
    p.assert_see_other("/reset/code");
    let p = g.follow(p).await;
    g.check(
        "check email",
        &p,
        200,
        &[
            ("check-email-title", none()),
            ("check-email-code-hint", none()),
        ],
    );
    let p = g
        .submit("/reset/code", "/reset/code", &[("code", "AAAA-AAAA")])
        .await;
    g.check("wrong code", &p, 200, &[("code-wrong", none())]);
    let m = reset_mail(&app, guest, 1).await;
    let p = g.get(&m.link).await;
    let p = g.follow(p).await;
    g.check("new password", &p, 200, &[("reset-new-title", none())]);
    let p = g
        .submit(
            "/reset/new",
            "/reset/new",
            &[("password", "short"), ("password_confirm", "short")],
        )
        .await;
    g.check(
        "new password, refused",
        &p,
        200,
        &[("password-type-again", none())],
    );
    let p = g
        .submit(
            "/reset/new",
            "/reset/new",
            &[("password", NEW), ("password_confirm", NEW)],
        )
        .await;
    let p = g.follow(p).await;
    g.check("reset done", &p, 200, &[("reset-done-text", none())]);
    let p = g.get(&m.link).await;
    g.check("used link", &p, 200, &[("reset-invalid-text", none())]);
    let p = g.get("/reset/link/not-a-token").await;
    g.check("bad link", &p, 200, &[("reset-invalid-ask", none())]);

    // A domain whose organisation has not turned self-service reset on: the policy's sentence.
    let p = g
        .submit("/reset", "/reset", &[("email", "someone@contoso.test")])
        .await;
    let p = g.follow(p).await;
    g.check(
        "reset unavailable",
        &p,
        200,
        &[
            ("reset-unavailable-title", none()),
            ("deny-tenant-not-licensed", none()),
        ],
    );

    // "This wasn't me", from the reset mail: the question, then what was done.
    let not_me = link_with(&m.mail.text(), "/reset/not-me/").expect("a not-me link");
    let mut n = Guest::new(&app, lang, via).await;
    let p = n.get(&not_me).await;
    let p = n.follow(p).await;
    n.check("not me", &p, 200, &[("notme-confirm-title", none())]);

    // Sign-in: the form, a failure, the account pages, sign-out.
    let p = g.get("/signin").await;
    g.check("sign-in", &p, 200, &[("signin-intro", none())]);
    let p = g
        .submit("/signin", "/signin", &[("email", guest), ("password", OLD)])
        .await;
    g.check("sign-in failed", &p, 200, &[("signin-failed", none())]);
    let p = g
        .submit("/signin", "/signin", &[("email", guest), ("password", NEW)])
        .await;
    p.assert_see_other("/account");
    let p = g.follow(p).await;
    g.check(
        "account",
        &p,
        200,
        &[
            ("account-methods-heading", none()),
            ("account-kind-unmanaged", none()),
            ("account-nav-security", none()),
        ],
    );
    let p = g.get("/account/security").await;
    g.check(
        "security",
        &p,
        200,
        &[
            ("account-totp-explain", none()),
            ("account-totp-enter-code", Args::new().num("minutes", 15)),
        ],
    );
    let p = g
        .submit(
            "/account/security",
            "/account/security/totp",
            &[("code", "000000")],
        )
        .await;
    let service = app.state.settings.branding.service_name.clone();
    g.check(
        "security, wrong code",
        &p,
        200,
        &[(
            "account-setup-wrong-code",
            Args::new().str("service", service),
        )],
    );
    let p = g.get("/account/organisation").await;
    g.check(
        "take-over",
        &p,
        200,
        &[
            ("takeover-title", none()),
            ("takeover-start-submit", none()),
        ],
    );
    let p = g
        .submit("/account/organisation", "/account/organisation/verify", &[])
        .await;
    g.check(
        "take-over, nothing started",
        &p,
        200,
        &[("takeover-no-challenge", none())],
    );
    let p = g
        .submit("/account/organisation", "/account/organisation/start", &[])
        .await;
    g.check(
        "take-over, record to publish",
        &p,
        200,
        &[
            ("takeover-publish-heading", none()),
            ("takeover-verify-text", none()),
        ],
    );
    let p = g.submit("/account", "/signout", &[]).await;
    let p = g.follow(p).await;
    g.check("signed out", &p, 200, &[("signin-signed-out", none())]);

    // Sign-up: the form, the uniform answer, the mailed link's form.
    let p = g.get("/signup").await;
    g.check("sign-up", &p, 200, &[("signup-intro", none())]);
    let newcomer = "newcomer@fabrikam.test";
    let p = g.submit("/signup", "/signup", &[("email", newcomer)]).await;
    g.check("sign-up sent", &p, 200, &[("signup-sent", none())]);
    let mail = app.wait_mail_to(newcomer, 1).await;
    let link = link_with(&mail.text(), "/signup/complete/").expect("a signup link");
    let p = g.get(&link).await;
    g.check(
        "sign-up password",
        &p,
        200,
        &[
            ("invite-password-title", none()),
            (
                "invite-belongs",
                Args::new().str("organisation", "Fabrikam"),
            ),
        ],
    );
    let p = g.get("/signup/complete/not-a-token").await;
    g.check(
        "bad sign-up link",
        &p,
        200,
        &[("invite-invalid-signup", none())],
    );

    // An invitation: the set-password form, a refused password, the account created.
    let invitee = "invitee@fabrikam.test";
    let link = invitation_link(&app, invitee).await;
    let p = g.get(&link).await;
    g.check(
        "invitation",
        &p,
        200,
        &[
            ("invite-password-title", none()),
            ("invite-password-submit", none()),
        ],
    );
    let path = url::Url::parse(&link).unwrap().path().to_string();
    let p = g
        .submit(
            &path,
            &path,
            &[("password", NEW), ("password_confirm", OLD)],
        )
        .await;
    g.check(
        "invitation, mismatch",
        &p,
        200,
        &[("password-mismatch", none())],
    );
    let p = g
        .submit(
            &path,
            &path,
            &[("password", NEW), ("password_confirm", NEW)],
        )
        .await;
    g.check(
        "invitation accepted",
        &p,
        200,
        &[("invite-ready-title", none())],
    );
    let p = g.get("/invite/not-a-token").await;
    g.check(
        "bad invitation",
        &p,
        200,
        &[("invite-invalid-invitation", none())],
    );

    // Email confirmation: an unverified guest asks for a reset and gets a confirmation link.
    let p = g.submit("/reset", "/reset", &[("email", unverified)]).await;
    p.assert_see_other("/reset/code");
    let mail = app.wait_mail_to(unverified, 1).await;
    let link = link_with(&mail.text(), "/verify/").expect("a verification link");
    let p = g.get(&link).await;
    g.check("verify", &p, 200, &[("verify-intro", none())]);
    let path = url::Url::parse(&link).unwrap().path().to_string();
    let p = g.submit(&path, &path, &[]).await;
    g.check("verified", &p, 200, &[("verify-done-text", none())]);
    let p = g.get("/verify/not-a-token").await;
    g.check(
        "bad verification link",
        &p,
        200,
        &[("verify-invalid-text", none())],
    );

    // "This wasn't me", confirmed (last: it ends the guest's sessions).
    let p = n.submit("/reset/not-me", "/reset/not-me", &[]).await;
    let p = n.follow(p).await;
    n.check("not me, done", &p, 200, &[("notme-done-title", none())]);
}

#[tokio::test]
async fn every_guest_page_in_english_by_the_switch() {
    every_page_speaks(Lang::En, Via::Cookie).await;
}

#[tokio::test]
async fn every_guest_page_in_german_by_the_switch() {
    every_page_speaks(Lang::De, Via::Cookie).await;
}

#[tokio::test]
async fn every_guest_page_in_french_by_the_switch() {
    every_page_speaks(Lang::Fr, Via::Cookie).await;
}

#[tokio::test]
async fn every_guest_page_in_english_by_accept_language() {
    every_page_speaks(Lang::En, Via::AcceptLanguage).await;
}

#[tokio::test]
async fn every_guest_page_in_german_by_accept_language() {
    every_page_speaks(Lang::De, Via::AcceptLanguage).await;
}

#[tokio::test]
async fn every_guest_page_in_french_by_accept_language() {
    every_page_speaks(Lang::Fr, Via::AcceptLanguage).await;
}
