//! Redeeming an invitation or a signup link: the account, its tenant, and the first reset.

use super::*;

#[tokio::test]
async fn a_redeemed_invitation_creates_an_unmanaged_tenant_and_the_guest_can_reset() {
    let app = app().await;
    assert!(matches!(
        invite(&app, "ann@newco.test", None).await,
        InviteOutcome::Invited {
            consumer_domain: false,
            ..
        }
    ));
    let mail = app.wait_mail_to("ann@newco.test", 1).await;
    assert!(
        mail.text().contains("You have been invited"),
        "the operator names nobody"
    );
    let link = link_with(&mail.text(), "/invite/").unwrap();
    assert!(
        link.starts_with("https://reset.test.example/invite/"),
        "{link}"
    );
    let mut b = app.browser();
    let done = redeem(&link, &mut b).await;
    assert!(done.body.contains("Your account is ready"), "{}", done.body);
    let t = tenant_of(&app, "ann@newco.test");
    assert_eq!(
        (t.name.as_str(), t.kind.as_str()),
        ("newco.test", "unmanaged")
    );
    assert!(user(&app, "ann@newco.test").verified_at.is_some());
    // The link works once.
    let again = app.browser().get(&link).await;
    assert!(
        again.body.contains("invalid or has expired"),
        "{}",
        again.body
    );
    let events: Vec<String> = app.audit_events().into_iter().map(|e| e.event).collect();
    assert!(events.contains(&"invitation_redeemed".to_string()));
    assert!(events.contains(&"tenant_created".to_string()));
    // Unmanaged tenant → SSPR allowed.
    assert!(decide(&app, "ann@newco.test").await.is_allow());
    assert!(reset_link_arrives(&app, "ann@newco.test", 2).await);
}

#[tokio::test]
async fn the_cc_copy_leaves_the_primary_unverified_and_reset_is_denied_until_it_is_confirmed() {
    let app = app().await;
    invite(&app, "pat@fabrikam.test", Some("helper@elsewhere.test")).await;
    let cc = app.wait_mail_to("helper@elsewhere.test", 1).await;
    let link = link_with(&cc.text(), "/invite/").unwrap();
    let mut b = app.browser();
    let form = b.get(&link).await;
    assert!(
        form.body.contains("sent to another address"),
        "{}",
        form.body
    );
    let done = redeem(&link, &mut b).await;
    assert!(done.body.contains("confirm"), "{}", done.body);
    let u = user(&app, "pat@fabrikam.test");
    assert!(u.verified_at.is_none());
    assert_eq!(tenant_of(&app, "pat@fabrikam.test").name, "Fabrikam");
    assert_eq!(
        decide(&app, "pat@fabrikam.test").await,
        Decision::Deny(DenyReason::EmailUnverified)
    );
    // The primary address got its invitation and then a confirmation link.
    let verify = app.wait_mail_to("pat@fabrikam.test", 2).await;
    let vlink = link_with(&verify.text(), "/verify/").expect("verification link");
    // A reset request is denied email_unverified (no reset link is mailed).
    assert!(!reset_link_arrives(&app, "pat@fabrikam.test", 3).await);
    let audit = app.audit_events();
    assert!(audit
        .iter()
        .any(|e| e.event == "reset_requested" && e.reason.as_deref() == Some("email_unverified")));
    // Confirming the primary address lifts it; its owner chooses the password in that step
    // (docs/security.md#33; tests/security_round2_ccemail.rs).
    let mut v = app.browser();
    let confirm = v.get(&vlink).await;
    let path = url::Url::parse(&vlink).unwrap().path().to_string();
    let owners = "amber-glacier-lantern-93";
    let ok = v
        .post_form(
            &path,
            &confirm.csrf().unwrap(),
            &[("password", owners), ("password_confirm", owners)],
        )
        .await;
    assert_eq!(ok.status, 200, "{}", ok.body);
    assert!(user(&app, "pat@fabrikam.test").verified_at.is_some());
    assert!(decide(&app, "pat@fabrikam.test").await.is_allow());
}

