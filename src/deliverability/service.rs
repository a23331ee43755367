//! The `Deliverability` service: the verdict for an address, from bounce state, the disposable
//! list, static answers and DNS, in that order.

use super::cache::TtlCache;
use super::disposable;
use super::dns::{self, MailHosts};
use super::settings::{DeliverabilitySettings, DnsMode, StaticAnswer};
use crate::domain::EmailAddress;
use crate::policy::{EmailVerdict, UndeliverableReason, UnknownReason};
use anyhow::{bail, Context};
use hickory_resolver::TokioResolver;
use std::collections::{HashMap, HashSet};
use std::fmt;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Decides whether mail can reach an address (docs/policy.md, rule 6). Build one per process and
/// share it (`Arc`); it holds the resolver and the TTL cache.
pub struct Deliverability {
    resolver: Option<TokioResolver>,
    mode: DnsMode,
    timeout: Duration,
    cache: Mutex<TtlCache<String, MailHosts>>,
    static_answers: HashMap<String, StaticAnswer>,
    extra_disposable: HashSet<String>,
    consumer: HashSet<String>,
}

/// Why TXT records could not be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum TxtError {
    /// The name is not a valid DNS name.
    #[error("not a valid domain name")]
    InvalidName,
    /// `dns = "off"` and no static answer covers the name.
    #[error("DNS lookups are switched off")]
    DnsOff,
    /// The name does not exist (NXDOMAIN).
    #[error("the domain does not exist")]
    NxDomain,
    /// The nameservers did not give an answer (timeout, SERVFAIL, …).
    #[error("DNS gave no answer ({})", .0.code())]
    Unavailable(UnknownReason),
}

impl Deliverability {
    /// Builds the service. Fails on an unreadable system resolver configuration or an invalid
    /// domain in the settings (static answers, extra disposable or consumer domains).
    pub fn new(mode: DnsMode, settings: &DeliverabilitySettings) -> anyhow::Result<Self> {
        let timeout = Duration::from_millis(settings.timeout_ms.max(1));
        disposable::preload();
        let resolver = dns::build_resolver(&mode, timeout)
            .with_context(|| format!("setting up the DNS resolver (dns = {mode})"))?;

        let mut static_answers = HashMap::new();
        for (domain, answer) in &settings.static_answers {
            let key = normalise_domain(domain)
                .with_context(|| format!("deliverability.static_answers: {domain:?}"))?;
            if let Err(why) = answer.validate() {
                bail!("deliverability.static_answers.{domain:?}: {why}");
            }
            static_answers.insert(key, answer.clone());
        }
        let normalise_all = |list: &[String], setting: &str| -> anyhow::Result<HashSet<String>> {
            list.iter()
                .map(|d| {
                    normalise_domain(d).with_context(|| format!("deliverability.{setting}: {d:?}"))
                })
                .collect()
        };
        Ok(Self {
            resolver,
            mode,
            timeout,
            cache: Mutex::new(TtlCache::new(settings.cache_size)),
            static_answers,
            extra_disposable: normalise_all(
                &settings.extra_disposable_domains,
                "extra_disposable_domains",
            )?,
            consumer: normalise_all(&settings.consumer_domains, "consumer_domains")?,
        })
    }

    /// The verdict for `email`. `bounced` is the user row's hard-bounce state.
    ///
    /// Order: a recorded bounce, then the disposable list (the domain or a parent), then a
    /// static answer, then a consumer provider (deliverable without a lookup), then DNS (MX,
    /// null MX, A/AAAA fallback). Timeouts and server failures are `Unknown`, which never denies.
    /// Takes at most the configured timeout.
    pub async fn check(&self, email: &EmailAddress, bounced: bool) -> EmailVerdict {
        if bounced {
            return EmailVerdict::Undeliverable(UndeliverableReason::Bounced);
        }
        let domain = email.domain();
        if self.is_disposable(domain) {
            return EmailVerdict::Undeliverable(UndeliverableReason::Disposable);
        }
        if let Some(answer) = self.static_answers.get(domain) {
            return verdict(static_mail_hosts(answer));
        }
        if self.consumer.contains(domain) {
            return EmailVerdict::Deliverable;
        }
        let Some(resolver) = &self.resolver else {
            return EmailVerdict::Unknown(UnknownReason::DnsOff);
        };
        match self.cached(domain) {
            Some(hosts) => verdict(hosts),
            None => self.look_up(resolver, domain).await,
        }
    }

    /// Whether `domain` belongs to a consumer mail provider (its users live in the `consumers`
    /// tenant; the domain can never be taken over). Exact match, case-insensitive.
    pub fn is_consumer(&self, domain: &str) -> bool {
        normalise_domain(domain).is_ok_and(|d| self.consumer.contains(&d))
    }

