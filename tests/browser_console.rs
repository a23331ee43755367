//! The admin console in a real browser (headless Chromium through chromedriver): at a 390 px
//! phone width the nav is a collapsed `<details>` menu (no JavaScript needed) and no console
//! page is wider than the screen; at 1280 px the nav is a row of links and the helpdesk link's
//! copy button works. Screenshots of each page at both widths are kept for a person to look at
//! (the README's tour uses two of them).
//!
//! Needs `chromium` and `chromium-driver` (Debian). Without them the test prints that it
//! skipped; under `CI=true` a missing browser is a failure (`.ci/run` installs them).

mod admin_support;
mod support;

use admin_support::*;
use fantoccini::{Client, Locator};
use support::chromium::{browser, js, shot, wait_for_path};
use support::TestApp;

const PW: &str = "old-lantern-orchard-27";

/// Demo-like data: three tenants, named guests, a few events.
fn seed(app: &TestApp) -> (String, String) {
    let northwind = app.tenant("Northwind", "northwind.example", "managed", "premium");
    let contoso = app.tenant("Contoso", "contoso.example", "managed", "free");
    app.tenant("Fabrikam", "fabrikam.example", "unmanaged", "free");
    app.user("ann.lee@northwind.example", PW, true, true);
    app.user("bo.chen@contoso.example", PW, true, false);
    app.user("cy.okafor@fabrikam.example", PW, true, false);
    app.sql(
        "UPDATE users SET display_name = 'Ann Lee' WHERE email = 'ann.lee@northwind.example';
         UPDATE users SET display_name = 'Bo Chen' WHERE email = 'bo.chen@contoso.example';",
    );
    let ann = {
        let mut conn = app.state.db.get().unwrap();
        latchkey::db::users::find_by_email(
            &mut conn,
            &latchkey::domain::EmailAddress::parse("ann.lee@northwind.example").unwrap(),
        )
        .unwrap()
        .unwrap()
    };
    let events = [
        (
            Some(&northwind.id),
            Event::ResetRequested,
            Outcome::Allowed,
            "ann.lee@northwind.example",
            None,
        ),
        (
            Some(&northwind.id),
            Event::ResetCompleted,
            Outcome::Success,
            "ann.lee@northwind.example",
            None,
        ),
        (
            Some(&contoso.id),
            Event::ResetRequested,
            Outcome::Denied,
            "bo.chen@contoso.example",
            Some("tenant_not_licensed"),
        ),
        (
            None,
            Event::MailBounced,
            Outcome::Failure,
            "nobody@fabrikam.example",
            Some("550 5.1.1 user unknown"),
        ),
    ];
    for (tenant, name, outcome, email, reason) in events {
        let mut e = new_event(app, tenant.map(|t| t.as_str()), name, outcome);
        e.email = Some(email.into());
        e.ip = Some("203.0.113.24".into());
        e.reason = reason.map(str::to_string);
        event(app, e);
    }
    (contoso.id.into_string(), ann.id.into_string())
}

/// Signs the browser in as `admin` through the real sign-in pages.
async fn sign_in(
    c: &Client,
    app: &TestApp,
    admin: &AdminLogin,
) -> Result<(), fantoccini::error::CmdError> {
    c.goto(&app.url("/admin/login")).await?;
    c.find(Locator::Id("email"))
        .await?
        .send_keys(&admin.email)
        .await?;
    c.find(Locator::Id("password"))
        .await?
        .send_keys(ADMIN_PASSWORD)
        .await?;
    c.find(Locator::Css("form button[type=submit]"))
        .await?
        .click()
        .await?;
    wait_for_path(c, "/admin/login/totp").await;
    let code = next_code(app, &admin.secret);
    c.find(Locator::Id("code")).await?.send_keys(&code).await?;
    c.find(Locator::Css("form button[type=submit]"))
        .await?
        .click()
        .await?;
    wait_for_path(c, "/admin/audit").await;
    Ok(())
}

