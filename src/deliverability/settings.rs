//! How deliverability is configured: the DNS mode (`dns = "system" | "off" | "ip:port,…"`) and the
//! `[deliverability]` settings table.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::collections::BTreeMap;
use std::fmt;
use std::net::{IpAddr, SocketAddr};
use std::str::FromStr;

/// Where DNS questions go (`dns` setting, `LATCHKEY_DNS`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum DnsMode {
    /// The operating system's resolver configuration (`/etc/resolv.conf`).
    #[default]
    System,
    /// No lookups at all (offline development): verdicts are `unknown(dns_off)` unless a static
    /// answer applies.
    Off,
    /// These nameservers, tried over UDP and TCP.
    Servers(Vec<SocketAddr>),
}

/// Why a `dns` value was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "invalid dns setting {value:?}: expected \"system\", \"off\" or a comma-separated list of \
     nameservers as ip:port (e.g. \"127.0.0.1:53\" or \"[::1]:53,192.0.2.53:53\"){detail}"
)]
pub struct DnsModeError {
    value: String,
    detail: String,
}

impl FromStr for DnsMode {
    type Err = DnsModeError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let value = s.trim();
        match value.to_ascii_lowercase().as_str() {
            "system" => return Ok(Self::System),
            "off" => return Ok(Self::Off),
            _ => {}
        }
        let error = |detail: String| DnsModeError {
            value: value.to_owned(),
            detail,
        };
        if value.is_empty() {
            return Err(error(String::new()));
        }
        let mut servers = Vec::new();
        for part in value.split(',') {
            let part = part.trim();
            let addr = part.parse::<SocketAddr>().map_err(|_| {
                if part.parse::<IpAddr>().is_ok() {
                    error(format!("; {part:?} needs a port, e.g. {part}:53"))
                } else {
                    error(format!("; {part:?} is not an ip:port"))
                }
            })?;
            servers.push(addr);
        }
        Ok(Self::Servers(servers))
    }
}

impl fmt::Display for DnsMode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::System => f.write_str("system"),
            Self::Off => f.write_str("off"),
            Self::Servers(servers) => {
                for (i, s) in servers.iter().enumerate() {
                    if i > 0 {
                        f.write_str(",")?;
                    }
                    write!(f, "{s}")?;
                }
                Ok(())
            }
        }
    }
}

