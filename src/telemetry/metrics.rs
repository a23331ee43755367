//! Metrics through the `metrics` facade, exposed in the Prometheus text format on the
//! management listener (`management_bind`), never on the public one.
//!
//! One recorder per process (the facade's global one, installed by the first
//! [`Metrics::install`]); the code that counts something calls the facade's macros or the
//! helpers below wherever it is. Every label comes from a fixed set (an HTTP method out of
//! GET/HEAD/POST/other, a route *pattern*, a status class, a decision code, a mail kind, a
//! limiter name), so no request can add a series (docs/security.md#37).

use metrics::{counter, describe_counter, describe_gauge, describe_histogram, gauge, histogram};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use std::sync::OnceLock;
use std::time::Duration;

/// Latency buckets (seconds) of `latchkey_http_request_duration_seconds`.
const LATENCY_BUCKETS: &[f64] = &[
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0,
];

pub const HTTP_REQUESTS: &str = "latchkey_http_requests_total";
pub const HTTP_DURATION: &str = "latchkey_http_request_duration_seconds";
pub const RESET_REQUESTS: &str = "latchkey_reset_requests_total";
pub const RESET_COMPLETIONS: &str = "latchkey_reset_completions_total";
pub const MAILS: &str = "latchkey_mails_total";
pub const LOCKOUTS: &str = "latchkey_lockouts_total";
pub const RATE_LIMITED: &str = "latchkey_rate_limited_total";
pub const JOBS: &str = "latchkey_jobs_total";
pub const QUEUE_DEPTH: &str = "latchkey_jobs_queue_depth";
pub const QUEUE_OLDEST: &str = "latchkey_jobs_oldest_age_seconds";
pub const PASSWORD_BREACH_CHECKS: &str = "latchkey_password_breach_checks_total";
pub const WEBHOOK_DELIVERIES: &str = "latchkey_webhook_deliveries_total";
pub const RETENTION_DELETED: &str = "latchkey_retention_deleted_total";
pub const RETENTION_RUNS: &str = "latchkey_retention_sweeps_total";
pub const PASSWORD_VERIFICATIONS: &str = "latchkey_password_verifications_total";

/// The process-wide exporter: a handle that renders what the facade recorded.
#[derive(Clone)]
pub struct Metrics {
    handle: PrometheusHandle,
}

impl std::fmt::Debug for Metrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Metrics").finish_non_exhaustive()
    }
}

/// What the job queue looks like at scrape time.
#[derive(Debug, Clone, Copy)]
pub struct QueueStats {
    /// Open jobs (waiting or running).
    pub depth: i64,
    /// Seconds since the oldest open job was queued; 0 when there is none.
    pub oldest_age_seconds: f64,
}

impl Metrics {
    /// The process's metrics: installs the global recorder on the first call (later calls,
    /// e.g. from tests that start many applications in one process, share it).
    pub fn install() -> Metrics {
        static INSTALLED: OnceLock<Metrics> = OnceLock::new();
        INSTALLED.get_or_init(Self::build).clone()
    }

    fn build() -> Metrics {
        let recorder = PrometheusBuilder::new()
            .set_buckets_for_metric(Matcher::Full(HTTP_DURATION.to_string()), LATENCY_BUCKETS)
            .expect("latency buckets are not empty")
            .build_recorder();
        let handle = recorder.handle();
        if metrics::set_global_recorder(recorder).is_err() {
            tracing::warn!("a metrics recorder was already installed; /metrics will be empty");
        }
        describe();
        metrics_process::Collector::default().describe();
        // Histograms keep raw samples until drained: drain them even when nobody scrapes.
        let upkeep = handle.clone();
        let _ = std::thread::Builder::new()
            .name("metrics-upkeep".into())
            .spawn(move || loop {
                std::thread::sleep(Duration::from_secs(5));
                upkeep.run_upkeep();
            });
        Metrics { handle }
    }

    /// The Prometheus text exposition, after refreshing the scrape-time gauges.
    pub fn render(&self, queue: Option<QueueStats>) -> String {
        metrics_process::Collector::default().collect();
        match queue {
            Some(q) => {
                gauge!(QUEUE_DEPTH).set(q.depth as f64);
                gauge!(QUEUE_OLDEST).set(q.oldest_age_seconds);
            }
            // The database is unreachable: say so rather than show stale figures.
            None => {
                gauge!(QUEUE_DEPTH).set(-1.0);
                gauge!(QUEUE_OLDEST).set(-1.0);
            }
        }
        self.handle.render()
    }

    /// One finished HTTP request.
    pub fn observe_request(&self, method: &str, route: &str, status: u16, elapsed: Duration) {
        let labels = [
            ("method", method_label(method).to_string()),
            ("route", route.to_string()),
            ("status", status_class(status).to_string()),
        ];
        counter!(HTTP_REQUESTS, &labels).increment(1);
        histogram!(HTTP_DURATION, &labels).record(elapsed.as_secs_f64());
    }

