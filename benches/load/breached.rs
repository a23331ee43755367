//! `cargo bench --bench load -- breached`: what `password.breached = "file"` adds to a
//! completion (open the mailed link, set a new password), against the same completion with the
//! check off.
//!
//! Two release servers run side by side on their own SQLite databases, one with the check off
//! and one in file mode on a generated "ordered by hash" file of `LATCHKEY_BENCH_BREACHED_HASHES`
//! (1 000 000) random `SHA1:count` lines. Completions alternate between them one at a time, the
//! order flipped every round, so a change in the machine's load hits both alike. The new
//! passwords are not in the file: every lookup is a full binary search that misses, the path
//! of almost every real password. Knobs: `LATCHKEY_BENCH_BREACHED_N` (200 completions per
//! server), `LATCHKEY_BENCH_MAIL`, `LATCHKEY_BENCH_LOG`.
//!
//! A completion costs two argon2 hashes (tens of milliseconds), so the difference is a small
//! number measured next to a large one: read the medians and the Mann-Whitney p-value together,
//! and use `cargo bench --bench micro -- "breached file"` for the lookup alone.

use crate::client::{Conn, Samples};
use crate::completions::completions;
use crate::knobs::{knob, Knobs};
use crate::mail::{harvest_tokens, mail_mark};
use crate::report::{print_table, Row};
use crate::server::Server;
use crate::stats::{self, ms, quantile};
use crate::DOMAIN;
use rand::RngCore;
use std::io::Write as _;
use std::net::SocketAddr;
use std::path::Path;
use std::time::{Duration, Instant};

/// Writes `n` random hashes, sorted, as `SHA1:count` lines.
fn write_corpus(path: &Path, n: usize) {
    let started = Instant::now();
    let mut rng = rand::rng();
    let mut hashes: Vec<[u8; 20]> = (0..n)
        .map(|_| {
            let mut h = [0u8; 20];
            rng.fill_bytes(&mut h);
            h
        })
        .collect();
    hashes.sort_unstable();
    hashes.dedup();
    let mut out = std::io::BufWriter::new(std::fs::File::create(path).expect("corpus file"));
    for (i, h) in hashes.iter().enumerate() {
        writeln!(out, "{}:{}", hex::encode_upper(h), 1 + i % 97).expect("write corpus");
    }
    out.flush().expect("flush corpus");
    eprintln!(
        "wrote {} hashes ({:.0} MB) in {:.1} s",
        hashes.len(),
        std::fs::metadata(path).map_or(0.0, |m| m.len() as f64 / 1e6),
        started.elapsed().as_secs_f64()
    );
}

