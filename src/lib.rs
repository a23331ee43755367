//! Latchkey: self-service password reset for guest users of partner organisations.
//!
//! The module map is in docs/architecture.md. Dependencies point one way:
//! `web → services (reset, accounts, console, onboarding) → {directory, jobs, policy,
//! deliverability, mail, security, ratelimit} → db → domain`.
//! `jobs` knows no service: each service registers its jobs in the registry that `startup`
//! builds (tests/architecture.rs checks it). `policy` and `domain` depend on nothing but std
//! and serde.

// SQLite is the embedded default store (and the demo's): every build has it. PostgreSQL is the
// optional `postgres` feature (on by default).
#[cfg(not(feature = "sqlite"))]
compile_error!(
    "latchkey needs the `sqlite` cargo feature (the embedded default database); \
     build with `--no-default-features --features sqlite` for a build without PostgreSQL"
);

pub mod accounts;
pub mod cli;
pub mod config;
pub mod console;
pub mod db;
pub mod deliverability;
pub mod directory;
pub mod domain;
pub mod i18n;
pub mod jobs;
pub mod mail;
pub mod onboarding;
pub mod passwords;
pub mod policy;
pub mod ratelimit;
pub mod reset;
pub mod security;
pub mod services;
pub mod startup;
pub mod telemetry;
pub mod web;
pub mod webhooks;
