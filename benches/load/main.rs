//! The load bench (`cargo bench --bench load`): scenarios A–H against a release
//! `latchkey serve` process on loopback, on a temp SQLite database (and again on PostgreSQL
//! when `LATCHKEY_BENCH_PG=postgres://…` names a server), with rate limits off.
//!
//! The server runs as its own process (the binary Cargo builds for this bench, in the release
//! profile), so its CPU, memory and threads are the production ones and `/proc/<pid>/status`
//! is its own; the client is one current-thread tokio runtime in this process. Both share the
//! machine's cores, which is what the targets assume.
//!
//! Knobs (environment; small defaults so a full run takes a few minutes):
//! `LATCHKEY_BENCH_USERS` (10000), `LATCHKEY_BENCH_AUDIT_ROWS` (1000000), `LATCHKEY_BENCH_SECS`
//! (5: ceiling, A, each half of B), `LATCHKEY_BENCH_C_SECS` (30), `LATCHKEY_BENCH_D_SECS` (15),
//! `LATCHKEY_BENCH_D_TOKENS` (1500), `LATCHKEY_BENCH_F` (2000 per kind), `LATCHKEY_BENCH_CONNS`
//! (32), `LATCHKEY_BENCH_LOG` (server log level, `warn`), `LATCHKEY_BENCH_SET_<SETTING>=v`
//! (passed to the server as `LATCHKEY_<SETTING>=v`, e.g. `LATCHKEY_BENCH_SET_JOBS__BATCH_SIZE`),
//! `LATCHKEY_BENCH_MAIL` (`smtp`: an SMTP sink on loopback, the production transport, default;
//! `outbox`: `.eml` files), `LATCHKEY_BENCH_ONLY` (scenario letters to run, e.g. `BC` or `D`;
//! default all; C implies B's existing-address half, H is always reported; L: completions with
//! `[directory] kind = "ldap"` against a private slapd, in the SQLite pass, see ldap.rs),
//! `LATCHKEY_BENCH_LDAP_USERS` (directory entries for L, default = `LATCHKEY_BENCH_D_TOKENS`),
//! `LATCHKEY_BENCH_SQLITE=false` (only the PostgreSQL run).
//!
//! Scenario I (flood.rs) runs on a server of its own with the limits on: a sign-in flood from
//! 1 000 proxied addresses while reset completions and `GET /reset` are timed. Scenario J
//! (ceiling.rs) too, on both backends: a `POST /reset` flood at the global ceiling from 1 000
//! proxied addresses while 20 real guests are timed from request to mail; knobs
//! `LATCHKEY_BENCH_J_SECS` (60) and `LATCHKEY_BENCH_J_FACTOR` (1.0: the ceiling's rate).
//!
//! `cargo bench --bench load -- soak [--minutes 10] [--interval 10]` runs the soak instead
//! (see soak.rs); `cargo bench --bench load -- breached` compares completions with the
//! breached-password check in file mode and off (see breached.rs).

mod admin;
mod audit;
mod breached;
mod ceiling;
mod client;
mod completions;
mod flood;
mod knobs;
mod ldap;
mod mail;
mod report;
mod run;
mod server;
mod smtp;
mod soak;
mod stats;
mod traffic;
mod worker;

use knobs::{knob, Knobs};
use report::print_table;

const DOMAIN: &str = "bench.example";

fn main() {
    // `cargo bench` passes `--bench`; a bare `cargo test --benches` run would pass nothing and
    // should not start a server.
    if !std::env::args().any(|a| a == "--bench") {
        eprintln!("the load bench runs only under `cargo bench --bench load`");
        return;
    }
    stats::self_check();
    let k = Knobs::from_env();
    if std::env::args().any(|a| a == "soak") {
        soak::main(&k);
        return;
    }
    if std::env::args().any(|a| a == "breached") {
        breached::main(&k);
        return;
    }
    let machine = format!(
        "{} cores, load client in the same machine (current-thread tokio), server = release `latchkey serve`",
        std::thread::available_parallelism().map_or(1, |n| n.get())
    );
    // `LATCHKEY_BENCH_SQLITE=false` runs PostgreSQL only.
    if knob("LATCHKEY_BENCH_SQLITE", true) {
        let dir = tempfile::tempdir().expect("temp dir");
        let sqlite_url = format!("sqlite://{}", dir.path().join("latchkey.db").display());
        if k.wants_main_run() {
            let rows = run::run("SQLite", &sqlite_url, dir.path(), &k, true);
            print_table(&format!("SQLite ({machine})"), &rows);
        }
        drop(dir);
        if k.wants('I') {
            let dir = tempfile::tempdir().expect("temp dir");
            let url = format!("sqlite://{}", dir.path().join("latchkey.db").display());
            let rows = flood::run("SQLite", &url, dir.path(), &k);
            print_table(&format!("I, SQLite ({machine})"), &rows);
        }
        if k.wants('J') {
            let dir = tempfile::tempdir().expect("temp dir");
            let url = format!("sqlite://{}", dir.path().join("latchkey.db").display());
            let rows = ceiling::run("SQLite", &url, dir.path(), &k);
            print_table(&format!("J, SQLite ({machine})"), &rows);
        }
    }

    if let Ok(base) = std::env::var("LATCHKEY_BENCH_PG") {
        if k.wants_main_run() {
            let dir = tempfile::tempdir().expect("temp dir");
            let (url, name) = server::create_pg_database(&base);
            let rows = run::run("PostgreSQL", &url, dir.path(), &k, false);
            server::drop_pg_database(&base, &name);
            print_table(&format!("PostgreSQL ({machine})"), &rows);
        }
        if k.wants('J') {
            let dir = tempfile::tempdir().expect("temp dir");
            let (url, name) = server::create_pg_database(&base);
            let rows = ceiling::run("PostgreSQL", &url, dir.path(), &k);
            server::drop_pg_database(&base, &name);
            print_table(&format!("J, PostgreSQL ({machine})"), &rows);
        }
    }
}
