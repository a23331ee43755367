//! C: the job worker's throughput, for eligible guests (a mail over SMTP each) and for unknown
//! addresses (an evaluation and an audit row each), reported separately.
//!
//! B's two halves queue the work: existing guests first, then unknown addresses. The worker runs
//! beside each half; what it measures is then its drain of the backlog the half left, when
//! there is one worth timing (≥ [`MIN_BACKLOG`] jobs). A worker that kept pace with B leaves
//! none: its rate is then what it did from the start of B until the queue was empty, a lower
//! bound on its capacity (the arrivals limited it).

use crate::report::{at_least, Row};
use crate::server::Server;
use std::fmt::Write as _;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

/// A backlog smaller than this drains too fast to time.
const MIN_BACKLOG: i64 = 1_000;

/// The targets on SQLite (jobs or mails per second); PostgreSQL's are 60 % of them.
const UNKNOWN_TARGET: f64 = 3_000.0;
const MAILS_TARGET: f64 = 1_000.0;
const PG_SHARE: f64 = 0.6;

/// Where the queue and the sink stood when a half of B began.
pub struct Mark {
    at: Instant,
    done: i64,
    mails: u64,
}

impl Mark {
    pub fn now(server: &Server) -> Self {
        Self {
            at: Instant::now(),
            done: server.queue().1,
            mails: mails(server),
        }
    }
}

/// Messages the SMTP sink accepted so far (0 with the outbox).
fn mails(server: &Server) -> u64 {
    server
        .sink
        .as_ref()
        .map_or(0, |s| s.received.messages.load(Ordering::Relaxed))
}

/// What the worker did from `from` until the queue was empty (or `limit` passed): rows for
/// its throughput and for the queue depth over time (sampled every second).
struct Drained {
    /// Seconds and jobs done / mails accepted: over the drain of the backlog if there was one
    /// worth timing, else since `from`.
    secs: f64,
    jobs: i64,
    mails: u64,
    backlog: i64,
    remaining: i64,
    timeline: String,
}

fn drain(server: &Server, from: &Mark, limit: Duration) -> Drained {
    let (backlog, done0) = server.queue();
    let (start, mails0) = (Instant::now(), mails(server));
    let mut timeline = format!("0s:{backlog} ");
    let mut open = backlog;
    let mut tick = 0u32;
    while open > 0 && start.elapsed() < limit {
        std::thread::sleep(Duration::from_millis(250));
        open = server.queue().0;
        tick += 1;
        if tick.is_multiple_of(20) {
            let _ = write!(timeline, "{:.0}s:{open} ", start.elapsed().as_secs_f64());
        }
    }
    let _ = write!(timeline, "end {:.1}s:{open}", start.elapsed().as_secs_f64());
    let (done, mails_now) = (server.queue().1, mails(server));
    let (base_at, base_done, base_mails) = if backlog >= MIN_BACKLOG {
        (start, done0, mails0)
    } else {
        (from.at, from.done, from.mails)
    };
    Drained {
        secs: base_at.elapsed().as_secs_f64().max(1e-9),
        jobs: done - base_done,
        mails: mails_now - base_mails,
        backlog,
        remaining: open,
        timeline,
    }
}

fn how(d: &Drained) -> String {
    let end = if d.remaining == 0 {
        "drained".to_string()
    } else {
        format!("{} still queued", d.remaining)
    };
    if d.backlog >= MIN_BACKLOG {
        format!("drain of the backlog B left ({} jobs; {end})", d.backlog)
    } else {
        format!(
            "kept pace with B (backlog {}): from B's start to empty, a lower bound; {end}",
            d.backlog
        )
    }
}

/// C, eligible guests: after B's existing-address half. Returns the throughput row and the
/// queue-depth row.
pub fn eligible(server: &Server, from: &Mark, limit: Duration, pg: bool) -> (Row, Row) {
    let d = drain(server, from, limit);
    let share = if pg { PG_SHARE } else { 1.0 };
    let (rate, unit, what) = if server.sink.is_some() {
        (
            d.mails as f64 / d.secs,
            "mails/s",
            "mails accepted by the SMTP sink",
        )
    } else {
        (
            d.jobs as f64 / d.secs,
            "/s",
            "evaluations (mail to the outbox: no SMTP figure)",
        )
    };
    let row = Row {
        name: "C eligible guests: mails over SMTP (evaluation→token→mail)".into(),
        throughput: format!("{rate:.0} {unit}"),
        p50: "-".into(),
        p99: "-".into(),
        max: "-".into(),
        errors: server.failed_jobs().to_string(),
        note: format!(
            "{} {what}, {} jobs, in {:.1} s; {}; errors = failed jobs",
            d.mails,
            d.jobs,
            d.secs,
            how(&d)
        ),
        target: at_least(rate, MAILS_TARGET * share, unit),
    };
    (row, Row::note("C queue depth over time", d.timeline))
}

/// C', unknown addresses: after B's unknown-address half.
pub fn unknown(server: &Server, from: &Mark, pg: bool) -> Row {
    let d = drain(server, from, Duration::from_secs(180));
    let share = if pg { PG_SHARE } else { 1.0 };
    let rate = d.jobs as f64 / d.secs;
    Row {
        name: "C' unknown addresses: evaluations (facts→decision→audit)".into(),
        throughput: format!("{rate:.0} /s"),
        p50: "-".into(),
        p99: "-".into(),
        max: "-".into(),
        errors: server.failed_jobs().to_string(),
        note: format!(
            "{} evaluated in {:.1} s; {}; queue {}",
            d.jobs,
            d.secs,
            how(&d),
            d.timeline
        ),
        target: at_least(rate, UNKNOWN_TARGET * share, "/s"),
    }
}
