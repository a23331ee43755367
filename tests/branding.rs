//! In the host's name (docs/branding.md): `[branding]` on guest pages and in mails, a tenant's
//! overrides set on the console winning in that tenant's mails and in the pages that know the
//! account, the TOTP issuer, and
//! `templates_dir` (an override used at run time; a broken one refuses the start, naming the
//! file and line, through the real binary).

mod admin_support;
mod sec_support;
mod support;

use sec_support::*;
use std::process::Command;
use support::process::{free_port, BINARY};
use support::TestApp;

const BRANDING: &str = "[branding]\nservice_name = \"Woodgrove access\"\norganisation = \"Woodgrove Bank\"\nlogo = \"woodgrove.svg\"\naccent_colour = \"#7A1F5C\"\n";
const LOGO: &str = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"10\" height=\"10\"/>";

/// A server whose data directory already holds the logo (the start checks it exists).
async fn branded(extra: &str) -> TestApp {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("static")).unwrap();
    std::fs::write(dir.path().join("static/woodgrove.svg"), LOGO).unwrap();
    let db = support::TestDb::create(dir.path());
    let sink = support::smtp::SmtpSink::start().await;
    let config = format!(
        "smtp_url = \"{}\"\nsmtp_timeout_seconds = 2\n{extra}\n{BRANDING}[jobs]\npoll_interval_ms = 50\n",
        sink.url()
    );
    let mut app = TestApp::spawn_on(dir, db, &config).await;
    app.smtp = Some(sink);
    app.tenant("Fabrikam", "fabrikam.test", "unmanaged", "free");
    app.tenant("Northwind", "northwind.test", "managed", "premium");
    app
}

#[tokio::test]
async fn guest_pages_carry_the_service_name_logo_and_accent_never_latchkey() {
    let app = branded("").await;
    let mut b = app.browser();
    for path in ["/", "/reset", "/signin"] {
        let p = b.get(path).await;
        assert_eq!(p.status, 200, "{path}");
        assert!(p.body.contains("Woodgrove access"), "{path}: {}", p.body);
        assert!(!p.body.contains("Latchkey"), "{path}: {}", p.body);
        assert!(
            p.body.contains(
                "<img class=\"logo\" src=\"/static/brand/woodgrove.svg\" alt=\"Woodgrove Bank\">"
            ),
            "{path}: {}",
            p.body
        );
        assert!(p.body.contains("href=\"/static/brand.css\""), "{path}");
    }
    let css = b.get("/static/brand.css").await;
    assert!(css.body.contains("--accent: #7a1f5c"), "{}", css.body);
    let logo = b.get("/static/brand/woodgrove.svg").await;
    assert_eq!(logo.status, 200);
    assert_eq!(logo.header("content-type"), Some("image/svg+xml"));
    assert_eq!(logo.body, LOGO);
    for bad in [
        "/static/brand/..%2Fsecret.key",
        "/static/brand/secret.key",
        "/static/brand/none.png",
    ] {
        assert_eq!(b.get(bad).await.status, 404, "{bad}");
    }
}

#[tokio::test]
async fn mails_are_sent_in_the_hosts_name_with_the_logo_by_absolute_url() {
    let app = branded("").await;
    app.user("ann@fabrikam.test", OLD, true, false);
    let m = ask_and_mail(&app, "ann@fabrikam.test", 1).await;
    let (text, html) = (m.mail.text(), m.mail.html());
    assert!(
        text.contains("You are a guest of Woodgrove Bank."),
        "{text}"
    );
    assert!(text.contains("Woodgrove access"), "{text}");
    assert!(
        !text.contains("Latchkey") && !html.contains("Latchkey"),
        "{text}{html}"
    );
    assert!(
        html.contains("src=\"https://reset.test.example/static/brand/woodgrove.svg\""),
        "{html}"
    );
    assert!(html.contains("alt=\"Woodgrove Bank\""), "{html}");
    assert!(html.contains("background:#7a1f5c"), "{html}");
}

