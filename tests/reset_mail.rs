//! docs/security.md group C (email, #14–#18), read from a real SMTP server.

mod sec_support;
mod support;

use sec_support::*;
use support::browser::Page;
use support::smtp::{link_with, links_in};

const VICTIM: &str = "victim@fabrikam.test";
const ATTACKER: &str = "attacker@fabrikam.test";

fn uniform_or_400(p: &Page, what: &str) {
    assert!(
        p.status == 400
            || (p.status == 303 && p.location() == Some("/reset/code"))
            || (p.status == 200 && p.body.contains("Check your email")),
        "{what}: {} {}",
        p.status,
        p.body
    );
}

#[tokio::test]
async fn the_link_origin_comes_from_config_never_from_the_request() {
    // docs/security.md#14: Host, X-Forwarded-Host and Forwarded poisoning → 400, or a link on the
    // configured `public_base_url`.
    let app = app().await;
    app.user(VICTIM, OLD, true, false);
    let poisons: [&[(&str, &str)]; 5] = [
        &[("host", "evil.tld")],
        &[("x-forwarded-host", "evil.tld")],
        &[("forwarded", "host=evil.tld;proto=http")],
        &[
            ("x-forwarded-proto", "http"),
            ("x-forwarded-host", "evil.tld:8443"),
        ],
        &[
            ("host", "evil.tld"),
            ("x-forwarded-host", "evil.tld"),
            ("x-forwarded-port", "1"),
        ],
    ];
    let mut sent = 0;
    for headers in poisons {
        let mut b = app.browser();
        let token = csrf(&mut b).await;
        let body = serde_urlencoded::to_string([("csrf_token", token.as_str()), ("email", VICTIM)])
            .unwrap();
        let p = b.post_raw("/reset", body, headers).await;
        uniform_or_400(&p, &format!("{headers:?}"));
        assert!(!p.body.contains("evil.tld"), "{headers:?}");
        assert!(
            !p.location().unwrap_or_default().contains("evil.tld"),
            "{headers:?}"
        );
        if p.status != 400 {
            sent += 1;
            let m = reset_mail(&app, VICTIM, sent).await;
            assert!(
                m.link.starts_with(&format!("{ORIGIN}/reset/link/")),
                "{headers:?}: {}",
                m.link
            );
            for part in [m.mail.text(), m.mail.html(), m.mail.data.clone()] {
                assert!(!part.contains("evil.tld"), "{headers:?}: {part}");
            }
            for l in links_in(&m.mail.text()) {
                assert!(l.starts_with(ORIGIN), "{headers:?}: {l}");
            }
        }
    }
    app.drain_jobs().await;
    assert_eq!(app.sink().messages().len(), sent);
}

