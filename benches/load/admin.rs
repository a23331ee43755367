//! A platform admin for the bench: created in the database the way `latchkey admin create`
//! does, then set up and signed in over HTTP like a browser (set-up link → password + TOTP →
//! sign-in with password and TOTP), so G and the soak read `/admin/audit` through the real
//! console: session check, the audit query, the admin's own `admin_viewed_audit` event and the
//! page render.

use crate::client::{hidden_field, BoxError, Conn};
use crate::server::Server;
use latchkey::db::admins::{self, NewAdmin};
use latchkey::domain::{AdminRole, EmailAddress};
use latchkey::security::{TokenSecret, TotpSecret};

const PASSWORD: &str = "violet-harbour-lantern-93";

fn csrf(reply: &crate::client::Reply) -> Result<String, BoxError> {
    let html = std::str::from_utf8(&reply.body)?;
    hidden_field(html, "csrf_token").ok_or_else(|| "no csrf_token on an admin page".into())
}

fn expect_redirect(reply: &crate::client::Reply, to: &str, step: &str) -> Result<(), BoxError> {
    if reply.status.as_u16() == 303 && reply.location.as_deref() == Some(to) {
        Ok(())
    } else {
        Err(format!(
            "admin {step}: expected 303 to {to}, got {} to {:?}",
            reply.status, reply.location
        )
        .into())
    }
}

/// A connection signed in as a new platform admin `email`.
pub async fn signed_in(server: &Server, email: &str) -> Result<Conn, BoxError> {
    let token = TokenSecret::generate();
    let now = chrono::Utc::now().naive_utc();
    {
        let mut db = server.conn();
        admins::create(
            &mut db,
            &NewAdmin {
                email: EmailAddress::parse(email).map_err(|e| format!("{e:?}"))?,
                role: AdminRole::Platform,
                tenant_id: None,
                setup_token_hash: token.hash().into_string(),
                setup_expires_at: now + chrono::Duration::hours(1),
            },
            now,
        )
        .map_err(|e| format!("create the bench admin: {e}"))?;
    }
    let mut c = Conn::new(server.addr);
    let r = c.get(&format!("/admin/setup/{}", token.expose())).await?;
    expect_redirect(&r, "/admin/setup", "set-up link")?;
    let form = c.get("/admin/setup").await?;
    let html = std::str::from_utf8(&form.body)?;
    let marker = "<span class=\"reference\">";
    let key = html
        .find(marker)
        .map(|at| &html[at + marker.len()..])
        .and_then(|rest| rest.split('<').next())
        .ok_or("no TOTP key on the set-up page")?;
    let secret = TotpSecret::from_base32(key).ok_or("unreadable TOTP key")?;
    // Set-up proves the previous step and sign-in the current one: a step is never accepted
    // twice, and ±1 step is allowed.
    let t = chrono::Utc::now().timestamp() as u64;
    let code = |at: u64| secret.code_at(at).ok_or("TOTP code");
    let r = c
        .post_form(
            "/admin/setup",
            &[
                ("csrf_token", &csrf(&form)?),
                ("password", PASSWORD),
                ("password_confirm", PASSWORD),
                ("code", &code(t - 30)?),
            ],
        )
        .await?;
    expect_redirect(&r, "/admin/login?setup=done", "set-up")?;
    let login = c.get("/admin/login").await?;
    let r = c
        .post_form(
            "/admin/login",
            &[
                ("csrf_token", &csrf(&login)?),
                ("email", email),
                ("password", PASSWORD),
            ],
        )
        .await?;
    expect_redirect(&r, "/admin/login/totp", "password step")?;
    let step = c.get("/admin/login/totp").await?;
    let r = c
        .post_form(
            "/admin/login/totp",
            &[("csrf_token", &csrf(&step)?), ("code", &code(t)?)],
        )
        .await?;
    expect_redirect(&r, "/admin/audit", "TOTP step")?;
    Ok(c)
}

/// How many events an audit list page links to.
pub fn events_on(body: &[u8]) -> usize {
    std::str::from_utf8(body).map_or(0, |html| html.matches("<a href=\"/admin/audit/").count())
}
