//! Mail caps, sign-in backoff, bursts, races and the sweep.

use super::*;

#[tokio::test]
async fn ten_requests_for_one_address_allow_three_mails() {
    let app = TestApp::spawn().await;
    start_of_a_day(&app.clock);
    let target = email("victim@example.org");
    let mut allowed = 0;
    for _ in 0..10 {
        if limits(&app).mail_allowed(&target).await.unwrap() {
            allowed += 1;
        }
    }
    assert_eq!(allowed, 3);
    // Another address is unaffected.
    assert!(limits(&app)
        .mail_allowed(&email("other@example.org"))
        .await
        .unwrap());
    // The address is never stored, only a keyed hash of it.
    let stored = keys(&app).await;
    assert!(!stored.is_empty());
    assert!(
        stored
            .iter()
            .all(|k| !k.contains('@') && !k.contains("victim")),
        "{stored:?}"
    );
}

#[tokio::test]
async fn the_hourly_cap_renews_each_hour_until_the_daily_cap() {
    let app = TestApp::spawn().await;
    start_of_a_day(&app.clock);
    let target = email("guest@example.org");
    let mut per_hour = Vec::new();
    for _ in 0..5 {
        let mut n = 0;
        for _ in 0..5 {
            if limits(&app).mail_allowed(&target).await.unwrap() {
                n += 1;
            }
        }
        per_hour.push(n);
        app.clock.advance(TimeDelta::hours(1));
    }
    // 3 + 3 + 3 + 1 = the daily 10; hourly refusals did not spend the daily budget.
    assert_eq!(per_hour, vec![3, 3, 3, 1, 0]);
    // The next UTC day starts afresh.
    app.clock.advance(TimeDelta::hours(20));
    assert!(limits(&app).mail_allowed(&target).await.unwrap());
}

// docs/security.md#30: exponential backoff, at most 100 consecutive failures, no DoS lockout.
#[tokio::test]
async fn failed_sign_ins_back_off_exponentially_and_stop_at_one_hundred() {
    let app = TestApp::spawn().await;
    let user = UserId::generate();
    let l = limits(&app);
    let backoff = l.configured_backoff();
    for _ in 0..3 {
        assert_eq!(
            l.record_failure_with(&user, FailureKind::SignIn, backoff)
                .await
                .unwrap(),
            Allowance::Allowed
        );
    }
    let after_fourth = l
        .record_failure_with(&user, FailureKind::SignIn, backoff)
        .await
        .unwrap();
    assert_eq!(
        after_fourth.retry_after_seconds(app.state.clock.now()),
        Some(1)
    );
    assert_eq!(
        l.failure_allowance_with(&user, FailureKind::SignIn, backoff)
            .await
            .unwrap()
            .retry_after_seconds(app.state.clock.now()),
        Some(1)
    );
    let after_fifth = l
        .record_failure_with(&user, FailureKind::SignIn, backoff)
        .await
        .unwrap();
    assert_eq!(
        after_fifth.retry_after_seconds(app.state.clock.now()),
        Some(2)
    );
    app.clock.advance(TimeDelta::seconds(3));
    assert_eq!(
        l.failure_allowance_with(&user, FailureKind::SignIn, backoff)
            .await
            .unwrap(),
        Allowance::Allowed
    );
    // TOTP failures are counted apart.
    assert_eq!(
        l.failure_allowance_with(&user, FailureKind::Totp, backoff)
            .await
            .unwrap(),
        Allowance::Allowed
    );

    for _ in 5..99 {
        l.record_failure_with(&user, FailureKind::SignIn, backoff)
            .await
            .unwrap();
    }
    app.clock.advance(TimeDelta::hours(1));
    assert_eq!(
        l.failure_allowance_with(&user, FailureKind::SignIn, backoff)
            .await
            .unwrap(),
        Allowance::Allowed,
        "99 failures: still allowed once the backoff has passed"
    );
    assert_eq!(
        l.record_failure_with(&user, FailureKind::SignIn, backoff)
            .await
            .unwrap(),
        Allowance::Blocked
    );
    app.clock.advance(TimeDelta::days(7));
    assert_eq!(
        l.failure_allowance_with(&user, FailureKind::SignIn, backoff)
            .await
            .unwrap(),
        Allowance::Blocked,
        "the 101st attempt is refused, however long one waits"
    );
    // No DoS lockout: asking for a reset never counts against the account, so the real user
    // can still reset, and the completed reset clears the count.
    lockout::clear_after_reset(l, &user).await.unwrap();
    assert_eq!(
        l.failure_allowance_with(&user, FailureKind::SignIn, backoff)
            .await
            .unwrap(),
        Allowance::Allowed
    );
}