#[tokio::test]
async fn a_request_reaches_exactly_one_recipient_the_stored_address() {
    // docs/security.md#15 (GitLab CVE-2023-7028): arrays, lists, CRLF and JSON give a 400 or the
    // uniform reply, and the sink holds ≤ 1 mail per request, to the stored address only.
    let app = app().await;
    app.user(VICTIM, OLD, true, false);
    let mut b = app.browser();
    let token = csrf(&mut b).await;
    let t = token.as_str();
    let attempts: Vec<(String, &str)> = vec![
        (
            serde_urlencoded::to_string([
                ("csrf_token", t),
                ("email[]", VICTIM),
                ("email[]", ATTACKER),
            ])
            .unwrap(),
            "application/x-www-form-urlencoded",
        ),
        (
            serde_urlencoded::to_string([
                ("csrf_token", t),
                ("email", VICTIM),
                ("email", ATTACKER),
            ])
            .unwrap(),
            "application/x-www-form-urlencoded",
        ),
        (
            serde_urlencoded::to_string([
                ("csrf_token", t),
                ("email", ATTACKER),
                ("email", VICTIM),
            ])
            .unwrap(),
            "application/x-www-form-urlencoded",
        ),
        (
            serde_urlencoded::to_string([
                ("csrf_token", t),
                ("email", &format!("{VICTIM},{ATTACKER}")),
            ])
            .unwrap(),
            "application/x-www-form-urlencoded",
        ),
        (
            serde_urlencoded::to_string([
                ("csrf_token", t),
                ("email", &format!("{VICTIM};{ATTACKER}")),
            ])
            .unwrap(),
            "application/x-www-form-urlencoded",
        ),
        (
            format!(
                "csrf_token={t}&email=victim%40fabrikam.test%0d%0aBcc:attacker%40fabrikam.test"
            ),
            "application/x-www-form-urlencoded",
        ),
        (
            format!(
                "csrf_token={t}&email=victim%40fabrikam.test%0aBcc:%20attacker%40fabrikam.test"
            ),
            "application/x-www-form-urlencoded",
        ),
        (
            format!(
                "csrf_token={t}&email=%22attacker%40fabrikam.test%22%3Cvictim%40fabrikam.test%3E"
            ),
            "application/x-www-form-urlencoded",
        ),
        (
            serde_json::json!({ "csrf_token": t, "email": [VICTIM, ATTACKER] }).to_string(),
            "application/json",
        ),
        (
            serde_json::json!({ "csrf_token": t, "email": VICTIM }).to_string(),
            "application/json",
        ),
    ];
    let mut accepted = 0;
    for (body, content_type) in attempts {
        let before = app.sink().messages().len();
        let p = b
            .post_raw("/reset", body.clone(), &[("content-type", content_type)])
            .await;
        // The JSON ones are refused before the handler (400, or 403 when refused as forms
        // without a CSRF field); neither sends anything.
        assert!(
            p.status == 400
                || p.status == 403
                || (p.status == 200 && p.body.contains("Check your email")),
            "{body}: {} {}",
            p.status,
            p.body
        );
        assert_ne!(p.status, 500, "{body}");
        if p.status == 200 {
            accepted += 1;
        }
        app.drain_jobs().await;
        let after = app.sink().messages();
        assert!(after.len() - before <= 1, "{body}: more than one mail");
    }
    for m in app.sink().messages() {
        assert_eq!(m.to, vec![VICTIM.to_string()], "envelope recipients");
        assert_eq!(m.header("to").as_deref(), Some(VICTIM));
        assert!(m.header("cc").is_none() && m.header("bcc").is_none());
        assert!(!m.data.contains(ATTACKER));
    }
    assert!(app.mails_to(ATTACKER).is_empty());
    assert_eq!(app.sink().messages().len(), accepted);
}

#[tokio::test]
async fn look_alike_addresses_do_not_collide() {
    // docs/security.md#16 (Django CVE-2019-19844, GitHub dotless ı): `mike@` and `mıke@` are two
    // accounts; a request for one mails only that one. `MIKE@` mails the stored lowercase value.
    let app = app().await;
    app.user("mike@fabrikam.test", OLD, true, false);
    app.user("mıke@fabrikam.test", OLD, true, false);
    let (_, p) = ask(&app, "mıke@fabrikam.test").await;
    assert_eq!(p.status, 200);
    app.drain_jobs().await;
    assert!(
        app.mails_to("mike@fabrikam.test").is_empty(),
        "mike@ got mıke@'s mail"
    );
    let dotless = app.mails_to("mıke@fabrikam.test");
    assert_eq!(dotless.len(), 1, "{:?}", app.sink().messages());

    let (_, p) = ask(&app, "MIKE@FABRIKAM.TEST").await;
    assert_eq!(p.status, 200);
    let m = app.wait_mail_to("mike@fabrikam.test", 1).await;
    assert_eq!(m.to, vec!["mike@fabrikam.test".to_string()]);
    assert_eq!(m.header("to").as_deref(), Some("mike@fabrikam.test"));
    app.drain_jobs().await;
    assert_eq!(app.mails_to("mıke@fabrikam.test").len(), 1);

    // Other look-alikes: Kelvin sign, fullwidth letters, a capital dotted İ.
    for probe in [
        "\u{212A}ate@fabrikam.test",
        "ｍike@fabrikam.test",
        "MİKE@fabrikam.test",
    ] {
        let (_, p) = ask(&app, probe).await;
        uniform_or_400(&p, probe);
    }
    app.drain_jobs().await;
    assert_eq!(app.mails_to("mike@fabrikam.test").len(), 1);
    assert_eq!(app.mails_to("mıke@fabrikam.test").len(), 1);
}

