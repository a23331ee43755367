//! docs/security.md group A (tokens, #1–#10), black-box over HTTP with a real SMTP server.
//! #5 (20 concurrent redemptions) lives in `reset_reliability.rs` with the other races.

mod binding;
mod lifetime;
#[path = "../sec_support/mod.rs"]
mod sec_support;
#[path = "../support/mod.rs"]
mod support;

use sec_support::*;
use std::collections::HashSet;

const TTL_SECS: i64 = 20 * 60;
