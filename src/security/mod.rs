//! Tokens, password hashing, TOTP, CSRF, keys, headers and client IP. No actix imports here
//! except where noted; the web layer wires these into requests.

pub mod keys;
