//! Retention: what the `[retention]` settings no longer keep goes, what is younger stays, in
//! batches, and a dry run deletes nothing. Time moves with an injected clock; on SQLite and
//! (with LATCHKEY_TEST_PG) on PostgreSQL.

mod support;
use chrono::{Duration, NaiveDateTime};
use latchkey::config::RetentionSettings;
use latchkey::db::retention::Kind;
use latchkey::db::Db;
use latchkey::jobs::retention;
use latchkey::services::clock::{Clock, OffsetClock};
use support::cli::{command, outcome};
use support::process::count;
use support::TestDb;

struct Store {
    _dir: tempfile::TempDir,
    tdb: TestDb,
    db: Db,
}

fn store() -> Store {
    let dir = tempfile::tempdir().unwrap();
    let tdb = TestDb::create(dir.path());
    let db = support::process::direct_db(&tdb.url);
    db.migrate().unwrap();
    exec(
        &db,
        "INSERT INTO tenants (id, name, kind, plan, sspr_enabled, methods_required, is_consumer, created_at, updated_at) \
         VALUES ('t1', 'Fabrikam', 'unmanaged', 'free', TRUE, 1, FALSE, '2026-01-01 00:00:00', '2026-01-01 00:00:00')",
    );
    exec(
        &db,
        "INSERT INTO users (id, tenant_id, email, disabled, session_generation, created_at, updated_at) \
         VALUES ('u1', 't1', 'ann@fabrikam.example', FALSE, 0, '2026-01-01 00:00:00', '2026-01-01 00:00:00')",
    );
    Store { _dir: dir, tdb, db }
}

fn exec(db: &Db, sql: &str) {
    use diesel::RunQueryDsl as _;
    let mut conn = db.get().unwrap();
    latchkey::dispatch!(&mut *conn, c => diesel::sql_query(sql).execute(c))
        .unwrap_or_else(|e| panic!("{sql}: {e}"));
}

fn ts(t: NaiveDateTime) -> String {
    t.format("%Y-%m-%d %H:%M:%S").to_string()
}

impl Store {
    fn audit(&self, at: NaiveDateTime, event: &str) {
        exec(
            &self.db,
            &format!(
                "INSERT INTO audit_events (occurred_at, actor, event, outcome) VALUES ('{}', 'system', '{event}', 'success')",
                ts(at)
            ),
        );
    }

    /// A job; finished (done) at `done` when given, else still open.
    fn job(&self, id: &str, created: NaiveDateTime, done: Option<NaiveDateTime>, failed: bool) {
        let done = done.map_or("NULL".to_string(), |t| format!("'{}'", ts(t)));
        let (done_at, failed_at) = if failed {
            ("NULL".to_string(), done)
        } else {
            (done, "NULL".to_string())
        };
        exec(
            &self.db,
            &format!(
                "INSERT INTO jobs (id, kind, payload, run_at, attempts, max_attempts, done_at, failed_at, created_at) \
                 VALUES ('{id}', 'send_mail', '{{}}', '{c}', 1, 8, {done_at}, {failed_at}, '{c}')",
                c = ts(created)
            ),
        );
    }

    /// A reset token, a flow's decoy, an address verification and an invitation, all expiring at
    /// `expires`.
    fn expiring(&self, id: &str, expires: NaiveDateTime) {
        let (c, e) = (ts(expires - Duration::minutes(20)), ts(expires));
        exec(
            &self.db,
            &format!(
                "INSERT INTO reset_tokens (id, user_id, tenant_id, token_hash, totp_required, attempts, created_at, expires_at) \
                 VALUES ('{id}', 'u1', 't1', 'h{id}', FALSE, 0, '{c}', '{e}')"
            ),
        );
        exec(
            &self.db,
            &format!(
                "INSERT INTO reset_decoys (flow_id_hash, id, token_hash, code_hash, attempts, created_at, expires_at) \
                 VALUES ('f{id}', '{id}', 't{id}', 'c{id}', 0, '{c}', '{e}')"
            ),
        );
        exec(
            &self.db,
            &format!(
                "INSERT INTO email_verifications (id, email, token_hash, purpose, created_at, expires_at) \
                 VALUES ('{id}', 'ann@fabrikam.example', 'h{id}', 'verify', '{c}', '{e}')"
            ),
        );
        exec(
            &self.db,
            &format!(
                "INSERT INTO invitations (id, email, token_hash, created_at, expires_at) \
                 VALUES ('{id}', 'bob@fabrikam.example', 'h{id}', '{c}', '{e}')"
            ),
        );
    }

