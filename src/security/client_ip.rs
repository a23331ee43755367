//! The client's IP address, as every limiter, the audit and the logs see it (docs/operations.md#rate-limits,
//! docs/security.md#29).
//!
//! The socket peer is the client unless the peer is a configured trusted proxy. Only then is
//! `X-Forwarded-For` read, right to left, and the right-most address that is not itself a
//! trusted proxy is the client. Everything left of that entry was written by the client (or by
//! proxies we do not know) and can say anything, so it is never used.
//!
//! Pure: no I/O, no HTTP types (the actix extractor lives in `web::client_ip`).

use ipnet::IpNet;
use std::net::IpAddr;

/// Resolves the client address from the socket peer and the `X-Forwarded-For` value(s).
///
/// - `peer` not in `trusted` → `peer` (a client cannot spoof its key by sending the header).
/// - otherwise the entries of `x_forwarded_for` are walked right to left, skipping trusted
///   proxies; the first untrusted entry is the client. An entry that is not an IP address
///   (garbage, `unknown`, an obfuscated name) stops the walk: the last good address (a trusted
///   proxy, or the peer) is used, since nothing to its left can be believed.
///
/// IPv4-mapped IPv6 addresses (`::ffff:192.0.2.1`) are reported as IPv4, so one client has one
/// key whichever socket family it arrived on.
pub fn resolve(peer: IpAddr, x_forwarded_for: Option<&str>, trusted: &[IpNet]) -> IpAddr {
    let peer = peer.to_canonical();
    if !is_trusted(peer, trusted) {
        return peer;
    }
    let Some(header) = x_forwarded_for else {
        return peer;
    };
    let mut last_good = peer;
    for entry in header.rsplit(',') {
        let Some(ip) = parse_entry(entry) else {
            return last_good;
        };
        if !is_trusted(ip, trusted) {
            return ip;
        }
        last_good = ip;
    }
    last_good
}

fn is_trusted(ip: IpAddr, trusted: &[IpNet]) -> bool {
    trusted.iter().any(|net| net.contains(&ip))
}

/// One `X-Forwarded-For` entry: `192.0.2.1`, `2001:db8::1`, and the forms some proxies write
/// with a port, `192.0.2.1:4711` and `[2001:db8::1]:4711`. Anything else is `None`.
fn parse_entry(entry: &str) -> Option<IpAddr> {
    let entry = entry.trim();
    if let Ok(ip) = entry.parse::<IpAddr>() {
        return Some(ip.to_canonical());
    }
    if let Ok(sock) = entry.parse::<std::net::SocketAddr>() {
        return Some(sock.ip().to_canonical());
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    /// Each case: the peer, the `X-Forwarded-For` header, and the client it resolves to when
    /// `trusted` are the trusted proxies.
    fn resolves(trusted: &[&str], cases: &[(&str, Option<&str>, &str)]) {
        let trusted: Vec<IpNet> = trusted.iter().map(|n| n.parse().unwrap()).collect();
        for (peer, header, client) in cases {
            assert_eq!(
                resolve(ip(peer), *header, &trusted),
                ip(client),
                "{peer} {header:?}"
            );
        }
    }

    // docs/security.md#29: an untrusted peer cannot choose its key with a header.
    #[test]
    fn an_untrusted_peer_is_the_client_whatever_the_header_says() {
        resolves(
            &["10.0.0.0/8"],
            &[("203.0.113.9", Some("1.2.3.4"), "203.0.113.9")],
        );
        resolves(
            &[],
            &[("203.0.113.9", Some("10.0.0.1, 1.2.3.4"), "203.0.113.9")],
        );
    }

    #[test]
    fn no_trusted_proxies_means_the_header_is_never_read() {
        resolves(&[], &[("127.0.0.1", Some("198.51.100.7"), "127.0.0.1")]);
    }

    #[test]
    fn a_trusted_peer_passes_on_the_right_most_untrusted_entry() {
        resolves(
            &["10.0.0.0/8", "192.168.1.1/32"],
            &[
                // The client wrote "6.6.6.6" itself; the first proxy appended the real address.
                (
                    "10.1.2.3",
                    Some("6.6.6.6, 198.51.100.7, 192.168.1.1"),
                    "198.51.100.7",
                ),
                ("10.1.2.3", Some("198.51.100.7"), "198.51.100.7"),
            ],
        );
    }

    #[test]
    fn a_trusted_peer_without_the_header_is_the_client() {
        resolves(
            &["10.0.0.0/8"],
            &[
                ("10.1.2.3", None, "10.1.2.3"),
                ("10.1.2.3", Some(""), "10.1.2.3"),
            ],
        );
    }

    #[test]
    fn garbage_stops_the_walk_at_the_last_good_address() {
        resolves(
            &["10.0.0.0/8"],
            &[
                ("10.1.2.3", Some("1.2.3.4, nonsense"), "10.1.2.3"),
                ("10.1.2.3", Some("1.2.3.4, unknown, 10.9.9.9"), "10.9.9.9"),
                ("10.1.2.3", Some("1.2.3.4,,"), "10.1.2.3"),
            ],
        );
    }

    #[test]
    fn all_entries_trusted_gives_the_left_most() {
        resolves(
            &["10.0.0.0/8"],
            &[("10.1.2.3", Some("10.0.0.7, 10.0.0.8"), "10.0.0.7")],
        );
    }

    #[test]
    fn ports_and_ipv6_forms_are_understood() {
        resolves(
            &["10.0.0.0/8", "fd00::/8"],
            &[
                ("10.1.2.3", Some("198.51.100.7:4711"), "198.51.100.7"),
                ("fd00::1", Some("[2001:db8::1]:443"), "2001:db8::1"),
                ("fd00::1", Some(" 2001:db8::2 "), "2001:db8::2"),
            ],
        );
    }

    #[test]
    fn ipv4_mapped_addresses_are_ipv4() {
        resolves(
            &["10.0.0.0/8"],
            &[(
                "::ffff:10.1.2.3",
                Some("::ffff:198.51.100.7"),
                "198.51.100.7",
            )],
        );
        resolves(&[], &[("::ffff:1.2.3.4", None, "1.2.3.4")]);
    }
}
