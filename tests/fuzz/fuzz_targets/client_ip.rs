//! `X-Forwarded-For` resolution never panics, never lets an untrusted peer choose its address,
//! and always reports a canonical (IPv4-mapped → IPv4) address.
#![no_main]

use ipnet::IpNet;
use latchkey::security::client_ip::resolve;
use libfuzzer_sys::fuzz_target;
use std::net::IpAddr;

fuzz_target!(|data: &[u8]| {
    let header = String::from_utf8_lossy(data);
    let trusted: Vec<IpNet> = ["10.0.0.0/8", "::1/128", "2001:db8::/32"]
        .iter()
        .map(|n| n.parse().unwrap())
        .collect();
    let untrusted: IpAddr = "192.0.2.7".parse().unwrap();
    assert_eq!(resolve(untrusted, Some(&header), &trusted), untrusted);
    for peer in ["10.1.2.3", "::ffff:10.1.2.3", "::1"] {
        let peer: IpAddr = peer.parse().unwrap();
        let got = resolve(peer, Some(&header), &trusted);
        assert_eq!(got, got.to_canonical());
        if got != peer.to_canonical() {
            // Anything else is one of the header's entries (bare or with a port).
            let entries = header.split(',').map(str::trim).filter_map(|e| {
                e.parse::<IpAddr>()
                    .ok()
                    .or_else(|| e.parse::<std::net::SocketAddr>().ok().map(|s| s.ip()))
            });
            assert!(
                entries.map(|ip| ip.to_canonical()).any(|ip| ip == got),
                "{got} is not in {header:?}"
            );
        }
    }
});
