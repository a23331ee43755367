//! The soak: `cargo bench --bench load -- soak [--minutes 10] [--interval 10]`.
//!
//! Mixed, paced load against one release server for a given time — guests browsing the reset
//! page, requesting resets, completing them from the mailed link (the SMTP sink on loopback
//! receives the mail), and a platform admin paging through `/admin/audit` — printing one line per interval
//! (requests, errors and p99 per kind, server RSS, queue depth) and a summary at the end.
//! Rates per second (environment): `LATCHKEY_SOAK_BROWSE` (200), `_REQUEST` (50),
//! `_COMPLETE` (10), `_AUDIT` (5). Database: SQLite, or PostgreSQL when `LATCHKEY_BENCH_PG` is
//! set. The audit kind is the real console page over HTTP, signed in with password and TOTP.

use crate::client::Conn;
use crate::knobs::{knob, Knobs};
use crate::server::Server;
use crate::stats::{ms, quantile};
use crate::DOMAIN;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const KINDS: [&str; 4] = ["browse", "request", "complete", "audit"];

#[derive(Default, Clone)]
struct Bucket {
    micros: Vec<u32>,
    errors: u64,
}

type Buckets = Arc<Mutex<[Bucket; 4]>>;

fn record(b: &Buckets, kind: usize, started: Instant, ok: bool) {
    let mut b = b.lock().expect("soak buckets");
    if ok {
        b[kind]
            .micros
            .push(started.elapsed().as_micros().min(u128::from(u32::MAX)) as u32);
    } else {
        b[kind].errors += 1;
    }
}

