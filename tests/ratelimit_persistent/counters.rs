//! Mail caps, attempt windows, sign-in backoff, bursts, races and the sweep.

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

#[tokio::test]
async fn an_account_locks_after_five_attempts_in_a_day_for_a_day() {
    let app = TestApp::spawn().await;
    let user = UserId::generate();
    let other = UserId::generate();
    for i in 1..=5 {
        assert_eq!(
            limits(&app).record_reset_attempt(&user).await.unwrap(),
            None,
            "attempt {i} is allowed"
        );
        app.clock.advance(TimeDelta::hours(1));
    }
    let now = app.state.clock.now_naive();
    let locked_until = limits(&app)
        .record_reset_attempt(&user)
        .await
        .unwrap()
        .expect("the sixth attempt in 24 h locks the account");
    let lock = locked_until - now;
    assert!(
        (lock - TimeDelta::hours(24)).abs() < TimeDelta::seconds(1),
        "{lock}"
    );
    // A different account is unaffected.
    assert_eq!(
        limits(&app).record_reset_attempt(&other).await.unwrap(),
        None
    );
    // After the lock (24 h) the rolling window has emptied: attempts are allowed again.
    app.clock
        .advance(TimeDelta::hours(24) + TimeDelta::seconds(1));
    assert_eq!(
        limits(&app).record_reset_attempt(&user).await.unwrap(),
        None
    );
}

#[tokio::test]
async fn the_attempt_window_is_rolling_not_fixed() {
    let app = TestApp::spawn().await;
    let user = UserId::generate();
    for _ in 0..5 {
        assert_eq!(
            limits(&app).record_reset_attempt(&user).await.unwrap(),
            None
        );
    }
    // 23 h later all five are still inside the last 24 h.
    app.clock.advance(TimeDelta::hours(23));
    assert!(limits(&app)
        .record_reset_attempt(&user)
        .await
        .unwrap()
        .is_some());
}

// docs/security.md#30: exponential backoff, at most 100 consecutive failures, no DoS lockout.
#[tokio::test]
async fn failed_sign_ins_back_off_exponentially_and_stop_at_one_hundred() {
    let app = TestApp::spawn().await;
    let user = UserId::generate();
    let l = limits(&app);
    for _ in 0..3 {
        assert_eq!(
            l.record_failure(&user, FailureKind::SignIn).await.unwrap(),
            Allowance::Allowed
        );
    }
    let after_fourth = l.record_failure(&user, FailureKind::SignIn).await.unwrap();
    assert_eq!(
        after_fourth.retry_after_seconds(app.state.clock.now()),
        Some(1)
    );
    assert_eq!(
        l.failure_allowance(&user, FailureKind::SignIn)
            .await
            .unwrap()
            .retry_after_seconds(app.state.clock.now()),
        Some(1)
    );
    let after_fifth = l.record_failure(&user, FailureKind::SignIn).await.unwrap();
    assert_eq!(
        after_fifth.retry_after_seconds(app.state.clock.now()),
        Some(2)
    );
    app.clock.advance(TimeDelta::seconds(3));
    assert_eq!(
        l.failure_allowance(&user, FailureKind::SignIn)
            .await
            .unwrap(),
        Allowance::Allowed
    );
    // TOTP failures are counted apart.
    assert_eq!(
        l.failure_allowance(&user, FailureKind::Totp).await.unwrap(),
        Allowance::Allowed
    );

    for _ in 5..99 {
        l.record_failure(&user, FailureKind::SignIn).await.unwrap();
    }
    app.clock.advance(TimeDelta::hours(1));
    assert_eq!(
        l.failure_allowance(&user, FailureKind::SignIn)
            .await
            .unwrap(),
        Allowance::Allowed,
        "99 failures: still allowed once the backoff has passed"
    );
    assert_eq!(
        l.record_failure(&user, FailureKind::SignIn).await.unwrap(),
        Allowance::Blocked
    );
    app.clock.advance(TimeDelta::days(7));
    assert_eq!(
        l.failure_allowance(&user, FailureKind::SignIn)
            .await
            .unwrap(),
        Allowance::Blocked,
        "the 101st attempt is refused, however long one waits"
    );
    // No DoS lockout: the real user can still start a reset, and its success clears the count.
    assert_eq!(l.record_reset_attempt(&user).await.unwrap(), None);
    l.reset_failures(&user, FailureKind::SignIn).await.unwrap();
    assert_eq!(
        l.failure_allowance(&user, FailureKind::SignIn)
            .await
            .unwrap(),
        Allowance::Allowed
    );
}

// docs/security.md#9, #25: five wrong codes burn a flow.
#[tokio::test]
async fn wrong_codes_are_counted_per_flow() {
    let app = TestApp::spawn().await;
    let l = limits(&app);
    for i in 1..=5 {
        assert_eq!(l.record_code_failure("flow-a").await.unwrap(), i);
    }
    assert_eq!(l.record_code_failure("flow-b").await.unwrap(), 1);
    assert!(keys(&app).await.iter().all(|k| !k.contains("flow-a")));
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
    let l = limits(&app).clone();
    let tasks: Vec<_> = (0..50)
        .map(|_| {
            let l = l.clone();
            tokio::spawn(async move { l.record_code_failure("contended").await.unwrap() })
        })
        .collect();
    let mut seen = Vec::new();
    for t in tasks {
        seen.push(t.await.unwrap());
    }
    seen.sort_unstable();
    assert_eq!(
        seen,
        (1..=50).collect::<Vec<u32>>(),
        "each hit saw its own count"
    );
}

#[tokio::test]
async fn expired_counters_are_swept() {
    let app = TestApp::spawn().await;
    let l = limits(&app);
    l.record_code_failure("flow").await.unwrap();
    l.record_failure(&UserId::generate(), FailureKind::Totp)
        .await
        .unwrap();
    assert_eq!(l.sweep().await.unwrap(), 0);
    app.clock.advance(TimeDelta::hours(25));
    // The flow counter (24 h) goes; the consecutive-failure counter (90 days) stays.
    assert_eq!(l.sweep().await.unwrap(), 1);
    let left = app.state.db.run(rate_counters::len).await.unwrap();
    assert_eq!(left, 1);
}

#[tokio::test]
async fn disabled_persistent_limits_always_allow_and_store_nothing() {
    let app = TestApp::spawn_with("[rate_limits]\nenabled = false").await;
    let l = limits(&app);
    let target = email("a@example.org");
    let user = UserId::generate();
    for _ in 0..20 {
        assert!(l.mail_allowed(&target).await.unwrap());
        assert_eq!(l.record_reset_attempt(&user).await.unwrap(), None);
        assert_eq!(
            l.record_failure(&user, FailureKind::SignIn).await.unwrap(),
            Allowance::Allowed
        );
        assert_eq!(l.record_code_failure("f").await.unwrap(), 0);
        assert!(!l
            .record_tenant_request(&TenantId::generate())
            .await
            .unwrap());
    }
    assert!(keys(&app).await.is_empty());
}
