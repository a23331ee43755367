//! The CcEmail account after the owner verifies (docs/security.md#33): an account created from
//! the copy of an invitation mailed to the `CcEmail` has a password the address's owner never
//! chose. When the owner confirms the address, the owner chooses a password in the same step:
//! the copy holder's password stops working, every session ends, any authenticator the copy
//! holder enrolled is gone. End to end over HTTP with the real SMTP sink; runs on PostgreSQL
//! too (`LATCHKEY_TEST_PG`).

mod support;

use latchkey::onboarding::invitations::{self, InviteRequest};
use latchkey::onboarding::Inviter;
use support::browser::{Browser, Page};
use support::smtp::link_with;
use support::TestApp;

const OWNER: &str = "pat@fabrikam.test";
const HOLDER: &str = "assistant@elsewhere.test";
const HOLDERS_PASSWORD: &str = "violet-harbour-telescope-42";
const OWNERS_PASSWORD: &str = "amber-glacier-lantern-93";

async fn app() -> TestApp {
    let app = TestApp::spawn_with_mail("").await;
    app.tenant("Fabrikam", "fabrikam.test", "unmanaged", "free");
    app
}

/// Invites `OWNER` with a copy to `HOLDER`, as the API and the CSV upload do.
async fn invite_with_copy(app: &TestApp) {
    let (settings, now) = (app.state.settings.clone(), app.state.now());
    let req = InviteRequest {
        email: OWNER.into(),
        display_name: Some("Pat".into()),
        cc_email: Some(HOLDER.into()),
    };
    app.state
        .db
        .run(move |c| invitations::invite_one(c, &settings, &Inviter::Operator, &req, None, now))
        .await
        .unwrap();
    app.state.jobs_wakeup.notify_one();
}

fn path_of(link: &str) -> String {
    url::Url::parse(link).unwrap().path().to_string()
}

fn signed_in(p: &Page) -> bool {
    p.status == 303 && p.location() == Some("/account")
}

fn user(app: &TestApp) -> latchkey::db::models::User {
    let mut conn = app.state.db.get().unwrap();
    let email = latchkey::domain::EmailAddress::parse(OWNER).unwrap();
    latchkey::db::users::find_by_email(&mut conn, &email)
        .unwrap()
        .unwrap()
}

/// The copy's holder creates the account, signs in, and the owner's confirmation link arrives.
/// Returns the holder's signed-in browser and the owner's `/verify/…` link.
async fn holder_creates_and_signs_in(app: &TestApp) -> (Browser, String) {
    invite_with_copy(app).await;
    let copy = app.wait_mail_to(HOLDER, 1).await;
    let link = link_with(&copy.text(), "/invite/").unwrap();
    let mut holder = app.browser();
    let form = holder.get(&link).await;
    let created = holder
        .post_form(
            &path_of(&link),
            &form.csrf().unwrap(),
            &[
                ("password", HOLDERS_PASSWORD),
                ("password_confirm", HOLDERS_PASSWORD),
            ],
        )
        .await;
    assert!(
        created.body.contains("Your account is ready"),
        "{}",
        created.body
    );
    assert!(signed_in(&holder.sign_in(OWNER, HOLDERS_PASSWORD).await));
    assert_eq!(holder.get("/account").await.status, 200);
    // The owner's address got the invitation, then the confirmation link.
    let verify = app.wait_mail_to(OWNER, 2).await;
    let vlink = link_with(&verify.text(), "/verify/").expect("a confirmation link");
    (holder, vlink)
}