    /// Whether `domain` or a parent domain is on the disposable/forwarding-only list (bundled or
    /// extra).
    pub fn is_disposable(&self, domain: &str) -> bool {
        normalise_domain(domain).is_ok_and(|d| disposable::is_listed(&d, &self.extra_disposable))
    }

    /// The TXT records of `name` (for domain-takeover verification), each record's strings
    /// joined. A static answer wins over DNS. `Ok(vec![])` when the name exists without TXT.
    /// Not cached here: a takeover check wants a fresh answer.
    pub async fn txt_records(&self, name: &str) -> Result<Vec<String>, TxtError> {
        let name = normalise_domain(name).map_err(|_| TxtError::InvalidName)?;
        if let Some(answer) = self.static_answers.get(&name) {
            return if answer.nxdomain {
                Err(TxtError::NxDomain)
            } else {
                Ok(answer.txt.clone())
            };
        }
        let Some(resolver) = &self.resolver else {
            return Err(TxtError::DnsOff);
        };
        let fqdn = dns::fqdn(&name).ok_or(TxtError::InvalidName)?;
        match tokio::time::timeout(self.timeout, dns::txt(resolver, &fqdn)).await {
            Ok(Ok(records)) => Ok(records),
            Ok(Err(None)) => Err(TxtError::NxDomain),
            Ok(Err(Some(reason))) => Err(TxtError::Unavailable(reason)),
            Err(_elapsed) => Err(TxtError::Unavailable(UnknownReason::Timeout)),
        }
    }

    /// The DNS mode this service was built with.
    pub fn mode(&self) -> &DnsMode {
        &self.mode
    }

    fn cached(&self, domain: &str) -> Option<MailHosts> {
        // A poisoned lock only means another check panicked mid-insert; the map is still sound.
        let mut cache = self.cache.lock().unwrap_or_else(|p| p.into_inner());
        cache.get(&domain.to_owned(), Instant::now())
    }

    async fn look_up(&self, resolver: &TokioResolver, domain: &str) -> EmailVerdict {
        let Some(name) = dns::fqdn(domain) else {
            // EmailAddress guarantees an LDH name, so this cannot happen; stay total anyway.
            return EmailVerdict::Undeliverable(UndeliverableReason::BadSyntax);
        };
        let outcome = tokio::time::timeout(self.timeout, dns::mail_hosts(resolver, &name)).await;
        match outcome {
            Ok(Ok((hosts, ttl))) => {
                let mut cache = self.cache.lock().unwrap_or_else(|p| p.into_inner());
                cache.insert(domain.to_owned(), hosts, ttl, Instant::now());
                verdict(hosts)
            }
            Ok(Err(reason)) => {
                // Domains are not personal data; addresses never appear in logs.
                tracing::debug!(
                    domain,
                    reason = reason.code(),
                    "mail host lookup inconclusive"
                );
                EmailVerdict::Unknown(reason)
            }
            Err(_elapsed) => {
                tracing::debug!(domain, "mail host lookup timed out");
                EmailVerdict::Unknown(UnknownReason::Timeout)
            }
        }
    }
}

impl fmt::Debug for Deliverability {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Deliverability")
            .field("mode", &self.mode)
            .field("timeout", &self.timeout)
            .field("static_answers", &self.static_answers.len())
            .field("extra_disposable", &self.extra_disposable.len())
            .field("consumer", &self.consumer.len())
            .finish_non_exhaustive()
    }
}

fn verdict(hosts: MailHosts) -> EmailVerdict {
    match hosts {
        MailHosts::Found => EmailVerdict::Deliverable,
        MailHosts::NullMx => EmailVerdict::Undeliverable(UndeliverableReason::NullMx),
        MailHosts::NoMailHost => EmailVerdict::Undeliverable(UndeliverableReason::NoMailHost),
        MailHosts::NxDomain => EmailVerdict::Undeliverable(UndeliverableReason::Nxdomain),
    }
}

fn static_mail_hosts(answer: &StaticAnswer) -> MailHosts {
    if answer.nxdomain {
        MailHosts::NxDomain
    } else if !answer.mx.is_empty() {
        MailHosts::Found
    } else if answer.null_mx {
        MailHosts::NullMx
    } else if !answer.addresses.is_empty() {
        MailHosts::Found
    } else {
        MailHosts::NoMailHost
    }
}

/// A domain from settings or a caller, in the form `EmailAddress::domain` uses: IDNA (punycode),
/// lowercase, without a trailing dot.
fn normalise_domain(domain: &str) -> anyhow::Result<String> {
    let trimmed = domain.trim().trim_end_matches('.');
    let ascii = idna::domain_to_ascii_cow(trimmed.as_bytes(), idna::AsciiDenyList::EMPTY)
        .map_err(|_| anyhow::anyhow!("not a valid domain name"))?;
    if ascii.is_empty() || ascii.split('.').any(str::is_empty) {
        bail!("not a valid domain name");
    }
    Ok(ascii.into_owned())
}

#[cfg(test)]
mod tests;
