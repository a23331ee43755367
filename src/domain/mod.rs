//! Validated domain types. No I/O here: only std, serde and pure text crates.

pub mod audit;
pub mod branding;
pub mod email;
pub mod ids;
pub mod password;
pub mod tenant;
pub mod user_agent;

pub use email::{EmailAddress, EmailError, StoredAddressError};
pub use ids::{
    AdminId, ApiKeyId, DecoyId, DeliveryId, InvitationId, JobId, NotMeTokenId, TenantId, TokenId,
    UserId, VerificationId,
};
pub use tenant::{AdminRole, Plan, TenantKind};
