//! `latchkey bench-seed`: fills a database for the load bench (`cargo bench --bench load`).
//!
//! Guests `user0@D` … `user{N-1}@D`, verified, in D's tenant (created unmanaged if missing), all
//! sharing ONE argon2 hash computed once, inserted in multi-row batches inside transactions, so
//! 10 000 take seconds. `--audit-rows M` appends M realistic audit rows (tenants, events,
//! outcomes spread over 30 days, ids ascending with time as real appends are) with a progress
//! bar. Never run it against a directory that real guests use: every bench guest has the same
//! (random, discarded) password.

use super::{open_db, usage, CliError};
use crate::config::Settings;
use crate::db::audit::{self, NewAuditEvent};
use crate::db::models::User;
use crate::db::schema::users;
use crate::db::WriteTransaction as _;
use crate::db::{tenants, AnyConnection, DbError};
use crate::domain::audit::{Event, Outcome};
use crate::domain::{EmailAddress, Plan, TenantId, TenantKind, UserId};
use chrono::{Duration, NaiveDateTime, Utc};
use clap::Args;
use diesel::prelude::*;
use rand::Rng;
use secrecy::SecretString;

/// `latchkey bench-seed` arguments.
#[derive(Debug, Args)]
pub struct BenchSeed {
    /// How many guests to create (user0@D … user{N-1}@D).
    #[arg(long, default_value_t = 10_000)]
    pub users: u32,
    /// Their email domain; its tenant is created (unmanaged) when missing.
    #[arg(long)]
    pub domain: String,
    /// Audit rows to append (spread over the last 30 days).
    #[arg(long, default_value_t = 0)]
    pub audit_rows: u64,
}

// Rows per INSERT statement: users have 16 columns, audit rows 11; 500 rows stay far below
// SQLite's 32 766 and PostgreSQL's 65 535 bound parameters.
const ROWS_PER_INSERT: usize = 500;
// Rows per transaction: one fsync per this many rows.
const ROWS_PER_TX: usize = 20_000;

pub fn run(settings: &Settings, args: BenchSeed) -> Result<(), CliError> {
    let domain = super::directory::normalise_domain(&args.domain)?;
    if settings.is_consumer_domain(&domain) {
        return Err(usage(format!(
            "{domain} is a consumer mail domain; use an organisational one, e.g. bench.example"
        )));
    }
    let db = open_db(settings)?;
    let mut conn = db.get()?;
    let now = Utc::now().naive_utc();
    let tenant = match tenants::find_by_domain(&mut conn, &domain)? {
        Some(t) => t,
        None => tenants::create(
            &mut conn,
            &tenants::NewTenant {
                name: format!("Bench {domain}"),
                kind: TenantKind::Unmanaged,
                plan: Plan::Free,
                domains: vec![domain.clone()],
                helpdesk_url: None,
                is_consumer: false,
            },
            now,
        )?,
    };

    let started = std::time::Instant::now();
    if args.users > 0 {
        // One hash for everyone: hashing 10 000 passwords would take minutes.
        let password: String = {
            let mut rng = rand::rng();
            (0..24)
                .map(|_| rng.sample(rand::distr::Alphanumeric) as char)
                .collect()
        };
        let hash = crate::security::PasswordHasher::new(&settings.hashing)?
            .hash_blocking(&SecretString::from(password))?;
        let mut batch = Vec::with_capacity(ROWS_PER_INSERT);
        let mut created = 0u64;
        let mut existing = 0u64;
        for chunk_start in (0..args.users).step_by(ROWS_PER_TX) {
            let chunk_end = (chunk_start + ROWS_PER_TX as u32).min(args.users);
            let (c, e) = transaction(&mut conn, |conn| {
                let mut created = 0u64;
                let mut existing = 0u64;
                for i in chunk_start..chunk_end {
                    let email = EmailAddress::parse(&format!("user{i}@{domain}"))
                        .map_err(|e| anyhow::anyhow!("bench address: {e}"))?;
                    batch.push(User {
                        id: UserId::generate(),
                        tenant_id: tenant.id.clone(),
                        email,
                        display_name: Some(format!("Bench user {i}")),
                        password_hash: Some(hash.clone()),
                        verified_at: Some(now),
                        bounced_at: None,
                        bounce_reason: None,
                        totp_secret: None,
                        totp_last_step: None,
                        disabled: false,
                        locked_until: None,
                        session_generation: 0,
                        password_changed_at: Some(now),
                        created_at: now,
                        updated_at: now,
                    });
                    if batch.len() == ROWS_PER_INSERT || i + 1 == chunk_end {
                        let n = insert_users(conn, &batch)?;
                        created += n as u64;
                        existing += (batch.len() - n) as u64;
                        batch.clear();
                    }
                }
                Ok((created, existing))
            })?;
            created += c;
            existing += e;
        }
        println!(
            "Seeded {created} bench guests user0@{domain} … user{}@{domain} in tenant {:?} \
             ({existing} already existed) in {:.1} s.",
            args.users - 1,
            tenant.name,
            started.elapsed().as_secs_f64()
        );
    }

    if args.audit_rows > 0 {
        seed_audit(
            &mut conn,
            &tenant.id,
            &domain,
            args.users.max(1),
            args.audit_rows,
        )?;
    }
    Ok(())
}

