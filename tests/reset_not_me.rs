//! What each mail says (the account, the host, the requester's address, browser and time) and
//! the "this wasn't me" link of the reset mail and the password-changed notice: opening it
//! never acts; confirming it once ends every session, revokes the reset links and codes and
//! tells the tenant's admins (or, with none, the audit row alone), as one audited action.

mod admin_support;
mod sec_support;
mod support;

use sec_support::*;
use support::browser::Browser;
use support::smtp::link_with;

const VICTIM: &str = "victim@northwind.test";
const ADMIN: &str = "helpdesk@northwind.test";
const FIREFOX: &str =
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0";
const CONFIRM: &str = "This wasn't you?";
const NOT_ME_INVALID: &str = "This link is invalid or has already been used";

async fn host() -> support::TestApp {
    app_with("[branding]\norganisation = \"Woodgrove Bank\"\n").await
}

/// `POST /reset` for `email` with a browser's User-Agent.
async fn ask_as_firefox(app: &support::TestApp, email: &str) {
    let mut b = app.browser();
    let token = csrf(&mut b).await;
    let body =
        serde_urlencoded::to_string([("csrf_token", token.as_str()), ("email", email)]).unwrap();
    let p = b.post_raw("/reset", body, &[("user-agent", FIREFOX)]).await;
    assert_eq!(p.status, 303, "{}", p.body);
}

/// Opens a "this wasn't me" link in a fresh browser: the page it lands on.
async fn open_not_me(app: &support::TestApp, link: &str) -> (Browser, support::browser::Page) {
    let mut b = app.browser();
    let p = b.get(link).await;
    assert_eq!(p.status, 303, "{}", p.body);
    assert_eq!(p.location(), Some("/reset/not-me"));
    assert!(!p.location().unwrap().contains(&token_in(link)));
    let page = b.get("/reset/not-me").await;
    (b, page)
}

fn reported(app: &support::TestApp) -> Vec<latchkey::db::models::AuditEvent> {
    app.audit_events()
        .into_iter()
        .filter(|e| e.event == "not_me_reported")
        .collect()
}

#[tokio::test]
async fn the_reset_mail_names_the_account_the_host_the_address_the_browser_and_the_time() {
    let app = host().await;
    app.user(VICTIM, OLD, true, false);
    ask_as_firefox(&app, VICTIM).await;
    let m = reset_mail(&app, VICTIM, 1).await;
    for part in [m.mail.text(), m.mail.html()] {
        assert!(part.contains(VICTIM), "{part}");
        assert!(part.contains("You are a guest of"), "{part}");
        assert!(part.contains("Woodgrove Bank"), "{part}");
        assert!(part.contains("127.0.0.1"), "{part}");
        assert!(part.contains("Firefox on Windows"), "{part}");
        assert!(part.contains(" UTC on "), "{part}");
        assert!(part.contains("/reset/not-me/"), "{part}");
    }
    // The reset token still appears once (docs/security.md#18); the not-me token is another.
    assert_eq!(m.mail.text().matches(&m.token).count(), 1);
    let not_me = link_with(&m.mail.text(), "/reset/not-me/").unwrap();
    assert!(
        not_me.starts_with(&format!("{ORIGIN}/reset/not-me/")),
        "{not_me}"
    );
    assert_ne!(token_in(&not_me), m.token);
}

#[tokio::test]
async fn a_mailto_helpdesk_reads_as_its_address_in_mail() {
    let app = host().await;
    app.sql("UPDATE tenants SET helpdesk_url = 'mailto:help@northwind.test?subject=Reset' WHERE name = 'Northwind'");
    app.user(VICTIM, OLD, true, false);
    let done = reset_to(&app, VICTIM, 1, NEW).await;
    assert_done(&done);
    let notice = app.wait_mail_to(VICTIM, 2).await;
    let text = notice.text();
    assert!(
        text.contains("Tell help@northwind.test what happened"),
        "{text}"
    );
    assert!(
        !text.contains("mailto:") && !notice.html().contains(">mailto:"),
        "{text}"
    );
    // The notice says what changed it and carries its own "this wasn't me" link.
    assert!(
        text.contains("127.0.0.1") && text.contains(VICTIM),
        "{text}"
    );
    assert!(link_with(&text, "/reset/not-me/").is_some(), "{text}");
}

