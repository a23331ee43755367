//! I: one budget for argon2 (docs/security.md#43). A server of its own with the limits on, as
//! in production, and the bench trusted as its proxy: 1 000 source addresses
//! (`X-Forwarded-For`) flood `POST /signin` with unknown accounts while guests complete resets
//! one after the other (open the mailed link, set a new password: timed) and `GET /reset` is
//! probed every 10 ms. The flood meets the per-address limit, the instance's sign-in ceiling
//! and the hasher's bounded sign-in queue (fast 503s); the completions use the hashing slot
//! kept for them. Targets: every completion under 2 s, `GET /reset` p99 under 25 ms.

use crate::client::{Conn, Samples};
use crate::completions::completions;
use crate::knobs::Knobs;
use crate::mail::{harvest_tokens, mail_mark};
use crate::report::Row;
use crate::server::Server;
use crate::stats::{ms, quantile};
use crate::traffic::probe;
use crate::DOMAIN;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

/// Source addresses of the flood.
const ADDRESSES: u32 = 1_000;
/// Guests who complete a reset during the flood (within the bench's own per-address budgets).
const COMPLETIONS: u32 = 12;
/// Completion target.
const COMPLETION_TARGET_MS: f64 = 2_000.0;
/// `GET /reset` p99 target.
const PAGE_TARGET_MS: f64 = 25.0;

/// Answers of the flood by status.
#[derive(Default)]
struct Tally {
    compared: AtomicU64,
    busy: AtomicU64,
    limited: AtomicU64,
    other: AtomicU64,
}

pub fn run(label: &str, db_url: &str, dir: &std::path::Path, k: &Knobs) -> Vec<Row> {
    eprintln!("== I ({label}): sign-in flood from {ADDRESSES} addresses, limits on");
    let server = Server::start_with(
        dir,
        db_url,
        k.users.min(1_000),
        0,
        k.mail,
        None,
        &[
            ("LATCHKEY_RATE_LIMITS__ENABLED", "true"),
            ("LATCHKEY_TRUSTED_PROXIES", "[\"127.0.0.1\"]"),
        ],
    );
    let addr = server.addr;
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("client runtime");

    // The guests ask for their links before the flood (the reset request is not under test).
    let before = mail_mark(&server);
    rt.block_on(async {
        let mut conn = Conn::new(addr);
        let Ok(csrf) = conn.csrf_token().await else {
            return;
        };
        for i in 0..COMPLETIONS {
            let email = format!("user{i}@{DOMAIN}");
            let _ = conn
                .post_form("/reset", &[("csrf_token", &csrf), ("email", &email)])
                .await;
        }
    });
    server.wait_drained(Duration::from_secs(120));
    let tokens = harvest_tokens(&server, &before);
    eprintln!("   {} links; flooding", tokens.len());

    let stop = Arc::new(AtomicBool::new(false));
    let tally = Arc::new(Tally::default());
    let (flood, completed, page) = rt.block_on(async {
        let started = std::time::Instant::now();
        let flooders: Vec<_> = (0..k.conns)
            .map(|c| tokio::spawn(flooder(addr, c, k.conns, stop.clone(), tally.clone())))
            .collect();
        let prober = tokio::spawn(probe(addr, stop.clone()));
        // Let the flood reach its steady state before the first completion.
        tokio::time::sleep(Duration::from_secs(2)).await;
        let completed = completions(addr, tokens, 1, k.secs * 6).await;
        stop.store(true, Ordering::Relaxed);
        let mut flood = Samples::default();
        for f in flooders {
            if let Ok(s) = f.await {
                flood.merge(s);
            }
        }
        // The flooders ran side by side: the flood's rate is over the wall-clock time.
        flood.elapsed = started.elapsed();
        (flood, completed, prober.await.unwrap_or_default())
    });
    let mut rows = Vec::new();
    let count = |a: &AtomicU64| a.load(Ordering::Relaxed);
    rows.push(Row::from_samples(
        "I flood: POST /signin, unknown accounts",
        &flood,
        "req/s",
        format!(
            "{} conns over {ADDRESSES} X-Forwarded-For addresses; answers: {} compared (200), {} busy (503), {} per-address (429), {} other",
            k.conns,
            count(&tally.compared),
            count(&tally.busy),
            count(&tally.limited),
            count(&tally.other)
        ),
    ));
    let mut c = completed.micros.clone();
    c.sort_unstable();
    let worst = c.last().map_or(f64::NAN, |m| f64::from(*m) / 1000.0);
    rows.push(
        Row::from_samples(
            "I reset completions during the flood",
            &completed,
            "/s",
            "one guest at a time, link → new password".into(),
        )
        .target(format!(
            "every one < {COMPLETION_TARGET_MS:.0} ms: max {} ms → {}",
            ms(c.last().copied()),
            verdict(worst < COMPLETION_TARGET_MS && completed.errors == 0 && !c.is_empty())
        )),
    );
    let mut p = page.micros.clone();
    p.sort_unstable();
    let p99 = quantile(&p, 0.99).map_or(f64::NAN, |m| f64::from(m) / 1000.0);
    rows.push(
        Row::from_samples(
            "I GET /reset during the flood",
            &page,
            "req/s",
            "1 guest every 10 ms".into(),
        )
        .target(format!(
            "p99 < {PAGE_TARGET_MS:.0} ms: {} ms → {}",
            ms(quantile(&p, 0.99)),
            verdict(p99 < PAGE_TARGET_MS)
        )),
    );
    drop(server);
    rows
}

fn verdict(met: bool) -> &'static str {
    if met {
        "met"
    } else {
        "MISSED"
    }
}

/// One flooding connection: sign-ins for unknown accounts, each from the next address of its
/// share of the 1 000.
async fn flooder(
    addr: SocketAddr,
    n: usize,
    of: usize,
    stop: Arc<AtomicBool>,
    tally: Arc<Tally>,
) -> Samples {
    let start = std::time::Instant::now();
    let mut s = Samples::default();
    let mut conn = Conn::new(addr);
    let Ok(csrf) = conn.csrf_token().await else {
        s.errors += 1;
        return s;
    };
    let mut i = n as u32;
    while !stop.load(Ordering::Relaxed) {
        let a = i % ADDRESSES;
        conn.forwarded_for = Some(format!("10.77.{}.{}", a / 250, a % 250 + 1));
        let email = format!("nobody{i}@{DOMAIN}");
        let t = std::time::Instant::now();
        let reply = conn
            .post_form(
                "/signin",
                &[
                    ("csrf_token", csrf.as_str()),
                    ("email", &email),
                    ("password", "not-anyones-password-1"),
                ],
            )
            .await;
        let counter = match reply.as_ref().map(|r| r.status.as_u16()) {
            Ok(200) => &tally.compared,
            Ok(503) => &tally.busy,
            Ok(429) => &tally.limited,
            _ => &tally.other,
        };
        counter.fetch_add(1, Ordering::Relaxed);
        s.record(t, reply.is_ok());
        i = i.wrapping_add(of as u32);
    }
    s.elapsed = start.elapsed();
    s
}
