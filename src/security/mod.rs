//! Security primitives: random tokens and codes, argon2id hashing, TOTP, CSRF tokens, MACs,
//! and the master key with its derived keys.
//!
//! Everything here is pure or runs on tokio's blocking pool; nothing imports `actix_web`
//! (only `web/` and `startup` do: docs/architecture.md#dependency-rules). The web layer wires these into cookies and forms.

pub mod client_ip;
pub mod csrf;
pub mod hashing;
pub mod keys;
pub mod mac;
pub mod qr;
pub mod secretbox;
pub mod seeds;
pub mod tokens;
pub mod totp;

pub use csrf::CsrfKey;
pub use hashing::{HashingSettings, PasswordHasher};
pub use mac::{ct_eq, hmac_sha256};
pub use secretbox::{SecretBox, SeedOwner};
pub use tokens::{code_matches, hash_code, FlowId, OneTimeCode, TokenHash, TokenSecret};
pub use totp::TotpSecret;
