//! docs/security.md#42 (and #36, #11): with the database gone, pages answer a
//! generic 503 with no internals, `/readyz` fails and `/healthz` does not, nothing is reported
//! as success, the worker neither crashes nor spins, and everything recovers without a restart
//! when the database returns: pooled connections are replaced, the token mailed before the
//! outage still works, queued jobs are sent, and a job claimed just before the outage is taken
//! again once its lease expires.
//!
//! Two ways to lose the database: the test's own database made unreachable
//! (`TestDb::break_it` / `restore`: the SQLite file moved away, or the PostgreSQL database
//! closed to connections), and a private PostgreSQL server stopped with
//! `pg_ctl stop -m immediate` mid-traffic and started again on the same port
//! (tests/support/pg_server.rs; needs no LATCHKEY_TEST_PG, so it runs in both CI passes).

mod sec_support;
mod support;

use sec_support::*;
use std::time::{Duration, Instant};
use support::browser::{Browser, Page};
use support::pg_server::PgServer;
use support::{TestApp, TestDb};

const ALICE: &str = "alice@fabrikam.test";
const BOB: &str = "bob@fabrikam.test";
const CAROL: &str = "carol@fabrikam.test";

/// A short wait for a connection, so each page answers its 503 within a second or so.
const CONFIG: &str = "database_timeout_seconds = 1\n\
    [jobs]\npoll_interval_ms = 50\nmax_attempts = 20\nmax_backoff_seconds = 4\nlease_seconds = 60\n\
    [rate_limits]\nmails_per_address_hour = 10000\nmails_per_address_day = 10000\nreset_attempts_per_day = 10000\n\
    [rate_limits.public_forms]\nper_minute = 100000\nburst = 100000\n\
    [rate_limits.token_pages]\nper_minute = 100000\nburst = 100000\n\
    [rate_limits.reset_global]\nper_minute = 100000\nburst = 100000\n";

/// The tests of this file measure CPU time of the whole process: one at a time.
static SERIAL: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// Text that must never reach a browser.
const LEAKS: &[&str] = &[
    "diesel",
    "sqlite",
    "postgres",
    "database is locked",
    "r2d2",
    "select ",
    "insert ",
    "update ",
    "from jobs",
    "latchkey.db",
    "/tmp",
    "panicked",
    "unable to open",
    "terminating connection",
    "server closed",
];

fn assert_generic_503(what: &str, p: &Page) {
    assert_eq!(p.status, 503, "{what}: {}", p.body);
    assert!(
        p.body.contains("Temporarily unavailable"),
        "{what}: {}",
        p.body
    );
    let lower = p.body.to_lowercase();
    for leak in LEAKS {
        assert!(!lower.contains(leak), "{what} shows {leak:?}: {}", p.body);
    }
    assert!(
        p.location() != Some("/reset/done"),
        "{what} reported success"
    );
}

async fn spawn_on(db: Option<TestDb>) -> TestApp {
    let app = TestApp::spawn_with_mail_on(db, CONFIG).await;
    app.tenant("Fabrikam", "fabrikam.test", "unmanaged", "free");
    app.user(ALICE, OLD, true, false);
    app.user(BOB, OLD, true, false);
    app.user(CAROL, OLD, true, false);
    app
}

fn ts(t: chrono::NaiveDateTime) -> String {
    t.format("%Y-%m-%d %H:%M:%S%.f").to_string()
}

/// The address whose check-email page the others are compared with.
const ACCEPTED: &str = "nobody@fabrikam.test";

/// The check-email page as compared: CSRF token and the address it repeats masked.
fn uniform(p: &Page, email: &str) -> String {
    mask_csrf(&p.body).replace(email, "EMAIL")
}

/// What the test holds when the database goes away.
struct Before {
    /// Alice opened her link; this browser is at /reset/new with a CSRF token.
    alice: Browser,
    alice_csrf: String,
    /// Carol's reset link, mailed but not opened yet.
    carol_link: String,
    /// The form page of the uniform "check your email" reply, for comparison.
    accepted: Page,
}

