//! DNS lookups with hickory-resolver and their classification into mail-host facts.
//!
//! RFC 5321 §5.1: mail goes to the MX hosts; with no MX record the domain's own A/AAAA address
//! is the implicit MX. RFC 7505: a single MX whose exchange is the root (`.`) means "no mail".

use super::settings::DnsMode;
use crate::policy::UnknownReason;
use anyhow::Context;
use hickory_resolver::config::{
    NameServerConfig, NameServerConfigGroup, ResolveHosts, ResolverConfig, ResolverOpts,
};
use hickory_resolver::name_server::TokioConnectionProvider;
use hickory_resolver::proto::op::ResponseCode;
use hickory_resolver::proto::xfer::Protocol;
use hickory_resolver::proto::ProtoErrorKind;
use hickory_resolver::{Name, ResolveError, TokioResolver};
use std::time::{Duration, Instant};

/// What DNS says about where a domain's mail goes: a definite answer, cacheable by TTL.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum MailHosts {
    /// At least one MX exchange, or (without MX) an A/AAAA address.
    Found,
    /// Only a null MX (RFC 7505).
    NullMx,
    /// The domain exists but has neither MX nor A/AAAA.
    NoMailHost,
    /// The domain does not exist.
    NxDomain,
}

/// A definite answer and how long it may be cached.
pub(crate) type Answer = (MailHosts, Duration);

/// How a single query ended, when it did not return records.
enum Negative {
    /// NXDOMAIN, with the SOA-derived negative TTL if any.
    NxDomain(Duration),
    /// NOERROR without records of this type (NODATA).
    NoData(Duration),
    /// Anything that says nothing about the domain: timeouts, SERVFAIL, REFUSED, I/O.
    Unknown(UnknownReason),
}

/// Builds the resolver for `mode`; `None` for [`DnsMode::Off`].
pub(crate) fn build_resolver(
    mode: &DnsMode,
    timeout: Duration,
) -> anyhow::Result<Option<TokioResolver>> {
    let (config, mut opts) = match mode {
        DnsMode::Off => return Ok(None),
        DnsMode::System => hickory_resolver::system_conf::read_system_conf()
            .context("reading the system DNS configuration (/etc/resolv.conf)")?,
        DnsMode::Servers(servers) => {
            let mut group = NameServerConfigGroup::new();
            for addr in servers {
                // `new` trusts negative answers: an authoritative NXDOMAIN is final.
                group.push(NameServerConfig::new(*addr, Protocol::Udp));
                group.push(NameServerConfig::new(*addr, Protocol::Tcp));
            }
            (
                ResolverConfig::from_parts(None, vec![], group),
                ResolverOpts::default(),
            )
        }
    };
    opts.timeout = timeout;
    opts.attempts = 1;
    // Mail domains come from the internet, never from /etc/hosts.
    opts.use_hosts_file = ResolveHosts::Never;
    opts.try_tcp_on_error = true;
    // One cache, ours (bounded by `cache_size`, verdict-level); hickory's would hide it.
    opts.cache_size = 0;
    let resolver = TokioResolver::builder_with_config(config, TokioConnectionProvider::default())
        .with_options(opts)
        .build();
    Ok(Some(resolver))
}

/// The fully qualified name for `domain`, so no search domain is ever appended.
pub(crate) fn fqdn(domain: &str) -> Option<Name> {
    let mut name = Name::from_ascii(domain).ok()?;
    name.set_fqdn(true);
    Some(name)
}

/// MX first; without MX, A then AAAA.
pub(crate) async fn mail_hosts(
    resolver: &TokioResolver,
    name: &Name,
) -> Result<Answer, UnknownReason> {
    match resolver.mx_lookup(name.clone()).await {
        Ok(mx) => {
            let ttl = remaining(mx.valid_until());
            let real = mx.iter().filter(|r| !r.exchange().is_root()).count();
            // A null MX mixed with real exchanges is a misconfiguration; the real hosts win.
            return Ok(if real > 0 {
                (MailHosts::Found, ttl)
            } else {
                (MailHosts::NullMx, ttl)
            });
        }
        Err(e) => match classify(&e) {
            Negative::NxDomain(ttl) => return Ok((MailHosts::NxDomain, ttl)),
            Negative::Unknown(reason) => return Err(reason),
            Negative::NoData(_) => {}
        },
    }
    // RFC 5321 §5.1: no MX, so the address record is the implicit MX.
    let mut shortest = super::cache::MAX_TTL;
    match resolver.ipv4_lookup(name.clone()).await {
        Ok(a) if a.iter().next().is_some() => {
            return Ok((MailHosts::Found, remaining(a.valid_until())))
        }
        Ok(_) => {}
        Err(e) => match classify(&e) {
            Negative::NxDomain(ttl) => return Ok((MailHosts::NxDomain, ttl)),
            Negative::Unknown(reason) => return Err(reason),
            Negative::NoData(ttl) => shortest = shortest.min(ttl),
        },
    }
    match resolver.ipv6_lookup(name.clone()).await {
        Ok(aaaa) if aaaa.iter().next().is_some() => {
            Ok((MailHosts::Found, remaining(aaaa.valid_until())))
        }
        Ok(_) => Ok((MailHosts::NoMailHost, shortest)),
        Err(e) => match classify(&e) {
            Negative::NxDomain(ttl) => Ok((MailHosts::NxDomain, ttl)),
            Negative::NoData(ttl) => Ok((MailHosts::NoMailHost, shortest.min(ttl))),
            Negative::Unknown(reason) => Err(reason),
        },
    }
}

/// TXT records of `name`, each record's strings concatenated (as for SPF and verification
/// tokens). `Ok(empty)` when the name exists without TXT; `Err(None)` for NXDOMAIN.
pub(crate) async fn txt(
    resolver: &TokioResolver,
    name: &Name,
) -> Result<Vec<String>, Option<UnknownReason>> {
    match resolver.txt_lookup(name.clone()).await {
        Ok(txt) => Ok(txt
            .iter()
            .map(|record| {
                record
                    .iter()
                    .map(|part| String::from_utf8_lossy(part))
                    .collect::<String>()
            })
            .collect()),
        Err(e) => match classify(&e) {
            Negative::NoData(_) => Ok(Vec::new()),
            Negative::NxDomain(_) => Err(None),
            Negative::Unknown(reason) => Err(Some(reason)),
        },
    }
}

fn classify(e: &ResolveError) -> Negative {
    let Some(proto) = e.proto() else {
        return Negative::Unknown(UnknownReason::ResolverError);
    };
    match proto.kind() {
        ProtoErrorKind::NoRecordsFound {
            response_code,
            negative_ttl,
            ..
        } => {
            // RFC 2308: a negative answer is cacheable only for its SOA's TTL; none, no cache.
            let ttl = Duration::from_secs(negative_ttl.map_or(0, u64::from));
            match *response_code {
                ResponseCode::NXDomain => Negative::NxDomain(ttl),
                ResponseCode::NoError => Negative::NoData(ttl),
                // hickory reports SERVFAIL, REFUSED, … as "no records" too; they say nothing.
                _ => Negative::Unknown(UnknownReason::ServerFailure),
            }
        }
        ProtoErrorKind::Timeout => Negative::Unknown(UnknownReason::Timeout),
        _ => Negative::Unknown(UnknownReason::ResolverError),
    }
}

fn remaining(valid_until: Instant) -> Duration {
    valid_until.saturating_duration_since(Instant::now())
}