#[tokio::test]
async fn not_me_opening_never_acts_confirming_once_protects_the_account_and_tells_the_admins() {
    let app = host().await;
    app.user(VICTIM, OLD, true, false);
    admin_support::create_admin(&app, ADMIN, Some("northwind.test"));
    let mut signed_in = app.signed_in_guest(VICTIM, OLD).await;
    ask_as_firefox(&app, VICTIM).await;
    let m = reset_mail(&app, VICTIM, 1).await;
    let link = link_with(&m.mail.text(), "/reset/not-me/").unwrap();

    // GET (a mail scanner, or the guest reading) changes nothing.
    let (mut b, page) = open_not_me(&app, &link).await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains(CONFIRM), "{}", page.body);
    assert!(page.body.contains("action=\"/reset/not-me\""));
    let (_, again) = open_not_me(&app, &link).await;
    assert!(again.body.contains(CONFIRM));
    assert!(reported(&app).is_empty());
    assert_eq!(signed_in.get("/account").await.status, 200);

    // A POST without the CSRF token does nothing (docs/security.md#31).
    let forged = b.post_raw("/reset/not-me", String::new(), &[]).await;
    assert_eq!(forged.status, 403);
    assert!(reported(&app).is_empty());

    // Confirmed: one audited action.
    let done = b
        .post_form("/reset/not-me", &page.csrf().unwrap(), &[])
        .await;
    assert_eq!(done.status, 200, "{}", done.body);
    assert!(
        done.body.contains("Your account is protected"),
        "{}",
        done.body
    );
    let rows = reported(&app);
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].email.as_deref(), Some(VICTIM));
    assert_eq!(rows[0].outcome, "alert");
    let detail = rows[0].detail.clone().unwrap_or_default();
    assert!(detail.contains("\"admins_notified\":1"), "{detail}");
    assert!(detail.contains("\"revoked_tokens\":1"), "{detail}");

    // Every session ended; the reset link and code revoked.
    let account = signed_in.get("/account").await;
    assert_ne!(account.status, 200, "{}", account.body);
    let mut r = app.browser();
    assert_invalid(&r.get(&m.link).await);
    // The tenant's admins were told.
    let alert = app.wait_mail_to(ADMIN, 1).await;
    assert!(alert.text().contains(VICTIM), "{}", alert.text());
    assert!(alert.text().contains("Northwind"), "{}", alert.text());
    assert!(
        alert.text().contains("/admin/audit?tenant="),
        "{}",
        alert.text()
    );

    // The link works once; a made-up token gets the very same page.
    let (mut b2, used) = open_not_me(&app, &link).await;
    assert!(used.body.contains(NOT_ME_INVALID), "{}", used.body);
    let posted = b2
        .post_form(
            "/reset/not-me",
            &used.csrf().unwrap_or_else(|| "x".into()),
            &[],
        )
        .await;
    assert!(
        posted.body.contains(NOT_ME_INVALID) || posted.status == 403,
        "{}",
        posted.body
    );
    let bogus = format!("{ORIGIN}/reset/not-me/{}", "A".repeat(43));
    let (_, unknown) = open_not_me(&app, &bogus).await;
    assert_eq!(unknown.status, used.status);
    assert_eq!(mask_csrf(&unknown.body), mask_csrf(&used.body));
    assert_eq!(reported(&app).len(), 1);
}

#[tokio::test]
async fn without_tenant_admins_the_report_is_audited_only() {
    let app = host().await;
    let guest = "solo@fabrikam.test";
    app.user(guest, OLD, true, false);
    let done = reset_to(&app, guest, 1, NEW).await;
    assert_done(&done);
    let notice = app.wait_mail_to(guest, 2).await;
    let link = link_with(&notice.text(), "/reset/not-me/").unwrap();
    let (mut b, page) = open_not_me(&app, &link).await;
    let p = b
        .post_form("/reset/not-me", &page.csrf().unwrap(), &[])
        .await;
    assert!(p.body.contains("Your account is protected"), "{}", p.body);
    let rows = reported(&app);
    assert_eq!(rows.len(), 1);
    assert!(rows[0]
        .detail
        .as_deref()
        .unwrap_or_default()
        .contains("\"admins_notified\":\"audit_only\""));
    app.drain_jobs().await;
    assert_eq!(app.sink().messages().len(), 2, "no mail to anyone else");
}
