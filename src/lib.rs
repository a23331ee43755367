//! Latchkey: self-service password reset for guest users of partner organisations.
//!
//! The crate is laid out as docs/architecture.md. Dependencies point one way:
//! `web → {jobs, policy, deliverability, mail, security, ratelimit} → db → domain`.
//! `policy` and `domain` depend on nothing but std and serde.

pub mod accounts;
pub mod cli;
pub mod clock;
pub mod config;
pub mod db;
pub mod deliverability;
pub mod directory;
pub mod domain;
pub mod eligibility;
pub mod jobs;
pub mod mail;
pub mod onboarding;
pub mod policy;
pub mod ratelimit;
pub mod reset;
pub mod security;
pub mod seeds;
pub mod services;
pub mod startup;
pub mod telemetry;
pub mod templates;
pub mod web;