    /// Increments a counter with one `key=value` label from a fixed set, e.g.
    /// `incr("latchkey_jobs_total", "outcome=done")`.
    pub fn incr(&self, name: &'static str, label: &'static str) {
        let (k, v) = label.split_once('=').unwrap_or(("kind", label));
        counter!(name, k => v).increment(1);
    }
}

/// The method label: one of a fixed set, whatever the client sent.
pub fn method_label(method: &str) -> &'static str {
    match method {
        "GET" => "GET",
        "HEAD" => "HEAD",
        "POST" => "POST",
        _ => "other",
    }
}

fn status_class(status: u16) -> &'static str {
    match status {
        100..=199 => "1xx",
        200..=299 => "2xx",
        300..=399 => "3xx",
        400..=499 => "4xx",
        _ => "5xx",
    }
}

/// A reset request decided by the worker, by decision code (`allow`, `unknown_account`, …).
pub fn reset_request(decision: &'static str) {
    counter!(RESET_REQUESTS, "decision" => decision).increment(1);
}

/// A completed password reset.
pub fn reset_completed() {
    counter!(RESET_COMPLETIONS).increment(1);
}

/// One mail handed to the transport: `outcome` is `sent`, `retry` or `rejected`.
pub fn mail(kind: &'static str, outcome: &'static str) {
    counter!(MAILS, "kind" => kind, "outcome" => outcome).increment(1);
}

/// An account locked (or backed off) after failed proofs: `who` is `guest` or `admin`.
pub fn lockout(who: &'static str) {
    counter!(LOCKOUTS, "who" => who).increment(1);
}

/// A request refused by an in-process limiter.
pub fn rate_limited(limiter: &'static str) {
    counter!(RATE_LIMITED, "limiter" => limiter).increment(1);
}

/// A breached-password lookup: `result` is `found`, `not_found` or `unavailable`.
pub fn password_breach_check(result: &'static str) {
    counter!(PASSWORD_BREACH_CHECKS, "result" => result).increment(1);
}

/// Rows the retention sweep deleted, by kind (`audit_events`, `jobs`, `reset_tokens`, …).
pub fn retention_deleted(kind: &'static str, rows: u64) {
    counter!(RETENTION_DELETED, "kind" => kind).increment(rows);
}

/// One retention sweep finished.
pub fn retention_swept() {
    counter!(RETENTION_RUNS).increment(1);
}

/// One argon2 verification (a sign-in, against the stored hash or the dummy one).
pub fn password_verification() {
    counter!(PASSWORD_VERIFICATIONS).increment(1);
}

fn describe() {
    describe_counter!(
        HTTP_REQUESTS,
        "HTTP requests by method (GET, HEAD, POST, other), route pattern and status class."
    );
    describe_histogram!(
        HTTP_DURATION,
        metrics::Unit::Seconds,
        "HTTP request latency by method, route pattern and status class."
    );
    describe_counter!(RESET_REQUESTS, "Reset requests decided, by decision code.");
    describe_counter!(RESET_COMPLETIONS, "Password resets completed.");
    describe_counter!(MAILS, "Mails handed to the transport, by kind and outcome.");
    describe_counter!(
        LOCKOUTS,
        "Failed proofs (or reset requests past the daily limit) that paused or locked an account, by guest or admin."
    );
    describe_counter!(
        RATE_LIMITED,
        "Requests refused by a rate limiter, by limiter."
    );
    describe_counter!(JOBS, "Background jobs settled, by outcome.");
    describe_counter!(
        PASSWORD_BREACH_CHECKS,
        "Breached-password lookups (password.breached), by result: found, not_found, unavailable."
    );
    describe_counter!(
        WEBHOOK_DELIVERIES,
        "Webhook delivery attempts, by outcome: delivered, retried (an attempt failed; another follows), failed (given up)."
    );
    describe_counter!(
        RETENTION_DELETED,
        "Rows deleted by the retention sweep or `latchkey purge`, by kind."
    );
    describe_counter!(RETENTION_RUNS, "Retention sweeps run.");
    describe_counter!(
        PASSWORD_VERIFICATIONS,
        "argon2 password verifications (against a stored hash or the dummy one for unknown accounts)."
    );
    describe_gauge!(
        QUEUE_DEPTH,
        "Open jobs (waiting or running); -1 when the database is unreachable."
    );
    describe_gauge!(
        QUEUE_OLDEST,
        metrics::Unit::Seconds,
        "Age of the oldest open job; -1 when the database is unreachable."
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_come_from_fixed_sets() {
        for (method, label) in [("GET", "GET"), ("get", "other"), ("FOOBAR", "other")] {
            assert_eq!(method_label(method), label, "{method}");
        }
        for (status, class) in [(204, "2xx"), (429, "4xx"), (999, "5xx")] {
            assert_eq!(status_class(status), class, "{status}");
        }
    }
}
