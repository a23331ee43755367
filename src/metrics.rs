//! Prometheus metrics, kept by hand: requests by route and status, a latency histogram, and
//! gauges filled at scrape time (job queue depth).

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::Mutex;
use std::time::Duration;

const BUCKETS: &[f64] = &[
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0,
];

#[derive(Debug, Default)]
pub struct Metrics {
    inner: Mutex<Inner>,
}

#[derive(Debug, Default)]
struct Inner {
    requests: BTreeMap<(String, String, u16), u64>,
    buckets: Vec<u64>,
    sum_seconds: f64,
    count: u64,
    counters: BTreeMap<(String, String), u64>,
}

impl Metrics {
    pub fn observe_request(&self, method: &str, route: &str, status: u16, elapsed: Duration) {
        let mut m = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        *m.requests
            .entry((method.to_string(), route.to_string(), status))
            .or_default() += 1;
        if m.buckets.is_empty() {
            m.buckets = vec![0; BUCKETS.len()];
        }
        let secs = elapsed.as_secs_f64();
        for (i, b) in BUCKETS.iter().enumerate() {
            if secs <= *b {
                m.buckets[i] += 1;
            }
        }
        m.sum_seconds += secs;
        m.count += 1;
    }

    /// Increments a named counter with one label (e.g. `latchkey_jobs_total{outcome="done"}`).
    pub fn incr(&self, name: &str, label: &str) {
        let mut m = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        *m.counters
            .entry((name.to_string(), label.to_string()))
            .or_default() += 1;
    }

    /// The Prometheus text exposition, with the scrape-time gauges appended.
    pub fn render(&self, gauges: &[(&str, &str, i64)]) -> String {
        let m = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        let mut out = String::new();
        out.push_str(
            "# HELP latchkey_http_requests_total HTTP requests by route pattern and status.\n",
        );
        out.push_str("# TYPE latchkey_http_requests_total counter\n");
        for ((method, route, status), n) in &m.requests {
            let _ = writeln!(
                out,
                "latchkey_http_requests_total{{method=\"{method}\",route=\"{}\",status=\"{status}\"}} {n}",
                escape(route)
            );
        }
        out.push_str("# HELP latchkey_http_request_duration_seconds Request latency.\n");
        out.push_str("# TYPE latchkey_http_request_duration_seconds histogram\n");
        for (i, b) in BUCKETS.iter().enumerate() {
            let n = m.buckets.get(i).copied().unwrap_or(0);
            let _ = writeln!(
                out,
                "latchkey_http_request_duration_seconds_bucket{{le=\"{b}\"}} {n}"
            );
        }
        let _ = writeln!(
            out,
            "latchkey_http_request_duration_seconds_bucket{{le=\"+Inf\"}} {}",
            m.count
        );
        let _ = writeln!(
            out,
            "latchkey_http_request_duration_seconds_sum {}",
            m.sum_seconds
        );
        let _ = writeln!(
            out,
            "latchkey_http_request_duration_seconds_count {}",
            m.count
        );
        let mut last_name = "";
        for ((name, label), n) in &m.counters {
            if name != last_name {
                let _ = writeln!(out, "# TYPE {name} counter");
                last_name = name;
            }
            let (k, v) = label.split_once('=').unwrap_or(("kind", label));
            let _ = writeln!(out, "{name}{{{k}=\"{}\"}} {n}", escape(v));
        }
        for (name, help, value) in gauges {
            let _ = writeln!(
                out,
                "# HELP {name} {help}\n# TYPE {name} gauge\n{name} {value}"
            );
        }
        out
    }
}

fn escape(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}
