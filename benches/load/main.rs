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
//! default all; C implies B's existing-address half, H is always reported),
//! `LATCHKEY_BENCH_SQLITE=false` (only the PostgreSQL run).
//!
//! `cargo bench --bench load -- soak [--minutes 10] [--interval 10]` runs the soak instead
//! (see soak.rs).

mod admin;
mod client;
mod server;
mod smtp;
mod soak;
mod stats;

use client::{Conn, Samples};
use server::Server;
use stats::{ms, quantile};
use std::collections::{BTreeMap, HashSet};
use std::fmt::Write as _;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

const DOMAIN: &str = "bench.example";

struct Knobs {
    users: u32,
    audit_rows: u64,
    secs: Duration,
    c_secs: Duration,
    d_secs: Duration,
    d_tokens: u32,
    f_count: usize,
    conns: usize,
    mail: Mail,
    only: String,
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Mail {
    Smtp,
    Outbox,
}

impl Knobs {
    fn wants(&self, scenario: char) -> bool {
        self.only.is_empty() || self.only.contains(scenario)
    }
}

fn knob<T: std::str::FromStr>(name: &str, default: T) -> T {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

impl Knobs {
    fn from_env() -> Self {
        Self {
            users: knob("LATCHKEY_BENCH_USERS", 10_000u32).max(100),
            audit_rows: knob("LATCHKEY_BENCH_AUDIT_ROWS", 1_000_000u64),
            secs: Duration::from_secs_f64(knob("LATCHKEY_BENCH_SECS", 5.0)),
            c_secs: Duration::from_secs_f64(knob("LATCHKEY_BENCH_C_SECS", 30.0)),
            d_secs: Duration::from_secs_f64(knob("LATCHKEY_BENCH_D_SECS", 15.0)),
            d_tokens: knob("LATCHKEY_BENCH_D_TOKENS", 1_500u32),
            f_count: knob("LATCHKEY_BENCH_F", 2_000usize),
            conns: knob("LATCHKEY_BENCH_CONNS", 32usize).max(1),
            mail: match std::env::var("LATCHKEY_BENCH_MAIL").as_deref() {
                Ok("outbox") => Mail::Outbox,
                _ => Mail::Smtp,
            },
            only: std::env::var("LATCHKEY_BENCH_ONLY")
                .unwrap_or_default()
                .to_ascii_uppercase(),
        }
    }
}

/// One row of the table.
struct Row {
    name: String,
    throughput: String,
    p50: String,
    p99: String,
    max: String,
    errors: String,
    note: String,
}

impl Row {
    fn from_samples(name: &str, s: &Samples, unit: &str, note: String) -> Self {
        let mut sorted = s.micros.clone();
        sorted.sort_unstable();
        let secs = s.elapsed.as_secs_f64().max(1e-9);
        Row {
            name: name.into(),
            throughput: format!("{:.0} {unit}", sorted.len() as f64 / secs),
            p50: ms(quantile(&sorted, 0.50)),
            p99: ms(quantile(&sorted, 0.99)),
            max: ms(sorted.last().copied()),
            errors: s.errors.to_string(),
            note,
        }
    }

    fn note(name: &str, note: String) -> Self {
        Row {
            name: name.into(),
            throughput: "-".into(),
            p50: "-".into(),
            p99: "-".into(),
            max: "-".into(),
            errors: "-".into(),
            note,
        }
    }
}

#[derive(Clone, Copy)]
enum Load {
    Get(&'static str),
    PostReset { existing: bool, users: u32 },
}

/// Runs `conns` closed-loop connections for `dur`.
async fn closed_loop(addr: SocketAddr, conns: usize, dur: Duration, load: Load) -> Samples {
    let start = Instant::now();
    let deadline = start + dur;
    let tasks: Vec<_> = (0..conns)
        .map(|n| {
            tokio::spawn(async move {
                let mut conn = Conn::new(addr);
                let mut s = Samples::default();
                let csrf = match load {
                    Load::PostReset { .. } => match conn.csrf_token().await {
                        Ok(t) => t,
                        Err(_) => {
                            s.errors += 1;
                            return s;
                        }
                    },
                    Load::Get(_) => String::new(),
                };
                let mut i: u64 = 0;
                while Instant::now() < deadline {
                    let t = Instant::now();
                    let ok = match load {
                        Load::Get(path) => {
                            conn.get(path).await.is_ok_and(|r| r.status.is_success())
                        }
                        Load::PostReset { existing, users } => {
                            let email = if existing {
                                // Spread over the first half of the guests (D uses the rest).
                                let k = (n as u64 * 7_919 + i * 104_729) % u64::from(users / 2);
                                format!("user{k}@{DOMAIN}")
                            } else {
                                format!("nobody{n}-{i}@{DOMAIN}")
                            };
                            conn.post_form("/reset", &[("csrf_token", &csrf), ("email", &email)])
                                .await
                                .is_ok_and(|r| r.status.is_success())
                        }
                    };
                    s.record(t, ok);
                    i += 1;
                }
                s
            })
        })
        .collect();
    let mut all = Samples::default();
    for t in tasks {
        if let Ok(s) = t.await {
            all.merge(s);
        }
    }
    all.elapsed = start.elapsed();
    all
}

/// C: the worker alone on the backlog B left, sampled every second.
fn drain(server: &Server, limit: Duration) -> (Row, String) {
    let (open0, done0) = server.queue();
    let start = Instant::now();
    let mut timeline = vec![(0.0, open0)];
    let mut last = (open0, done0, 0.0);
    while start.elapsed() < limit {
        std::thread::sleep(Duration::from_secs(1));
        let (open, done) = server.queue();
        let t = start.elapsed().as_secs_f64();
        timeline.push((t, open));
        last = (open, done, t);
        if open == 0 {
            break;
        }
    }
    let (open, done, t) = last;
    let evaluated = done - done0;
    let rate = evaluated as f64 / t.max(1e-9);
    let mut line = String::new();
    for (t, depth) in timeline.iter().step_by(5) {
        let _ = write!(line, "{t:.0}s:{depth} ");
    }
    let _ = write!(line, "end {t:.0}s:{open}");
    let note = format!(
        "{evaluated} evaluated in {t:.1} s from a backlog of {open0}; {}; failed jobs {}",
        if open == 0 {
            "drained".to_string()
        } else {
            format!("{open} still queued")
        },
        server.failed_jobs()
    );
    let row = Row {
        name: "C worker: evaluations (facts→decision→token→mail)".into(),
        throughput: format!("{rate:.0} /s"),
        p50: "-".into(),
        p99: "-".into(),
        max: "-".into(),
        errors: server.failed_jobs().to_string(),
        note,
    };
    (row, line)
}

/// F: existing and unknown addresses in a shuffled order, one connection, sequential.
async fn enumeration(addr: SocketAddr, users: u32, n: usize) -> (Vec<u32>, Vec<u32>, u64) {
    let mut conn = Conn::new(addr);
    let csrf = conn.csrf_token().await.expect("csrf token for F");
    // A fixed-seed shuffle (xorshift) of n existing and n unknown.
    let mut order: Vec<bool> = (0..2 * n).map(|i| i % 2 == 0).collect();
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    for i in (1..order.len()).rev() {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        order.swap(i, (x % (i as u64 + 1)) as usize);
    }
    let (mut known, mut unknown, mut errors) = (Vec::new(), Vec::new(), 0);
    for (i, existing) in order.into_iter().enumerate() {
        let email = if existing {
            format!("user{}@{DOMAIN}", (i as u64 * 7_919) % u64::from(users / 2))
        } else {
            format!("enum{i}@{DOMAIN}")
        };
        let t = Instant::now();
        let ok = conn
            .post_form("/reset", &[("csrf_token", &csrf), ("email", &email)])
            .await
            .is_ok_and(|r| r.status.is_success());
        let us = t.elapsed().as_micros() as u32;
        match (ok, existing) {
            (false, _) => errors += 1,
            (true, true) => known.push(us),
            (true, false) => unknown.push(us),
        }
    }
    (known, unknown, errors)
}

/// RFC 2045 quoted-printable, enough to find a link in a message.
pub fn unquote(text: &str) -> String {
    let joined = text.replace("=\r\n", "").replace("=\n", "");
    let bytes = joined.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'=' && i + 2 < bytes.len() {
            if let Ok(b) = u8::from_str_radix(&joined[i + 1..i + 3], 16) {
                out.push(b);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The token of the first reset link in a (decoded) message.
pub fn link_token(text: &str) -> Option<String> {
    let at = text.find("/reset/link/")?;
    let token: String = text[at + 12..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
        .collect();
    (!token.is_empty()).then_some(token)
}

/// Every `.eml` under the (sharded) outbox.
fn outbox_files(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.filter_map(Result::ok) {
        let p = e.path();
        if p.is_dir() {
            outbox_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "eml") {
            out.push(p);
        }
    }
}

/// What was mailed before D's requests (so only new links are used).
pub enum MailMark {
    Outbox(HashSet<std::path::PathBuf>),
    Sink,
}

pub fn mail_mark(server: &Server) -> MailMark {
    match &server.sink {
        Some(sink) => {
            sink.received.tokens.lock().expect("sink tokens").clear();
            MailMark::Sink
        }
        None => {
            let mut files = Vec::new();
            outbox_files(&server.outbox(), &mut files);
            MailMark::Outbox(files.into_iter().collect())
        }
    }
}

/// The newest reset token mailed to each guest since `before`.
pub fn harvest_tokens(server: &Server, before: &MailMark) -> Vec<String> {
    let MailMark::Outbox(before) = before else {
        let sink = server.sink.as_ref().expect("a sink when marked so");
        let mut tokens = sink.received.tokens.lock().expect("sink tokens");
        return std::mem::take(&mut *tokens).into_values().collect();
    };
    let mut paths = Vec::new();
    outbox_files(&server.outbox(), &mut paths);
    paths.retain(|p| !before.contains(p));
    paths.sort_by_key(|p| p.file_name().map(|n| n.to_owned()));
    // The newest mail per address wins (a newer request supersedes older tokens).
    let mut by_user: BTreeMap<String, String> = BTreeMap::new();
    for path in paths {
        let Ok(raw) = std::fs::read_to_string(&path) else {
            continue;
        };
        let text = unquote(&raw);
        let to = text
            .lines()
            .find_map(|l| l.strip_prefix("To: "))
            .map(str::trim)
            .unwrap_or_default()
            .to_string();
        if let Some(token) = link_token(&text) {
            by_user.insert(to, token);
        }
    }
    by_user.into_values().collect()
}

const WORDS: &[&str] = &[
    "copper", "lantern", "vivid", "harbor", "meadow", "quartz", "saddle", "glacier", "orbit",
    "pepper", "tundra", "velvet", "walnut", "yonder", "zephyr", "bramble", "cobalt", "dervish",
    "ember", "fjord", "gossamer", "hollow", "indigo", "jasper", "kelp", "lichen", "marrow",
    "nimbus", "oxbow", "prairie", "quiver", "russet",
];

pub fn new_password(seed: u64) -> String {
    let mut x = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    let mut next = || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    let w: Vec<&str> = (0..4)
        .map(|_| WORDS[(next() % WORDS.len() as u64) as usize])
        .collect();
    format!("{}-{}-{}-{}-{}", w[0], w[1], w[2], w[3], next() % 10_000)
}

/// D: open each link, then set a new password; returns completion latencies (link → done).
pub async fn completions(
    addr: SocketAddr,
    tokens: Vec<String>,
    conns: usize,
    dur: Duration,
) -> Samples {
    let start = Instant::now();
    let deadline = start + dur;
    let queue = std::sync::Arc::new(std::sync::Mutex::new(tokens));
    let tasks: Vec<_> = (0..conns)
        .map(|n| {
            let queue = queue.clone();
            tokio::spawn(async move {
                let mut s = Samples::default();
                let mut conn = Conn::new(addr);
                let Ok(csrf) = conn.csrf_token().await else {
                    s.errors += 1;
                    return s;
                };
                let mut i = 0u64;
                while Instant::now() < deadline {
                    let Some(token) = queue.lock().expect("token queue").pop() else {
                        break;
                    };
                    let t = Instant::now();
                    let opened = conn.get(&format!("/reset/link/{token}")).await;
                    let ok = match opened {
                        Ok(r) if r.location.as_deref() == Some("/reset/new") => {
                            let pw = new_password(n as u64 * 1_000_003 + i);
                            match conn
                                .post_form(
                                    "/reset/new",
                                    &[
                                        ("csrf_token", csrf.as_str()),
                                        ("password", &pw),
                                        ("password_confirm", &pw),
                                    ],
                                )
                                .await
                            {
                                Ok(r) => r.location.as_deref() == Some("/reset/done"),
                                Err(_) => false,
                            }
                        }
                        _ => false,
                    };
                    s.record(t, ok);
                    i += 1;
                }
                s
            })
        })
        .collect();
    let mut all = Samples::default();
    for t in tasks {
        if let Ok(s) = t.await {
            all.merge(s);
        }
    }
    all.elapsed = start.elapsed();
    all
}

/// E: one guest loading `GET /reset` every 10 ms until `stop` is set.
async fn probe(addr: SocketAddr, stop: std::sync::Arc<std::sync::atomic::AtomicBool>) -> Samples {
    let start = Instant::now();
    let mut conn = Conn::new(addr);
    let mut s = Samples::default();
    let mut tick = tokio::time::interval(Duration::from_millis(10));
    while !stop.load(std::sync::atomic::Ordering::Relaxed) {
        tick.tick().await;
        let t = Instant::now();
        let ok = conn
            .get("/reset")
            .await
            .is_ok_and(|r| r.status.is_success());
        s.record(t, ok);
    }
    s.elapsed = start.elapsed();
    s
}

/// The argon2 limit: cores ÷ the time of one hash with the configured (default) parameters.
fn argon2_limit() -> (f64, f64, usize) {
    let hasher =
        latchkey::security::PasswordHasher::new(&latchkey::security::HashingSettings::default())
            .expect("default hashing settings");
    let pw = secrecy::SecretString::from("correct horse battery staple".to_string());
    let _ = hasher.hash_blocking(&pw);
    let mut times: Vec<f64> = (0..9)
        .map(|_| {
            let t = Instant::now();
            let _ = hasher.hash_blocking(&pw);
            t.elapsed().as_secs_f64()
        })
        .collect();
    times.sort_by(f64::total_cmp);
    let one = times[times.len() / 2];
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    (cores as f64 / one, one * 1000.0, cores)
}

/// G: `/admin/audit` over HTTP, signed in as a platform admin: the first page and deep keyset
/// pages (with and without filters), 200 requests each on one keep-alive connection.
async fn audit_pages(server: &Server, rows: &mut Vec<Row>) {
    let (min, max, count) = server::audit_span(&mut server.conn());
    let tenant: Option<String> = {
        let mut c = server.conn();
        latchkey::db::tenants::find_by_domain(&mut c, DOMAIN)
            .ok()
            .flatten()
            .map(|t| t.id)
    };
    let mut admin = match admin::signed_in(server, "bench-admin@ops.example").await {
        Ok(c) => c,
        Err(e) => {
            rows.push(Row::note(
                "G audit pages",
                format!("admin sign-in failed: {e}"),
            ));
            return;
        }
    };
    let deep = min + (max - min) / 10; // 90 % of the way back
    let t = tenant.unwrap_or_default();
    let cases = [
        ("G /admin/audit first page (50)", "/admin/audit".to_string()),
        (
            "G /admin/audit deep page (id < 10 %)",
            format!("/admin/audit?before={deep}"),
        ),
        (
            "G /admin/audit deep page, tenant filter",
            format!("/admin/audit?tenant={t}&before={deep}"),
        ),
        (
            "G /admin/audit deep page, tenant+event",
            format!("/admin/audit?tenant={t}&event=reset_completed&before={deep}"),
        ),
    ];
    for (name, path) in cases {
        let mut s = Samples::default();
        let mut shown = 0;
        let start = Instant::now();
        for _ in 0..200 {
            let t = Instant::now();
            let reply = admin.get(&path).await;
            let ok = reply.as_ref().is_ok_and(|r| {
                shown = admin::events_on(&r.body);
                r.status.is_success() && shown > 0
            });
            s.record(t, ok);
        }
        s.elapsed = start.elapsed();
        rows.push(Row::from_samples(
            name,
            &s,
            "pages/s",
            format!("{count} audit rows; over HTTP as a signed-in platform admin; {shown} events per page"),
        ));
    }
}

fn run(label: &str, db_url: &str, dir: &std::path::Path, k: &Knobs) -> Vec<Row> {
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

fn print_table(label: &str, rows: &[Row]) {
    println!("\n### {label}\n");
    println!("| scenario | throughput | p50 ms | p99 ms | max ms | errors | notes |");
    println!("|---|---:|---:|---:|---:|---:|---|");
    for r in rows {
        println!(
            "| {} | {} | {} | {} | {} | {} | {} |",
            r.name, r.throughput, r.p50, r.p99, r.max, r.errors, r.note
        );
    }
}

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
    let machine = format!(
        "{} cores, load client in the same machine (current-thread tokio), server = release `latchkey serve`",
        std::thread::available_parallelism().map_or(1, |n| n.get())
    );
    // `LATCHKEY_BENCH_SQLITE=false` runs PostgreSQL only.
    if knob("LATCHKEY_BENCH_SQLITE", true) {
        let dir = tempfile::tempdir().expect("temp dir");
        let sqlite_url = format!("sqlite://{}", dir.path().join("latchkey.db").display());
        let rows = run("SQLite", &sqlite_url, dir.path(), &k);
        print_table(&format!("SQLite ({machine})"), &rows);
        drop(dir);
    }

    if let Ok(base) = std::env::var("LATCHKEY_BENCH_PG") {
        let dir = tempfile::tempdir().expect("temp dir");
        let (url, name) = server::create_pg_database(&base);
        let rows = run("PostgreSQL", &url, dir.path(), &k);
        server::drop_pg_database(&base, &name);
        print_table(&format!("PostgreSQL ({machine})"), &rows);
    }
}