/// Before the outage: Alice's link opened (the form to choose a password is up), Carol's link
/// mailed, and a job for Bob claimed by a worker that then vanished with the database.
async fn before_outage(app: &TestApp) -> Before {
    let m = ask_and_mail(app, ALICE, 1).await;
    let mut alice = open_link(app, &m.link, "/reset/new").await;
    let alice_csrf = csrf(&mut alice).await;
    let carol = ask_and_mail(app, CAROL, 1).await;
    let (_, accepted) = ask(app, ACCEPTED).await;
    app.drain_jobs().await;
    // A job claimed just before the outage by a worker that never settles it.
    let now = app.state.now();
    let payload = serde_json::json!({
        "email": BOB,
        "flow_id_hash": "0".repeat(64),
        "ip": null,
    });
    app.sql(&format!(
        "INSERT INTO jobs (id, kind, payload, run_at, attempts, max_attempts, claimed_until, \
         claimed_by, created_at) VALUES ('{}', 'reset_request', '{payload}', '{}', 1, 20, '{}', \
         'worker-gone', '{}')",
        uuid::Uuid::new_v4(),
        ts(now),
        ts(now + chrono::Duration::seconds(60)),
        ts(now),
    ));
    Before {
        alice,
        alice_csrf,
        carol_link: carol.link,
        accepted,
    }
}

/// CPU time (user + system) of this whole process.
fn cpu_time() -> Duration {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // Fields after the command name (which is in parentheses and may hold spaces).
    let rest = stat.rsplit_once(')').map(|(_, r)| r).unwrap_or("");
    let f: Vec<u64> = rest
        .split_whitespace()
        .map(|x| x.parse().unwrap_or(0))
        .collect();
    // utime and stime are fields 14 and 15 of the line, 12 and 13 here; in clock ticks.
    let ticks = f.get(11).copied().unwrap_or(0) + f.get(12).copied().unwrap_or(0);
    Duration::from_millis(ticks * 10)
}

fn worker_complaints() -> usize {
    logs()
        .lines()
        .filter(|l| l.contains("job worker could not claim work"))
        .count()
}

/// While the database is away.
async fn during_outage(app: &TestApp, b: &mut Before) {
    // Readiness fails (load balancers route around), liveness does not (no restart loop).
    let ready = app.management_get("/readyz").await;
    assert_eq!(ready.status(), 503);
    let body = ready.text().await.unwrap().to_lowercase();
    for leak in LEAKS {
        assert!(!body.contains(leak), "/readyz shows {leak:?}: {body}");
    }
    assert_eq!(app.get("/healthz").await.status(), 200);

    // Every page that needs the database: the generic 503, never success, never a 500.
    let mut guest = app.browser();
    let started = Instant::now();
    let p = guest.ask_reset(ALICE).await;
    assert_generic_503("POST /reset", &p);
    let p = guest.ask_reset("nobody@fabrikam.test").await;
    assert_generic_503("POST /reset (unknown address)", &p);
    let p = app.browser().get(&b.carol_link).await;
    assert_generic_503("GET /reset/link/{t}", &p);
    let p = b
        .alice
        .post_form(
            "/reset/new",
            &b.alice_csrf,
            &[("password", NEW), ("password_confirm", NEW)],
        )
        .await;
    assert_generic_503("POST /reset/new", &p);
    let p = b.alice.get("/reset/new").await;
    assert!(p.status == 503 || p.status == 303, "{}", p.status);
    if p.status == 503 {
        assert_generic_503("GET /reset/new", &p);
    }
    let mut admin = app.browser();
    let p = admin
        .submit(
            "/admin/login",
            "/admin/login",
            &[("email", "admin@fabrikam.test"), ("password", OLD)],
        )
        .await;
    assert_generic_503("POST /admin/login", &p);
    let took = started.elapsed();
    eprintln!("measured: six pages during the outage answered in {took:?}");
    assert!(took < Duration::from_secs(20), "{took:?}");

    // The worker neither crashes nor spins: over three idle seconds the process uses a small
    // part of one core, and the worker logs the outage a bounded number of times.
    let (cpu0, logs0, wall0) = (cpu_time(), worker_complaints(), Instant::now());
    tokio::time::sleep(Duration::from_secs(3)).await;
    let (cpu, wall) = (cpu_time() - cpu0, wall0.elapsed());
    let complaints = worker_complaints() - logs0;
    eprintln!("measured: idle outage {wall:?}: CPU {cpu:?}, {complaints} worker log lines");
    assert!(cpu < wall / 3, "CPU {cpu:?} over {wall:?}: a busy loop?");
    assert!(
        complaints <= 2,
        "{complaints} worker complaints in {wall:?}"
    );
}

