//! J: no backlog at the ceiling. A server of its own with the limits on (defaults) and the
//! bench trusted as its proxy: 1 000 source addresses (`X-Forwarded-For`) flood `POST /reset`
//! at the instance's global ceiling (`rate_limits.reset_global`, read as the server reads it:
//! the default, or `LATCHKEY_BENCH_SET_RATE_LIMITS__RESET_GLOBAL__PER_MINUTE`) for
//! `LATCHKEY_BENCH_J_SECS` (60), half unknown addresses and half existing guests, while 20 real
//! guests (verified, each from an address of their own) ask for a reset at spread-out times.
//! Timed for each real guest: from their `POST /reset` to their mail being accepted by the SMTP
//! sink (a 429 is retried after its `Retry-After`, the clock still running). The queue depth is
//! sampled every 2 s. `LATCHKEY_BENCH_J_FACTOR` (1.0) offers a multiple of the ceiling.
//!
//! Targets: the guests' p99 < 5 s; the queue bounded (never deeper than 5 s of the ceiling, and
//! empty again within 5 s of the flood's end).

use crate::client::{Conn, Samples};
use crate::knobs::{knob, Knobs, Mail};
use crate::report::{verdict, Row};
use crate::server::Server;
use crate::stats::{ms, quantile};
use crate::DOMAIN;
use std::fmt::Write as _;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Source addresses of the flood.
const ADDRESSES: u32 = 1_000;
/// Real guests (`user0` … `user19`; the flood's existing addresses are the others).
const GUESTS: u32 = 20;
/// The guests' target: p99 from request to mail accepted.
const GUEST_TARGET_S: f64 = 5.0;
/// The queue may hold at most this many seconds of the ceiling, and must be empty this long
/// after the flood.
const QUEUE_BOUND_S: f64 = 5.0;
/// How often the queue depth is sampled.
const SAMPLE_EVERY: Duration = Duration::from_secs(2);

/// The `POST /reset` ceiling the server runs with: (per minute, burst).
fn ceiling() -> (u32, u32) {
    use figment::providers::{Env, Serialized};
    let figment = figment::Figment::from(Serialized::defaults(
        latchkey::config::RateLimitSettings::default().reset_global,
    ))
    .merge(Env::prefixed(
        "LATCHKEY_BENCH_SET_RATE_LIMITS__RESET_GLOBAL__",
    ));
    let q: latchkey::config::QuotaSettings = figment
        .extract()
        .expect("LATCHKEY_BENCH_SET_RATE_LIMITS__RESET_GLOBAL__* are numbers");
    (q.per_minute, q.burst)
}

/// Answers of the flood by status.
#[derive(Default)]
struct Tally {
    accepted: AtomicU64,
    limited: AtomicU64,
    other: AtomicU64,
}