    fn n(&self, table: &str) -> i64 {
        count(&self.db, &format!("SELECT COUNT(*) AS n FROM {table}"))
    }

    fn sweeps(&self) -> i64 {
        count(
            &self.db,
            "SELECT COUNT(*) AS n FROM audit_events WHERE event = 'retention_swept'",
        )
    }
}

impl Store {
    /// A "this wasn't me" link of `u1` expiring at `expires`, used when `used`.
    fn not_me_token(&self, id: &str, expires: NaiveDateTime, used: bool) {
        let (c, e) = (ts(expires - Duration::days(7)), ts(expires));
        let used_at = if used {
            format!("'{c}'")
        } else {
            "NULL".into()
        };
        exec(
            &self.db,
            &format!(
                "INSERT INTO not_me_tokens (id, token_hash, user_id, tenant_id, created_at, expires_at, used_at) \
                 VALUES ('{id}', 'h{id}', 'u1', 't1', '{c}', '{e}', {used_at})"
            ),
        );
    }

    fn not_me(&self, id: &str, expires: NaiveDateTime) {
        self.not_me_token(id, expires, false);
    }
}

fn sweep(s: &Store, settings: &RetentionSettings, clock: &OffsetClock) -> retention::Report {
    retention::sweep(&s.db, settings, clock.now_naive(), "system", &|| false).unwrap()
}

#[test]
fn rows_older_than_their_limit_go_and_younger_rows_stay() {
    let s = store();
    let clock = OffsetClock::new();
    let base = clock.now_naive();
    let settings = RetentionSettings::default();
    s.audit(base, "signin");
    s.audit(base + Duration::days(10), "signin");
    s.job("done-old", base, Some(base), false);
    s.job("failed-old", base, Some(base), true);
    s.job("done-young", base, Some(base + Duration::days(5)), false);
    s.job("open", base, None, false);
    s.expiring("old", base);
    s.expiring("young", base + Duration::days(10));

    // Day 8: the jobs finished 8 days ago go (jobs_days = 7); the rest stays.
    clock.set_offset(Duration::days(8));
    let r = sweep(&s, &settings, &clock);
    assert_eq!(r.get(Kind::Jobs), 2, "{r:?}");
    assert_eq!(r.total(), 2, "{r:?}");
    assert_eq!(s.n("jobs"), 2);
    assert_eq!(s.n("reset_tokens"), 2);

    // Day 31: what expired 31 days ago goes (30 days); the young job (finished day 5) too.
    clock.set_offset(Duration::days(31));
    let r = sweep(&s, &settings, &clock);
    assert_eq!(r.get(Kind::Jobs), 1, "{r:?}");
    assert_eq!(r.get(Kind::ResetTokens), 1, "{r:?}");
    assert_eq!(r.get(Kind::ResetDecoys), 1, "{r:?}");
    assert_eq!(r.get(Kind::EmailVerifications), 1, "{r:?}");
    assert_eq!(r.get(Kind::Invitations), 1, "{r:?}");
    assert_eq!(r.get(Kind::Audit), 0, "{r:?}");
    for table in ["reset_tokens", "email_verifications", "invitations"] {
        assert_eq!(
            count(
                &s.db,
                &format!("SELECT COUNT(*) AS n FROM {table} WHERE id = 'young'")
            ),
            1,
            "{table}"
        );
        assert_eq!(s.n(table), 1, "{table}");
    }
    // An open job is never retention's business, however old.
    assert_eq!(
        count(&s.db, "SELECT COUNT(*) AS n FROM jobs WHERE id = 'open'"),
        1
    );

    // Day 401: the first audit event goes (audit_days = 400); the one of day 10 stays.
    clock.set_offset(Duration::days(401));
    let r = sweep(&s, &settings, &clock);
    assert_eq!(r.get(Kind::Audit), 1, "{r:?}");
    assert_eq!(
        count(
            &s.db,
            "SELECT COUNT(*) AS n FROM audit_events WHERE event = 'signin'"
        ),
        1
    );
    // Each run wrote one audit event with its counts.
    assert_eq!(s.sweeps(), 3);
    let details = support::process::pairs(
        &s.db,
        "SELECT detail AS a, actor AS b FROM audit_events WHERE event = 'retention_swept' ORDER BY id",
    );
    let first: serde_json::Value = serde_json::from_str(&details[0].0).unwrap();
    assert_eq!(first["jobs"], 2, "{first}");
    assert_eq!(details[0].1, "system");
}

