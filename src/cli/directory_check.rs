//! `latchkey directory check [--email E]`: can Latchkey talk to the configured directory, and
//! what does it see for one address.

use super::CliError;
use crate::config::Settings;
use crate::directory::Directory;

pub fn run(settings: &Settings, email: Option<&str>) -> Result<(), CliError> {
    let directory = Directory::from_settings(&settings.directory)?;
    let Directory::Ldap(ldap) = directory else {
        println!(
            "directory.kind = \"builtin\": accounts and passwords are in Latchkey's own tables; \
             nothing to check."
        );
        return Ok(());
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(anyhow::Error::from)?;
    let lines = runtime.block_on(ldap.check(email));
    let mut failed = false;
    for (ok, line) in &lines {
        println!("[{}] {line}", if *ok { " ok " } else { "FAIL" });
        failed |= !ok;
    }
    if failed {
        return Err(CliError::Failure(anyhow::anyhow!(
            "the directory check found problems (above)"
        )));
    }
    Ok(())
}
