//! The helpdesk reset link: `POST /admin/guests/{id}/reset-link`.

use super::show::show_page;
use super::view::{guest_event, load, GuestView};
use crate::db::audit;
use crate::db::{reset_tokens, DbError};
use crate::domain::EmailAddress;
use crate::eligibility;
use crate::security::TokenSecret;
use crate::web::admin::AdminCtx;
use crate::web::csrf::{CsrfForm, NoFields};
use crate::web::{page, AppError, AppState};
use actix_web::{web, HttpRequest, HttpResponse};
use serde::Serialize;

#[derive(Serialize)]
struct LinkPage<'a> {
    admin_email: &'a str,
    platform: bool,
    guest: GuestView,
    link: String,
    expires_at: String,
    totp_required: bool,
}

/// `POST /admin/guests/{id}/reset-link`: a reset link valid 12 hours, shown once on this page
/// (only its hash is stored). Issued only when the policy allows a reset: redeeming re-checks
/// the policy, so a link the policy refuses could never be used.
pub(super) async fn reset_link(
    req: HttpRequest,
    state: web::Data<AppState>,
    admin: AdminCtx,
    path: web::Path<String>,
    _form: CsrfForm<NoFields>,
) -> Result<HttpResponse, AppError> {
    let user = load(&state, &admin, &path).await?;
    let email = EmailAddress::parse(&user.email).map_err(|e| anyhow::anyhow!("{e}"))?;
    let gathered = eligibility::gather(
        &state.db,
        &state.deliverability,
        state.clock.as_ref(),
        &state.settings,
        &email,
    )
    .await?;
    let decision = gathered.decide();
    let Some(totp_required) = (match decision {
        crate::policy::Decision::Allow { methods } => Some(methods.totp),
        crate::policy::Decision::Deny(_) => None,
    }) else {
        let mut refused = guest_event(&state, &admin, &user, "helpdesk_reset_link_issued");
        refused.outcome = "denied".into();
        refused.reason = Some(decision.code().to_string());
        state.db.run(move |c| audit::insert(c, &refused)).await?;
        let error = format!(
            "No link was issued: the policy refuses a reset for this guest ({}). See the checks below.",
            decision.code()
        );
        return show_page(&req, &state, &admin, user, None, Some(error)).await;
    };
    let now = state.now();
    // How long a helpdesk link works: `reset.helpdesk_ttl_hours` (12 by default).
    let expires_at =
        now + chrono::Duration::hours(i64::from(state.settings.reset.helpdesk_ttl_hours));
    let secret = TokenSecret::generate();
    let new = reset_tokens::NewToken {
        user_id: user.user_id(),
        tenant_id: user.tenant_id(),
        token_hash: secret.hash().into_string(),
        code_hash: None,
        flow_id_hash: None,
        issued_by: Some(admin.actor()),
        totp_required,
        expires_at,
    };
    let mut event = guest_event(&state, &admin, &user, "helpdesk_reset_link_issued");
    state
        .db
        .run(move |c| {
            use crate::db::WriteTransaction as _;
            c.write_transaction::<_, DbError, _>(|c| {
                let token = reset_tokens::issue(c, &new, now)?;
                event.detail = Some(
                    serde_json::json!({ "token_id": token.id, "expires_at": expires_at })
                        .to_string(),
                );
                audit::insert(c, &event)
            })
        })
        .await?;
    let ctx = LinkPage {
        admin_email: &admin.admin.email,
        platform: admin.is_platform(),
        guest: GuestView::of(&admin, &user, now),
        link: state
            .settings
            .link(&format!("/reset/link/{}", secret.expose())),
        expires_at: admin.time(expires_at),
        totp_required,
    };
    page::ok(&req, &state, "admin/reset_link.html", &ctx)
}
