//! docs/security.md group E (flow and second factor, #24–#27), CSRF (#31), audit and logs (#36,
//! #37) and headers (#38–#40), over HTTP with a real SMTP server.
//!
//! Elsewhere: rate limiting (#28–#30) in the `ratelimit*` tests, cookie flags and sessions
//! (#32, #33) in `guest_session`, the console (#34, #35) in the `admin_*` tests.

mod audit_and_logs;
mod flow;
mod headers;
#[path = "../sec_support/mod.rs"]
mod sec_support;
#[path = "../support/mod.rs"]
mod support;
mod totp;

use latchkey::security::TotpSecret;
use latchkey::services::clock::Clock as _;
use sec_support::*;
use support::browser::{Browser, Page};
use support::TestApp;

const ERIN: &str = "erin@northwind.test";
const ALICE: &str = "alice@fabrikam.test";

/// An app whose clock sits 10 s into a TOTP step, so codes computed here cannot cross a step
/// boundary before the server checks them.
async fn totp_app() -> (TestApp, TotpSecret) {
    let app = app().await;
    let secret = app.user(ERIN, OLD, true, true).unwrap();
    let now = app.clock.now().timestamp();
    app.clock
        .advance(chrono::Duration::seconds(30 - now.rem_euclid(30) + 10));
    (app, secret)
}

fn totp_now(app: &TestApp, secret: &TotpSecret, steps_back: i64) -> String {
    let t = app.clock.now().timestamp() - 30 * steps_back;
    secret.code_at(t as u64).unwrap()
}

/// A browser at `/reset/verify` for Erin (the `n`-th mail to her).
async fn at_verify(app: &TestApp, n: usize) -> Browser {
    let m = ask_and_mail(app, ERIN, n).await;
    open_link(app, &m.link, "/reset/verify").await
}

async fn post_totp(b: &mut Browser, code: &str) -> Page {
    let token = csrf(b).await;
    b.post_form("/reset/verify", &token, &[("code", code)])
        .await
}

fn totp_refused(p: &Page) -> bool {
    p.status == 200 && p.body.contains("not right")
}
