//! L: completions with `[directory] kind = "ldap"` (`password_write = "exop"`, StartTLS) against
//! a private OpenLDAP `slapd` with the ppolicy overlay, next to the builtin directory's D.
//!
//! The slapd is the test harness's (tests/support/slapd/, included as is): its own config and
//! CA in a temp dir, on a free loopback port. `LATCHKEY_BENCH_LDAP_USERS` entries
//! `bench<i>@bench.example` are added as the directory's root; a second `latchkey serve` on its
//! own SQLite database is pointed at the directory; a reset is requested for each entry, and the
//! mailed links are completed by 8 connections for `LATCHKEY_BENCH_D_SECS`, as in D (without
//! E's probe). Latchkey's own rows for the entries are made on first sight, by the requests.
//!
//! Each completion here costs: the directory lookup (a search on a pooled service connection),
//! the password write (the Password Modify extended operation, ppolicy's checks, slapd hashing
//! the value), and Latchkey's commit; no argon2 (Latchkey keeps no hash of a directory password).

#[allow(dead_code)]
#[path = "../../tests/support/slapd/mod.rs"]
mod slapd;

use crate::completions::{completions, request_resets};
use crate::knobs::{knob, Knobs};
use crate::mail::{harvest_tokens, mail_mark};
use crate::report::Row;
use crate::server::Server;
use crate::DOMAIN;
use std::fmt::Write as _;
use std::path::Path;
use std::time::{Duration, Instant};

const NAME: &str = "D(LDAP) completions against slapd (exop, StartTLS)";

/// Adds `n` entries `uid=bench<i>` with mail `bench<i>@bench.example` (as the root: ppolicy
/// does not apply to this seeding).
fn seed(server: &slapd::Slapd, n: u32) {
    let mut ldif = String::new();
    for i in 0..n {
        let _ = write!(
            ldif,
            "dn: uid=bench{i},{people}\nchangetype: add\nobjectClass: inetOrgPerson\n\
             uid: bench{i}\ncn: Bench {i}\nsn: Bench\nmail: bench{i}@{DOMAIN}\n\
             userPassword: initial-bench-password-{i}\n\n",
            people = slapd::PEOPLE
        );
    }
    server.modify(&ldif);
}

pub fn completions_against_slapd(
    dir: &Path,
    k: &Knobs,
    rt: &tokio::runtime::Runtime,
    builtin_rate: Option<f64>,
    rows: &mut Vec<Row>,
) {
    let Some(directory) = slapd::Slapd::start() else {
        rows.push(Row::note(
            NAME,
            "skipped: OpenLDAP (slapd, ldap-utils) is not installed".into(),
        ));
        return;
    };
    let n: u32 = knob("LATCHKEY_BENCH_LDAP_USERS", k.d_tokens).max(1);
    eprintln!("== L: {n} directory entries, a second server on the directory");
    let t = Instant::now();
    seed(&directory, n);
    eprintln!("seeded slapd in {:.1} s", t.elapsed().as_secs_f64());

    let ldap_dir = dir.join("ldap");
    std::fs::create_dir_all(&ldap_dir).expect("a data dir for the LDAP server");
    let config = ldap_dir.join("latchkey.toml");
    std::fs::write(&config, directory.directory_toml()).expect("the LDAP server's config");
    let db_url = format!("sqlite://{}", ldap_dir.join("latchkey.db").display());
    // bench-seed only creates the tenant here (and a few guests nobody uses).
    let server = Server::start(&ldap_dir, &db_url, 1, 0, k.mail, Some(&config));
    let before = mail_mark(&server);
    let emails = (0..n).map(|i| format!("bench{i}@{DOMAIN}")).collect();
    rt.block_on(request_resets(server.addr, emails));
    server.wait_drained(Duration::from_secs(180));
    let tokens = harvest_tokens(&server, &before);
    eprintln!("== L completions ({} tokens)", tokens.len());
    let d = rt.block_on(completions(server.addr, tokens, 8, k.d_secs));
    let rate = d.micros.len() as f64 / d.elapsed.as_secs_f64().max(1e-9);
    let (ratio, target) = match builtin_rate {
        Some(b) if b > 0.0 => {
            let share = 100.0 * rate / b;
            (
                format!("{share:.0} % of the builtin D ({b:.1}/s)"),
                format!(
                    "≥ 90 % of the builtin D: {share:.0} % → {}",
                    crate::report::verdict(share >= 90.0, || format!(
                        "{:.0} points short",
                        90.0 - share
                    ))
                ),
            )
        }
        _ => (
            "builtin D not run (add D to LATCHKEY_BENCH_ONLY for the ratio)".into(),
            "≥ 90 % of the builtin D: not measured (D not run)".into(),
        ),
    };
    rows.push(
        Row::from_samples(
            NAME,
            &d,
            "/s",
            format!(
            "{ratio}; {n} entries, ppolicy on, 8 conns, no probe; each = lookup + Password Modify \
             + commit, no argon2"
        ),
        )
        .target(target),
    );
    drop(server);
    drop(directory);
}
