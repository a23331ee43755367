//! One full run (scenarios A–H) against one server on one database.

use crate::audit::audit_pages;
use crate::client::Conn;
use crate::completions::{argon2_limit, completions};
use crate::knobs::Knobs;
use crate::mail::{harvest_tokens, mail_mark};
use crate::report::Row;
use crate::server::Server;
use crate::stats::{self, ms, quantile};
use crate::traffic::{closed_loop, drain, enumeration, probe, Load};
use crate::DOMAIN;
use std::time::{Duration, Instant};

pub fn run(label: &str, db_url: &str, dir: &std::path::Path, k: &Knobs) -> Vec<Row> {
    eprintln!(
        "== {label}: seeding {} guests and {} audit rows",
        k.users, k.audit_rows
    );
    let audit_rows = if k.wants('G') { k.audit_rows } else { 0 };
    let server = Server::start(dir, db_url, k.users, audit_rows, k.mail);
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("client runtime");
    let addr = server.addr;
    let mut rows = Vec::new();
    std::thread::sleep(Duration::from_secs(1));
    let (idle_rss, _) = server.rss_mib();

    let mut b_rss = f64::NAN;
    let (mut d_rss, mut d_hwm) = (f64::NAN, f64::NAN);
    if k.wants('A') {
        eprintln!("== ceiling, A");
        let s = rt.block_on(closed_loop(addr, k.conns, k.secs, Load::Get("/healthz")));
        rows.push(Row::from_samples(
            "client ceiling: GET /healthz",
            &s,
            "req/s",
            format!("{} conns", k.conns),
        ));
        let s = rt.block_on(closed_loop(addr, k.conns, k.secs, Load::Get("/reset")));
        rows.push(Row::from_samples(
            "A GET /reset",
            &s,
            "req/s",
            format!("{} conns", k.conns),
        ));
    }
    if k.wants('B') || k.wants('C') {
        eprintln!("== B existing, then C (worker drain, mail by {:?})", k.mail);
        let s = rt.block_on(closed_loop(
            addr,
            k.conns,
            k.secs,
            Load::PostReset {
                existing: true,
                users: k.users,
            },
        ));
        b_rss = server.rss_mib().0;
        rows.push(Row::from_samples(
            "B POST /reset, existing",
            &s,
            "req/s",
            format!("{} conns; worker running beside it", k.conns),
        ));
        let (mut c_row, timeline) = drain(&server, k.c_secs);
        c_row.name = format!("{} [{:?}]", c_row.name, k.mail);
        let drained_after_c = server.wait_drained(Duration::from_secs(180));

        eprintln!("== B unknown");
        let s = rt.block_on(closed_loop(
            addr,
            k.conns,
            k.secs,
            Load::PostReset {
                existing: false,
                users: k.users,
            },
        ));
        rows.push(Row::from_samples(
            "B POST /reset, unknown",
            &s,
            "req/s",
            format!("{} conns", k.conns),
        ));
        rows.push(c_row);
        rows.push(Row::note(
            "C queue depth over time",
            format!(
                "{timeline}{}",
                if drained_after_c {
                    ""
                } else {
                    " (not drained 180 s later)"
                }
            ),
        ));
        let t = Instant::now();
        let (open, done0) = server.queue();
        let drained = server.wait_drained(Duration::from_secs(180));
        let secs = t.elapsed().as_secs_f64();
        let done = server.queue().1 - done0;
        rows.push(Row::note(
            "C' unknown-address backlog",
            format!(
                "{open} queued → {} in {secs:.1} s ({:.0} /s)",
                if drained {
                    "drained".to_string()
                } else {
                    "not drained".into()
                },
                done as f64 / secs.max(1e-9)
            ),
        ));
    }
    if k.wants('F') {
        eprintln!("== F enumeration timing");
        let (known, unknown, errors) = rt.block_on(enumeration(addr, k.users, k.f_count));
        let (mut ks, mut us) = (known.clone(), unknown.clone());
        ks.sort_unstable();
        us.sort_unstable();
        let (km, um) = (
            quantile(&ks, 0.5).unwrap_or(0),
            quantile(&us, 0.5).unwrap_or(0),
        );
        let (u, z, p) = stats::mann_whitney(&known, &unknown);
        rows.push(Row {
            name: "F enumeration: existing vs unknown".into(),
            throughput: "-".into(),
            p50: format!("{} / {}", ms(Some(km)), ms(Some(um))),
            p99: format!("{} / {}", ms(quantile(&ks, 0.99)), ms(quantile(&us, 0.99))),
            max: format!("{} / {}", ms(ks.last().copied()), ms(us.last().copied())),
            errors: errors.to_string(),
            note: format!(
                "n={}+{}; median diff {:+.3} ms; Mann-Whitney U={u:.0} z={z:.2} p={p:.3}",
                known.len(),
                unknown.len(),
                (f64::from(km) - f64::from(um)) / 1000.0
            ),
        });
        server.wait_drained(Duration::from_secs(120));
    }
    if k.wants('D') || k.wants('E') {
        eprintln!("== argon2 limit, D prep");
        let (limit, one_ms, cores) = argon2_limit();
        let before = mail_mark(&server);
        let first = k.users / 2;
        let wanted = k.d_tokens.min(k.users - first);
        rt.block_on(async {
            let per = wanted.div_ceil(8);
            let tasks: Vec<_> = (0..8u32)
                .map(|c| {
                    tokio::spawn(async move {
                        let mut conn = Conn::new(addr);
                        let Ok(csrf) = conn.csrf_token().await else {
                            return;
                        };
                        for j in c * per..((c + 1) * per).min(wanted) {
                            let email = format!("user{}@{DOMAIN}", first + j);
                            let _ = conn
                                .post_form("/reset", &[("csrf_token", &csrf), ("email", &email)])
                                .await;
                        }
                    })
                })
                .collect();
            for t in tasks {
                let _ = t.await;
            }
        });
        server.wait_drained(Duration::from_secs(120));
        let tokens = harvest_tokens(&server, &before);
        eprintln!("== D completions ({} tokens) with E probing", tokens.len());
        let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let (d, e) = rt.block_on(async {
            let probe = tokio::spawn(probe(addr, stop.clone()));
            let d = completions(addr, tokens, 8, k.d_secs).await;
            stop.store(true, std::sync::atomic::Ordering::Relaxed);
            (d, probe.await.unwrap_or_default())
        });
        (d_rss, d_hwm) = server.rss_mib();
        let rate = d.micros.len() as f64 / d.elapsed.as_secs_f64().max(1e-9);
        rows.push(Row::from_samples("D completions (link → new password)", &d, "/s", format!(
        "argon2 limit {limit:.1}/s ({cores} cores ÷ {one_ms:.1} ms); {:.0} % of it; each completion = 2 argon2 (same-as-current verify + hash) → {:.0} % argon2 busy",
        100.0 * rate / limit, 200.0 * rate / limit)));
        rows.push(Row::from_samples(
            "E GET /reset during D",
            &e,
            "req/s",
            "1 guest every 10 ms".into(),
        ));
    }
    if k.wants('G') {
        eprintln!("== G audit pages");
        rt.block_on(audit_pages(&server, &mut rows));
    }

    rows.push(Row::note("H resident memory (server process)", format!(
        "idle {idle_rss:.1} MiB; end of B {b_rss:.1} MiB; end of D {d_rss:.1} MiB (peak {d_hwm:.1} MiB)")));
    drop(server);
    rows
}
