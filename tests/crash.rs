//! Crash safety of the real binary (docs/security.md#43): `kill -9` at random
//! points of a burst of reset completions and new reset requests leaves every reset all-old
//! or all-new (token unused; or used + password changed + sessions revoked + one completion
//! audit row + one "password changed" notice queued), loses no accepted request, and a
//! restarted server finishes the queued work (expired leases taken again).
//!
//! Delivery is at-least-once: a kill between the SMTP server's `250` and the job's `done` row
//! sends that one mail again after the restart. The test counts such duplicates and bounds
//! them by the kills; every other mail arrives exactly once.

mod support;

use latchkey::db::{reset_tokens, users};
use latchkey::domain::EmailAddress;
use latchkey::security::TokenSecret;
use rand::Rng;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use support::browser::Browser;
use support::process::{self, ProcessConfig, ServerProcess};
use support::smtp::SmtpSink;
use support::TestDb;

const ROUNDS: usize = 5;
const COMPLETIONS_PER_ROUND: usize = 8;
/// Jobs one worker runs at once (src/jobs/worker.rs): a kill can catch at most that many
/// between the SMTP `250` and the `done` row.
const WORKER_CONCURRENCY: usize = 16;
const REQUESTS_PER_ROUND: usize = 30;

/// One completion: open the link, fetch the form, post a new password. `Some(true)` when the
/// server answered the final POST with its success redirect.
async fn complete(address: String, secret: String, password: String) -> Option<bool> {
    let mut b = Browser::new(&address);
    let open = b.try_get(&format!("/reset/link/{secret}")).await?;
    if open.status != 303 {
        eprintln!("link: {} {:.300}", open.status, open.body);
        return Some(false);
    }
    let form = b.try_get("/reset/new").await?;
    let csrf = form.csrf()?;
    let done = b
        .try_post_form(
            "/reset/new",
            &csrf,
            &[("password", &password), ("password_confirm", &password)],
        )
        .await?;
    if done.status != 303 {
        eprintln!("new: {} {:.300}", done.status, done.body);
    }
    Some(done.status == 303 && done.location() == Some("/reset/done"))
}

/// One `POST /reset`; `true` when the "check your email" page came back.
async fn request(address: String, email: String) -> bool {
    let mut b = Browser::new(&address);
    let Some(form) = b.try_get("/reset").await else {
        return false;
    };
    let Some(csrf) = form.csrf() else {
        return false;
    };
    match b.try_post_form("/reset", &csrf, &[("email", &email)]).await {
        Some(p) => p.status == 303 && p.location() == Some("/reset/code"),
        None => false,
    }
}

