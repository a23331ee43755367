//! Sign-in, its failure, the account pages and sign-out.

use super::*;

pub(crate) async fn pages(app: &TestApp, g: &mut Guest, guest: &str) {
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
}