#[test]
fn the_sweep_deletes_in_batches_of_the_configured_size() {
    let s = store();
    let clock = OffsetClock::new();
    let base = clock.now_naive();
    for _ in 0..5 {
        s.audit(base, "signin");
    }
    clock.set_offset(Duration::days(500));
    let settings = RetentionSettings {
        batch_size: 2,
        ..Default::default()
    };
    // Stopping after the first batch leaves exactly batch_size rows deleted.
    let r = retention::sweep(&s.db, &settings, clock.now_naive(), "system", &|| true).unwrap();
    assert_eq!(r.get(Kind::Audit), 2, "{r:?}");
    // Uninterrupted: the rest goes in batches of two (2 + 1), asking between full batches.
    let asked = std::cell::Cell::new(0);
    let r = retention::sweep(&s.db, &settings, clock.now_naive(), "system", &|| {
        asked.set(asked.get() + 1);
        false
    })
    .unwrap();
    assert_eq!(r.get(Kind::Audit), 3, "{r:?}");
    assert_eq!(asked.get(), 1, "one full batch, then a short one");
    assert_eq!(
        count(
            &s.db,
            "SELECT COUNT(*) AS n FROM audit_events WHERE event = 'signin'"
        ),
        0
    );
}

#[test]
fn a_plan_counts_what_would_go_and_deletes_nothing() {
    let s = store();
    let clock = OffsetClock::new();
    let base = clock.now_naive();
    s.audit(base, "signin");
    s.job("done-old", base, Some(base), false);
    s.expiring("old", base);
    // A webhook delivery that ended goes with the jobs; a pending one is never counted.
    for (id, status) in [("msg_old", "delivered"), ("msg_open", "pending")] {
        exec(
            &s.db,
            &format!(
                "INSERT INTO webhook_deliveries (id, webhook_url, event, body, status, attempts, created_at) \
                 VALUES ('{id}', 'https://hooks.example/', 'signin', '{{}}', '{status}', 1, '{}')",
                ts(base)
            ),
        );
    }
    // A mail's VERP return path goes with the jobs too.
    exec(
        &s.db,
        &format!(
            "INSERT INTO mail_envelopes (id_hash, message_id, kind, email, created_at) \
             VALUES ('h-old', 'm-old', 'reset_link', 'gone@fabrikam.test', '{}')",
            ts(base)
        ),
    );
    // And a "this wasn't me" link with the other expired rows.
    s.not_me("old", base);
    clock.set_offset(Duration::days(401));
    let settings = RetentionSettings::default();
    let plan = retention::plan(&s.db, &settings, clock.now_naive()).unwrap();
    for kind in Kind::ALL {
        assert_eq!(plan.get(*kind), 1, "{kind:?}: {plan:?}");
    }
    assert_eq!(s.n("audit_events"), 1);
    assert_eq!(s.n("jobs"), 1);
    assert_eq!(s.n("reset_tokens"), 1);
    assert_eq!(s.sweeps(), 0);
    let _ = &s.tdb;
}

fn cli(s: &Store, dir: &std::path::Path, args: &[&str]) -> (i32, String, String) {
    outcome(
        command(dir, &s.tdb.url)
            .env("LATCHKEY_RETENTION__BATCH_SIZE", "1")
            .args(args),
    )
}

