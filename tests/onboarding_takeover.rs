//! Domain takeover end to end, against a real DNS server: dnsmasq, started by the test on a
//! port the app is configured with (`dns = "127.0.0.1:PORT"`), first with a wrong TXT record,
//! then with the right one. Needs dnsmasq (`apt-get install dnsmasq-base`): without it the test
//! prints "skipped: …" and passes, except under `CI=true`, where it fails.

mod dns_support;
mod support;
use dns_support::{free_port, require_dnsmasq};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use support::browser::{Browser, Page};
use support::smtp::link_with;
use support::TestApp;

const PASSWORD: &str = "violet-harbour-telescope-42";

/// dnsmasq on exactly `port` (the app's resolver address is fixed before the record is known).
struct Dns(Child);

impl Dns {
    fn start(binary: &Path, port: u16, txt: &str) -> Dns {
        let mut child = Command::new(binary)
            .args([
                "--keep-in-foreground",
                "--conf-file=/dev/null",
                "--no-resolv",
                "--no-hosts",
                "--no-poll",
                "--pid-file=",
                "--bind-interfaces",
                "--listen-address=127.0.0.1",
                "--log-facility=-",
                "--mx-host=acme.test,mail.acme.test,10",
                "--host-record=mail.acme.test,192.0.2.25",
                "--local=/test/",
            ])
            .arg(format!("--port={port}"))
            .arg(format!("--txt-record=acme.test,{txt}"))
            .arg("--txt-record=acme.test,v=spf1 -all")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn dnsmasq");
        let deadline = Instant::now() + Duration::from_secs(5);
        while Instant::now() < deadline {
            if TcpStream::connect_timeout(
                &([127, 0, 0, 1], port).into(),
                Duration::from_millis(100),
            )
            .is_ok()
            {
                return Dns(child);
            }
            if let Ok(Some(status)) = child.try_wait() {
                panic!("dnsmasq exited: {status}");
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = child.kill();
        let _ = child.wait();
        panic!("dnsmasq did not listen on {port}");
    }
}

impl Drop for Dns {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn tenant(app: &TestApp) -> latchkey::db::models::Tenant {
    let mut conn = app.state.db.get().unwrap();
    latchkey::db::tenants::find_by_domain(&mut conn, "acme.test")
        .unwrap()
        .unwrap()
}

fn txt_value(p: &Page) -> String {
    let at = p.body.find("id=\"txt-value\">").expect("TXT value shown") + "id=\"txt-value\">".len();
    p.body[at..at + p.body[at..].find('<').unwrap()].to_string()
}

async fn post(b: &mut Browser, path: &str) -> Page {
    let page = b.get("/account/organisation").await;
    let csrf = page
        .csrf()
        .unwrap_or_else(|| panic!("no csrf: {} {}", page.status, page.body));
    b.post_form(path, &csrf, &[]).await
}

#[tokio::test]
async fn a_guest_takes_over_the_domain_by_dns_and_sspr_then_needs_premium() {
    let Some(binary) = require_dnsmasq() else {
        return;
    };
    let port = free_port();
    let wrong = Dns::start(&binary, port, "latchkey-verification=not-the-right-value");
    let app = TestApp::spawn_with_mail(&format!("dns = \"127.0.0.1:{port}\"")).await;
    app.tenant("acme.test", "acme.test", "unmanaged", "free");
    app.user("owner@acme.test", PASSWORD, true, false);
    app.user("guest@acme.test", PASSWORD, true, false);

    // Before the takeover: the guest asks for a reset and holds a live link.
    let mut g = app.browser();
    g.ask_reset("guest@acme.test").await;
    let old = app.wait_mail_to("guest@acme.test", 1).await;
    let old_link = link_with(&old.text(), "/reset/link/").expect("reset link before takeover");

    let mut b = app.signed_in_guest("owner@acme.test", PASSWORD).await;
    assert!(b
        .get("/account")
        .await
        .body
        .contains("/account/organisation"));
    let page = b.get("/account/organisation").await;
    assert!(
        page.body.contains("Manage this organisation"),
        "{}",
        page.body
    );
    let started = post(&mut b, "/account/organisation/start").await;
    assert_eq!(started.status, 200, "{}", started.body);
    let value = txt_value(&started);
    assert!(value.starts_with("latchkey-verification="), "{value}");
    // Reloading shows the same value.
    assert_eq!(txt_value(&b.get("/account/organisation").await), value);

    // The wrong record: a clear message, nothing changes.
    let failed = post(&mut b, "/account/organisation/verify").await;
    assert!(
        failed.body.contains("The TXT record was not found"),
        "{}",
        failed.body
    );
    assert_eq!(tenant(&app).kind.as_str(), "unmanaged");
    drop(wrong);

    // The right record.
    let _dns = Dns::start(&binary, port, &value);
    let done = post(&mut b, "/account/organisation/verify").await;
    assert!(
        done.body.contains("you now manage acme.test"),
        "{}",
        done.body
    );
    assert!(
        done.body
            .contains("https://reset.test.example/admin/setup/"),
        "{}",
        done.body
    );
    let t = tenant(&app);
    assert_eq!((t.kind.as_str(), t.plan.as_str()), ("managed", "free"));
    {
        let mut conn = app.state.db.get().unwrap();
        let d = latchkey::db::tenant_domains::find(&mut conn, "acme.test")
            .unwrap()
            .unwrap();
        assert!(d.verified_at.is_some() && d.challenge.is_none());
        let owner = latchkey::domain::EmailAddress::parse("owner@acme.test").unwrap();
        let admin = latchkey::db::admins::find_by_email(&mut conn, &owner)
            .unwrap()
            .expect("tenant admin");
        assert_eq!(
            (
                admin.role.as_str(),
                admin.tenant_id.as_ref().map(|t| t.as_str())
            ),
            ("tenant", Some(t.id.as_str()))
        );
        assert!(admin.setup_token_hash.is_some() && admin.password_hash.is_none());
    }
    let events: Vec<(String, String)> = app
        .audit_events()
        .into_iter()
        .filter(|e| e.event.starts_with("tenant_takeover"))
        .map(|e| (e.event, e.reason.unwrap_or_default()))
        .collect();
    assert_eq!(
        events,
        vec![
            ("tenant_takeover_started".into(), String::new()),
            ("tenant_takeover_failed".into(), "record_missing".into()),
            ("tenant_takeover_verified".into(), String::new()),
        ]
    );

    // docs/security.md#6: the link issued before the takeover is dead.
    let p = app.browser().get(&old_link).await;
    assert!(p.body.contains("invalid or has expired"), "{}", p.body);
    // Managed + free: the domain-level page.
    let denied = g.ask_reset("guest@acme.test").await;
    assert!(
        denied
            .body
            .contains("has not turned on self-service password reset"),
        "{}",
        denied.body
    );
    // A platform admin sets premium: allowed again, the link arrives.
    {
        let mut conn = app.state.db.get().unwrap();
        latchkey::db::tenants::set_plan(
            &mut conn,
            &t.tenant_id(),
            latchkey::domain::Plan::Premium,
            app.state.now(),
        )
        .unwrap();
    }
    let ok = g.ask_reset("guest@acme.test").await;
    assert!(ok.body.contains("Check your email"), "{}", ok.body);
    let mail = app.wait_mail_to("guest@acme.test", 2).await;
    assert!(link_with(&mail.text(), "/reset/link/").is_some());
    // Nobody can take a managed tenant over again.
    let again = b.get("/account/organisation").await;
    assert!(
        again.body.contains("already has administrators"),
        "{}",
        again.body
    );
}

#[tokio::test]
async fn consumer_and_unverified_guests_cannot_start_and_verification_is_rate_limited() {
    let app = TestApp::spawn_with_mail("").await;
    app.tenant("Widgets", "widgets.test", "unmanaged", "free");
    app.user("me@gmail.com", PASSWORD, true, false);
    app.user("new@widgets.test", PASSWORD, false, false);
    app.user("boss@widgets.test", PASSWORD, true, false);

    let mut c = app.signed_in_guest("me@gmail.com", PASSWORD).await;
    let p = post(&mut c, "/account/organisation/start").await;
    assert!(p.body.contains("personal email providers"), "{}", p.body);
    assert!(!p.body.contains("txt-value"));
    let mut u = app.signed_in_guest("new@widgets.test", PASSWORD).await;
    let p = post(&mut u, "/account/organisation/start").await;
    assert!(
        p.body.contains("Confirm your email address first"),
        "{}",
        p.body
    );

    let mut b = app.signed_in_guest("boss@widgets.test", PASSWORD).await;
    post(&mut b, "/account/organisation/start").await;
    // DNS is off in tests: each attempt fails as "DNS did not answer" until the cap.
    for _ in 0..latchkey::onboarding::takeover::MAX_VERIFICATIONS_PER_HOUR {
        let p = post(&mut b, "/account/organisation/verify").await;
        assert!(p.body.contains("DNS did not answer"), "{}", p.body);
    }
    let p = post(&mut b, "/account/organisation/verify").await;
    assert!(
        p.body.contains("Too many verification attempts"),
        "{}",
        p.body
    );
    // The next hour, attempts are allowed again.
    app.clock.advance(chrono::Duration::hours(1));
    let mut b = app.signed_in_guest("boss@widgets.test", PASSWORD).await;
    let p = post(&mut b, "/account/organisation/verify").await;
    assert!(p.body.contains("DNS did not answer"), "{}", p.body);
}