#[tokio::test]
async fn a_tenants_branding_set_on_the_console_wins_in_its_guests_mails_and_pages() {
    let app = branded("").await;
    app.user("ann@fabrikam.test", OLD, true, false);
    app.user("bob@northwind.test", OLD, true, false);
    let fabrikam = app.state.db.get().map(|mut c| {
        latchkey::db::tenants::find_by_name(&mut c, "Fabrikam")
            .unwrap()
            .unwrap()
    });
    let tenant_id = fabrikam.unwrap().id;
    let admin = admin_support::set_up(&app, "root@host.test", None).await;
    let mut b = admin_support::signed_in(&app, &admin).await;
    let page = b.get(&format!("/admin/tenants/{tenant_id}")).await;
    assert!(
        page.body.contains("<legend>Branding</legend>"),
        "{}",
        page.body
    );
    let csrf = page.csrf().unwrap();
    let path = format!("/admin/tenants/{tenant_id}/branding");
    let bad = b
        .post_form(&path, &csrf, &[("accent_colour", "red; x")])
        .await;
    assert_eq!(bad.status, 400, "{}", bad.body);
    let saved = b
        .post_form(
            &path,
            &csrf,
            &[
                ("service_name", "Fabrikam partner desk"),
                ("organisation", "Fabrikam Holdings"),
                ("accent_colour", "#123"),
            ],
        )
        .await;
    assert_eq!(saved.status, 303, "{}", saved.body);
    let again = b.get(&format!("/admin/tenants/{tenant_id}")).await;
    assert!(again.body.contains("value=\"Fabrikam partner desk\""));
    assert!(app
        .audit_events()
        .iter()
        .any(|e| e.event == "tenant_updated"
            && e.detail
                .as_deref()
                .unwrap_or_default()
                .contains("Fabrikam Holdings")));

    let ann_reset = ask_and_mail(&app, "ann@fabrikam.test", 1).await;
    let ann = &ann_reset.mail;
    assert!(
        ann.text().contains("You are a guest of Fabrikam Holdings."),
        "{}",
        ann.text()
    );
    assert!(ann.text().contains("Fabrikam partner desk"));
    assert!(ann.html().contains("background:#112233"), "{}", ann.html());
    // Another tenant keeps the service-wide branding.
    let bob = ask_and_mail(&app, "bob@northwind.test", 1).await.mail;
    assert!(
        bob.text().contains("You are a guest of Woodgrove Bank."),
        "{}",
        bob.text()
    );

    // Pages that know the account show its tenant's branding too: the reset flow once the
    // link has named the account, and the signed-in pages; the accent by value.
    let tenant_brand = |p: &support::browser::Page, what: &str| {
        assert!(
            p.body.contains("Fabrikam partner desk"),
            "{what}: {}",
            p.body
        );
        assert!(!p.body.contains("Woodgrove access"), "{what}: {}", p.body);
        assert!(
            p.body.contains("href=\"/static/brand.css?accent=112233\""),
            "{what}: {}",
            p.body
        );
    };
    let mut reset = open_link(&app, &ann_reset.link, "/reset/new").await;
    let page = reset.get("/reset/new").await;
    assert_eq!(page.status, 200, "{}", page.body);
    tenant_brand(&page, "/reset/new");
    let mut ann_b = app.signed_in_guest("ann@fabrikam.test", OLD).await;
    let page = ann_b.get("/account").await;
    assert_eq!(page.status, 200, "{}", page.body);
    tenant_brand(&page, "/account");
    // The authenticator app names the tenant's service too.
    let security = ann_b.get("/account/security").await;
    assert!(
        security.body.contains("issuer=Fabrikam%20partner%20desk"),
        "{}",
        security.body
    );
    let css = ann_b.get("/static/brand.css?accent=112233").await;
    assert!(css.body.contains("--accent: #112233"), "{}", css.body);
    assert_eq!(
        ann_b.get("/static/brand.css?accent=red;x").await.status,
        400
    );
    // A page before the account is known, and another tenant's guest: the service's own.
    let start = app.browser().get("/reset").await;
    assert!(start.body.contains("Woodgrove access"), "{}", start.body);
    assert!(start.body.contains("href=\"/static/brand.css\""));
    let mut bob_b = app.signed_in_guest("bob@northwind.test", OLD).await;
    let page = bob_b.get("/account").await;
    assert!(page.body.contains("Woodgrove access"), "{}", page.body);
    assert!(!page.body.contains("Fabrikam partner desk"));
}

