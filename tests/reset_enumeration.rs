//! docs/security.md group B (enumeration, #11–#13): `POST /reset` tells the browser nothing about
//! accounts. #13 (SMTP down) is also in `reset_reliability.rs`.

mod sec_support;
mod support;

use sec_support::timing::mann_whitney_z;
use sec_support::*;
use support::browser::Page;
use support::smtp::{link_with, Mode};
use support::TestApp;

/// Every account-level case of docs/policy.md, each with its own address.
const CASES: &[(&str, &str)] = &[
    ("eligible", "eligible@fabrikam.test"),
    ("eligible_totp", "totp@fabrikam.test"),
    ("unknown", "nobody@fabrikam.test"),
    ("unknown_no_tenant", "nobody@unclaimed.test"),
    ("disabled", "disabled@fabrikam.test"),
    ("locked", "locked@fabrikam.test"),
    ("unverified", "unverified@fabrikam.test"),
    ("bounced", "bounced@fabrikam.test"),
    ("methods_not_registered", "nomfa@northwind.test"),
    ("eligible_managed", "eligible@northwind.test"),
];

async fn accounts() -> TestApp {
    let app = app().await;
    app.user("eligible@fabrikam.test", OLD, true, false);
    app.user("totp@fabrikam.test", OLD, true, true);
    app.user("disabled@fabrikam.test", OLD, true, false);
    app.user("locked@fabrikam.test", OLD, true, false);
    app.user("unverified@fabrikam.test", OLD, false, false);
    app.user("bounced@fabrikam.test", OLD, true, false);
    app.user("nomfa@northwind.test", OLD, true, false);
    app.user("eligible@northwind.test", OLD, true, true);
    app.sql("UPDATE users SET disabled = TRUE WHERE email = 'disabled@fabrikam.test'");
    app.sql(
        "UPDATE users SET locked_until = '2999-01-01 00:00:00' \
         WHERE email = 'locked@fabrikam.test'",
    );
    app.sql(
        "UPDATE users SET bounced_at = '2020-01-01 00:00:00', bounce_reason = '550 5.1.1' \
         WHERE email = 'bounced@fabrikam.test'",
    );
    app.sql("UPDATE tenants SET methods_required = 2 WHERE name = 'Northwind'");
    app
}

/// The value of the `reset_flow` cookie a reply sets.
fn flow_cookie(p: &Page) -> String {
    p.set_cookies()
        .iter()
        .find_map(|c| c.split(';').next()?.strip_prefix("__Host-reset_flow="))
        .unwrap_or_else(|| panic!("no reset_flow cookie: {:?}", p.set_cookies()))
        .to_string()
}

#[tokio::test]
async fn every_account_case_gets_the_same_reply_byte_for_byte() {
    // docs/security.md#11: existing eligible, unknown, and every account-level deny reason
    // (disabled, locked, unverified, bounced/undeliverable, methods_not_registered). The POST
    // answers 303 and the check-email page follows (post-redirect-get): both are compared.
    let app = accounts().await;
    let mut first: Vec<(&str, &str, Page, Page)> = Vec::new();
    let mut second: Vec<(&str, &str, Page, Page)> = Vec::new();
    for (case, email) in CASES {
        // A fresh browser each time, as a stranger probing addresses would use.
        let mut b = app.browser();
        let form = b.get("/reset").await;
        let token = form.csrf().unwrap();
        let posted = b.post_form("/reset", &token, &[("email", email)]).await;
        let page = b.get("/reset/code").await;
        first.push((case, email, posted, page));
        // A second rapid request from the same browser.
        let posted = b.post_form("/reset", &token, &[("email", email)]).await;
        let page = b.get("/reset/code").await;
        second.push((case, email, posted, page));
    }
    // The sealed flow cookie holds the flow id and the typed address: its length may follow
    // the address's length, and nothing else.
    let mut cookie_len_by_address_len = std::collections::BTreeMap::new();
    for replies in [&first, &second] {
        let (ref_case, ref_email, ref_post, ref_page) = &replies[0];
        assert_eq!(ref_post.status, 303);
        assert_eq!(ref_post.location(), Some("/reset/code"));
        assert_eq!(ref_page.status, 200);
        assert!(ref_page.body.contains("Check your email"));
        assert!(
            ref_page.body.contains(ref_email),
            "the page repeats the address"
        );
        for (case, email, post, page) in replies.iter() {
            let (a, b) = (shape_of(ref_post, ref_email), shape_of(post, email));
            assert_eq!(a, b, "POST /reset: {ref_case} vs {case}");
            assert!(post.body.is_empty(), "{case}: {}", post.body);
            let (a, b) = (shape_of(ref_page, ref_email), shape_of(page, email));
            assert_eq!(a.0, b.0, "status: {ref_case} vs {case}");
            assert_eq!(a.1, b.1, "headers: {ref_case} vs {case}");
            assert_eq!(a.2, b.2, "body: {ref_case} vs {case}");
            // The raw bytes differ only in the CSRF token and the address: same length once
            // the address is taken out.
            assert_eq!(
                ref_page.body.len() - ref_email.len() * ref_page.body.matches(ref_email).count(),
                page.body.len() - email.len() * page.body.matches(email).count(),
                "{case}"
            );
            let cookie = flow_cookie(post).len();
            let seen = *cookie_len_by_address_len
                .entry(email.len())
                .or_insert(cookie);
            assert_eq!(seen, cookie, "{case}: the flow cookie's length");
        }
    }
    // The first and the second request look the same too.
    assert_eq!(
        shape_of(&first[0].2, first[0].1),
        shape_of(&second[0].2, second[0].1)
    );
    assert_eq!(
        shape_of(&first[0].3, first[0].1),
        shape_of(&second[0].3, second[0].1)
    );

    // The explanation went to the mailbox instead (docs/policy.md), never to the browser.
    app.drain_jobs().await;
    let eligible = app.mails_to("eligible@fabrikam.test");
    assert_eq!(eligible.len(), 2);
    assert!(link_with(&eligible[0].text(), "/reset/link/").is_some());
    for silent in [
        "nobody@fabrikam.test",
        "disabled@fabrikam.test",
        "bounced@fabrikam.test",
    ] {
        assert!(app.mails_to(silent).is_empty(), "{silent} got mail");
    }
    for explained in [
        "locked@fabrikam.test",
        "unverified@fabrikam.test",
        "nomfa@northwind.test",
    ] {
        let mails = app.mails_to(explained);
        assert!(!mails.is_empty(), "{explained} got no explanation");
        for m in mails {
            assert!(
                link_with(&m.text(), "/reset/link/").is_none(),
                "{explained} got a reset link"
            );
        }
    }
}