#[tokio::test]
async fn item_10_the_owner_verifies_and_chooses_the_password_in_the_same_step() {
    let app = app().await;
    let (mut holder, vlink) = holder_creates_and_signs_in(&app).await;
    let before = user(&app);
    assert!(before.verified_at.is_none());

    // The owner opens the link: the page asks for a password, and changes nothing yet.
    let mut owner = app.browser();
    let page = owner.get(&vlink).await;
    assert_eq!(page.status, 200);
    assert!(
        page.body.contains("choose your own password"),
        "{}",
        page.body
    );
    assert!(page.body.contains("autocomplete=\"new-password\""));
    assert!(user(&app).verified_at.is_none());

    // The confirm button alone does not verify: the form comes back.
    let bare = owner
        .post_form(&path_of(&vlink), &page.csrf().unwrap(), &[])
        .await;
    assert!(bare.body.contains("New password"), "{}", bare.body);
    assert!(user(&app).verified_at.is_none());
    // A weak password is refused with its reason; still nothing changes.
    let weak = owner
        .post_form(
            &path_of(&vlink),
            &bare.csrf().unwrap(),
            &[
                ("password", "password123456"),
                ("password_confirm", "password123456"),
            ],
        )
        .await;
    assert!(weak.body.contains("too common"), "{}", weak.body);
    assert!(user(&app).verified_at.is_none());
    assert!(signed_in(
        &app.browser().sign_in(OWNER, HOLDERS_PASSWORD).await
    ));

    // The owner confirms with a password of their own.
    let done = owner
        .post_form(
            &path_of(&vlink),
            &weak.csrf().unwrap(),
            &[
                ("password", OWNERS_PASSWORD),
                ("password_confirm", OWNERS_PASSWORD),
            ],
        )
        .await;
    assert_eq!(done.status, 200, "{}", done.body);
    assert!(
        done.body.contains("Your new password is set"),
        "{}",
        done.body
    );
    let after = user(&app);
    assert!(after.verified_at.is_some());
    assert_ne!(after.password_hash, before.password_hash);
    assert!(after.session_generation > before.session_generation);

    // The holder's session is gone, and the holder's password fails.
    let account = holder.get("/account").await;
    assert_eq!(account.status, 303, "{}", account.body);
    assert_eq!(account.location(), Some("/signin"));
    assert!(!signed_in(
        &app.browser().sign_in(OWNER, HOLDERS_PASSWORD).await
    ));
    // The owner's password works.
    let mut fresh = app.browser();
    assert!(signed_in(&fresh.sign_in(OWNER, OWNERS_PASSWORD).await));
    assert_eq!(fresh.get("/account").await.status, 200);

    // The link is spent; the audit says the owner chose the password.
    let again = app.browser().get(&vlink).await;
    assert!(again.body.contains("invalid"), "{}", again.body);
    assert!(app.audit_events().iter().any(
        |e| e.event == "email_verified" && e.reason.as_deref() == Some("owner_chose_password")
    ));
}

#[tokio::test]
async fn item_10_an_authenticator_the_copy_holder_enrolled_is_removed() {
    // The holder could otherwise keep a second factor the owner has never seen, and the owner
    // could never reset the password.
    let app = app().await;
    let (_holder, vlink) = holder_creates_and_signs_in(&app).await;
    {
        let uid = user(&app).user_id();
        let secret = latchkey::security::TotpSecret::generate();
        let sealed = app
            .state
            .seal_totp(latchkey::security::SeedOwner::User(uid.as_str()), &secret);
        let mut conn = app.state.db.get().unwrap();
        latchkey::db::users::set_totp_secret(&mut conn, &uid, Some(&sealed), app.state.now())
            .unwrap();
    }
    assert!(user(&app).totp_secret.is_some());
    let mut owner = app.browser();
    let page = owner.get(&vlink).await;
    let done = owner
        .post_form(
            &path_of(&vlink),
            &page.csrf().unwrap(),
            &[
                ("password", OWNERS_PASSWORD),
                ("password_confirm", OWNERS_PASSWORD),
            ],
        )
        .await;
    assert!(
        done.body.contains("Your new password is set"),
        "{}",
        done.body
    );
    assert!(user(&app).totp_secret.is_none());
}

#[tokio::test]
async fn item_10_an_account_from_the_primary_link_confirms_without_a_password() {
    // Only CcEmail accounts need the owner's password: a guest whose address is unverified for
    // another reason confirms with the button, and keeps the password they chose.
    let app = app().await;
    app.user(OWNER, HOLDERS_PASSWORD, false, false);
    let mut b = app.browser();
    b.ask_reset(OWNER).await;
    app.drain_jobs().await;
    let mail = app.wait_mail_to(OWNER, 1).await;
    let vlink = link_with(&mail.text(), "/verify/").expect("a confirmation link");
    let mut v = app.browser();
    let page = v.get(&vlink).await;
    assert!(
        page.body.contains("Confirm my email address"),
        "{}",
        page.body
    );
    assert!(!page.body.contains("New password"));
    let done = v
        .post_form(&path_of(&vlink), &page.csrf().unwrap(), &[])
        .await;
    assert!(done.body.contains("is confirmed"), "{}", done.body);
    assert!(user(&app).verified_at.is_some());
    assert!(signed_in(
        &app.browser().sign_in(OWNER, HOLDERS_PASSWORD).await
    ));
}
