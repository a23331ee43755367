//! The start page, the 404 page, the reset flow with its error pages and the policy's refusal, and the "this wasn't me" question.

use super::*;

/// Walks them; returns the browser that opened the "this wasn't me" link (confirmed last).
pub(crate) async fn pages(
    app: &TestApp,
    g: &mut Guest,
    lang: Lang,
    via: Via,
    guest: &str,
) -> Guest {
    // The start page and a page that does not exist.
    let p = g.get("/").await;
    g.check("start", &p, 200, &[("index-lead", none())]);
    let p = g.get("/no-such-page").await;
    g.check("404", &p, 404, &[("error-404-title", none())]);

    // The reset flow, from the request to the done page.
    let p = g.get("/reset").await;
    g.check("reset request", &p, 200, &[("reset-request-text", none())]);
    let p = g.submit("/reset", "/reset", &[("email", "x@@")]).await;
    g.check(
        "reset request, malformed",
        &p,
        400,
        &[("email-error-multiple-at", none())],
    );
    let p = g.submit("/reset", "/reset", &[("email", guest)]).await;
    p.assert_see_other("/reset/code");
    let p = g.follow(p).await;
    g.check(
        "check email",
        &p,
        200,
        &[
            ("check-email-title", none()),
            ("check-email-code-hint", none()),
        ],
    );
    let p = g
        .submit("/reset/code", "/reset/code", &[("code", "AAAA-AAAA")])
        .await;
    g.check("wrong code", &p, 200, &[("code-wrong", none())]);
    let m = reset_mail(app, guest, 1).await;
    let p = g.get(&m.link).await;
    let p = g.follow(p).await;
    g.check("new password", &p, 200, &[("reset-new-title", none())]);
    let p = g
        .submit(
            "/reset/new",
            "/reset/new",
            &[("password", "short"), ("password_confirm", "short")],
        )
        .await;
    g.check(
        "new password, refused",
        &p,
        200,
        &[("password-type-again", none())],
    );
    let p = g
        .submit(
            "/reset/new",
            "/reset/new",
            &[("password", NEW), ("password_confirm", NEW)],
        )
        .await;
    let p = g.follow(p).await;
    g.check("reset done", &p, 200, &[("reset-done-text", none())]);
    let p = g.get(&m.link).await;
    g.check("used link", &p, 200, &[("reset-invalid-text", none())]);
    let p = g.get("/reset/link/not-a-token").await;
    g.check("bad link", &p, 200, &[("reset-invalid-ask", none())]);

    // A domain whose organisation has not turned self-service reset on: the policy's sentence.
    let p = g
        .submit("/reset", "/reset", &[("email", "someone@contoso.test")])
        .await;
    let p = g.follow(p).await;
    g.check(
        "reset unavailable",
        &p,
        200,
        &[
            ("reset-unavailable-title", none()),
            ("deny-tenant-not-licensed", none()),
        ],
    );

    // "This wasn't me", from the reset mail: the question, then what was done.
    let not_me = link_with(&m.mail.text(), "/reset/not-me/").expect("a not-me link");
    let mut n = Guest::new(app, lang, via).await;
    let p = n.get(&not_me).await;
    let p = n.follow(p).await;
    n.check("not me", &p, 200, &[("notme-confirm-title", none())]);
    n
}
