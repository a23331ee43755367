//! D: completions (open the mailed link, set a new password), and the argon2 limit they are
//! measured against.

use crate::client::{Conn, Samples};
use std::net::SocketAddr;
use std::time::{Duration, Instant};

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

/// Requests a reset for each address (8 connections), so the worker mails their links.
pub async fn request_resets(addr: SocketAddr, emails: Vec<String>) {
    let emails = std::sync::Arc::new(emails);
    let per = emails.len().div_ceil(8);
    let tasks: Vec<_> = (0..8usize)
        .map(|c| {
            let emails = emails.clone();
            tokio::spawn(async move {
                let mut conn = Conn::new(addr);
                let Ok(csrf) = conn.csrf_token().await else {
                    return;
                };
                for email in emails.iter().skip(c * per).take(per) {
                    let _ = conn
                        .post_form("/reset", &[("csrf_token", &csrf), ("email", email)])
                        .await;
                }
            })
        })
        .collect();
    for t in tasks {
        let _ = t.await;
    }
}

/// The argon2 limit: cores ÷ the time of one hash with the configured (default) parameters.
pub fn argon2_limit() -> (f64, f64, usize) {
    let hasher = default_hasher();
    let pw = secrecy::SecretString::from("correct horse battery staple".to_string());
    let _ = hasher.hash_blocking(&pw);
    // 41 hashes (~0.7 s): 9 gave a median 40 % high once on this VM.
    let mut times: Vec<f64> = (0..41)
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

/// What the cores really hash side by side: one thread per core hashing for `secs` seconds,
/// hashes per second. Lower than [`argon2_limit`] where the cores share a memory bus or
/// cache (argon2 is memory-hard), and nothing else can make completions reach more.
pub fn argon2_side_by_side(cores: usize, secs: f64) -> f64 {
    let hasher = default_hasher();
    let deadline = Instant::now() + Duration::from_secs_f64(secs);
    let start = Instant::now();
    let done: usize = std::thread::scope(|s| {
        let workers: Vec<_> = (0..cores)
            .map(|_| {
                let hasher = hasher.clone();
                s.spawn(move || {
                    let pw =
                        secrecy::SecretString::from("correct horse battery staple".to_string());
                    let mut n = 0;
                    while Instant::now() < deadline {
                        let _ = hasher.hash_blocking(&pw);
                        n += 1;
                    }
                    n
                })
            })
            .collect();
        workers.into_iter().map(|w| w.join().unwrap_or(0)).sum()
    });
    done as f64 / start.elapsed().as_secs_f64()
}

fn default_hasher() -> latchkey::security::PasswordHasher {
    latchkey::security::PasswordHasher::new(&latchkey::security::HashingSettings::default())
        .expect("default hashing settings")
}
