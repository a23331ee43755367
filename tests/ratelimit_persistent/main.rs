//! Persistent, cluster-wide limits (docs/security.md#28, #30, #9/#25; docs/operations.md#rate-limits): counters in the
//! database, atomic under concurrency, surviving a restart and shared by instances on one
//! database. Time is moved with the injected clock. Runs on PostgreSQL too when
//! `LATCHKEY_TEST_PG` is set.

mod counters;
mod restart;
#[path = "../support/mod.rs"]
mod support;
use chrono::{DurationRound, NaiveDateTime, TimeDelta, Utc};
use latchkey::accounts::lockout;
use latchkey::db::rate_counters;
use latchkey::domain::{EmailAddress, TenantId, UserId};
use latchkey::ratelimit::{Allowance, FailureKind, PersistentLimits};
use latchkey::services::clock::{Clock, OffsetClock};
use latchkey::startup::Application;
use std::sync::Arc;
use support::{test_settings, TestApp, TestDb};

const SECRET: &str = "secret_key = \"0123456789abcdef0123456789abcdef-test\"\n";

fn limits(app: &TestApp) -> &PersistentLimits {
    &app.state.rate_limits.persistent
}

fn email(s: &str) -> EmailAddress {
    EmailAddress::parse(s).unwrap()
}

/// Puts the test clock one minute past the next UTC midnight, so fixed hour and day windows
/// do not roll over mid-test.
fn start_of_a_day(clock: &OffsetClock) {
    let now = Utc::now();
    let midnight = now.duration_trunc(TimeDelta::days(1)).unwrap() + TimeDelta::days(1);
    clock.set_offset(midnight + TimeDelta::minutes(1) - now);
}

/// A window for counting with [`rate_counters::hit`] directly: the current UTC day, kept until
/// it ends.
fn hit_window(clock: &OffsetClock) -> (NaiveDateTime, NaiveDateTime) {
    let day = clock
        .now_naive()
        .duration_trunc(TimeDelta::days(1))
        .unwrap();
    (day, day + TimeDelta::days(1))
}

async fn keys(app: &TestApp) -> Vec<String> {
    use diesel::prelude::*;
    use latchkey::db::schema::rate_counters::dsl;
    app.state
        .db
        .run(|c| {
            latchkey::dispatch!(c, c => dsl::rate_counters
                .select(dsl::key)
                .load::<String>(c))
            .map_err(latchkey::db::DbError::from)
        })
        .await
        .unwrap()
}

// docs/security.md#28: a per-address mail cap (3 an hour, 10 a day).