/// Inserts the rows, skipping addresses that already exist (re-running is harmless). Returns
/// how many were inserted.
fn insert_users(conn: &mut AnyConnection, rows: &[User]) -> Result<usize, DbError> {
    // Diesel's SQLite batch insert has no ON CONFLICT form; INSERT OR IGNORE says the same.
    Ok(match conn {
        AnyConnection::Sqlite(c) => diesel::insert_or_ignore_into(users::table)
            .values(rows.to_vec())
            .execute(c)?,
        #[cfg(feature = "postgres")]
        AnyConnection::Postgresql(c) => diesel::insert_into(users::table)
            .values(rows.to_vec())
            .on_conflict(users::email)
            .do_nothing()
            .execute(c)?,
    })
}

fn transaction<T>(
    conn: &mut AnyConnection,
    f: impl FnOnce(&mut AnyConnection) -> Result<T, DbError>,
) -> Result<T, DbError> {
    conn.write_transaction::<T, DbError, _>(f)
}

/// What a generated audit row may be: event, outcome, reason, weight.
const EVENTS: &[(Event, Outcome, Option<&str>, u32)] = &[
    (Event::ResetRequested, Outcome::Allowed, None, 30),
    (
        Event::ResetRequested,
        Outcome::Denied,
        Some("unknown_account"),
        18,
    ),
    (
        Event::ResetRequested,
        Outcome::Denied,
        Some("email_unverified"),
        4,
    ),
    (
        Event::ResetRequested,
        Outcome::Denied,
        Some("email_undeliverable"),
        3,
    ),
    (
        Event::ResetRequested,
        Outcome::Denied,
        Some("tenant_not_licensed"),
        3,
    ),
    (
        Event::ResetRequested,
        Outcome::Denied,
        Some("account_locked"),
        1,
    ),
    (Event::MailSent, Outcome::Success, None, 25),
    (
        Event::MailSuppressed,
        Outcome::Denied,
        Some("address_mail_cap"),
        2,
    ),
    (Event::ResetCompleted, Outcome::Success, None, 10),
    (Event::CodeFailed, Outcome::Failure, Some("wrong_code"), 2),
    (Event::RateLimited, Outcome::Denied, Some("forms"), 1),
    (
        Event::AccountLocked,
        Outcome::Denied,
        Some("too_many_reset_attempts"),
        1,
    ),
];