fn arg(name: &str, default: f64) -> f64 {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// `per_sec` ticks per second, spread over `tasks` paced tasks.
fn pace(per_sec: f64, tasks: usize) -> Duration {
    Duration::from_secs_f64(tasks as f64 / per_sec.max(0.001))
}

pub fn main(k: &Knobs) {
    let minutes = arg("--minutes", 10.0);
    let interval = Duration::from_secs_f64(arg("--interval", 10.0).max(1.0));
    let rates = [
        knob("LATCHKEY_SOAK_BROWSE", 200.0),
        knob("LATCHKEY_SOAK_REQUEST", 50.0),
        knob("LATCHKEY_SOAK_COMPLETE", 10.0),
        knob("LATCHKEY_SOAK_AUDIT", 5.0),
    ];
    let dir = tempfile::tempdir().expect("temp dir");
    let pg = std::env::var("LATCHKEY_BENCH_PG").ok();
    let (url, pg_name) = match &pg {
        Some(base) => {
            let (url, name) = crate::server::create_pg_database(base);
            (url, Some(name))
        }
        None => (
            format!("sqlite://{}", dir.path().join("latchkey.db").display()),
            None,
        ),
    };
    eprintln!(
        "== soak: {minutes} min on {}, {} guests, {} audit rows, mail by {:?}, rates/s browse {} request {} complete {} audit {}",
        if pg.is_some() { "PostgreSQL" } else { "SQLite" },
        k.users, k.audit_rows, k.mail, rates[0], rates[1], rates[2], rates[3]
    );
    let server = Server::start(dir.path(), &url, k.users, k.audit_rows, k.mail, None);
    std::thread::sleep(Duration::from_secs(1));
    let (idle_rss, _) = server.rss_mib();
    let addr = server.addr;
    let buckets: Buckets = Arc::default();
    let stop = Arc::new(AtomicBool::new(false));
    let tokens: Arc<Mutex<Vec<String>>> = Arc::default();
    let start = Instant::now();
    let deadline = start + Duration::from_secs_f64(minutes * 60.0);

    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("client runtime");
    // Audit: an admin reading `/admin/audit` over HTTP (a first page, then deep pages).
    let (min, max, _) = crate::server::audit_span(&mut server.conn());
    let admin = rt
        .block_on(crate::admin::signed_in(&server, "soak-admin@ops.example"))
        .expect("the soak's admin signs in");
    let seq = Arc::new(AtomicU64::new(0));
    let users = k.users;
    rt.block_on(async {
        let mut tasks = Vec::new();
        {
            let (b, stop) = (buckets.clone(), stop.clone());
            let every = pace(rates[3], 1);
            let mut admin = admin;
            tasks.push(tokio::spawn(async move {
                let mut tick = tokio::time::interval(every);
                tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
                let mut i = 0i64;
                while !stop.load(Ordering::Relaxed) {
                    tick.tick().await;
                    let path = if i % 2 == 1 {
                        format!("/admin/audit?before={}", min + (max - min) * (i % 10) / 10)
                    } else {
                        "/admin/audit".to_string()
                    };
                    let t = Instant::now();
                    let ok = admin.get(&path).await.is_ok_and(|r| {
                        r.status.is_success() && (crate::admin::events_on(&r.body) > 0 || max == 0)
                    });
                    record(&b, 3, t, ok);
                    i += 1;
                }
            }));
        }
        // Browse: GET /reset.
        for _ in 0..4 {
            let (b, stop) = (buckets.clone(), stop.clone());
            let every = pace(rates[0], 4);
            tasks.push(tokio::spawn(async move {
                let mut conn = Conn::new(addr);
                let mut tick = tokio::time::interval(every);
                // A late tick is not made up with a burst: the rate stays the configured one.
                tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
                while !stop.load(Ordering::Relaxed) {
                    tick.tick().await;
                    let t = Instant::now();
                    let ok = conn.get("/reset").await.is_ok_and(|r| r.status.is_success());
                    record(&b, 0, t, ok);
                }
            }));
        }
        // Request: POST /reset, existing guests in turn (first half) and an unknown one in 5.
        for n in 0..2u64 {
            let (b, stop, seq) = (buckets.clone(), stop.clone(), seq.clone());
            let every = pace(rates[1], 2);
            tasks.push(tokio::spawn(async move {
                let mut conn = Conn::new(addr);
                let mut csrf = conn.csrf_token().await.unwrap_or_default();
                let mut tick = tokio::time::interval(every);
                // A late tick is not made up with a burst: the rate stays the configured one.
                tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
                let mut i = 0u64;
                while !stop.load(Ordering::Relaxed) {
                    tick.tick().await;
                    let email = if i % 5 == 4 {
                        format!("soak{n}-{i}@{DOMAIN}")
                    } else {
                        let k = seq.fetch_add(1, Ordering::Relaxed) % u64::from(users / 2);
                        format!("user{k}@{DOMAIN}")
                    };
                    let t = Instant::now();
                    let ok = conn
                        .post_form("/reset", &[("csrf_token", &csrf), ("email", &email)])
                        .await
                        .is_ok_and(|r| r.reset_taken());
                    record(&b, 1, t, ok);
                    if !ok {
                        csrf = conn.csrf_token().await.unwrap_or_default();
                    }
                    i += 1;
                }
            }));
        }
        // Complete: the mailed links, link → new password.
        for n in 0..2u64 {
            let (b, stop, tokens) = (buckets.clone(), stop.clone(), tokens.clone());
            let every = pace(rates[2], 2);
            tasks.push(tokio::spawn(async move {
                let mut tick = tokio::time::interval(every);
                // A late tick is not made up with a burst: the rate stays the configured one.
                tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
                let mut i = 0u64;
                while !stop.load(Ordering::Relaxed) {
                    tick.tick().await;
                    let Some(token) = tokens.lock().expect("tokens").pop() else {
                        continue;
                    };
                    // A fresh browser per completion (a guest opening the mail).
                    let mut conn = Conn::new(addr);
                    let t = Instant::now();
                    let ok = complete(&mut conn, &token, n * 1_000_003 + i).await;
                    record(&b, 2, t, ok);
                    i += 1;
                }
            }));
        }
        // Report.
        println!(
            "| t s | browse n / err / p99 ms | request n / err / p99 ms | complete n / err / p99 ms | audit n / err / p99 ms | RSS MiB | queue |"
        );
        println!("|---:|---|---|---|---|---:|---:|");
        let mut totals: [Bucket; 4] = Default::default();
        let mut rss_max = idle_rss;
        let mut rss_series = Vec::new();
        let mut tick = tokio::time::interval(interval);
        tick.tick().await;
        while Instant::now() < deadline {
            tick.tick().await;
            // Links mailed since the last tick become completable.
            if let Some(sink) = &server.sink {
                let fresh = std::mem::take(&mut *sink.received.tokens.lock().expect("sink"));
                tokens.lock().expect("tokens").extend(fresh.into_values());
            }
            let got = std::mem::take(&mut *buckets.lock().expect("buckets"));
            let (rss, _) = server.rss_mib();
            rss_max = rss_max.max(rss);
            rss_series.push(rss);
            let mut line = format!("| {:.0} ", start.elapsed().as_secs_f64());
            for (kind, mut g) in got.into_iter().enumerate() {
                g.micros.sort_unstable();
                line += &format!(
                    "| {} / {} / {} ",
                    g.micros.len(),
                    g.errors,
                    ms(quantile(&g.micros, 0.99))
                );
                totals[kind].micros.extend(g.micros);
                totals[kind].errors += g.errors;
            }
            let depth = server.queue().0;
            println!("{line}| {rss:.1} | {depth} |");
        }
        stop.store(true, Ordering::Relaxed);
        for t in tasks {
            let _ = t.await;
        }
        println!(
            "\nSummary after {:.1} min (idle RSS {idle_rss:.1} MiB, max {rss_max:.1} MiB, end {:.1} MiB):\n",
            start.elapsed().as_secs_f64() / 60.0,
            rss_series.last().copied().unwrap_or(f64::NAN)
        );
        println!("| kind | requests | errors | p50 ms | p99 ms | max ms |");
        println!("|---|---:|---:|---:|---:|---:|");
        for (kind, mut t) in totals.into_iter().enumerate() {
            t.micros.sort_unstable();
            println!(
                "| {} | {} | {} | {} | {} | {} |",
                KINDS[kind],
                t.micros.len(),
                t.errors,
                ms(quantile(&t.micros, 0.5)),
                ms(quantile(&t.micros, 0.99)),
                ms(t.micros.last().copied())
            );
        }
    });
    println!(
        "failed jobs {}; mails received by the sink {}",
        server.failed_jobs(),
        server
            .sink
            .as_ref()
            .map_or(0, |s| s.received.messages.load(Ordering::Relaxed))
    );
    drop(server);
    if let (Some(base), Some(name)) = (&pg, &pg_name) {
        crate::server::drop_pg_database(base, name);
    }
}

/// Opens the link and sets a new password; whether `/reset/done` was reached.
async fn complete(conn: &mut Conn, token: &str, seed: u64) -> bool {
    let Ok(csrf) = conn.csrf_token().await else {
        return false;
    };
    match conn.get(&format!("/reset/link/{token}")).await {
        Ok(r) if r.location.as_deref() == Some("/reset/new") => {}
        _ => return false,
    }
    let pw = crate::completions::new_password(seed);
    conn.post_form(
        "/reset/new",
        &[
            ("csrf_token", csrf.as_str()),
            ("password", &pw),
            ("password_confirm", &pw),
        ],
    )
    .await
    .is_ok_and(|r| r.location.as_deref() == Some("/reset/done"))
}
