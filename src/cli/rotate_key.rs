//! `latchkey rotate-key`: re-encrypts every stored TOTP secret (users and admins) under the
//! current key of the TOTP keyring. With `--new-key`, first generates a key and
//! makes it current in the keyring file. Batches of rows, each in one transaction, with
//! progress; safe to re-run after an interruption (rows already under the current key are
//! skipped). Prints counts, never values, and says when an old key can be removed.

use super::{open_db, usage, CliError};
use crate::config::Settings;
use crate::db::totp_seeds::{self, SeedTable};
use crate::security::secretbox::{self, KeyEntry};
use crate::security::seeds::{self, Sweep};
use clap::Args;

#[derive(Debug, Args)]
pub struct RotateKey {
    /// Generate a new key and make it the current one in the keyring file (the old keys stay,
    /// for decryption) before re-encrypting. Only for a keyring file (the generated
    /// `<data_dir>/totp.keys` or `secrets.totp_keys_file`); with inline `secrets.totp_keys`,
    /// put the new key first there yourself and run without this flag.
    #[arg(long)]
    pub new_key: bool,
    /// Rows re-encrypted per transaction.
    #[arg(long, default_value_t = seeds::DEFAULT_BATCH, value_parser = clap::value_parser!(i64).range(1..=100_000))]
    pub batch_size: i64,
}

pub fn run(settings: &Settings, args: RotateKey) -> Result<(), CliError> {
    let mut keys = settings.totp_keys.clone();
    if args.new_key {
        let Some(path) = &settings.totp_keys_file else {
            return Err(usage(
                "the TOTP keyring is set inline in `secrets.totp_keys`, which this command cannot \
                 edit: generate a key with `openssl rand -hex 32`, put `<new-id>:<hex>` FIRST in \
                 secrets.totp_keys (keep the old entries after it), roll that configuration out to \
                 every instance, then run `latchkey rotate-key` without --new-key",
            ));
        };
        let entry = KeyEntry::generate();
        keys = secretbox::add_current_key_to_file(path, &entry)?;
        println!(
            "Generated key {:?} and made it the current key in {} (the previous keys stay there, \
             for decryption).",
            entry.id,
            path.display()
        );
        println!(
            "Restart every running instance now so it loads the new keyring: until then it \
             cannot read secrets sealed under {:?}.",
            entry.id
        );
    }
    let current = keys.current_key_id().to_string();
    let db = open_db(settings)?;
    let mut conn = db.get()?;

    let unknown = seeds::unknown_keys(&mut conn, &keys)?;
    if unknown.rows > 0 {
        return Err(usage(unknown.into_config_error(&keys).to_string()));
    }

    println!("Re-encrypting TOTP secrets under key {current:?} …");
    let mut unreadable = Vec::new();
    let mut resealed = [0u64; 2];
    for (i, table) in SeedTable::ALL.into_iter().enumerate() {
        let total = seeds::pending(&mut conn, &keys, table, Sweep::NotCurrent)?;
        println!("  {}: {total} to re-encrypt", table.name());
        if total == 0 {
            continue;
        }
        let counts = seeds::reseal(
            &mut conn,
            &keys,
            table,
            Sweep::NotCurrent,
            args.batch_size,
            |done| println!("  {}: {done}/{total}", table.name()),
        )?;
        resealed[i] = counts.resealed;
        if counts.skipped_concurrent > 0 {
            println!(
                "  {}: {} changed while this ran (re-enrolled or removed); run again to check them",
                table.name(),
                counts.skipped_concurrent
            );
        }
        unreadable.extend(counts.unreadable.into_iter().map(|id| (table, id)));
    }
    println!(
        "Re-encrypted {} guest and {} admin TOTP secret(s) under key {current:?}.",
        resealed[0], resealed[1]
    );

    for old in keys.key_ids().skip(1) {
        let pattern = secretbox::like_pattern_for(old);
        let mut left = 0;
        for table in SeedTable::ALL {
            left += totp_seeds::count_like(&mut conn, table, &pattern)?;
        }
        if left == 0 {
            println!(
                "No stored secret uses key {old:?} any more: once every instance runs with a \
                 keyring whose current key is {current:?}, remove {old:?} from the keyring."
            );
        } else {
            println!(
                "Key {old:?} still encrypts {left} secret(s): keep it, and run \
                 `latchkey rotate-key` again."
            );
        }
    }
    let plain: i64 = SeedTable::ALL
        .into_iter()
        .map(|t| seeds::pending(&mut conn, &keys, t, Sweep::PlainOnly))
        .sum::<Result<i64, _>>()?;
    if plain > 0 {
        println!(
            "{plain} secret(s) are still stored unencrypted; run `latchkey rotate-key` again."
        );
    }

    if !unreadable.is_empty() {
        for (table, id) in &unreadable {
            eprintln!("  cannot open the TOTP secret of {} {id}", table.name());
        }
        return Err(CliError::Failure(anyhow::anyhow!(
            "{} TOTP secret(s) could not be opened (tampered or malformed) and were left as they \
             are; those accounts fail their TOTP step until the secret is reset (helpdesk \
             \"reset authenticator\")",
            unreadable.len()
        )));
    }
    Ok(())
}
