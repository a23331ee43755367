//! Scale-out: three real `latchkey serve` processes on ONE PostgreSQL
//! database behave as one service. They start together on an empty database (the migration
//! advisory lock serialises them), then take 3 000 `POST /reset` spread over all three, with
//! CSRF tokens issued by one instance and posted to another (one shared secret key). Each job
//! is claimed by exactly one instance (`FOR UPDATE SKIP LOCKED`): exactly one mail per
//! eligible request, none twice, none for unknown or ineligible addresses, every request
//! audited once; the persistent per-address mail cap is shared; a session opened on one
//! instance works on the others.
//!
//! PostgreSQL only (LATCHKEY_TEST_PG): several instances on one SQLite file is not a
//! supported deployment (docs/operations.md says so), so the SQLite pass skips it and says why.

mod support;

use latchkey::domain::EmailAddress;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};
use support::browser::Browser;
use support::process::{self, ProcessConfig, ServerProcess};
use support::smtp::SmtpSink;
use support::TestDb;

const REQUESTS: usize = 3_000;
const INSTANCES: usize = 3;
const CLIENTS: usize = 24;
const PASSWORD: &str = "fleet-Session-pass-8f2c1e";

/// Request `i`: its address and whether it is eligible (a guest of an unmanaged tenant).
/// Kinds rotate with `i % 3`; the instance is `(i / 3) % 3`, so every kind hits every instance.
fn address(i: usize) -> (String, bool) {
    let n = i / 3;
    match i % 3 {
        0 => (format!("user{n}@fleet.test"), true),
        1 => (format!("ghost{n}@fleet.test"), false),
        _ => (format!("user{n}@managed.test"), false),
    }
}