/// After the database returns, without restarting the server.
async fn after_outage(app: &TestApp, b: &mut Before) {
    let started = Instant::now();
    loop {
        if app.management_get("/readyz").await.status() == 200 {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "not ready again after {:?}",
            started.elapsed()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    eprintln!(
        "measured: ready again {:?} after the database returned",
        started.elapsed()
    );
    // Nothing changed during the outage: Alice's password is the old one, her flow goes on.
    let hash = app.password_hash(ALICE).unwrap();
    assert!(verifies(app, &hash, OLD).await);
    assert_done(
        &b.alice
            .post_form(
                "/reset/new",
                &b.alice_csrf,
                &[("password", NEW), ("password_confirm", NEW)],
            )
            .await,
    );
    let hash = app.password_hash(ALICE).unwrap();
    assert!(verifies(app, &hash, NEW).await);
    // Carol's link, mailed before the outage, still works.
    open_link(app, &b.carol_link, "/reset/new").await;
    // New requests are queued and the worker sends them.
    let (_, p) = ask(app, CAROL).await;
    assert_eq!(uniform(&p, CAROL), uniform(&b.accepted, ACCEPTED));
    reset_mail(app, CAROL, 2).await;
    // Bob's job, claimed just before the outage by a worker that is gone, is taken again once
    // its lease expires, and delivered once.
    assert!(app.mails_to(BOB).is_empty());
    app.clock.advance(chrono::Duration::seconds(61));
    let m = reset_mail(app, BOB, 1).await;
    app.drain_jobs().await;
    app.clock.advance(chrono::Duration::seconds(30));
    tokio::time::sleep(Duration::from_millis(300)).await;
    app.drain_jobs().await;
    assert_eq!(app.mails_to(BOB).len(), 1);
    open_link(app, &m.link, "/reset/new").await;
    assert_eq!(
        count(
            app,
            "SELECT COUNT(*) AS n FROM jobs WHERE failed_at IS NOT NULL"
        ),
        0
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_database_made_unreachable_fails_closed_and_recovers_without_a_restart() {
    // docs/security.md#42. SQLite: the file moved away under the running server;
    // PostgreSQL (LATCHKEY_TEST_PG): the database closed to connections, sessions terminated.
    let _serial = SERIAL.lock().await;
    capture_logs();
    let app = spawn_on(None).await;
    let mut b = before_outage(&app).await;
    app.db.break_it(app.dir.path());
    during_outage(&app, &mut b).await;
    app.db.restore(app.dir.path());
    after_outage(&app, &mut b).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_postgres_server_stopped_mid_traffic_fails_closed_and_recovers_without_a_restart() {
    // docs/security.md#42: `pg_ctl stop -m immediate` while guests submit the
    // form; every reply is the uniform page (its job committed) or the generic 503, never a
    // 500; then the same checks as above, and recovery once the server is started again.
    let _serial = SERIAL.lock().await;
    capture_logs();
    let Some(mut server) = PgServer::start() else {
        return;
    };
    let name = format!("lk_{}", uuid::Uuid::new_v4().simple());
    server.create_database(&name);
    let base = format!("postgres://postgres@127.0.0.1:{}", server.port());
    let app = spawn_on(Some(TestDb::on_server(&base, &name))).await;
    assert!(app.db.is_postgres());
    let mut b = before_outage(&app).await;

    // Traffic: guests submit the form one after another while the server stops.
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let traffic = {
        let stop = stop.clone();
        let address = app.address.clone();
        tokio::spawn(async move {
            let mut replies = Vec::new();
            let mut i = 0;
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                let addr = format!("t{i:03}@fabrikam.test");
                let mut b = Browser::new(&address);
                let p = b.ask_reset(&addr).await;
                replies.push((addr, p));
                i += 1;
            }
            replies
        })
    };
    tokio::time::sleep(Duration::from_millis(500)).await;
    server.stop_immediate();
    tokio::time::sleep(Duration::from_millis(1500)).await;
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let replies = traffic.await.unwrap();
    let accepted: Vec<&String> = replies
        .iter()
        .filter(|(_, p)| p.status == 200)
        .map(|(a, _)| a)
        .collect();
    let unavailable = replies.iter().filter(|(_, p)| p.status == 503).count();
    eprintln!(
        "measured: {} requests around the stop: {} accepted, {unavailable} answered 503",
        replies.len(),
        accepted.len()
    );
    for (a, p) in &replies {
        match p.status {
            200 => assert_eq!(uniform(p, a), uniform(&b.accepted, ACCEPTED), "{a}"),
            _ => assert_generic_503(a, p),
        }
    }
    assert!(unavailable > 0, "the stop was not noticed");

    during_outage(&app, &mut b).await;
    server.start_again();
    after_outage(&app, &mut b).await;
    // Nothing reported as success was lost: every accepted request has its job, done.
    for a in accepted {
        let n = count(
            &app,
            &format!(
                "SELECT COUNT(*) AS n FROM jobs WHERE payload LIKE '%{a}%' AND done_at IS NOT NULL"
            ),
        );
        assert_eq!(n, 1, "the accepted request for {a} was lost");
    }
}