impl Serialize for DnsMode {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for DnsMode {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

/// The `[deliverability]` settings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DeliverabilitySettings {
    /// Upper bound for one deliverability check, all lookups included (milliseconds). A check
    /// that runs out of time is `unknown(timeout)`, which does not deny.
    pub timeout_ms: u64,
    /// How many domains' DNS answers are cached (by their TTL).
    pub cache_size: usize,
    /// Fixed answers per domain that win over DNS (and work with `dns = "off"`): used by the
    /// demo and by tests. Keys are domains (Unicode or punycode).
    pub static_answers: BTreeMap<String, StaticAnswer>,
    /// Extra disposable or forwarding-only domains, on top of the bundled list. A listed
    /// domain also covers its subdomains.
    pub extra_disposable_domains: Vec<String>,
    /// Consumer mail providers: deliverable, but their users belong to the built-in `consumers`
    /// tenant and the domains can never be taken over. Setting this replaces the default list.
    pub consumer_domains: Vec<String>,
}

/// The default consumer mail domains.
pub const DEFAULT_CONSUMER_DOMAINS: &[&str] = &[
    "gmail.com",
    "googlemail.com",
    "outlook.com",
    "hotmail.com",
    "live.com",
    "msn.com",
    "yahoo.com",
    "icloud.com",
    "me.com",
    "aol.com",
    "proton.me",
    "protonmail.com",
    "gmx.de",
    "gmx.net",
    "web.de",
    "mail.com",
    "yandex.ru",
    "qq.com",
];

impl Default for DeliverabilitySettings {
    fn default() -> Self {
        Self {
            timeout_ms: 2000,
            cache_size: 10_000,
            static_answers: BTreeMap::new(),
            extra_disposable_domains: Vec::new(),
            consumer_domains: DEFAULT_CONSUMER_DOMAINS
                .iter()
                .map(|d| (*d).to_owned())
                .collect(),
        }
    }
}

/// A fixed DNS answer for one domain, e.g. in TOML:
///
/// ```toml
/// [deliverability.static_answers."example.org"]
/// mx = ["mx.example.org"]
/// txt = ["latchkey-verification=abc"]
///
/// [deliverability.static_answers."nomail.example"]
/// null_mx = true
///
/// [deliverability.static_answers."web-only.example"]
/// addresses = ["192.0.2.10"]
///
/// [deliverability.static_answers."gone.example"]
/// nxdomain = true
/// ```
///
/// An entry with none of `mx`, `null_mx`, `addresses` or `nxdomain` means "the domain exists but
/// has no mail host".
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct StaticAnswer {
    /// MX exchanges.
    pub mx: Vec<String>,
    /// The domain publishes a null MX (RFC 7505).
    pub null_mx: bool,
    /// A/AAAA addresses (used when there is no MX, RFC 5321 §5.1).
    #[serde(alias = "a")]
    pub addresses: Vec<IpAddr>,
    /// The domain does not exist.
    pub nxdomain: bool,
    /// TXT records (each one string), for domain-takeover verification.
    pub txt: Vec<String>,
}

impl StaticAnswer {
    /// Refuses contradictory entries, e.g. `nxdomain` together with records.
    pub(crate) fn validate(&self) -> Result<(), &'static str> {
        let has_records = !self.mx.is_empty() || !self.addresses.is_empty() || !self.txt.is_empty();
        if self.nxdomain && (has_records || self.null_mx) {
            return Err("nxdomain cannot be combined with records");
        }
        if self.null_mx && !self.mx.is_empty() {
            return Err("null_mx cannot be combined with mx exchanges");
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dns_modes_parse_and_print() {
        assert_eq!("system".parse::<DnsMode>(), Ok(DnsMode::System));
        assert_eq!(" OFF ".parse::<DnsMode>(), Ok(DnsMode::Off));
        let mode: DnsMode = "127.0.0.1:5353, [::1]:53".parse().expect("valid");
        assert_eq!(
            mode,
            DnsMode::Servers(vec![
                "127.0.0.1:5353".parse().expect("addr"),
                "[::1]:53".parse().expect("addr"),
            ])
        );
        assert_eq!(mode.to_string(), "127.0.0.1:5353,[::1]:53");
    }

    #[test]
    fn bad_dns_modes_explain_the_expected_forms() {
        let e = "127.0.0.1".parse::<DnsMode>().unwrap_err().to_string();
        assert!(e.contains("needs a port, e.g. 127.0.0.1:53"), "{e}");
        let e = "resolver.example:53"
            .parse::<DnsMode>()
            .unwrap_err()
            .to_string();
        assert!(e.contains("\"system\", \"off\""), "{e}");
        assert!("".parse::<DnsMode>().is_err());
        assert!("1.1.1.1:53,".parse::<DnsMode>().is_err());
    }

    #[test]
    fn settings_deserialise_with_defaults_and_refuse_unknown_keys() {
        let s: DeliverabilitySettings = toml::from_str(
            r#"
            timeout_ms = 500
            extra_disposable_domains = ["throwaway.example"]
            [static_answers."example.org"]
            mx = ["mx.example.org"]
            [static_answers."web.example"]
            a = ["192.0.2.1"]
            "#,
        )
        .expect("valid settings");
        assert_eq!(s.timeout_ms, 500);
        assert_eq!(s.cache_size, 10_000);
        assert!(s.consumer_domains.iter().any(|d| d == "gmail.com"));
        assert_eq!(s.static_answers["web.example"].addresses.len(), 1);

        assert!(toml::from_str::<DeliverabilitySettings>("timeout = 5").is_err());
        assert!(toml::from_str::<DeliverabilitySettings>(
            "[static_answers.\"x.example\"]\nmxx = []"
        )
        .is_err());
    }

    #[test]
    fn dns_mode_deserialises_from_a_string() {
        #[derive(Deserialize)]
        struct C {
            dns: DnsMode,
        }
        let c: C = toml::from_str("dns = \"off\"").expect("valid");
        assert_eq!(c.dns, DnsMode::Off);
        assert!(toml::from_str::<C>("dns = \"nope\"").is_err());
    }

    #[test]
    fn contradictory_static_answers_are_refused() {
        let a = StaticAnswer {
            nxdomain: true,
            mx: vec!["mx.example".into()],
            ..StaticAnswer::default()
        };
        assert!(a.validate().is_err());
        let a = StaticAnswer {
            null_mx: true,
            mx: vec!["mx.example".into()],
            ..StaticAnswer::default()
        };
        assert!(a.validate().is_err());
    }
}
