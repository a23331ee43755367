//! The request scenarios: A (pages), B (reset requests), E (a guest
//! probing during D) and F (enumeration timing).

use crate::client::{Conn, Samples};
use crate::DOMAIN;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

#[derive(Clone, Copy)]
pub enum Load {
    Get(&'static str),
    PostReset { existing: bool, users: u32 },
}

/// Runs `conns` closed-loop connections for `dur`.
pub async fn closed_loop(addr: SocketAddr, conns: usize, dur: Duration, load: Load) -> Samples {
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
                                .is_ok_and(|r| r.reset_taken())
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

/// F: existing and unknown addresses in a shuffled order, one connection, sequential.
pub async fn enumeration(addr: SocketAddr, users: u32, n: usize) -> (Vec<u32>, Vec<u32>, u64) {
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
            .is_ok_and(|r| r.reset_taken());
        let us = t.elapsed().as_micros() as u32;
        match (ok, existing) {
            (false, _) => errors += 1,
            (true, true) => known.push(us),
            (true, false) => unknown.push(us),
        }
    }
    (known, unknown, errors)
}

/// E: one guest loading `GET /reset` every 10 ms until `stop` is set.
pub async fn probe(
    addr: SocketAddr,
    stop: std::sync::Arc<std::sync::atomic::AtomicBool>,
) -> Samples {
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
