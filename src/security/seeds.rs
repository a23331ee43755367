//! TOTP seeds at rest: the sweeps over `users.totp_secret` and `admins.totp_secret`.
//!
//! * At start ([`prepare_at_start`]): refuse to start if any seed is sealed under a key id the
//!   keyring does not hold (it could never be read: every TOTP check of that account would
//!   fail), then encrypt the plain base32 seeds written before encryption at rest, in one
//!   idempotent pass. Counts are logged, never values.
//! * `latchkey rotate-key` ([`reseal`]): re-encrypt every seed not under the current key, in
//!   batches, each batch in one transaction; safe to re-run after an interruption.
//!
//! Every row is updated only if it still holds the value read (a concurrent enrolment,
//! removal or sweep by another instance wins), so sweeps can run beside live traffic.

use super::secretbox::{self, SecretBox, SeedOwner};
use crate::config::ConfigError;
use crate::db::totp_seeds::{self, SeedTable, Selection};
use crate::db::WriteTransaction as _;
use crate::db::{AnyConnection, Db, DbError};

/// Rows per batch (one transaction each).
pub const DEFAULT_BATCH: i64 = 500;

fn owner(table: SeedTable, id: &str) -> SeedOwner<'_> {
    match table {
        SeedTable::Users => SeedOwner::User(id),
        SeedTable::Admins => SeedOwner::Admin(id),
    }
}

/// Seeds sealed under key ids missing from the keyring: the count and the ids seen.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct UnknownKeys {
    pub rows: i64,
    pub key_ids: Vec<String>,
}

impl UnknownKeys {
    /// The start-up / rotate-key error: names the setting and the fix.
    pub fn into_config_error(self, keys: &SecretBox) -> ConfigError {
        ConfigError {
            setting: "secrets.totp_keys".into(),
            message: format!(
                "{} TOTP secret(s) in the database are encrypted under key id(s) {:?}, which the \
                 keyring ({:?}) does not hold, so those guests and admins could never pass their \
                 TOTP step. Add the missing key(s) back to `secrets.totp_keys` (or the keyring \
                 file) after the current key, then start again; remove a key only after \
                 `latchkey rotate-key` reports that no secret uses it",
                self.rows,
                self.key_ids,
                keys.key_ids().collect::<Vec<_>>()
            ),
        }
    }
}

/// Looks for seeds sealed under key ids the keyring lacks.
pub fn unknown_keys(conn: &mut AnyConnection, keys: &SecretBox) -> Result<UnknownKeys, DbError> {
    let sealed = secretbox::like_pattern_sealed();
    let known: Vec<String> = keys.key_ids().map(secretbox::like_pattern_for).collect();
    let selection = Selection::SealedNotLikeAny {
        sealed_pattern: &sealed,
        known: &known,
    };
    let mut out = UnknownKeys::default();
    for table in SeedTable::ALL {
        let n = totp_seeds::count(conn, table, &selection, &sealed)?;
        if n == 0 {
            continue;
        }
        out.rows += n;
        for (_, stored) in totp_seeds::page(conn, table, &selection, &sealed, "", 200)? {
            if let secretbox::StoredForm::Sealed { key_id } = secretbox::stored_form(&stored) {
                if !out.key_ids.iter().any(|k| k == key_id) {
                    out.key_ids.push(key_id.to_string());
                }
            }
        }
    }
    out.key_ids.sort();
    Ok(out)
}

/// What a sweep did, per table.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct SweepCounts {
    /// Re-encrypted under the current key.
    pub resealed: u64,
    /// Changed by someone else between read and write (they win; a re-run picks them up).
    pub skipped_concurrent: u64,
    /// Could not be opened (tampered, malformed, unknown key): left as they are.
    pub unreadable: Vec<String>,
}

/// Which rows a sweep takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sweep {
    /// Only plain seeds (the start-up pass).
    PlainOnly,
    /// Everything not under the current key (rotation).
    NotCurrent,
}

/// The `LIKE` patterns a sweep selects by: any sealed seed, and a seed sealed under the
/// current key.
struct Patterns {
    sealed: String,
    current: String,
}

