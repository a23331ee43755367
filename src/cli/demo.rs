//! The demo directory: one tenant of each kind, a few guests (one with TOTP in each tenant
//! that allows SSPR), and a platform admin. Passwords are random per install, never fixed.
//! The demo domains use the reserved `.example` TLD and get static DNS answers
//! ([`DEMO_DOMAINS`], which the configuration reads), so the demo works with no internet.

use super::CliError;
use crate::config::Settings;
use crate::db::audit::{self, NewAuditEvent};
use crate::db::{admins, tenants, users, Db};
use crate::domain::audit::{Event, Outcome};
use crate::domain::{AdminRole, EmailAddress, Plan, TenantKind};
use crate::security::tokens::TokenSecret;
use crate::security::totp::TotpSecret;
use chrono::Utc;
use rand::Rng;
use std::fmt::Write as _;

pub use crate::config::DEMO_DOMAINS;

/// What was created, printed once.
#[derive(Debug)]
pub struct DemoAccounts {
    pub guests: Vec<DemoGuest>,
    pub admin_email: String,
    pub admin_setup_path: String,
}

#[derive(Debug)]
pub struct DemoGuest {
    pub email: String,
    pub tenant: String,
    pub note: &'static str,
    pub password: String,
    pub totp_base32: Option<String>,
}

impl DemoAccounts {
    pub fn describe(&self, settings: &Settings) -> String {
        let mut out = String::new();
        let _ = writeln!(
            out,
            "\n================ Latchkey demo directory ================"
        );
        let _ = writeln!(
            out,
            "Open {}  (mail goes to {})",
            settings.link("/"),
            if settings.smtp_url.is_some() {
                "the SMTP server".to_string()
            } else {
                settings.outbox_dir().display().to_string()
            }
        );
        let _ = writeln!(
            out,
            "Guests (passwords are random for this install; shown only now):"
        );
        for g in &self.guests {
            let _ = writeln!(
                out,
                "  {:<26} {:<12} {:<22} password: {}",
                g.email, g.tenant, g.note, g.password
            );
            if let Some(t) = &g.totp_base32 {
                let _ = writeln!(
                    out,
                    "  {:<26} TOTP secret for an authenticator app: {t}",
                    ""
                );
            }
        }
        let _ = writeln!(
            out,
            "Platform admin {}: finish set-up (password + authenticator) at",
            self.admin_email
        );
        let _ = writeln!(out, "  {}", settings.link(&self.admin_setup_path));
        let _ = writeln!(
            out,
            "Try a reset: open {} and enter alice@fabrikam.example.",
            settings.link("/reset")
        );
        let _ = writeln!(
            out,
            "==========================================================\n"
        );
        out
    }
}

fn random_password() -> String {
    // Four groups of five from an unambiguous alphabet: easy to type, ~100 bits.
    const ALPHABET: &[u8] = b"abcdefghijkmnpqrstuvwxyz23456789";
    let mut rng = rand::rng();
    (0..4)
        .map(|_| {
            (0..5)
                .map(|_| ALPHABET[rng.random_range(0..ALPHABET.len())] as char)
                .collect::<String>()
        })
        .collect::<Vec<_>>()
        .join("-")
}

/// Creates the demo directory if the database holds no tenant yet; `None` otherwise.
pub fn seed_demo(db: &Db, settings: &Settings) -> Result<Option<DemoAccounts>, CliError> {
    let mut conn = db.get()?;
    if !tenants::list(&mut conn)?.is_empty() || users::count(&mut conn)? > 0 {
        return Ok(None);
    }
    let now = Utc::now().naive_utc();
    let specs = [
        (
            "Fabrikam",
            "fabrikam.example",
            TenantKind::Unmanaged,
            Plan::Free,
            None,
        ),
        (
            "Contoso",
            "contoso.example",
            TenantKind::Managed,
            Plan::Free,
            Some("https://helpdesk.contoso.example/"),
        ),
        (
            "Northwind",
            "northwind.example",
            TenantKind::Managed,
            Plan::Premium,
            Some("mailto:helpdesk@northwind.example"),
        ),
    ];
    for (name, domain, kind, plan, helpdesk) in specs {
        tenants::create(
            &mut conn,
            &tenants::NewTenant {
                name: name.into(),
                kind,
                plan,
                domains: vec![domain.into()],
                helpdesk_url: helpdesk.map(str::to_string),
                is_consumer: false,
            },
            now,
        )?;
    }
    let consumers = tenants::consumers(&mut conn, now)?;

    let guests: [(&str, bool, &'static str); 6] = [
        ("alice@fabrikam.example", false, "unmanaged"),
        ("bob@fabrikam.example", true, "unmanaged, TOTP"),
        ("carol@contoso.example", false, "managed, free plan"),
        ("dave@northwind.example", false, "managed, premium"),
        ("erin@northwind.example", true, "managed, premium, TOTP"),
        ("frank@gmail.com", false, "consumer mail"),
    ];
    let hasher = crate::security::hashing::PasswordHasher::new(&settings.hashing)?;
    let mut created = Vec::new();
    for (address, with_totp, note) in guests {
        let email =
            EmailAddress::parse(address).map_err(|e| anyhow::anyhow!("demo address: {e}"))?;
        let tenant = if email.domain() == "gmail.com" {
            consumers.clone()
        } else {
            tenants::find_by_domain(&mut conn, email.domain())?
                .ok_or_else(|| anyhow::anyhow!("demo tenant missing"))?
        };
        let password = random_password();
        let hash = hasher.hash_blocking(&secrecy::SecretString::from(password.clone()))?;
        let totp = with_totp.then(TotpSecret::generate);
        let user = users::create(
            &mut conn,
            &users::NewUser {
                tenant_id: tenant.tenant_id(),
                email: email.clone(),
                display_name: None,
                password_hash: Some(hash),
                verified: true,
                totp_secret: None,
            },
            now,
        )?;
        let mut event = super::directory::guest_created(
            &mut conn,
            settings,
            &tenant,
            &user,
            totp.as_ref(),
            now,
        )?;
        event.detail = Some("{\"source\":\"demo\"}".into());
        audit::insert(&mut conn, &event)?;
        created.push(DemoGuest {
            email: email.to_string(),
            tenant: tenant.name.clone(),
            note,
            password,
            totp_base32: totp.map(|t| t.expose_base32().to_string()),
        });
    }

    let setup = TokenSecret::generate();
    let admin_email =
        EmailAddress::parse("admin@latchkey.example").map_err(|e| anyhow::anyhow!("{e}"))?;
    admins::create(
        &mut conn,
        &admins::NewAdmin {
            email: admin_email.clone(),
            role: AdminRole::Platform,
            tenant_id: None,
            setup_token_hash: setup.hash().into_string(),
            setup_expires_at: now + chrono::Duration::hours(24),
        },
        now,
    )?;
    audit::insert(
        &mut conn,
        &NewAuditEvent::new(now, "operator", Event::DemoCreated, Outcome::Success),
    )?;
    Ok(Some(DemoAccounts {
        guests: created,
        admin_email: admin_email.to_string(),
        admin_setup_path: format!("/admin/setup/{}", setup.expose()),
    }))
}