#[tokio::test]
async fn the_authenticator_app_names_the_service() {
    let app = branded("").await;
    app.user("ann@fabrikam.test", OLD, true, false);
    let mut b = app.signed_in_guest("ann@fabrikam.test", OLD).await;
    let p = b.get("/account/security").await;
    let url = p
        .body
        .split("href=\"")
        .find_map(|s| {
            s.starts_with("otpauth://")
                .then(|| s.split('"').next().unwrap())
        })
        .unwrap_or_else(|| panic!("no otpauth link: {}", p.body))
        .replace("&amp;", "&");
    assert!(
        url.starts_with("otpauth://totp/Woodgrove%20access:"),
        "{url}"
    );
    assert!(url.contains("issuer=Woodgrove%20access"), "{url}");
}

#[tokio::test]
async fn a_template_in_templates_dir_replaces_the_built_in_one() {
    let tdir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(tdir.path().join("email")).unwrap();
    std::fs::write(
        tdir.path().join("email/reset_link.subject.txt"),
        "{{ brand.service_name }}: your reset link",
    )
    .unwrap();
    let app = branded(&format!("templates_dir = \"{}\"", tdir.path().display())).await;
    app.user("ann@fabrikam.test", OLD, true, false);
    let m = ask_and_mail(&app, "ann@fabrikam.test", 1).await;
    assert_eq!(
        m.mail.header("subject").as_deref(),
        Some("Woodgrove access: your reset link")
    );
}

/// `latchkey serve` with `env`, expected to refuse to start: its exit code and stderr.
fn refused(env: &[(&str, String)]) -> (Option<i32>, String) {
    let dir = tempfile::tempdir().unwrap();
    let mut cmd = Command::new(BINARY);
    cmd.env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("LATCHKEY_DATA_DIR", dir.path())
        .env("LATCHKEY_DNS", "off")
        .env("LATCHKEY_DEMO", "false")
        .env("LATCHKEY_BIND", format!("127.0.0.1:{}", free_port()))
        .env("LATCHKEY_MANAGEMENT_BIND", "0")
        .current_dir(dir.path())
        .arg("serve");
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().expect("run latchkey");
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn a_broken_template_override_refuses_the_start_naming_file_and_line() {
    let tdir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(tdir.path().join("email")).unwrap();
    let file = tdir.path().join("email/reset_link.txt");
    std::fs::write(&file, "Hello,\n\nYour link: {{ link }\n").unwrap();
    let (code, err) = refused(&[("LATCHKEY_TEMPLATES_DIR", tdir.path().display().to_string())]);
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("`templates_dir`"), "{err}");
    assert!(err.contains(&file.display().to_string()), "{err}");
    assert!(err.contains("line 3"), "{err}");

    // A file that replaces nothing is refused too (a typo would silently do nothing).
    std::fs::remove_file(&file).unwrap();
    std::fs::write(tdir.path().join("email/reset_lnk.txt"), "x").unwrap();
    let (code, err) = refused(&[("LATCHKEY_TEMPLATES_DIR", tdir.path().display().to_string())]);
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("reset_lnk.txt"), "{err}");
}

#[test]
fn a_bad_accent_colour_or_missing_logo_refuses_the_start() {
    let (code, err) = refused(&[("LATCHKEY_BRANDING__ACCENT_COLOUR", "blue".into())]);
    assert_eq!(code, Some(2), "{err}");
    assert!(
        err.contains("`branding.accent_colour`") && err.contains("#rrggbb"),
        "{err}"
    );
    let (code, err) = refused(&[("LATCHKEY_BRANDING__LOGO", "nowhere.png".into())]);
    assert_eq!(code, Some(2), "{err}");
    assert!(
        err.contains("`branding.logo`") && err.contains("does not exist"),
        "{err}"
    );
}
