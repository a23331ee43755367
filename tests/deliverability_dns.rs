//! Deliverability against a real DNS server: dnsmasq serves zones for a domain with
//! MX, one with a null MX, one with only an A record, one with only TXT, and NXDOMAIN for the
//! rest of `.test`; a silent port shows that a dead resolver gives `unknown` within the timeout.
//!
//! Needs dnsmasq (`apt-get install dnsmasq-base`). Without it the dnsmasq tests print
//! "skipped: …" and pass, except under `CI=true`, where they fail.

mod dns_support;

use dns_support::{free_port, require_dnsmasq, Dnsmasq, SilentServer};
use latchkey::deliverability::{Deliverability, DeliverabilitySettings, DnsMode, TxtError};
use latchkey::domain::EmailAddress;
use latchkey::policy::{EmailVerdict, UndeliverableReason, UnknownReason};
use std::time::{Duration, Instant};

fn email(s: &str) -> EmailAddress {
    EmailAddress::parse(s).expect("valid test address")
}

/// The zones: dnsmasq options, one record each.
fn zone() -> Vec<String> {
    [
        // A domain with MX (and an address for the exchange).
        "--mx-host=mx.test,mail.mx.test,10",
        "--host-record=mail.mx.test,192.0.2.25",
        "--txt-record=mx.test,latchkey-verification=abc123",
        "--txt-record=mx.test,v=spf1 -all",
        // A null MX (RFC 7505): preference 0, exchange "." — written as a raw MX RR
        // (type 15, rdata 00 00 | 00) because --mx-host cannot express the root exchange.
        "--dns-rr=nullmx.test,15,000000",
        // Only an A record: the implicit MX (RFC 5321 §5.1).
        "--host-record=aonly.test,192.0.2.80",
        // Only an AAAA record.
        "--host-record=aaaaonly.test,2001:db8::80",
        // Exists (has TXT) but has no MX, A or AAAA.
        "--txt-record=nomail.test,hello",
        // Everything else under .test is NXDOMAIN.
        "--local=/test/",
        // Answers live for 5 minutes, so they can be cached.
        "--local-ttl=300",
    ]
    .map(String::from)
    .to_vec()
}

fn service(dns: &Dnsmasq, timeout_ms: u64) -> Deliverability {
    let settings = DeliverabilitySettings {
        timeout_ms,
        ..DeliverabilitySettings::default()
    };
    Deliverability::new(DnsMode::Servers(vec![dns.addr()]), &settings).expect("service")
}

#[tokio::test]
async fn verdicts_from_a_real_dns_server() {
    let Some(binary) = require_dnsmasq() else {
        return;
    };
    let dns = Dnsmasq::start(&binary, &zone());
    let d = service(&dns, 3000);

    let cases = [
        ("guest@mx.test", EmailVerdict::Deliverable),
        ("guest@MX.test", EmailVerdict::Deliverable),
        (
            "guest@nullmx.test",
            EmailVerdict::Undeliverable(UndeliverableReason::NullMx),
        ),
        ("guest@aonly.test", EmailVerdict::Deliverable),
        ("guest@aaaaonly.test", EmailVerdict::Deliverable),
        (
            "guest@nomail.test",
            EmailVerdict::Undeliverable(UndeliverableReason::NoMailHost),
        ),
        (
            "guest@missing.test",
            EmailVerdict::Undeliverable(UndeliverableReason::Nxdomain),
        ),
        // dnsmasq has no upstream for names outside .test and answers REFUSED: that says
        // nothing about the domain, so it must not deny.
        (
            "guest@elsewhere.example",
            EmailVerdict::Unknown(UnknownReason::ServerFailure),
        ),
    ];
    for (address, expected) in cases {
        assert_eq!(d.check(&email(address), false).await, expected, "{address}");
    }
    // Bounce state and the disposable list need no DNS and win over it.
    assert_eq!(
        d.check(&email("guest@mx.test"), true).await,
        EmailVerdict::Undeliverable(UndeliverableReason::Bounced)
    );
    assert_eq!(
        d.check(&email("guest@mailinator.com"), false).await,
        EmailVerdict::Undeliverable(UndeliverableReason::Disposable)
    );
}