impl Patterns {
    fn of(keys: &SecretBox) -> Self {
        Self {
            sealed: secretbox::like_pattern_sealed(),
            current: secretbox::like_pattern_for(keys.current_key_id()),
        }
    }

    /// The rows `sweep` takes.
    fn selection(&self, sweep: Sweep) -> Selection<'_> {
        match sweep {
            Sweep::PlainOnly => Selection::Plain,
            Sweep::NotCurrent => Selection::NotLike(&self.current),
        }
    }
}

/// How many rows `sweep` would take in `table`.
pub fn pending(
    conn: &mut AnyConnection,
    keys: &SecretBox,
    table: SeedTable,
    sweep: Sweep,
) -> Result<i64, DbError> {
    let patterns = Patterns::of(keys);
    totp_seeds::count(conn, table, &patterns.selection(sweep), &patterns.sealed)
}

/// Re-encrypts the rows of `table` taken by `sweep` under the current key, `batch` rows per
/// transaction; `progress(done_so_far)` after each batch. Idempotent and resumable: rows
/// already under the current key are not selected.
pub fn reseal(
    conn: &mut AnyConnection,
    keys: &SecretBox,
    table: SeedTable,
    sweep: Sweep,
    batch: i64,
    mut progress: impl FnMut(u64),
) -> Result<SweepCounts, DbError> {
    let patterns = Patterns::of(keys);
    let (selection, sealed) = (patterns.selection(sweep), &patterns.sealed);
    let mut counts = SweepCounts::default();
    let mut cursor = String::new();
    loop {
        let rows = totp_seeds::page(conn, table, &selection, sealed, &cursor, batch.max(1))?;
        let Some((last, _)) = rows.last() else {
            break;
        };
        cursor = last.clone();
        let done = conn.write_transaction::<_, DbError, _>(|conn| {
            let mut batch_counts = SweepCounts::default();
            for (id, stored) in &rows {
                let owner = owner(table, id);
                match keys.open(owner, stored) {
                    Ok(secret) => {
                        let new = keys.seal(owner, &secret);
                        if totp_seeds::replace(conn, table, id, stored, &new)? {
                            batch_counts.resealed += 1;
                        } else {
                            batch_counts.skipped_concurrent += 1;
                        }
                    }
                    Err(e) => {
                        tracing::error!(
                            table = table.name(),
                            id = %id,
                            error = %e,
                            "a stored TOTP secret cannot be opened; left as it is"
                        );
                        batch_counts.unreadable.push(id.clone());
                    }
                }
            }
            Ok(batch_counts)
        })?;
        counts.resealed += done.resealed;
        counts.skipped_concurrent += done.skipped_concurrent;
        counts.unreadable.extend(done.unreadable);
        progress(counts.resealed);
    }
    Ok(counts)
}

/// The start-up pass: fails (a [`ConfigError`], exit 2) if a seed is sealed under an unknown
/// key id; otherwise encrypts plain seeds left from before encryption at rest.
pub async fn prepare_at_start(db: &Db, keys: &SecretBox) -> anyhow::Result<()> {
    let keys = keys.clone();
    let result = db
        .run(move |conn| {
            let unknown = unknown_keys(conn, &keys)?;
            if unknown.rows > 0 {
                return Ok(Err(unknown.into_config_error(&keys)));
            }
            let mut per_table = Vec::new();
            for table in SeedTable::ALL {
                if pending(conn, &keys, table, Sweep::PlainOnly)? == 0 {
                    continue;
                }
                let counts = reseal(conn, &keys, table, Sweep::PlainOnly, DEFAULT_BATCH, |_| {})?;
                per_table.push((table, counts));
            }
            Ok(Ok(per_table))
        })
        .await?;
    for (table, counts) in result? {
        tracing::info!(
            table = table.name(),
            encrypted = counts.resealed,
            changed_concurrently = counts.skipped_concurrent,
            unreadable = counts.unreadable.len(),
            "encrypted plain TOTP secrets left from before encryption at rest"
        );
    }
    Ok(())
}
