//! Every guest page speaks the guest's language (docs/languages.md): the start page, the whole
//! reset flow and its error pages, "this wasn't me", sign-in, sign-up, the account pages,
//! taking over an organisation, invitation links, email confirmation and the 404 page, each in
//! English, German and French, chosen with the language switch (the `lk_lang` cookie, which
//! beats the browser's language) or by `Accept-Language` alone. Each page answers with the
//! expected status, `<html lang="xx">`, and a sentence taken from that language's catalog
//! (never English text written here).

mod account;
mod onboarding;
mod reset;
#[path = "../sec_support/mod.rs"]
mod sec_support;
#[path = "../support/mod.rs"]
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

    let mut n = reset::pages(&app, &mut g, lang, via, guest).await;
    account::pages(&app, &mut g, guest).await;
    onboarding::pages(&app, &mut g, unverified).await;

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
