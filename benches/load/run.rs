//! One full run (scenarios A–H) against one server on one database.

use crate::audit::audit_pages;
use crate::client::Samples;
use crate::completions::{argon2_limit, argon2_side_by_side, completions, request_resets};
use crate::knobs::Knobs;
use crate::mail::{harvest_tokens, mail_mark};
use crate::report::{at_least, below_ms, p99_ms, rate, verdict, Row};
use crate::server::Server;
use crate::stats::{self, ms, quantile};
use crate::traffic::{closed_loop, enumeration, probe, Load};
use crate::DOMAIN;
use std::time::Duration;

/// `ldap_too`: also run L (completions against slapd) on a second server and database.
pub fn run(
    label: &str,
    db_url: &str,
    dir: &std::path::Path,
    k: &Knobs,
    ldap_too: bool,
) -> Vec<Row> {
    eprintln!(
        "== {label}: seeding {} guests and {} audit rows",
        k.users, k.audit_rows
    );
    let audit_rows = if k.wants('G') { k.audit_rows } else { 0 };
    let pg = db_url.starts_with("postgres");
    let server = Server::start(dir, db_url, k.users, audit_rows, k.mail, None);
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
    let mut d_rate = None;
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
        let mark = crate::worker::Mark::now(&server);
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
        rows.push(b_row("B POST /reset, existing", &s, k, pg));
        let (c_row, timeline) = crate::worker::eligible(&server, &mark, k.c_secs, pg);
        server.wait_drained(Duration::from_secs(180));

        eprintln!("== B unknown, then C'");
        let mark = crate::worker::Mark::now(&server);
        let s = rt.block_on(closed_loop(
            addr,
            k.conns,
            k.secs,
            Load::PostReset {
                existing: false,
                users: k.users,
            },
        ));
        rows.push(b_row("B POST /reset, unknown", &s, k, pg));
        rows.push(c_row);
        rows.push(timeline);
        rows.push(crate::worker::unknown(&server, &mark, pg));
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
        let diff = (f64::from(km) - f64::from(um)) / 1000.0;
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
                diff
            ),
            target: format!(
                "median diff < 0.5 ms and p > 0.01: {}",
                verdict(diff.abs() < 0.5 && p > 0.01, || format!(
                    "{diff:+.3} ms, p = {p:.3}"
                ))
            ),
        });
        server.wait_drained(Duration::from_secs(120));
    }
    if k.wants('D') || k.wants('E') {
        eprintln!("== argon2 limit, D prep");
        let (limit, one_ms, cores) = argon2_limit();
        let side_by_side = argon2_side_by_side(cores, 3.0);
        let before = mail_mark(&server);
        let first = k.users / 2;
        let wanted = k.d_tokens.min(k.users - first);
        let emails = (0..wanted)
            .map(|j| format!("user{}@{DOMAIN}", first + j))
            .collect();
        rt.block_on(request_resets(addr, emails));
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
        d_rate = Some(rate);
        // Each completion runs argon2 twice (the same-as-current verify and the new hash).
        let share = 200.0 * rate / limit;
        rows.push(
            Row::from_samples(
                "D completions (link → new password)",
                &d,
                "/s",
                format!(
                    "argon2 limit {limit:.1} hashes/s ({cores} cores ÷ {one_ms:.1} ms; {side_by_side:.1} hashed side by side = {:.0} %); {:.1} hashes/s = 2 per completion (same-as-current verify + hash) = {:.0} % of side by side; 8 conns",
                    100.0 * side_by_side / limit,
                    2.0 * rate,
                    200.0 * rate / side_by_side
                ),
            )
            .target(format!(
                "≥ 90 % of the argon2 limit in hashes: {share:.0} % → {}",
                verdict(share >= 90.0, || format!("{:.0} points short", 90.0 - share))
            )),
        );
        rows.push(
            Row::from_samples(
                "E GET /reset during D",
                &e,
                "req/s",
                "1 guest every 10 ms".into(),
            )
            .target(below_ms("p99", p99_ms(&e), 25.0)),
        );
    }
    if k.wants('L') {
        if ldap_too {
            crate::ldap::completions_against_slapd(dir, k, &rt, d_rate, &mut rows);
        } else {
            rows.push(Row::note(
                "D(LDAP) completions against slapd",
                "run in the SQLite pass only".into(),
            ));
        }
    }
    if k.wants('G') {
        eprintln!("== G audit pages");
        rt.block_on(audit_pages(&server, &mut rows));
    }

    rows.push(
        Row::note(
            "H resident memory (server process)",
            format!(
                "idle {idle_rss:.1} MiB; end of B {}; end of D {} (peak {})",
                mib(b_rss),
                mib(d_rss),
                mib(d_hwm)
            ),
        )
        .target(format!(
            "idle < 64 MiB: {}",
            verdict(idle_rss < 64.0, || format!("{idle_rss:.1} MiB"))
        )),
    );
    drop(server);
    rows
}

/// A half of B, with PostgreSQL's request-path target (none is set for SQLite).
fn b_row(name: &str, s: &Samples, k: &Knobs, pg: bool) -> Row {
    let row = Row::from_samples(
        name,
        s,
        "req/s",
        format!("{} conns; worker running beside it", k.conns),
    );
    if !pg {
        return row;
    }
    row.target(format!(
        "{}; {}",
        at_least(rate(s), 3000.0, "req/s"),
        below_ms("p99", p99_ms(s), 25.0)
    ))
}

/// A size in MiB, or "not run" for the scenarios that were not (NaN).
fn mib(v: f64) -> String {
    if v.is_nan() {
        "not run".into()
    } else {
        format!("{v:.1} MiB")
    }
}