#[tokio::test]
async fn txt_records_from_a_real_dns_server() {
    let Some(binary) = require_dnsmasq() else {
        return;
    };
    let dns = Dnsmasq::start(&binary, &zone());
    let d = service(&dns, 3000);

    let mut txt = d.txt_records("mx.test").await.expect("TXT records");
    txt.sort();
    assert_eq!(txt, ["latchkey-verification=abc123", "v=spf1 -all"]);
    assert_eq!(d.txt_records("aonly.test").await, Ok(vec![]));
    assert_eq!(d.txt_records("missing.test").await, Err(TxtError::NxDomain));
}

#[tokio::test]
async fn definite_answers_are_cached_by_ttl() {
    let Some(binary) = require_dnsmasq() else {
        return;
    };
    let mut dns = Dnsmasq::start(&binary, &zone());
    let d = service(&dns, 500);

    assert_eq!(
        d.check(&email("guest@mx.test"), false).await,
        EmailVerdict::Deliverable
    );
    assert_eq!(
        d.check(&email("guest@nullmx.test"), false).await,
        EmailVerdict::Undeliverable(UndeliverableReason::NullMx)
    );
    dns.stop();
    // The server is gone: cached answers still decide, uncached ones are unknown.
    assert_eq!(
        d.check(&email("guest@mx.test"), false).await,
        EmailVerdict::Deliverable
    );
    assert_eq!(
        d.check(&email("guest@nullmx.test"), false).await,
        EmailVerdict::Undeliverable(UndeliverableReason::NullMx)
    );
    assert!(matches!(
        d.check(&email("guest@aonly.test"), false).await,
        EmailVerdict::Unknown(_)
    ));
}

#[tokio::test]
async fn zero_ttl_answers_are_not_cached() {
    let Some(binary) = require_dnsmasq() else {
        return;
    };
    // dnsmasq's default TTL for local records is 0: "do not cache".
    let records: Vec<String> = zone()
        .into_iter()
        .filter(|r| !r.starts_with("--local-ttl"))
        .collect();
    let mut dns = Dnsmasq::start(&binary, &records);
    let d = service(&dns, 500);
    assert_eq!(
        d.check(&email("guest@mx.test"), false).await,
        EmailVerdict::Deliverable
    );
    dns.stop();
    assert!(matches!(
        d.check(&email("guest@mx.test"), false).await,
        EmailVerdict::Unknown(_)
    ));
}

/// Slack for a loaded machine (CI, two cores, parallel builds) on top of the timeout.
const SCHEDULING_SLACK: Duration = Duration::from_millis(1000);

#[tokio::test]
async fn a_silent_nameserver_gives_unknown_within_the_timeout() {
    let silent = SilentServer::bind();
    let timeout = Duration::from_millis(400);
    let settings = DeliverabilitySettings {
        timeout_ms: 400,
        ..DeliverabilitySettings::default()
    };
    let d = Deliverability::new(DnsMode::Servers(vec![silent.addr()]), &settings).expect("service");

    let started = Instant::now();
    let verdict = d.check(&email("guest@example.org"), false).await;
    let took = started.elapsed();
    assert_eq!(verdict, EmailVerdict::Unknown(UnknownReason::Timeout));
    assert!(took >= timeout / 2, "gave up too early: {took:?}");
    assert!(took < timeout + SCHEDULING_SLACK, "took {took:?}");

    let started = Instant::now();
    assert_eq!(
        d.txt_records("example.org").await,
        Err(TxtError::Unavailable(UnknownReason::Timeout))
    );
    assert!(started.elapsed() < timeout + SCHEDULING_SLACK);
}

#[tokio::test]
async fn a_closed_port_gives_unknown_not_undeliverable() {
    let port = free_port();
    let settings = DeliverabilitySettings {
        timeout_ms: 400,
        ..DeliverabilitySettings::default()
    };
    let addr = std::net::SocketAddr::from(([127, 0, 0, 1], port));
    let d = Deliverability::new(DnsMode::Servers(vec![addr]), &settings).expect("service");
    let started = Instant::now();
    assert!(matches!(
        d.check(&email("guest@example.org"), false).await,
        EmailVerdict::Unknown(_)
    ));
    assert!(started.elapsed() < Duration::from_millis(400) + SCHEDULING_SLACK);
}
