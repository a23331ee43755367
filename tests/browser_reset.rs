//! A real browser (headless Chromium through chromedriver) resets a password by link,
//! including the TOTP step, and saves a screenshot of every page.
//!
//! Needs `chromium` and `chromium-driver` (Debian). Without them the test prints that it
//! skipped; under `CI=true` a missing browser is a failure (`.ci/run` installs them).

mod support;
use fantoccini::Locator;
use std::time::Duration;
use support::chromium::{browser, shot, wait_for_path};
use support::smtp::link_with;
use support::TestApp;

#[tokio::test]
async fn a_guest_resets_in_a_real_browser_with_totp() {
    let app = TestApp::spawn_self_addressed_with_mail("").await;
    app.tenant("Northwind", "northwind.test", "managed", "premium");
    let secret = app
        .user("erin@northwind.test", "old-lantern-orchard-27", true, true)
        .unwrap();

    let profile = tempfile::tempdir().unwrap();
    let Some((_driver, c)) = browser(profile.path()).await else {
        return;
    };
    let shots = app.dir.path().join("screenshots");
    std::fs::create_dir_all(&shots).unwrap();

    let result = async {
        c.goto(&app.url("/")).await?;
        shot(&c, &shots, "01-landing").await;
        c.find(Locator::LinkText("Forgot your password?"))
            .await?
            .click()
            .await?;
        wait_for_path(&c, "/reset").await;
        c.find(Locator::Id("email"))
            .await?
            .send_keys("erin@northwind.test")
            .await?;
        shot(&c, &shots, "02-request").await;
        c.find(Locator::Css("form button[type=submit]"))
            .await?
            .click()
            .await?;
        // `POST /reset` answers on the same path, so the old page's heading can be found just
        // before the new page replaces it (a stale node): read until the new page is there.
        let deadline = std::time::Instant::now() + Duration::from_secs(30);
        let body = loop {
            let read = match c.find(Locator::Css("h1")).await {
                Ok(h1) => h1.text().await.ok(),
                Err(_) => None,
            };
            match read {
                Some(text) if text != "Forgot your password?" => break text,
                _ if std::time::Instant::now() > deadline => break read.unwrap_or_default(),
                _ => tokio::time::sleep(Duration::from_millis(50)).await,
            }
        };
        assert_eq!(body, "Check your email");
        shot(&c, &shots, "03-check-email").await;

        let mail = app.wait_mail_to("erin@northwind.test", 1).await;
        let link = link_with(&mail.text(), "/reset/link/").expect("a link in the mail");
        c.goto(&link).await?;
        wait_for_path(&c, "/reset/verify").await;
        shot(&c, &shots, "04-totp").await;
        let code = secret
            .code_at(chrono::Utc::now().timestamp() as u64)
            .unwrap();
        c.find(Locator::Id("code")).await?.send_keys(&code).await?;
        c.find(Locator::Css("form button[type=submit]"))
            .await?
            .click()
            .await?;
        wait_for_path(&c, "/reset/new").await;
        shot(&c, &shots, "05-new-password").await;
        c.find(Locator::Id("password"))
            .await?
            .send_keys("brisk-meadow-compass-81")
            .await?;
        c.find(Locator::Id("password_confirm"))
            .await?
            .send_keys("brisk-meadow-compass-81")
            .await?;
        c.find(Locator::Css("form button[type=submit]"))
            .await?
            .click()
            .await?;
        wait_for_path(&c, "/reset/done").await;
        let h1 = c.find(Locator::Css("h1")).await?.text().await?;
        assert_eq!(h1, "Your password was changed");
        shot(&c, &shots, "06-done").await;
        Ok::<_, fantoccini::error::CmdError>(())
    }
    .await;
    let _ = c.close().await;
    result.expect("the browser walked the whole reset");

    let hash = app.password_hash("erin@northwind.test").unwrap();
    let ok = app
        .state
        .hasher
        .verify(
            secrecy::SecretString::from("brisk-meadow-compass-81".to_string()),
            Some(&hash),
        )
        .await
        .unwrap();
    assert!(ok, "the new password is stored");
    // Keep the screenshots for a person to look at.
    let keep = std::env::temp_dir().join("latchkey-browser-screenshots");
    let _ = std::fs::create_dir_all(&keep);
    for entry in std::fs::read_dir(&shots).unwrap() {
        let entry = entry.unwrap();
        let _ = std::fs::copy(entry.path(), keep.join(entry.file_name()));
    }
    eprintln!("screenshots: {}", keep.display());
}