#[test]
fn purge_dry_run_shows_counts_per_kind_and_purge_deletes_them() {
    let s = store();
    let dir = tempfile::tempdir().unwrap();
    let now = chrono::Utc::now().naive_utc();
    s.audit(now - Duration::days(500), "signin");
    s.audit(now - Duration::days(500), "signin");
    s.audit(now, "signin");
    s.job(
        "done-old",
        now - Duration::days(9),
        Some(now - Duration::days(8)),
        false,
    );
    s.expiring("old", now - Duration::days(31));
    s.expiring("young", now);

    let (code, out, err) = cli(&s, dir.path(), &["purge", "--dry-run"]);
    assert_eq!(code, 0, "{out}\n{err}");
    assert!(out.contains("Would delete"), "{out}");
    assert!(out.contains("audit_events         2"), "{out}");
    assert!(out.contains("jobs                 1"), "{out}");
    assert!(out.contains("reset_tokens         1"), "{out}");
    assert!(out.contains("reset_decoys         1"), "{out}");
    assert!(out.contains("invitations          1"), "{out}");
    assert!(out.contains("total                7"), "{out}");
    assert!(out.contains("Nothing was deleted"), "{out}");
    assert_eq!(s.n("audit_events"), 3);
    assert_eq!(s.n("reset_tokens"), 2);

    let (code, out, err) = cli(&s, dir.path(), &["purge", "--json"]);
    assert_eq!(code, 0, "{out}\n{err}");
    let v: serde_json::Value = serde_json::from_str(out.trim()).unwrap();
    assert_eq!(v["dry_run"], false);
    assert_eq!(v["counts"]["audit_events"], 2, "{v}");
    assert_eq!(v["counts"]["email_verifications"], 1, "{v}");
    // The young rows stay; the run left its own audit event, by the operator.
    assert_eq!(
        count(
            &s.db,
            "SELECT COUNT(*) AS n FROM audit_events WHERE event = 'signin'"
        ),
        1
    );
    assert_eq!(s.n("reset_tokens"), 1);
    assert_eq!(
        count(
            &s.db,
            "SELECT COUNT(*) AS n FROM audit_events WHERE event = 'retention_swept' AND actor = 'operator'"
        ),
        1
    );
}

#[test]
fn expired_not_me_links_go_and_live_ones_stay() {
    let s = store();
    let clock = OffsetClock::new();
    let base = clock.now_naive();
    s.not_me_token("old-unused", base, false);
    s.not_me_token("old-used", base, true);
    s.not_me("young", base + Duration::days(10));
    let settings = RetentionSettings::default();

    // Day 20: none expired 30 days ago yet.
    clock.set_offset(Duration::days(20));
    let r = sweep(&s, &settings, &clock);
    assert_eq!(r.get(Kind::NotMeTokens), 0, "{r:?}");
    assert_eq!(s.n("not_me_tokens"), 3);

    // Day 31: both links that expired on day 0 go, used or not; the one of day 10 stays.
    clock.set_offset(Duration::days(31));
    let r = sweep(&s, &settings, &clock);
    assert_eq!(r.get(Kind::NotMeTokens), 2, "{r:?}");
    assert_eq!(s.n("not_me_tokens"), 1);
    assert_eq!(
        count(
            &s.db,
            "SELECT COUNT(*) AS n FROM not_me_tokens WHERE id = 'young'"
        ),
        1
    );
    let details = support::process::pairs(
        &s.db,
        "SELECT detail AS a, actor AS b FROM audit_events WHERE event = 'retention_swept' ORDER BY id",
    );
    let last: serde_json::Value = serde_json::from_str(&details[1].0).unwrap();
    assert_eq!(last["not_me_tokens"], 2, "{last}");

    // Day 41: the last one goes too.
    clock.set_offset(Duration::days(41));
    let r = sweep(&s, &settings, &clock);
    assert_eq!(r.get(Kind::NotMeTokens), 1, "{r:?}");
    assert_eq!(s.n("not_me_tokens"), 0);
}