#[tokio::test]
async fn a_malformed_address_is_the_only_other_reply() {
    // docs/security.md#11: the field error depends on the input alone, never on accounts: an
    // address with an account and one without (of the same length) answer alike.
    let app = accounts().await;
    let mut b = app.browser();
    let token = csrf(&mut b).await;
    let with = b
        .post_form("/reset", &token, &[("email", "eligible@@fabrikam.test")])
        .await;
    let without = b
        .post_form("/reset", &token, &[("email", "eligibl3@@fabrikam.test")])
        .await;
    assert_eq!(with.status, 400);
    assert_eq!(with.status, without.status);
    assert_eq!(comparable_headers(&with), comparable_headers(&without));
    assert_eq!(
        mask_csrf(&with.body).replace("eligible", "X"),
        mask_csrf(&without.body).replace("eligibl3", "X")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn known_and_unknown_addresses_take_the_same_time() {
    // docs/security.md#12: 200 requests each, interleaved, show no significant difference
    // (Mann–Whitney, |z| < 3.29, i.e. p > 0.001 two-sided): mail goes through the queue.
    const N: usize = 200;
    let app = accounts().await;
    // SMTP stalls, so the worker's sending does not compete for the CPU in one group only.
    app.sink().set_mode(Mode::Hang).await;
    let mut b = app.browser();
    let token = csrf(&mut b).await;
    // Warm up both paths.
    for email in ["eligible@fabrikam.test", "nobody@fabrikam.test"] {
        b.post_form("/reset", &token, &[("email", email)]).await;
    }
    let (mut known, mut unknown) = (Vec::with_capacity(N), Vec::with_capacity(N));
    for i in 0..N {
        // ABBA order, so drift hits both groups alike.
        let order = if i % 2 == 0 {
            [true, false]
        } else {
            [false, true]
        };
        for is_known in order {
            let email = if is_known {
                "eligible@fabrikam.test"
            } else {
                "nobody@fabrikam.test"
            };
            let started = std::time::Instant::now();
            let p = b.post_form("/reset", &token, &[("email", email)]).await;
            let ms = started.elapsed().as_secs_f64() * 1000.0;
            assert_eq!(p.status, 303);
            if is_known {
                known.push(ms);
            } else {
                unknown.push(ms);
            }
        }
    }
    let z = mann_whitney_z(&known, &unknown);
    let median = |v: &mut Vec<f64>| {
        v.sort_by(|a, b| a.partial_cmp(b).unwrap());
        v[v.len() / 2]
    };
    let (mk, mu) = (median(&mut known), median(&mut unknown));
    assert!(
        z.abs() < 3.29,
        "timing differs: z = {z:.2}, median known {mk:.2} ms, unknown {mu:.2} ms"
    );
}

#[tokio::test]
async fn wrong_codes_answer_alike_for_every_account_case() {
    // docs/security.md#11, #9: the code step must not tell accounts apart either. A stranger asks
    // for a reset of an address, then types wrong codes in that browser: every reply, up to and
    // past the 5-try cap, is the same whether the address has a live reset or not.
    let app = accounts().await;
    let mut transcripts: Vec<(&str, Vec<Shape>)> = Vec::new();
    for (case, email) in CASES {
        let (mut b, _) = ask(&app, email).await;
        app.drain_jobs().await;
        let token = csrf(&mut b).await;
        let mut replies = Vec::new();
        for _ in 0..7 {
            // Never a valid code: the alphabet has no 0, O, 1, I or L.
            let p = b
                .post_form("/reset/code", &token, &[("code", "LLLL-LLLL")])
                .await;
            replies.push(shape_of(&p, email));
        }
        transcripts.push((case, replies));
    }
    let (ref_case, reference) = &transcripts[0];
    // The cap is reached: the flow ends (docs/security.md#9).
    assert!(
        reference.last().unwrap().2.contains(INVALID),
        "{ref_case}: the flow never ended"
    );
    for (case, replies) in &transcripts {
        for (i, (a, b)) in reference.iter().zip(replies).enumerate() {
            assert_eq!(a.0, b.0, "attempt {}: status {ref_case} vs {case}", i + 1);
            assert_eq!(a.1, b.1, "attempt {}: headers {ref_case} vs {case}", i + 1);
            assert_eq!(a.2, b.2, "attempt {}: body {ref_case} vs {case}", i + 1);
        }
    }
}