/// Users of `done.test` (the completion set) that are neither all-old nor all-new.
fn partial_resets(db: &latchkey::db::Db, seed_hash: &str) -> i64 {
    let used =
        "(SELECT COUNT(*) FROM reset_tokens t WHERE t.user_id = u.id AND t.used_at IS NOT NULL)";
    let audited = "(SELECT COUNT(*) FROM audit_events a WHERE a.user_id = u.id AND a.event = 'reset_completed')";
    let notice = "(SELECT COUNT(*) FROM jobs j WHERE j.kind = 'password_changed' AND j.payload LIKE '%' || u.id || '%')";
    let live_tokens = "(SELECT COUNT(*) FROM reset_tokens t WHERE t.user_id = u.id AND t.used_at IS NULL AND t.revoked_at IS NULL)";
    process::count(
        db,
        &format!(
            "SELECT COUNT(*) AS n FROM users u WHERE u.email LIKE '%@done.test' AND NOT (\
             ({used} = 0 AND u.session_generation = 0 AND u.password_hash = '{seed_hash}' \
               AND {audited} = 0 AND {notice} = 0) \
             OR ({used} = 1 AND u.session_generation = 1 AND u.password_hash <> '{seed_hash}' \
               AND {audited} = 1 AND {notice} = 1 AND {live_tokens} = 0))"
        ),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_9_mid_burst_leaves_every_reset_all_old_or_all_new() {
    let started = Instant::now();
    let dir = tempfile::tempdir().unwrap();
    let db = TestDb::create(dir.path());
    let sink = SmtpSink::start().await;
    let mut config = ProcessConfig::new(dir.path(), &db.url);
    config.smtp_url = Some(sink.url());
    config.smtp_timeout_seconds = 10;
    // Leases expire quickly, so a restart takes the killed instance's jobs again soon.
    config.jobs = "poll_interval_ms = 100\nlease_seconds = 2\n".into();
    config.rate_limits.push_str(
        "mails_per_address_hour = 1000\nmails_per_address_day = 1000\nreset_attempts_per_day = 1000\n",
    );
    let mut server = ServerProcess::start_ready("crash", &config).await;
    let completions = ROUNDS * COMPLETIONS_PER_ROUND;
    let requests = ROUNDS * REQUESTS_PER_ROUND;
    process::run_cli(
        &server,
        &[
            "bench-seed",
            "--users",
            &completions.to_string(),
            "--domain",
            "done.test",
        ],
    );
    process::run_cli(
        &server,
        &[
            "bench-seed",
            "--users",
            &requests.to_string(),
            "--domain",
            "ask.test",
        ],
    );
    let direct = process::direct_db(&db.url);
    let seed_hash = process::pairs(
        &direct,
        "SELECT password_hash AS a, email AS b FROM users WHERE email = 'user0@done.test'",
    )[0]
    .0
    .clone();

    // A live token for every completion user (the test keeps the raw secrets). They are all
    // issued before the first kill: later rounds show they survive restarts (docs/security.md#43).
    let mut secrets = Vec::new();
    {
        let mut conn = direct.get().unwrap();
        let now = chrono::Utc::now().naive_utc();
        for i in 0..completions {
            let email = EmailAddress::parse(&format!("user{i}@done.test")).unwrap();
            let user = users::find_by_email(&mut conn, &email).unwrap().unwrap();
            let secret = TokenSecret::generate();
            reset_tokens::issue(
                &mut conn,
                &reset_tokens::NewToken {
                    user_id: user.user_id(),
                    tenant_id: user.tenant_id(),
                    token_hash: secret.hash().into_string(),
                    code_hash: None,
                    flow_id_hash: None,
                    issued_by: None,
                    totp_required: false,
                    expires_at: now + chrono::Duration::hours(2),
                },
                now,
            )
            .unwrap();
            secrets.push(secret.expose().to_string());
        }
    }

    // The flow works end to end before anything is killed.
    let t0 = Instant::now();
    assert_eq!(
        complete(
            server.address.clone(),
            secrets[0].clone(),
            "Crash-first-5f1d3a9c7b".into()
        )
        .await,
        Some(true),
        "{}",
        server.log_text()
    );
    let one = t0.elapsed();
    eprintln!("one completion: {one:?}");
    // Kill anywhere from the start of a burst to past its expected end (hashing the new
    // passwords dominates; the machine's speed decides how long a burst lasts).
    let burst_ms = (one.as_millis() as u64 * COMPLETIONS_PER_ROUND as u64 / 2).max(1500);
    let confirmed_done: Arc<Mutex<Vec<usize>>> = Arc::new(Mutex::new(vec![0]));
    let mut accepted_requests = 0usize;
    let mut kills = 0usize;
    for round in 0..ROUNDS {
        let address = server.address.clone();
        let mut tasks = Vec::new();
        for k in 0..COMPLETIONS_PER_ROUND {
            let i = round * COMPLETIONS_PER_ROUND + k;
            if i == 0 {
                continue;
            }
            let (addr, secret) = (address.clone(), secrets[i].clone());
            let password = format!("Crash-{i}-{}", uuid::Uuid::new_v4().simple());
            let done = confirmed_done.clone();
            tasks.push(tokio::spawn(async move {
                if complete(addr, secret, password).await == Some(true) {
                    done.lock().unwrap().push(i);
                }
                false
            }));
        }
        for k in 0..REQUESTS_PER_ROUND {
            let i = round * REQUESTS_PER_ROUND + k;
            // Every third address is unknown (no account: no mail, still one audit row).
            let email = if k % 3 == 2 {
                format!("nobody{i}@ask.test")
            } else {
                format!("user{i}@ask.test")
            };
            tasks.push(tokio::spawn(request(address.clone(), email)));
        }
        // Kill at a random point of the burst.
        let delay = rand::rng().random_range(150..burst_ms);
        tokio::time::sleep(Duration::from_millis(delay)).await;
        server.kill9();
        kills += 1;
        for t in tasks {
            if t.await.unwrap_or(false) {
                accepted_requests += 1;
            }
        }

        // The invariants hold on the database the killed process left.
        assert_eq!(
            partial_resets(&direct, &seed_hash),
            0,
            "round {round}: a reset is half done after kill -9 at {delay} ms"
        );
        for i in confirmed_done.lock().unwrap().iter() {
            let n = process::count(
                &direct,
                &format!(
                    "SELECT COUNT(*) AS n FROM users WHERE email = 'user{i}@done.test' \
                     AND session_generation = 1"
                ),
            );
            assert_eq!(
                n, 1,
                "a completion the guest saw succeed was lost (user{i})"
            );
        }
        // No accepted request lost: each "check your email" page has its job.
        let jobs = process::count(
            &direct,
            "SELECT COUNT(*) AS n FROM jobs WHERE kind = 'reset_request'",
        );
        assert!(
            jobs as usize >= accepted_requests,
            "round {round}: {accepted_requests} accepted requests, {jobs} jobs"
        );
        // A request is audited exactly when its job says so (one transaction).
        assert_eq!(
            process::count(
                &direct,
                "SELECT COUNT(*) AS n FROM audit_events WHERE event = 'reset_requested'"
            ),
            process::count(
                &direct,
                "SELECT COUNT(*) AS n FROM jobs WHERE kind = 'reset_request' \
                 AND payload LIKE '%\"audited\":true%'"
            ),
            "round {round}: reset_requested audit rows vs audited jobs"
        );
        eprintln!(
            "round {round}: killed at {delay} ms; {} completions confirmed, {accepted_requests} requests accepted so far",
            confirmed_done.lock().unwrap().len()
        );
        server.restart().await;
    }

    // The restarted server finishes everything that was queued (leases of the killed
    // instances expire after 2 s).
    process::wait_until("the queue to drain", Duration::from_secs(60), || {
        process::count(
            &direct,
            "SELECT COUNT(*) AS n FROM jobs WHERE done_at IS NULL AND failed_at IS NULL",
        ) == 0
    })
    .await;
    assert_eq!(
        process::count(
            &direct,
            "SELECT COUNT(*) AS n FROM jobs WHERE failed_at IS NOT NULL"
        ),
        0
    );
    assert_eq!(partial_resets(&direct, &seed_hash), 0);
    let jobs = process::count(
        &direct,
        "SELECT COUNT(*) AS n FROM jobs WHERE kind = 'reset_request'",
    );
    assert_eq!(
        process::count(
            &direct,
            "SELECT COUNT(*) AS n FROM audit_events WHERE event = 'reset_requested'"
        ),
        jobs,
        "every request audited exactly once"
    );
    tokio::time::sleep(Duration::from_millis(500)).await;

    // Mail: one notice per completed reset, one reset mail per request for an account, none
    // for unknown addresses; duplicates only from kills between `250` and `done`.
    let changed_users = process::count(
        &direct,
        "SELECT COUNT(*) AS n FROM users WHERE email LIKE '%@done.test' AND session_generation = 1",
    ) as usize;
    let asked_users = process::pairs(
        &direct,
        "SELECT DISTINCT payload AS a, kind AS b FROM jobs WHERE kind = 'reset_request'",
    )
    .iter()
    .filter(|(p, _)| p.contains("\"email\":\"user"))
    .count();
    let mut per_recipient: HashMap<String, usize> = HashMap::new();
    for m in sink.messages() {
        for to in &m.to {
            *per_recipient.entry(to.clone()).or_default() += 1;
        }
    }
    assert!(
        per_recipient.keys().all(|k| !k.starts_with("nobody")),
        "mail to an unknown address"
    );
    let notices = per_recipient
        .iter()
        .filter(|(k, _)| k.ends_with("@done.test"))
        .collect::<Vec<_>>();
    let reset_mails = per_recipient
        .iter()
        .filter(|(k, _)| k.ends_with("@ask.test"))
        .collect::<Vec<_>>();
    assert_eq!(
        notices.len(),
        changed_users,
        "a notice for every changed password"
    );
    assert_eq!(
        reset_mails.len(),
        asked_users,
        "a mail for every request for an account"
    );
    let duplicates: usize = per_recipient.values().map(|n| n - 1).sum();
    eprintln!(
        "mail_failed audit rows: {}",
        process::count(
            &direct,
            "SELECT COUNT(*) AS n FROM audit_events WHERE event = 'mail_failed'"
        )
    );
    eprintln!(
        "{kills} kills; {changed_users} resets completed, {asked_users} requests for accounts, \
         {duplicates} duplicate mails; {:.1} s",
        started.elapsed().as_secs_f64()
    );
    assert!(
        duplicates <= kills * WORKER_CONCURRENCY,
        "{duplicates} duplicate mails after {kills} kills"
    );
    server.terminate();
    assert_eq!(
        server
            .wait_exit(Duration::from_secs(35))
            .and_then(|s| s.code()),
        Some(0)
    );
}
