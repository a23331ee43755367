//! Tenant kinds, plans and admin roles, with their stable storage spellings.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

macro_rules! text_enum {
    ($(#[$doc:meta])* $name:ident { $($variant:ident => $text:literal),+ $(,)? }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($variant),+ }

        impl $name {
            /// The stable lowercase spelling used in storage, config, the CLI and the audit.
            pub fn as_str(self) -> &'static str {
                match self { $(Self::$variant => $text),+ }
            }

            /// Every value, for help texts and validation messages.
            pub const ALL: &'static [$name] = &[$(Self::$variant),+];
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        /// From the stored spelling (the schema's CHECK constraints allow only these).
        impl TryFrom<String> for $name {
            type Error = String;
            fn try_from(s: String) -> Result<Self, Self::Error> {
                s.parse()
            }
        }

        impl From<$name> for String {
            fn from(v: $name) -> String {
                v.as_str().to_string()
            }
        }

        impl FromStr for $name {
            type Err = String;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                match s.trim().to_ascii_lowercase().as_str() {
                    $($text => Ok(Self::$variant),)+
                    other => Err(format!(
                        "unknown {} {other:?}; expected one of: {}",
                        stringify!($name),
                        [$($text),+].join(", ")
                    )),
                }
            }
        }
    };
}

text_enum!(
    /// Whether someone proved control of the tenant's domain (docs/policy.md).
    TenantKind { Unmanaged => "unmanaged", Managed => "managed" }
);
text_enum!(
    /// What a managed tenant pays for. SSPR needs `premium` on a managed tenant.
    Plan { Free => "free", Premium => "premium" }
);
text_enum!(
    /// What an administrator may see.
    AdminRole { Platform => "platform", Tenant => "tenant" }
);

/// The name of the built-in unmanaged tenant that holds every consumer-mail user.
pub const CONSUMERS_TENANT_NAME: &str = "consumers";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spellings_round_trip() {
        for k in TenantKind::ALL {
            assert_eq!(k.as_str().parse::<TenantKind>().unwrap(), *k);
        }
        for p in Plan::ALL {
            assert_eq!(p.as_str().parse::<Plan>().unwrap(), *p);
        }
        assert!("gold"
            .parse::<Plan>()
            .unwrap_err()
            .contains("free, premium"));
    }
}