#[tokio::test]
async fn a_tenant_burst_is_reported_once_per_window_without_blocking() {
    let app = TestApp::spawn_with(
        "[rate_limits]\ntenant_burst_threshold = 3\ntenant_burst_window_minutes = 10\n",
    )
    .await;
    let l = limits(&app);
    let tenant = TenantId::generate();
    // Align to the start of a 10-minute window.
    let now = Utc::now();
    let next = now.duration_trunc(TimeDelta::minutes(10)).unwrap() + TimeDelta::minutes(10);
    app.clock.set_offset(next + TimeDelta::seconds(1) - now);
    let mut alerts = Vec::new();
    for _ in 0..8 {
        alerts.push(l.record_tenant_request(&tenant).await.unwrap());
    }
    assert_eq!(
        alerts,
        vec![false, false, false, true, false, false, false, false]
    );
    assert!(!l
        .record_tenant_request(&TenantId::generate())
        .await
        .unwrap());
    app.clock.advance(TimeDelta::minutes(10));
    let again: Vec<bool> = {
        let mut v = Vec::new();
        for _ in 0..4 {
            v.push(l.record_tenant_request(&tenant).await.unwrap());
        }
        v
    };
    assert_eq!(again, vec![false, false, false, true]);
}

#[tokio::test]
async fn fifty_parallel_hits_count_fifty() {
    let app = TestApp::spawn_with("database_pool_size = 16").await;
    let (window, expires) = hit_window(&app.clock);
    // The way every persistent limit counts: one UPSERT per hit, in a grouped write.
    let tasks: Vec<_> = (0..50)
        .map(|_| {
            let db = app.state.db.clone();
            tokio::spawn(async move {
                db.run_grouped(move |c| rate_counters::hit(c, "contended", window, expires))
                    .await
                    .unwrap()
            })
        })
        .collect();
    let mut seen = Vec::new();
    for t in tasks {
        seen.push(t.await.unwrap());
    }
    seen.sort_unstable();
    assert_eq!(
        seen,
        (1..=50).collect::<Vec<i64>>(),
        "each hit saw its own count"
    );
}

#[tokio::test]
async fn expired_counters_are_swept() {
    let app = TestApp::spawn().await;
    start_of_a_day(&app.clock);
    let l = limits(&app);
    assert!(l.mail_allowed(&email("swept@example.org")).await.unwrap());
    l.record_failure_with(
        &UserId::generate(),
        FailureKind::Totp,
        l.configured_backoff(),
    )
    .await
    .unwrap();
    assert_eq!(l.sweep().await.unwrap(), 0);
    app.clock.advance(TimeDelta::hours(25));
    // The mail counters (this hour, this day) go; the consecutive-failure counter (90 days)
    // stays.
    assert_eq!(l.sweep().await.unwrap(), 2);
    let left = app.state.db.run(rate_counters::len).await.unwrap();
    assert_eq!(left, 1);
}

#[tokio::test]
async fn disabled_persistent_limits_always_allow_and_store_nothing() {
    let app = TestApp::spawn_with("[rate_limits]\nenabled = false").await;
    let l = limits(&app);
    let target = email("a@example.org");
    let user = UserId::generate();
    let backoff = l.configured_backoff();
    for _ in 0..20 {
        assert!(l.mail_allowed(&target).await.unwrap());
        for kind in [FailureKind::SignIn, FailureKind::Totp] {
            assert_eq!(
                l.spend_failure_with(&user, kind, backoff).await.unwrap(),
                Allowance::Allowed
            );
            assert_eq!(
                l.record_failure_with(&user, kind, backoff).await.unwrap(),
                Allowance::Allowed
            );
        }
        assert!(!l
            .record_tenant_request(&TenantId::generate())
            .await
            .unwrap());
    }
    assert_eq!(
        l.failure_allowance_with(&user, FailureKind::SignIn, backoff)
            .await
            .unwrap(),
        Allowance::Allowed
    );
    assert!(keys(&app).await.is_empty());
}
