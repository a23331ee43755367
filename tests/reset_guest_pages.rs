//! The reset pages as a guest reads them: post-redirect-get after asking, the address repeated
//! on the check-email page, tries left after a wrong code, the new-password form (which account,
//! the error on the field it is about, the show-password script within the CSP), and a done page
//! that claims nothing it did not see. Runs on PostgreSQL too (`LATCHKEY_TEST_PG`).

mod sec_support;
mod support;

use sec_support::*;
use support::browser::visible_text;

#[tokio::test]
async fn asking_redirects_to_the_check_email_page_and_a_refresh_sends_no_more_mail() {
    let app = app().await;
    app.user("alice@fabrikam.test", OLD, true, false);
    let mut b = app.browser();
    let token = csrf(&mut b).await;
    let posted = b
        .post_form("/reset", &token, &[("email", "alice@fabrikam.test")])
        .await;
    assert_eq!(posted.status, 303, "{}", posted.body);
    assert_eq!(posted.location(), Some("/reset/code"));
    assert!(posted
        .set_cookies()
        .iter()
        .any(|c| c.starts_with("__Host-reset_flow=")));
    // The page, then the same page refreshed: a GET that asks for nothing.
    for _ in 0..3 {
        let page = b.get("/reset/code").await;
        assert_eq!(page.status, 200);
        assert!(page.body.contains("Check your email"), "{}", page.body);
    }
    app.drain_jobs().await;
    assert_eq!(app.mails_to("alice@fabrikam.test").len(), 1);
    // Without a flow there is nothing to check: back to the start.
    let stranger = app.browser().get("/reset/code").await;
    assert_eq!(stranger.status, 303);
    assert_eq!(stranger.location(), Some("/reset"));
}

#[tokio::test]
async fn the_check_email_page_repeats_the_typed_address_escaped_with_a_way_to_start_again() {
    let app = app().await;
    // A valid address whose local part holds HTML's special characters.
    let typed = "o'brien&co@fabrikam.test";
    let (_, page) = ask(&app, typed).await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(!page.body.contains(typed), "unescaped: {}", page.body);
    assert!(page.body.contains("o&#39;brien&amp;co@fabrikam.test"));
    let text = visible_text(&page.body);
    assert!(
        text.contains(&format!(
            "We have sent a message to {typed} if that address can reset"
        )),
        "{text}"
    );
    assert!(text.contains("Not your address? Start again"), "{text}");
    assert!(page.body.contains("<a href=\"/reset\">Start again</a>"));
}

#[tokio::test]
async fn wrong_codes_say_how_many_tries_are_left_alike_for_every_address() {
    // docs/security.md#9, #11: the budget is the flow's, so an address without an account
    // counts down the same way.
    let app = app().await;
    app.user("alice@fabrikam.test", OLD, true, false);
    for email in ["alice@fabrikam.test", "nobody@fabrikam.test"] {
        let (mut b, _) = ask(&app, email).await;
        app.drain_jobs().await;
        for left in ["4 tries left", "3 tries left", "2 tries left", "1 try left"] {
            let token = csrf(&mut b).await;
            let p = b
                .post_form("/reset/code", &token, &[("code", "LLLL-LLLL")])
                .await;
            let text = visible_text(&p.body);
            assert!(
                text.contains(&format!(
                    "That code is not right. Check the email and try again. You have {left}."
                )),
                "{email}: {text}"
            );
            assert!(text.contains(email), "{email}: the address is still shown");
        }
        let token = csrf(&mut b).await;
        let p = b
            .post_form("/reset/code", &token, &[("code", "LLLL-LLLL")])
            .await;
        assert_invalid(&p);
    }
}

#[tokio::test]
async fn the_new_password_page_names_the_account_and_puts_a_mismatch_on_the_confirmation() {
    let app = app().await;
    app.user("alice@fabrikam.test", OLD, true, false);
    let m = ask_and_mail(&app, "alice@fabrikam.test", 1).await;
    let mut b = open_link(&app, &m.link, "/reset/new").await;
    let form = b.get("/reset/new").await;
    let text = visible_text(&form.body);
    assert!(
        text.contains("You are choosing a new password for alice@fabrikam.test."),
        "{text}"
    );
    assert!(!form.body.contains("error-summary"));

    let p = choose(&mut b, NEW, "brisk-meadow-compass-82").await;
    assert_eq!(p.status, 200);
    // GOV.UK's pattern: a summary at the top linking to the field, the error beside the field.
    let summary = p
        .body
        .find("class=\"error-summary\"")
        .expect("an error summary");
    let heading = p.body.find("<h1>").unwrap();
    assert!(summary < heading, "the summary is at the top");
    assert!(p
        .body
        .contains("<a href=\"#password_confirm\">The two passwords don&#39;t match.</a>"));
    let confirm_error = p.body.find("id=\"password_confirm-error\"").unwrap();
    let confirm_field = p.body.find("id=\"password_confirm\"").unwrap();
    let first_field = p.body.find("id=\"password\"").unwrap();
    assert!(first_field < confirm_error && confirm_error < confirm_field);
    assert!(!p.body.contains("id=\"password-error\""));
    assert!(p
        .body
        .contains("aria-describedby=\"password_confirm-error\""));
    // Passwords are never written back into the page; the page says so.
    assert!(!p.body.contains(NEW));
    assert!(visible_text(&p.body).contains("type both once more"));
    // An error about the password itself sits on the first field.
    let p = choose(&mut b, "short", "short").await;
    assert!(p.body.contains("<a href=\"#password\">"), "{}", p.body);
    assert!(p.body.contains("id=\"password-error\""));
    assert!(!p.body.contains("id=\"password_confirm-error\""));

    // The show-password control: hidden until the script (from /static, allowed by the CSP,
    // never inline) shows it.
    assert!(p
        .body
        .contains("<input type=\"checkbox\" id=\"show-password\">"));
    assert!(p
        .body
        .contains("<script src=\"/static/show-password.js\" defer></script>"));
    let csp = p.header("content-security-policy").unwrap().to_string();
    assert!(csp.contains("script-src 'self'"), "{csp}");
    assert!(!csp.contains("unsafe-inline"), "{csp}");
    let js = b.get("/static/show-password.js").await;
    assert_eq!(js.status, 200);
    assert!(js
        .header("content-type")
        .unwrap()
        .starts_with("text/javascript"));
    assert!(js.body.contains("show-password"));
}

#[tokio::test]
async fn the_done_page_confirms_only_a_reset_completed_in_this_browser() {
    let app = app().await;
    app.user("alice@fabrikam.test", OLD, true, false);
    // Opened directly: nothing happened, and the way to start.
    let direct = app.browser().get("/reset/done").await;
    assert_eq!(direct.status, 200);
    let text = visible_text(&direct.body);
    assert!(!text.contains("Your password was changed"), "{text}");
    assert!(text.contains("No password was changed here"), "{text}");
    assert!(direct.body.contains("href=\"/reset\""));
    // After a real reset, in that browser: the confirmation.
    let m = ask_and_mail(&app, "alice@fabrikam.test", 1).await;
    let mut b = open_link(&app, &m.link, "/reset/new").await;
    assert_done(&choose(&mut b, NEW, NEW).await);
    let done = b.get("/reset/done").await;
    assert!(
        visible_text(&done.body).contains("Your password was changed"),
        "{}",
        done.body
    );
}
