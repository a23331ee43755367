use super::*;

#[test]
fn backoff_is_free_then_doubles_up_to_the_cap_then_stops() {
    let s = RateLimitSettings::default();
    assert_eq!(backoff(0, &s), Some(TimeDelta::zero()));
    assert_eq!(backoff(3, &s), Some(TimeDelta::zero()));
    assert_eq!(backoff(4, &s), Some(TimeDelta::seconds(1)));
    assert_eq!(backoff(5, &s), Some(TimeDelta::seconds(2)));
    assert_eq!(backoff(8, &s), Some(TimeDelta::seconds(16)));
    assert_eq!(backoff(20, &s), Some(TimeDelta::seconds(900)));
    assert_eq!(backoff(99, &s), Some(TimeDelta::seconds(900)));
    // NIST SP 800-63B: no more than 100 consecutive failed attempts.
    assert_eq!(backoff(100, &s), None);
    assert_eq!(backoff(u32::MAX, &s), None);
}

#[test]
fn windows_are_fixed_and_aligned() {
    let t = chrono::NaiveDate::from_ymd_opt(2026, 11, 26)
        .unwrap()
        .and_hms_milli_opt(13, 47, 12, 345)
        .unwrap();
    assert_eq!(
        window(t, TimeDelta::hours(1)).to_string(),
        "2026-11-26 13:00:00"
    );
    assert_eq!(
        window(t, TimeDelta::days(1)).to_string(),
        "2026-11-26 00:00:00"
    );
    assert_eq!(window(t, minutes(10)).to_string(), "2026-11-26 13:40:00");
}

#[test]
fn retry_after_rounds_up() {
    let now = Utc::now();
    let a = Allowance::NotBefore(now + TimeDelta::milliseconds(1500));
    assert_eq!(a.retry_after_seconds(now), Some(2));
    assert_eq!(Allowance::Allowed.retry_after_seconds(now), None);
    assert_eq!(
        Allowance::NotBefore(now - TimeDelta::seconds(1)).retry_after_seconds(now),
        None
    );
}