#[tokio::test]
async fn the_console_fits_a_phone_and_its_nav_collapses_without_javascript() {
    let profile = tempfile::tempdir().unwrap();
    let Some((_driver, c)) = browser(profile.path()).await else {
        return;
    };
    let app =
        TestApp::spawn_with("[rate_limits.admin_login]\nper_minute = 6000\nburst = 6000").await;
    let (contoso, ann) = seed(&app);
    let admin = set_up(&app, "admin@latchkey.example", None).await;
    let event = app.audit_events().last().expect("an event").id;
    let shots = app.dir.path().join("screenshots");
    std::fs::create_dir_all(&shots).unwrap();
    let pages = [
        ("audit", "/admin/audit".to_string()),
        ("event", format!("/admin/audit/{event}")),
        ("insights", "/admin/insights".into()),
        ("tenants", "/admin/tenants".into()),
        ("tenant", format!("/admin/tenants/{contoso}")),
        ("guests", "/admin/guests".into()),
        ("guest", format!("/admin/guests/{ann}")),
        (
            "guest-reset-totp",
            format!("/admin/guests/{ann}/reset-totp"),
        ),
        ("invitations", "/admin/invitations".into()),
        ("api-keys", "/admin/api-keys".into()),
        ("webhooks", "/admin/webhooks".into()),
        ("admins", "/admin/admins".into()),
        ("time-zone", "/admin/time-zone".into()),
    ];

    let result = async {
        c.set_window_size(1280, 900).await?;
        sign_in(&c, &app, &admin).await?;
        for (name, path) in &pages {
            c.goto(&app.url(path)).await?;
            let nav = js(
                &c,
                "return [getComputedStyle(document.querySelector('.nav-wide')).display, \
                 getComputedStyle(document.querySelector('.nav-narrow')).display];",
            )
            .await;
            assert_eq!(nav, serde_json::json!(["inline", "none"]), "{path}: {nav}");
            shot(&c, &shots, &format!("desktop-{name}")).await;
        }

        // The helpdesk link: a read-only field as wide as its card, and a working copy button.
        c.goto(&app.url(&format!("/admin/guests/{ann}"))).await?;
        c.find(Locator::Css("form[action$='/reset-link'] button"))
            .await?
            .click()
            .await?;
        // The form posts and a new page comes: wait for it rather than read the old one.
        c.wait()
            .at_most(std::time::Duration::from_secs(30))
            .for_element(Locator::Id("link"))
            .await?;
        let field = js(
            &c,
            "const f = document.getElementById('link'); \
             const card = f.closest('.card').getBoundingClientRect(); \
             const b = document.querySelector('[data-copy=link]'); \
             return [f.readOnly, f.getBoundingClientRect().width / card.width, !b.hidden];",
        )
        .await;
        assert_eq!(field[0], true, "{field}");
        assert!(
            field[1].as_f64().unwrap() > 0.7,
            "the field spans the card: {field}"
        );
        assert_eq!(field[2], true, "the script shows the copy button: {field}");
        c.find(Locator::Css("[data-copy=link]"))
            .await?
            .click()
            .await?;
        let selected = js(
            &c,
            "const f = document.getElementById('link'); \
             return f.selectionEnd - f.selectionStart == f.value.length && f.value.length > 20;",
        )
        .await;
        assert_eq!(selected, true, "the copy button selects the whole link");
        shot(&c, &shots, "desktop-reset-link").await;

        // A 390 px phone: the nav is a collapsed <details>, no page scrolls sideways.
        c.set_window_size(390, 844).await?;
        for (name, path) in &pages {
            c.goto(&app.url(path)).await?;
            let v = js(
                &c,
                "const d = document.querySelector('header nav details.nav-narrow'); \
                 return [document.documentElement.scrollWidth, window.innerWidth, \
                 getComputedStyle(document.querySelector('.nav-wide')).display, \
                 !!d && getComputedStyle(d).display != 'none', !!d && d.open];",
            )
            .await;
            let (scroll, width) = (v[0].as_i64().unwrap(), v[1].as_i64().unwrap());
            assert!(width <= 400, "the window is phone-sized: {width}");
            if scroll > width {
                let culprits = js(
                    &c,
                    "return [...document.querySelectorAll('body *')].filter(e => \
                     e.getBoundingClientRect().right > window.innerWidth).slice(0, 8) \
                     .map(e => e.tagName + '.' + e.className + ' ' + Math.round(e.getBoundingClientRect().right));",
                )
                .await;
                panic!("{path} is {scroll} px wide at {width} px: {culprits}");
            }
            assert_eq!(v[2], "none", "{path}: the row of links is hidden: {v}");
            assert_eq!(v[3], true, "{path}: the menu is shown: {v}");
            assert_eq!(v[4], false, "{path}: and starts collapsed: {v}");
            shot(&c, &shots, &format!("phone-{name}")).await;
        }
        // Opening the menu shows every link, still within the screen.
        c.goto(&app.url("/admin/audit")).await?;
        c.find(Locator::Css("details.nav-narrow summary"))
            .await?
            .click()
            .await?;
        let v = js(
            &c,
            "const links = [...document.querySelectorAll('.nav-panel a')]; \
             return [links.length, links.every(a => { const r = a.getBoundingClientRect(); \
             return r.width > 0 && r.left >= 0 && r.right <= window.innerWidth; }), \
             document.documentElement.scrollWidth <= window.innerWidth];",
        )
        .await;
        assert_eq!(v, serde_json::json!([8, true, true]), "{v}");
        shot(&c, &shots, "phone-menu-open").await;
        Ok::<_, fantoccini::error::CmdError>(())
    }
    .await;
    let _ = c.close().await;
    result.expect("the browser walked the console");
    let keep = std::env::temp_dir().join("latchkey-console-screenshots");
    let _ = std::fs::create_dir_all(&keep);
    for entry in std::fs::read_dir(&shots).unwrap() {
        let entry = entry.unwrap();
        let _ = std::fs::copy(entry.path(), keep.join(entry.file_name()));
    }
    eprintln!("screenshots: {}", keep.display());
}