fn instance_of(i: usize) -> usize {
    (i / 3) % INSTANCES
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_instances_on_one_postgresql_behave_as_one_service() {
    if std::env::var("LATCHKEY_TEST_PG").map_or(true, |v| v.trim().is_empty()) {
        eprintln!(
            "skipped: the fleet test needs PostgreSQL (set LATCHKEY_TEST_PG); several instances \
             on one SQLite file is not a supported deployment"
        );
        return;
    }
    let started = Instant::now();
    let dir = tempfile::tempdir().unwrap();
    let db = TestDb::create(dir.path());
    let sink = SmtpSink::start().await;

    // Three instances at the same moment on an empty database: the migrations race.
    let mut fleet: Vec<ServerProcess> = (0..INSTANCES)
        .map(|k| {
            let mut config = ProcessConfig::new(&dir.path().join(format!("i{k}")), &db.url);
            config.smtp_url = Some(sink.url());
            config.smtp_timeout_seconds = 10;
            config.log_level = "warn".into();
            ServerProcess::start(&format!("i{k}"), &config)
        })
        .collect();
    for p in &mut fleet {
        p.wait_ready(Duration::from_secs(60)).await;
    }
    let direct = process::direct_db(&db.url);
    let migrations = std::fs::read_dir("migrations/postgres")
        .map(|d| {
            d.filter(|e| e.as_ref().is_ok_and(|e| e.path().is_dir()))
                .count()
        })
        .unwrap_or(0) as i64;
    assert!(migrations > 0);
    assert_eq!(
        process::count(
            &direct,
            "SELECT COUNT(*) AS n FROM __diesel_schema_migrations"
        ),
        migrations,
        "every migration applied exactly once"
    );
    eprintln!(
        "3 instances ready in {:.1} s",
        started.elapsed().as_secs_f64()
    );

    // The directory: eligible guests, a managed free tenant (not offered SSPR), and one guest
    // with a known password for the session check.
    let per_kind = REQUESTS / 3;
    {
        let mut conn = direct.get().unwrap();
        latchkey::db::tenants::create(
            &mut conn,
            &latchkey::db::tenants::NewTenant {
                name: "Managed Free".into(),
                kind: "managed".parse().unwrap(),
                plan: "free".parse().unwrap(),
                domains: vec!["managed.test".into()],
                helpdesk_url: Some("https://help.managed.test/".into()),
                is_consumer: false,
            },
            chrono::Utc::now().naive_utc(),
        )
        .unwrap();
    }
    // One more eligible guest than requests for it: `user{per_kind}` is the cap check's.
    let n = (per_kind + 1).to_string();
    process::run_cli(
        &fleet[0],
        &["bench-seed", "--users", &n, "--domain", "fleet.test"],
    );
    let m = per_kind.to_string();
    process::run_cli(
        &fleet[1],
        &["bench-seed", "--users", &m, "--domain", "managed.test"],
    );
    {
        let mut conn = direct.get().unwrap();
        let now = chrono::Utc::now().naive_utc();
        let tenant = latchkey::db::tenants::find_by_domain(&mut conn, "fleet.test")
            .unwrap()
            .unwrap();
        let hash = latchkey::security::PasswordHasher::new(&Default::default())
            .unwrap()
            .hash_blocking(&secrecy::SecretString::from(PASSWORD.to_string()))
            .unwrap();
        latchkey::db::users::create(
            &mut conn,
            &latchkey::db::users::NewUser {
                tenant_id: tenant.tenant_id(),
                email: EmailAddress::parse("session@fleet.test").unwrap(),
                display_name: None,
                password_hash: Some(hash),
                verified: true,
                totp_secret: None,
            },
            now,
        )
        .unwrap();
    }

    // A session opened on instance 0 works on 1 and 2 (one cookie key for the fleet).
    let mut b = Browser::new(&fleet[0].address);
    let p = b
        .submit(
            "/signin",
            "/signin",
            &[("email", "session@fleet.test"), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(p.status, 303, "{}", p.body);
    assert_eq!(p.location(), Some("/account"));
    for server in &fleet {
        b.base = server.address.clone();
        let account = b.get("/account").await;
        assert_eq!(account.status, 200, "on {}: {}", server.name, account.body);
        assert!(account.body.contains("session@fleet.test"));
    }

    // 3 000 requests from 24 clients; each client takes its CSRF token from one instance and
    // posts to whichever instance the request goes to.
    let addresses: Arc<Vec<String>> = Arc::new(fleet.iter().map(|p| p.address.clone()).collect());
    let burst = Instant::now();
    let mut clients = Vec::new();
    for c in 0..CLIENTS {
        let addresses = addresses.clone();
        clients.push(tokio::spawn(async move {
            let mut b = Browser::new(&addresses[c % INSTANCES]);
            let csrf = b.get("/reset").await.csrf().expect("a CSRF token");
            let mut statuses = HashMap::<u16, usize>::new();
            for i in (c..REQUESTS).step_by(CLIENTS) {
                let (email, eligible) = address(i);
                b.base = addresses[instance_of(i)].clone();
                let p = b.post_form("/reset", &csrf, &[("email", &email)]).await;
                let p = b.follow(p).await;
                assert_eq!(p.status, 200, "request {i} ({email}): {:.300}", p.body);
                if eligible || email.starts_with("ghost") {
                    assert!(p.body.contains("Check your email"), "{email}");
                }
                *statuses.entry(p.status).or_default() += 1;
            }
            statuses
        }));
    }
    for c in clients {
        c.await.expect("a client");
    }
    let posted = burst.elapsed();
    process::wait_until("every queue to drain", Duration::from_secs(180), || {
        process::count(
            &direct,
            "SELECT COUNT(*) AS n FROM jobs WHERE done_at IS NULL AND failed_at IS NULL",
        ) == 0
    })
    .await;
    let drained = burst.elapsed();
    sink.wait_for(per_kind, Duration::from_secs(30)).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    eprintln!(
        "{REQUESTS} requests posted in {:.1} s ({:.0}/s), all jobs done after {:.1} s",
        posted.as_secs_f64(),
        REQUESTS as f64 / posted.as_secs_f64(),
        drained.as_secs_f64()
    );

    // Exactly one mail per eligible request, none twice, none for anyone else.
    let mut per_recipient: HashMap<String, usize> = HashMap::new();
    for m in sink.messages() {
        assert_eq!(m.to.len(), 1);
        *per_recipient.entry(m.to[0].clone()).or_default() += 1;
    }
    let twice: Vec<_> = per_recipient.iter().filter(|(_, n)| **n > 1).collect();
    assert!(twice.is_empty(), "mailed more than once: {twice:?}");
    for i in (0..REQUESTS).step_by(3) {
        let (email, _) = address(i);
        assert_eq!(per_recipient.get(&email), Some(&1), "{email}");
    }
    assert_eq!(
        per_recipient.len(),
        per_kind,
        "mail only to eligible guests"
    );

    // Every request audited once, whichever instance took it.
    assert_eq!(
        process::count(
            &direct,
            "SELECT COUNT(*) AS n FROM audit_events WHERE event = 'reset_requested'"
        ),
        REQUESTS as i64
    );
    assert_eq!(
        process::count(
            &direct,
            "SELECT COUNT(DISTINCT email) AS n FROM audit_events WHERE event = 'reset_requested'"
        ),
        REQUESTS as i64
    );
    // Every job claimed once (one attempt), and the work was shared by the instances.
    assert_eq!(
        process::count(
            &direct,
            "SELECT COUNT(*) AS n FROM jobs WHERE attempts <> 1"
        ),
        0,
        "a job was claimed more than once"
    );
    let workers = process::count(
        &direct,
        "SELECT COUNT(DISTINCT claimed_by) AS n FROM jobs WHERE kind = 'reset_request'",
    );
    eprintln!("jobs were run by {workers} instances");
    assert!(workers >= 2, "only {workers} instance(s) ran jobs");

    // The persistent per-address cap (3 mails an hour) is shared: a 4th request for one
    // address, on yet another instance, is not mailed.
    let capped = format!("user{per_kind}@fleet.test");
    let mut b = Browser::new(&fleet[0].address);
    let csrf = b.get("/reset").await.csrf().unwrap();
    for (k, at) in [0usize, 1, 2, 0].iter().enumerate() {
        b.base = fleet[*at].address.clone();
        let p = b.post_form("/reset", &csrf, &[("email", &capped)]).await;
        assert_eq!(p.status, 303);
        process::wait_until("the request's job", Duration::from_secs(30), || {
            process::count(
                &direct,
                "SELECT COUNT(*) AS n FROM jobs WHERE done_at IS NULL AND failed_at IS NULL",
            ) == 0
        })
        .await;
        let mails = sink.messages().iter().filter(|m| m.to[0] == capped).count();
        assert_eq!(mails, (k + 1).min(3), "request {} for {capped}", k + 1);
    }
    assert_eq!(
        process::count(
            &direct,
            &format!(
                "SELECT COUNT(*) AS n FROM audit_events WHERE event = 'mail_suppressed' \
                 AND email = '{capped}'"
            )
        ),
        1
    );

    // The fleet stops cleanly.
    for p in &fleet {
        p.terminate();
    }
    for p in &mut fleet {
        let status = p.wait_exit(Duration::from_secs(40));
        assert_eq!(status.and_then(|s| s.code()), Some(0), "{}", p.log_text());
        assert!(!p.log_text().contains("panicked"), "{}", p.log_text());
    }
    eprintln!("fleet test took {:.1} s", started.elapsed().as_secs_f64());
}