fn seed_audit(
    conn: &mut AnyConnection,
    bench_tenant: &TenantId,
    domain: &str,
    users: u32,
    rows: u64,
) -> Result<(), CliError> {
    // Spread over the tenants already there plus a few synthetic ones, the bench tenant most.
    let mut tenant_ids: Vec<TenantId> = tenants::list(conn)?
        .into_iter()
        .map(|t| t.tenant.id)
        .collect();
    for i in 0..8 {
        tenant_ids.push(TenantId::from_string(format!("bench-tenant-{i}")));
    }
    let total_weight: u32 = EVENTS.iter().map(|e| e.3).sum();
    let end = Utc::now().naive_utc();
    let start = end - Duration::days(30);
    let span_ms = (end - start).num_milliseconds();
    let bar = indicatif::ProgressBar::new(rows);
    bar.set_style(
        indicatif::ProgressStyle::with_template(
            "audit rows {bar:40} {pos}/{len} {per_sec} eta {eta}",
        )
        .map_err(anyhow::Error::from)?,
    );
    // Guest events carry the guest's id as real ones do (the guest timeline matches on it).
    let ids: Vec<Option<UserId>> = {
        let by_email: std::collections::HashMap<String, UserId> =
            crate::db::users::list_by_tenant(conn, bench_tenant)?
                .into_iter()
                .map(|u| (String::from(u.email), u.id))
                .collect();
        (0..users)
            .map(|u| by_email.get(&format!("user{u}@{domain}")).cloned())
            .collect()
    };
    // Without the `postgres` feature SQLite is the only backend, and the pattern always matches.
    #[allow(irrefutable_let_patterns)]
    if let AnyConnection::Sqlite(c) = conn {
        // Four indexes over millions of rows: a page cache that holds them (256 MiB, this
        // connection only) keeps the inserts from reading the index pages back from disk.
        diesel::connection::SimpleConnection::batch_execute(c, "PRAGMA cache_size = -262144")
            .map_err(DbError::from)?;
    }
    let started = std::time::Instant::now();
    let mut rng = rand::rng();
    let mut done = 0u64;
    let mut batch: Vec<NewAuditEvent> = Vec::with_capacity(ROWS_PER_INSERT);
    while done < rows {
        let tx_rows = (rows - done).min(ROWS_PER_TX as u64);
        let first = done;
        transaction(conn, |conn| {
            for n in first..first + tx_rows {
                // Ids ascend with time, as real appends do.
                let at: NaiveDateTime =
                    start + Duration::milliseconds(span_ms * n as i64 / rows as i64);
                let mut pick = rng.random_range(0..total_weight);
                let &(event, outcome, reason, _) = EVENTS
                    .iter()
                    .find(|e| {
                        if pick < e.3 {
                            true
                        } else {
                            pick -= e.3;
                            false
                        }
                    })
                    .unwrap_or(&EVENTS[0]);
                let ours = rng.random_bool(0.5);
                let tenant = if ours {
                    bench_tenant.clone()
                } else {
                    tenant_ids[rng.random_range(0..tenant_ids.len())].clone()
                };
                let u = rng.random_range(0..users);
                let mut e = NewAuditEvent::new(
                    at,
                    if event == Event::ResetRequested {
                        "guest"
                    } else {
                        "system"
                    },
                    event,
                    outcome,
                );
                e.tenant_id = Some(tenant);
                e.email = Some(format!("user{u}@{domain}"));
                if ours {
                    e.user_id = ids[u as usize].clone();
                }
                e.ip = Some(format!("203.0.113.{}", rng.random_range(1..255u8)));
                e.reason = reason.map(str::to_string);
                e.request_id = Some(uuid::Uuid::new_v4().simple().to_string());
                if event == Event::MailSent {
                    e.detail = Some(
                        serde_json::json!({"kind": "reset_link", "message_id": uuid::Uuid::new_v4().to_string()})
                            .to_string(),
                    );
                }
                batch.push(e);
                if batch.len() == ROWS_PER_INSERT {
                    audit::insert_many(conn, &batch)?;
                    batch.clear();
                }
            }
            if !batch.is_empty() {
                audit::insert_many(conn, &batch)?;
                batch.clear();
            }
            Ok(())
        })?;
        done += tx_rows;
        bar.set_position(done);
    }
    bar.finish_and_clear();
    println!(
        "Appended {rows} audit rows over 30 days in {:.1} s.",
        started.elapsed().as_secs_f64()
    );
    Ok(())
}