#[tokio::test]
async fn an_unverified_address_gets_no_reset_link() {
    // docs/security.md#17: the reply is as #11, and the mailbox gets the explanation (a
    // verification link), never a reset link or code.
    let app = app().await;
    app.user("new@fabrikam.test", OLD, false, false);
    app.user(VICTIM, OLD, true, false);
    let (_, unverified) = ask(&app, "new@fabrikam.test").await;
    let (_, verified) = ask(&app, VICTIM).await;
    assert_eq!(
        shape_of(&unverified, "new@fabrikam.test"),
        shape_of(&verified, VICTIM)
    );
    app.drain_jobs().await;
    let mails = app.mails_to("new@fabrikam.test");
    assert_eq!(mails.len(), 1);
    let text = mails[0].text();
    assert!(link_with(&text, "/reset/link/").is_none(), "{text}");
    assert!(support::smtp::code_in(&text).is_none(), "a code in: {text}");
    assert!(
        column(&app, "reset_tokens", "user_id")
            .iter()
            .all(|u| *u != user_row(&app, "new@fabrikam.test").id.as_str()),
        "a reset token was issued for an unverified address"
    );
}

#[tokio::test]
async fn the_reset_mail_is_safe_and_a_changed_notice_follows() {
    // docs/security.md#18: parse the MIME. The link is https on the configured host with the token
    // once and no secret; after the reset a "password changed" mail goes to the address of
    // record, with no token.
    let app = app().await;
    app.user(VICTIM, OLD, true, false);
    let m = ask_and_mail(&app, VICTIM, 1).await;
    let text = m.mail.text();
    let html = m.mail.html();
    assert!(!text.is_empty() && !html.is_empty(), "text and HTML parts");
    let url = url::Url::parse(&m.link).unwrap();
    assert_eq!(url.scheme(), "https");
    assert_eq!(url.host_str(), Some("reset.test.example"));
    assert_eq!(url.path(), format!("/reset/link/{}", m.token));
    assert!(url.query().is_none() && url.fragment().is_none());
    assert_eq!(m.link.matches(&m.token).count(), 1);
    // The text part shows the link once; the HTML part links it (href) and may show it.
    assert_eq!(text.matches(&m.token).count(), 1, "{text}");
    assert!(html.contains(&format!("href=\"{}\"", m.link)), "{html}");
    for l in links_in(&html) {
        assert!(l.starts_with(ORIGIN), "off-origin link in HTML: {l}");
    }
    for secret in [OLD, "argon2", "$argon2id"] {
        assert!(!m.mail.data.contains(secret), "{secret} in the mail");
    }
    assert_eq!(m.mail.to, vec![VICTIM.to_string()]);
    // No token in the subject or any header.
    let (head, _) = support::smtp::split_head(&m.mail.data);
    assert!(!head.contains(&m.token));

    let mut b = open_link(&app, &m.link, "/reset/new").await;
    assert_done(&choose(&mut b, NEW, NEW).await);
    let notice = app.wait_mail_to(VICTIM, 2).await;
    assert_eq!(notice.to, vec![VICTIM.to_string()]);
    let subject = notice.header("subject").unwrap_or_default().to_lowercase();
    assert!(subject.contains("password"), "{subject}");
    let body = notice.text();
    assert!(body.contains("changed"), "{body}");
    assert!(!notice.data.contains(&m.token));
    assert!(!notice.data.contains(&m.code));
    assert!(!notice.data.contains(NEW) && !notice.data.contains(OLD));
    assert!(link_with(&body, "/reset/link/").is_none());
    for l in links_in(&body).into_iter().chain(links_in(&notice.html())) {
        assert!(
            l.starts_with(ORIGIN) || l.starts_with("https://help."),
            "{l}"
        );
    }
}
