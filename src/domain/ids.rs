//! Typed identifiers, so a user id can never be passed where a tenant id is expected.
//! Stored as TEXT (docs/architecture.md: diesel's MultiConnection cannot carry `Uuid` columns).

use serde::{Deserialize, Serialize};
use std::fmt;

macro_rules! typed_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(String);

        impl $name {
            /// A fresh random (v4) id.
            pub fn generate() -> Self {
                Self(uuid::Uuid::new_v4().to_string())
            }

            /// Wraps an id read back from storage or a URL. Ids are opaque: no validation
            /// beyond being non-empty text is needed, a wrong id simply finds nothing.
            pub fn from_string(s: impl Into<String>) -> Self {
                Self(s.into())
            }

            pub fn as_str(&self) -> &str {
                &self.0
            }

            pub fn into_string(self) -> String {
                self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl From<String> for $name {
            fn from(s: String) -> Self {
                Self(s)
            }
        }

        impl From<$name> for String {
            fn from(id: $name) -> String {
                id.0
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }
    };
}

typed_id!(
    /// A tenant (one partner organisation's directory).
    TenantId
);
typed_id!(
    /// A guest user.
    UserId
);
typed_id!(
    /// An administrator (platform or tenant).
    AdminId
);
typed_id!(
    /// A reset token row.
    TokenId
);
typed_id!(
    /// A queued job.
    JobId
);
typed_id!(
    /// An API key.
    ApiKeyId
);
typed_id!(
    /// An invitation.
    InvitationId
);
typed_id!(
    /// A "this wasn't me" token row (`db::not_me_tokens`).
    NotMeTokenId
);
typed_id!(
    /// An email verification link's row (`db::email_verifications`).
    VerificationId
);
typed_id!(
    /// A webhook delivery (`db::webhooks`), also the `webhook-id` its receiver sees: `msg_` and
    /// 32 hex digits (`webhooks::deliver::new_message_id`), not a uuid from `generate`.
    DeliveryId
);
typed_id!(
    /// A reset flow's decoy row (`db::reset_decoys`), random as a token's id is.
    DecoyId
);