pub fn run(label: &str, db_url: &str, dir: &std::path::Path, k: &Knobs) -> Vec<Row> {
    let secs = Duration::from_secs_f64(knob("LATCHKEY_BENCH_J_SECS", 60.0f64).max(5.0));
    let factor = knob("LATCHKEY_BENCH_J_FACTOR", 1.0f64).max(0.01);
    let (per_minute, burst) = ceiling();
    let rate = f64::from(per_minute) / 60.0 * factor;
    eprintln!(
        "== J ({label}): POST /reset at {rate:.1}/s (ceiling {per_minute}/min) from {ADDRESSES} addresses for {:.0} s, {GUESTS} guests",
        secs.as_secs_f64()
    );
    let users = k.users.max(GUESTS * 10);
    let server = Server::start_with(
        dir,
        db_url,
        users,
        0,
        Mail::Smtp,
        None,
        &[
            ("LATCHKEY_RATE_LIMITS__ENABLED", "true"),
            ("LATCHKEY_TRUSTED_PROXIES", "[\"127.0.0.1\"]"),
        ],
    );
    let sink = server.sink.as_ref().expect("J mails to the SMTP sink");
    for g in 0..GUESTS {
        sink.received.watch(&guest_email(g));
    }
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("client runtime");
    let addr = server.addr;
    let tally = Arc::new(Tally::default());
    let timeline = Mutex::new(Vec::new());
    let sampling = AtomicBool::new(true);
    let start = Instant::now();
    let (done0, mails0) = (
        server.queue().1,
        sink.received.messages.load(Ordering::Relaxed),
    );

    let (flood, posted, flood_end, drained, drain_s) = std::thread::scope(|scope| {
        scope.spawn(|| {
            while sampling.load(Ordering::Relaxed) {
                let depth = server.queue().0;
                timeline
                    .lock()
                    .expect("timeline")
                    .push((start.elapsed().as_secs_f64(), depth));
                std::thread::sleep(SAMPLE_EVERY);
            }
        });
        let (flood, posted, flood_end) = rt.block_on(flood_and_guests(
            addr,
            k.conns.min(64),
            rate,
            secs,
            users,
            tally.clone(),
        ));
        // The queue after the flood, until it is empty (or 60 s).
        let drained = server.wait_drained(Duration::from_secs(60));
        let drain_s = (start.elapsed() - flood_end).as_secs_f64();
        // Mails of the last guests may still be on their way to the sink.
        let deadline = Instant::now() + Duration::from_secs(30);
        let waiting = |posted: &[Option<(Instant, u32)>]| {
            posted
                .iter()
                .zip(0..)
                .any(|(p, g)| p.is_some() && sink.received.accepted(&guest_email(g)).is_none())
        };
        while Instant::now() < deadline && waiting(&posted) {
            std::thread::sleep(Duration::from_millis(100));
        }
        sampling.store(false, Ordering::Relaxed);
        (flood, posted, flood_end, drained, drain_s)
    });
    let (done1, mails1) = (
        server.queue().1,
        sink.received.messages.load(Ordering::Relaxed),
    );
    let elapsed = start.elapsed().as_secs_f64();

    let mut rows = Vec::new();
    let count = |a: &AtomicU64| a.load(Ordering::Relaxed);
    rows.push(Row::from_samples(
        "J flood: POST /reset at the ceiling",
        &flood,
        "req/s",
        format!(
            "offered {rate:.1}/s = reset_global {per_minute}/min × {factor} (burst {burst}), {} conns over {ADDRESSES} X-Forwarded-For addresses, half existing guests, half unknown; answers: {} accepted (303 to the check-email page), {} limited (429), {} other; over {:.0} s",
            k.conns.min(64),
            count(&tally.accepted),
            count(&tally.limited),
            count(&tally.other),
            flood_end.as_secs_f64()
        ),
    ));

    // Each guest: POST → mail accepted.
    let mut waits = Samples::default();
    let mut retries = 0;
    for (g, p) in posted.iter().enumerate() {
        let mailed = sink.received.accepted(&guest_email(g as u32));
        match (p, mailed) {
            (Some((t0, r)), Some(at)) => {
                retries += r;
                let us = at.saturating_duration_since(*t0).as_micros();
                waits.micros.push(us.min(u128::from(u32::MAX)) as u32);
            }
            _ => waits.errors += 1,
        }
    }
    waits.elapsed = flood_end;
    let mut sorted = waits.micros.clone();
    sorted.sort_unstable();
    let p99 = quantile(&sorted, 0.99).map(|u| f64::from(u) / 1e6);
    let guest_ok = waits.errors == 0 && p99.is_some_and(|p| p < GUEST_TARGET_S);
    let mut guest_row = Row::from_samples(
            "J real guests: POST /reset → mail accepted by the SMTP sink",
            &waits,
            "guests",
            format!(
                "{} of {GUESTS} guests mailed (verified, one address each, spread over the flood); {retries} retries after a 429; errors = guests never mailed",
                waits.micros.len()
            ),
        )
        .target(format!(
            "p99 < {GUEST_TARGET_S:.0} s: {}",
            verdict(guest_ok, || match p99 {
                Some(p) if waits.errors == 0 => format!("p99 {p:.2} s"),
                _ => format!("{} guests never mailed", waits.errors),
            })
        ));
    guest_row.throughput = format!("{} guests", waits.micros.len());
    rows.push(guest_row);

    let timeline = timeline.into_inner().expect("timeline");
    let max_depth = timeline.iter().map(|s| s.1).max().unwrap_or(0);
    let bound = (f64::from(per_minute) / 60.0 * QUEUE_BOUND_S).ceil() as i64;
    let mut line = String::new();
    for (t, depth) in &timeline {
        let _ = write!(line, "{t:.0}s:{depth} ");
    }
    let bounded = max_depth <= bound && drained && drain_s <= QUEUE_BOUND_S;
    rows.push(
        Row::note(
            "J queue depth over time",
            format!(
                "{}; max {max_depth}; {} {drain_s:.1} s after the flood; worker {:.0} jobs/s, sink {:.0} mails/s over the run; failed jobs {}",
                line.trim_end(),
                if drained { "empty" } else { "NOT empty" },
                (done1 - done0) as f64 / elapsed,
                (mails1 - mails0) as f64 / elapsed,
                server.failed_jobs()
            ),
        )
        .target(format!(
            "bounded (≤ {bound} = {QUEUE_BOUND_S:.0} s of the ceiling, empty ≤ {QUEUE_BOUND_S:.0} s after): {}",
            verdict(bounded, || format!("max {max_depth}, empty after {drain_s:.1} s"))
        )),
    );
    eprintln!(
        "   J guests p50/p99/max: {} / {} / {} ms",
        ms(quantile(&sorted, 0.5)),
        ms(quantile(&sorted, 0.99)),
        ms(sorted.last().copied())
    );
    drop(server);
    rows
}

