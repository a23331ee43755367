//! Persistent limits survive a restart and are shared by two instances.

use super::*;

/// Builds (without serving) an application on `db` with `dir` as data directory.
async fn build(dir: &std::path::Path, db: &TestDb, clock: &OffsetClock) -> Application {
    Application::build_with_clock(test_settings(dir, &db.url, SECRET), Arc::new(clock.clone()))
        .await
        .expect("application builds")
}

#[tokio::test]
async fn persistent_limits_survive_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let db = TestDb::create(dir.path());
    let clock = OffsetClock::new();
    start_of_a_day(&clock);
    let target = email("restart@example.org");
    let user = UserId::generate();
    {
        let first = build(dir.path(), &db, &clock).await;
        let l = &first.state.rate_limits.persistent;
        for _ in 0..3 {
            assert!(l.mail_allowed(&target).await.unwrap());
        }
        for _ in 0..10 {
            l.record_failure_with(&user, FailureKind::SignIn, l.configured_backoff())
                .await
                .unwrap();
        }
    }
    let second = build(dir.path(), &db, &clock).await;
    let l = &second.state.rate_limits.persistent;
    assert!(!l.mail_allowed(&target).await.unwrap());
    // The pause after the tenth failed sign-in (64 s) still holds.
    let after_restart = l
        .failure_allowance_with(&user, FailureKind::SignIn, l.configured_backoff())
        .await
        .unwrap();
    assert!(
        matches!(after_restart, Allowance::NotBefore(_)),
        "{after_restart:?}"
    );
}

// docs/architecture.md: instances sharing one database (PostgreSQL in production) share the limits.
#[tokio::test]
async fn two_instances_on_one_database_share_the_limits() {
    let dir_a = tempfile::tempdir().unwrap();
    let dir_b = tempfile::tempdir().unwrap();
    let db = TestDb::create(dir_a.path());
    let clock = OffsetClock::new();
    start_of_a_day(&clock);
    let a = build(dir_a.path(), &db, &clock).await;
    let b = build(dir_b.path(), &db, &clock).await;
    let (la, lb) = (
        &a.state.rate_limits.persistent,
        &b.state.rate_limits.persistent,
    );
    let target = email("shared@example.org");
    assert!(la.mail_allowed(&target).await.unwrap());
    assert!(lb.mail_allowed(&target).await.unwrap());
    assert!(la.mail_allowed(&target).await.unwrap());
    assert!(!lb.mail_allowed(&target).await.unwrap());

    // Concurrent hits from both instances are counted once each.
    let (window, expires) = hit_window(&clock);
    let mut tasks = Vec::new();
    for i in 0..40 {
        let db = if i % 2 == 0 { &a.state.db } else { &b.state.db }.clone();
        tasks.push(tokio::spawn(async move {
            db.run_grouped(move |c| rate_counters::hit(c, "shared", window, expires))
                .await
                .unwrap()
        }));
    }
    let mut seen = Vec::new();
    for t in tasks {
        seen.push(t.await.unwrap());
    }
    seen.sort_unstable();
    assert_eq!(seen, (1..=40).collect::<Vec<i64>>());
}