/// One server with `n` fresh reset links mailed; returns it and the links' tokens.
fn server_with_tokens(
    dir: &Path,
    n: u32,
    k: &Knobs,
    rt: &tokio::runtime::Runtime,
) -> (Server, Vec<String>) {
    let url = format!("sqlite://{}", dir.join("latchkey.db").display());
    let server = Server::start(dir, &url, n.max(100), 0, k.mail, None);
    let before = mail_mark(&server);
    let addr = server.addr;
    rt.block_on(async {
        let tasks: Vec<_> = (0..4u32)
            .map(|c| {
                tokio::spawn(async move {
                    let mut conn = Conn::new(addr);
                    let Ok(csrf) = conn.csrf_token().await else {
                        return;
                    };
                    for j in (c..n).step_by(4) {
                        let email = format!("user{j}@{DOMAIN}");
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
    server.wait_drained(Duration::from_secs(180));
    let tokens = harvest_tokens(&server, &before);
    (server, tokens)
}

async fn one(addr: SocketAddr, token: String) -> Samples {
    completions(addr, vec![token], 1, Duration::from_secs(120)).await
}

fn mean_ms(sorted: &[u32]) -> f64 {
    sorted.iter().map(|&u| f64::from(u)).sum::<f64>() / sorted.len().max(1) as f64 / 1000.0
}

pub fn main(k: &Knobs) {
    let hashes: usize = knob("LATCHKEY_BENCH_BREACHED_HASHES", 1_000_000usize).max(1);
    let n: u32 = knob("LATCHKEY_BENCH_BREACHED_N", 200u32).max(10);
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("client runtime");
    let root = tempfile::tempdir().expect("temp dir");
    let corpus = root.path().join("pwned-sha1-ordered-by-hash.txt");
    write_corpus(&corpus, hashes);

    let (off_dir, file_dir) = (root.path().join("off"), root.path().join("file"));
    std::fs::create_dir_all(&off_dir).expect("dir");
    std::fs::create_dir_all(&file_dir).expect("dir");
    eprintln!("== breached: server with the check off");
    let (off, off_tokens) = server_with_tokens(&off_dir, n, k, &rt);
    eprintln!("== breached: server with password.breached = \"file\"");
    // The server takes its settings from LATCHKEY_BENCH_SET_* when it starts.
    std::env::set_var("LATCHKEY_BENCH_SET_PASSWORD__BREACHED", "file");
    std::env::set_var("LATCHKEY_BENCH_SET_PASSWORD__BREACHED_FILE", &corpus);
    let (file, file_tokens) = server_with_tokens(&file_dir, n, k, &rt);
    std::env::remove_var("LATCHKEY_BENCH_SET_PASSWORD__BREACHED");
    std::env::remove_var("LATCHKEY_BENCH_SET_PASSWORD__BREACHED_FILE");

    let rounds = off_tokens.len().min(file_tokens.len());
    eprintln!("== breached: {rounds} completions on each, alternating");
    let (mut s_off, mut s_file) = (Samples::default(), Samples::default());
    let started = Instant::now();
    for (i, (a, b)) in off_tokens.into_iter().zip(file_tokens).enumerate() {
        if i % 2 == 0 {
            s_off.merge(rt.block_on(one(off.addr, a)));
            s_file.merge(rt.block_on(one(file.addr, b)));
        } else {
            s_file.merge(rt.block_on(one(file.addr, b)));
            s_off.merge(rt.block_on(one(off.addr, a)));
        }
    }
    s_off.elapsed = started.elapsed();
    s_file.elapsed = started.elapsed();

    let (mut a, mut b) = (s_off.micros.clone(), s_file.micros.clone());
    a.sort_unstable();
    b.sort_unstable();
    let (p50_off, p50_file) = (
        quantile(&a, 0.5).unwrap_or(0),
        quantile(&b, 0.5).unwrap_or(0),
    );
    let (_, z, p) = stats::mann_whitney(&b, &a);
    let rows = vec![
        Row::from_samples(
            "completion, password.breached = off",
            &s_off,
            "/s",
            "one at a time, alternating with the next row".into(),
        ),
        Row::from_samples(
            "completion, password.breached = file",
            &s_file,
            "/s",
            format!("file of {hashes} hashes; every lookup misses"),
        ),
        Row {
            name: "breached check (file) per completion".into(),
            throughput: "-".into(),
            p50: format!(
                "{:+.3}",
                (f64::from(p50_file) - f64::from(p50_off)) / 1000.0
            ),
            p99: format!(
                "{} / {}",
                ms(quantile(&b, 0.99)),
                ms(quantile(&a, 0.99))
            ),
            max: "-".into(),
            errors: (s_off.errors + s_file.errors).to_string(),
            note: format!(
                "file − off: median {:+.3} ms, mean {:+.3} ms (n={}+{}; Mann-Whitney z={z:.2} p={p:.3})",
                (f64::from(p50_file) - f64::from(p50_off)) / 1000.0,
                mean_ms(&b) - mean_ms(&a),
                b.len(),
                a.len()
            ),
            target: "< 1 ms added per completion".into(),
        },
    ];
    let machine = format!(
        "{} cores, client in the same machine, servers = release `latchkey serve` on SQLite",
        std::thread::available_parallelism().map_or(1, |n| n.get())
    );
    print_table(&format!("Breached check, file mode ({machine})"), &rows);
    drop(off);
    drop(file);
}