/// The flood and the guests, side by side; returns the flood's samples, when each guest's first
/// POST left (and its retries), and when the flood ended (since `start`).
async fn flood_and_guests(
    addr: SocketAddr,
    conns: usize,
    rate: f64,
    secs: Duration,
    users: u32,
    tally: Arc<Tally>,
) -> (Samples, Vec<Option<(Instant, u32)>>, Duration) {
    let start = Instant::now();
    let deadline = tokio::time::Instant::now() + secs;
    let flooders: Vec<_> = (0..conns)
        .map(|c| {
            let period = Duration::from_secs_f64(conns as f64 / rate);
            let offset = Duration::from_secs_f64(c as f64 / rate);
            let pace = (offset, period);
            tokio::spawn(flooder(
                addr,
                (c, conns),
                pace,
                users,
                deadline,
                tally.clone(),
            ))
        })
        .collect();
    let guests: Vec<_> = (0..GUESTS)
        .map(|g| {
            let at = secs.mul_f64((f64::from(g) + 0.5) / f64::from(GUESTS));
            tokio::spawn(guest(addr, g, at, secs + Duration::from_secs(30)))
        })
        .collect();
    let mut flood = Samples::default();
    for f in flooders {
        if let Ok(s) = f.await {
            flood.merge(s);
        }
    }
    // The last request of the flood has been answered.
    let flood_end = start.elapsed();
    flood.elapsed = flood_end;
    let mut posted = Vec::new();
    for g in guests {
        posted.push(g.await.ok().flatten());
    }
    (flood, posted, flood_end)
}

fn guest_email(g: u32) -> String {
    format!("user{g}@{DOMAIN}")
}

/// One real guest: waits until `at`, asks for a reset from an address of their own, and retries
/// a 429 after its `Retry-After` until `give_up`. Returns when the first POST left and how many
/// retries it took, or `None` when it was never accepted.
async fn guest(
    addr: SocketAddr,
    g: u32,
    at: Duration,
    give_up: Duration,
) -> Option<(Instant, u32)> {
    let begin = Instant::now();
    tokio::time::sleep(at).await;
    let mut conn = Conn::new(addr);
    conn.forwarded_for = Some(format!("10.88.0.{}", g + 1));
    let csrf = conn.csrf_token().await.ok()?;
    let email = guest_email(g);
    let t0 = Instant::now();
    let mut retries = 0;
    while begin.elapsed() < give_up {
        let reply = conn
            .post_form("/reset", &[("csrf_token", &csrf), ("email", &email)])
            .await
            .ok()?;
        if reply.reset_taken() {
            return Some((t0, retries));
        }
        if reply.status.as_u16() != 429 {
            return None;
        }
        retries += 1;
        let wait = reply.retry_after.unwrap_or(1).max(1);
        tokio::time::sleep(Duration::from_secs(wait)).await;
    }
    None
}

/// One flooding connection, paced: a request every `period` from `offset`, each from the next
/// address of the 1 000, alternating an existing guest (never one of the 20) and an unknown
/// address.
async fn flooder(
    addr: SocketAddr,
    (n, of): (usize, usize),
    (offset, period): (Duration, Duration),
    users: u32,
    deadline: tokio::time::Instant,
    tally: Arc<Tally>,
) -> Samples {
    let mut s = Samples::default();
    let mut conn = Conn::new(addr);
    let Ok(csrf) = conn.csrf_token().await else {
        s.errors += 1;
        return s;
    };
    let mut tick = tokio::time::interval_at(tokio::time::Instant::now() + offset, period);
    let mut i = n as u32;
    loop {
        tokio::select! {
            _ = tick.tick() => {}
            _ = tokio::time::sleep_until(deadline) => break,
        }
        let a = i % ADDRESSES;
        conn.forwarded_for = Some(format!("10.77.{}.{}", a / 250, a % 250 + 1));
        let email = if i.is_multiple_of(2) {
            let x = u64::from(i).wrapping_mul(2_654_435_761) % u64::from(users - GUESTS);
            format!("user{}@{DOMAIN}", u64::from(GUESTS) + x)
        } else {
            format!("flood{i}@{DOMAIN}")
        };
        let t = Instant::now();
        let reply = conn
            .post_form("/reset", &[("csrf_token", &csrf), ("email", &email)])
            .await;
        let (counter, ok) = match &reply {
            Ok(r) if r.reset_taken() => (&tally.accepted, true),
            Ok(r) if r.status.as_u16() == 429 => (&tally.limited, true),
            _ => (&tally.other, false),
        };
        counter.fetch_add(1, Ordering::Relaxed);
        s.record(t, ok);
        i = i.wrapping_add(of as u32);
    }
    s
}
