//! `latchkey directory check`: each step of talking to the directory, in words (a TLS failure
//! names the server's certificate and why it was refused).

use super::{connect, tls_diagnosis, LdapDirectory};
use crate::directory::{DirectoryError, LdapSettings, Lookup};
use secrecy::ExposeSecret;

impl LdapDirectory {
    /// `latchkey directory check`: every server, the service bind, a search of the base, and
    /// optionally what Latchkey sees for one address. One line per step, in words.
    pub async fn check(&self, email: Option<&str>) -> Vec<(bool, String)> {
        let mut lines = Vec::new();
        for url in &self.settings.urls {
            let one = LdapSettings {
                urls: vec![url.clone()],
                ..self.settings.clone()
            };
            match connect::open(&one, &self.tls).await {
                Ok(mut ldap) => {
                    lines.push((true, format!("{url}: connected ({:?})", one.tls)));
                    match ldap
                        .simple_bind(&one.bind_dn, one.bind_password.expose_secret())
                        .await
                    {
                        Ok(r) if r.rc == 0 => lines
                            .push((true, format!("{url}: service bind as {:?} ok", one.bind_dn))),
                        Ok(r) if r.rc == 49 => lines.push((
                            false,
                            format!("{url}: wrong password or bind_dn for {:?}", one.bind_dn),
                        )),
                        Ok(r) => {
                            lines.push((false, format!("{url}: bind: ldap {}: {}", r.rc, r.text)))
                        }
                        Err(e) => lines.push((false, connect::describe(url, &e))),
                    }
                    let _ = ldap.unbind().await;
                }
                Err(DirectoryError::Unavailable(why)) if why.contains("TLS failure") => {
                    let line = match tls_diagnosis::diagnose(&one, url).await {
                        Some(certificate) => format!("{url}: TLS failure: {certificate}"),
                        None => why,
                    };
                    lines.push((false, line))
                }
                Err(DirectoryError::Unavailable(why)) => lines.push((false, why)),
                Err(e) => lines.push((false, e.to_string())),
            }
        }
        let probe = self.lookup("latchkey-directory-check@invalid").await;
        match probe {
            Ok(_) => lines.push((
                true,
                format!("search of {:?} ok", self.settings.users_base_dn),
            )),
            Err(e) => lines.push((false, e.to_string())),
        }
        if let Some(email) = email {
            match self.lookup(email).await {
                Ok(Lookup::Found(a)) => lines.push((
                    true,
                    format!(
                        "{email}: dn {:?}, id {}, mail {:?}, name {:?}, {}",
                        a.dn,
                        a.stable_id,
                        a.mail.unwrap_or_default(),
                        a.display_name.unwrap_or_default(),
                        if a.disabled { "DISABLED" } else { "enabled" }
                    ),
                )),
                Ok(Lookup::NotFound) => {
                    lines.push((false, format!("{email}: no entry has this address")))
                }
                Ok(Lookup::Ambiguous(dns)) => lines.push((
                    false,
                    format!(
                        "{email}: several entries share this address (treated as unknown): {dns:?}"
                    ),
                )),
                Err(e) => lines.push((false, e.to_string())),
            }
        }
        lines
    }
}
