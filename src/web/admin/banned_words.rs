//! `/admin/tenants/{id}/banned-words`: the words a tenant bans from its guests' passwords,
//! linked from the tenant page. A tenant admin edits their own tenant's list (any other is a
//! 404); a platform admin any tenant's. Each save is audited with the list before and after.

use super::{see_other, AdminPage};
use crate::domain::audit::Outcome;
use crate::domain::password::words::{MAX_BANNED_WORDS, MAX_BANNED_WORD_CHARS, MIN_WORD_CHARS};
use crate::passwords::banned_words::{self, SaveOutcome, TenantWords};
use crate::web::csrf::CsrfForm;
use crate::web::AppError;
use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use serde::{Deserialize, Serialize};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/tenants/{id}/banned-words")
            .get(show)
            .post(update),
    );
}

#[derive(Serialize)]
struct Page<'a> {
    admin_email: &'a str,
    tenant: TenantWords,
    /// The text area's content: the stored words one per line, or what was typed.
    text: String,
    error: Option<String>,
    saved: bool,
    min_chars: usize,
    max_chars: usize,
    max_words: usize,
}

#[derive(Deserialize)]
pub(crate) struct ShowQuery {
    saved: Option<String>,
}

#[derive(Deserialize)]
pub(crate) struct WordsForm {
    #[serde(default)]
    words: String,
}

/// The tenant's list, if this admin may see the tenant (else 404, docs/security.md#35).
async fn load(page: &AdminPage, id: &str) -> Result<TenantWords, AppError> {
    banned_words::load(&page.state.db, &page.admin().tenant_in_scope(id)?)
        .await?
        .ok_or(AppError::NotFound)
}

/// What the page shows besides the stored list.
#[derive(Default)]
struct Shown {
    /// What was typed, when a refused list is shown again.
    typed: Option<String>,
    error: Option<String>,
    saved: bool,
}

fn render(
    page: &AdminPage,
    status: StatusCode,
    tenant: TenantWords,
    shown: Shown,
) -> Result<HttpResponse, AppError> {
    let ctx = Page {
        admin_email: page.admin().admin.email.as_str(),
        text: shown.typed.unwrap_or_else(|| tenant.words.join("\n")),
        tenant,
        error: shown.error,
        saved: shown.saved,
        min_chars: MIN_WORD_CHARS,
        max_chars: MAX_BANNED_WORD_CHARS,
        max_words: MAX_BANNED_WORDS,
    };
    page.render(status, "admin/banned_words.html", &ctx)
}

/// `GET /admin/tenants/{id}/banned-words`.
async fn show(
    page: AdminPage,
    path: web::Path<String>,
    q: web::Query<ShowQuery>,
) -> Result<HttpResponse, AppError> {
    let tenant = load(&page, &path).await?;
    let shown = Shown {
        saved: q.saved.is_some(),
        ..Shown::default()
    };
    render(&page, StatusCode::OK, tenant, shown)
}

/// `POST /admin/tenants/{id}/banned-words`.
async fn update(
    page: AdminPage,
    path: web::Path<String>,
    form: CsrfForm<WordsForm>,
) -> Result<HttpResponse, AppError> {
    let tenant = load(&page, &path).await?;
    let id = tenant.tenant_id.clone();
    let now = page.state.now();
    let event = page
        .admin()
        .event(now, banned_words::UPDATED_EVENT, Outcome::Success);
    match banned_words::save(&page.state.db, &id, &form.0.words, event, now).await? {
        SaveOutcome::Saved { .. } => Ok(see_other(&format!(
            "/admin/tenants/{}/banned-words?saved=1",
            tenant.tenant_id
        ))),
        SaveOutcome::Refused(reason) => render(
            &page,
            StatusCode::BAD_REQUEST,
            tenant,
            Shown {
                typed: Some(form.0.words.chars().take(64 * 1024).collect()),
                error: Some(reason.to_string()),
                saved: false,
            },
        ),
        SaveOutcome::NotFound => Err(AppError::NotFound),
    }
}