#[tokio::test]
async fn a_consumer_domain_guest_is_invited_redeems_and_resets() {
    let app = app().await;
    assert!(matches!(
        invite(&app, "kim@gmail.com", None).await,
        InviteOutcome::Invited {
            consumer_domain: true,
            ..
        }
    ));
    let mail = app.wait_mail_to("kim@gmail.com", 1).await;
    let link = link_with(&mail.text(), "/invite/").unwrap();
    let done = redeem(&link, &mut app.browser()).await;
    assert!(done.body.contains("Your account is ready"), "{}", done.body);
    let t = tenant_of(&app, "kim@gmail.com");
    assert_eq!(t.name, "consumers");
    assert!(t.is_consumer);
    assert!(reset_link_arrives(&app, "kim@gmail.com", 2).await);
}

#[tokio::test]
async fn signup_mails_a_link_that_creates_a_verified_account_without_telling_accounts_apart() {
    let app = app().await;
    app.user("taken@fabrikam.test", PASSWORD, true, false);
    let mut b = app.browser();
    let fresh = b
        .submit("/signup", "/signup", &[("email", "lee@fabrikam.test")])
        .await;
    let taken = b
        .submit("/signup", "/signup", &[("email", "taken@fabrikam.test")])
        .await;
    assert_eq!(fresh.status, 200);
    assert!(fresh.body.contains("Check your email"));
    // docs/security.md#11: the same reply for a new and an existing address.
    assert_eq!((fresh.status, &fresh.body), (taken.status, &taken.body));
    let bad = b
        .submit("/signup", "/signup", &[("email", "a@b,c@d.test")])
        .await;
    assert_eq!(bad.status, 400);

    let note = app.wait_mail_to("taken@fabrikam.test", 1).await;
    assert!(note.text().contains("already have one"), "{}", note.text());
    assert!(link_with(&note.text(), "/signup/complete/").is_none());

    let mail = app.wait_mail_to("lee@fabrikam.test", 1).await;
    let link = link_with(&mail.text(), "/signup/complete/").expect("signup link");
    let done = redeem(&link, &mut app.browser()).await;
    assert!(done.body.contains("Your account is ready"), "{}", done.body);
    let u = user(&app, "lee@fabrikam.test");
    assert!(u.verified_at.is_some());
    assert_eq!(tenant_of(&app, "lee@fabrikam.test").name, "Fabrikam");
    let again = app.browser().get(&link).await;
    assert!(again.body.contains("invalid or has expired"));
    // And the new guest can sign in.
    let p = app
        .browser()
        .submit(
            "/signin",
            "/signin",
            &[("email", "lee@fabrikam.test"), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(p.status, 303, "{}", p.body);
}

#[tokio::test]
async fn the_invitation_page_names_the_organisation_in_words_a_guest_knows() {
    // A guest of a known organisation reads its display name; a personal address reads that the
    // account belongs to no organisation, never the name of the internal consumer bucket.
    let app = app().await;
    invite(&app, "ola@fabrikam.test", None).await;
    invite(&app, "kim@gmail.com", None).await;
    let link = link_with(
        &app.wait_mail_to("ola@fabrikam.test", 1).await.text(),
        "/invite/",
    )
    .unwrap();
    let page = app.browser().get(&link).await;
    let text = support::browser::visible_text(&page.body);
    assert!(
        text.contains("Your account will belong to Fabrikam."),
        "{text}"
    );
    let link = link_with(
        &app.wait_mail_to("kim@gmail.com", 1).await.text(),
        "/invite/",
    )
    .unwrap();
    let page = app.browser().get(&link).await;
    let text = support::browser::visible_text(&page.body);
    assert!(!text.contains("consumers"), "{text}");
    assert!(!text.contains("will belong to"), "{text}");
    assert!(
        text.contains("it does not belong to any organisation"),
        "{text}"
    );
}
