//! The language part of `/account` (docs/languages.md): a form that stores the guest's
//! language (`POST /account/language`, CSRF like every form, no JavaScript needed;
//! docs/security.md#47). Saving also makes it this browser's explicit choice, so the page
//! changes at once even where the language switch chose another before.

use super::csrf::CsrfForm;
use super::session::AccountPage;
use super::{lang, AppError, AppState};
use crate::accounts::{language, overview};
use crate::i18n::Lang;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse};
use serde::{Deserialize, Serialize};

/// Where the form sends the guest after saving.
const SAVED: &str = "/account?language=saved";

/// The form's part of a page's context (`templates/account/language_form.html`).
#[derive(Serialize)]
pub struct LanguageForm {
    language_choices: Vec<Choice>,
    language_saved: bool,
    language_error: Option<String>,
}

#[derive(Serialize)]
struct Choice {
    code: &'static str,
    name: &'static str,
    selected: bool,
}

/// A page's context with the language form beside it.
#[derive(Serialize)]
pub struct WithLanguageForm<C: Serialize> {
    #[serde(flatten)]
    page: C,
    #[serde(flatten)]
    language: LanguageForm,
}

/// `page` with the form: the stored language selected (else the page's own), the notice
/// after saving, or the field's error.
pub fn with_form<C: Serialize>(
    req: &HttpRequest,
    state: &AppState,
    page: C,
    saved: bool,
    error: Option<String>,
) -> WithLanguageForm<C> {
    let selected = lang::stored(req).unwrap_or_else(|| lang::of_request(req, state));
    WithLanguageForm {
        page,
        language: LanguageForm {
            language_choices: Lang::ALL
                .into_iter()
                .map(|l| Choice {
                    code: l.code(),
                    name: l.native_name(),
                    selected: l == selected,
                })
                .collect(),
            language_saved: saved,
            language_error: error,
        },
    }
}

#[derive(Deserialize)]
pub(crate) struct ChooseForm {
    #[serde(default)]
    language: String,
}

/// `POST /account/language`: stores the language (audited) and makes it this browser's
/// choice too. A value the list does not offer gets the account page again with the field's
/// error and 400.
pub(crate) async fn choose(
    page: AccountPage,
    form: CsrfForm<ChooseForm>,
) -> Result<HttpResponse, AppError> {
    let AccountPage { req, state, .. } = &page;
    let Some(chosen) = Lang::from_code(form.0.language.trim()) else {
        let page_lang = page.lang();
        let error = page_lang.t("prefs-language-invalid");
        let ctx = overview::overview(state, page.user(), page_lang).await?;
        let ctx = with_form(req, state, ctx, false, Some(error));
        let res = page.render(StatusCode::BAD_REQUEST, "account/overview.html", &ctx)?;
        return Ok(page.respond(res));
    };
    language::choose(state, page.user(), chosen, page.client_ip()).await?;
    let res = HttpResponse::SeeOther()
        .insert_header(("location", SAVED))
        .cookie(lang::choice_cookie(state, chosen))
        .finish();
    Ok(page.respond(res))
}
