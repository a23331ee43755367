//! A guest whose browser prefers German gets the reset in German from start to end: every page
//! of the flow and the mail, with `<html lang="de">`, and nothing was chosen on the page.
//!
//! Needs `chromium` and `chromium-driver` (Debian). Without them the test prints that it
//! skipped; under `CI=true` a missing browser is a failure (`.ci/run` installs them).

mod support;
use fantoccini::{Client, Locator};
use latchkey::i18n::Lang;
use std::time::Duration;
use support::chromium::{browser_speaking, js, wait_for_path};
use support::smtp::link_with;
use support::TestApp;

const ERIN: &str = "erin@northwind.test";
const NEW_PASSWORD: &str = "quiet-harbour-lantern-58";

/// The page's `<html lang>` and its first heading, once the heading is not `stale`.
async fn page(c: &Client, stale: &str) -> (String, String) {
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    loop {
        let h1 = match c.find(Locator::Css("h1")).await {
            Ok(h1) => h1.text().await.unwrap_or_default(),
            Err(_) => String::new(),
        };
        if (!h1.is_empty() && h1 != stale) || std::time::Instant::now() > deadline {
            let lang = js(c, "return document.documentElement.lang").await;
            return (lang.as_str().unwrap_or_default().to_string(), h1);
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn a_german_browser_gets_german_pages_and_a_german_mail() {
    let app = TestApp::spawn_self_addressed_with_mail("").await;
    app.tenant("Northwind", "northwind.test", "managed", "premium");
    app.user(ERIN, "old-lantern-orchard-27", true, false);
    let de = |key: &str| Lang::De.t(key);

    let profile = tempfile::tempdir().unwrap();
    let Some((_driver, c)) = browser_speaking(profile.path(), "de-DE,de").await else {
        return;
    };
    let result = async {
        c.goto(&app.url("/reset")).await?;
        assert_eq!(page(&c, "").await, ("de".into(), de("base-nav-forgot")));
        c.find(Locator::Id("email")).await?.send_keys(ERIN).await?;
        c.find(Locator::Css("form button[type=submit]"))
            .await?
            .click()
            .await?;
        wait_for_path(&c, "/reset/code").await;
        assert_eq!(
            page(&c, &de("base-nav-forgot")).await,
            ("de".into(), de("check-email-title"))
        );

        // The mail is in the language of the request that caused it (the account and its
        // tenant have none).
        let mail = app.wait_mail_to(ERIN, 1).await;
        let parsed = mail_parser::MessageParser::default()
            .parse(mail.data.as_bytes())
            .expect("a mail");
        assert_eq!(parsed.subject(), Some(de("mail-reset-subject").as_str()));
        assert!(
            mail.text().starts_with(&de("mail-hello")),
            "{}",
            mail.text()
        );
        assert!(mail.html().contains("<html lang=\"de\">"));

        let link = link_with(&mail.text(), "/reset/link/").expect("a reset link");
        c.goto(&link).await?;
        wait_for_path(&c, "/reset/new").await;
        assert_eq!(page(&c, "").await, ("de".into(), de("reset-new-title")));
        for field in ["password", "password_confirm"] {
            c.find(Locator::Id(field))
                .await?
                .send_keys(NEW_PASSWORD)
                .await?;
        }
        c.find(Locator::Css("form button[type=submit]"))
            .await?
            .click()
            .await?;
        wait_for_path(&c, "/reset/done").await;
        assert_eq!(
            page(&c, &de("reset-new-title")).await,
            ("de".into(), de("reset-done-title"))
        );
        Ok::<_, fantoccini::error::CmdError>(())
    }
    .await;
    c.close().await.ok();
    result.unwrap();
}
