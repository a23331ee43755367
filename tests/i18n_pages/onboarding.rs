//! Sign-up, invitations and email confirmation.

use super::*;

pub(crate) async fn pages(app: &TestApp, g: &mut Guest, unverified: &str) {
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
    let link = invitation_link(app, invitee).await;
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
}
