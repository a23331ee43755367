//! A guest's stored language (docs/languages.md): what pages about the account and its mails
//! read after an explicit choice on the page, set on the account page or, at sign-in, taken
//! from the language switch's choice when the guest has stored none. Each change is audited.

use super::{audit, User};
use crate::db::{languages, DbError, WriteTransaction as _};
use crate::domain::audit::{Event, Outcome};
use crate::i18n::Lang;
use crate::services::Services;
use std::net::IpAddr;

/// What decides the language of a page about an account, below an explicit choice: the
/// guest's stored language and their tenant's default. Unknown stored codes read as unset.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Stored {
    pub user: Option<Lang>,
    pub tenant: Option<Lang>,
}

/// The stored languages of `user` and of their tenant.
pub async fn stored(svc: &Services, user: &User) -> Result<Stored, DbError> {
    let id = user.user_id();
    let (own, tenant) = svc.db.run(move |c| languages::of_user(c, &id)).await?;
    Ok(Stored::from_codes(own.as_deref(), tenant.as_deref()))
}

impl Stored {
    /// From the stored codes of the guest and of their tenant.
    pub fn from_codes(user: Option<&str>, tenant: Option<&str>) -> Self {
        Self {
            user: Lang::parse_opt(user),
            tenant: Lang::parse_opt(tenant),
        }
    }
}

/// Stores `lang` as the guest's language and audits it (detail: the code before and after).
pub async fn choose(
    svc: &Services,
    user: &User,
    lang: Lang,
    ip: Option<IpAddr>,
) -> Result<(), DbError> {
    let before = stored(svc, user).await?.user;
    store(svc, user, before, lang, "account_page", ip).await
}

/// At sign-in: when this browser made an explicit choice with the language switch and the
/// guest has stored none, that choice becomes the stored one (audited). Returns whether it did.
pub async fn remember_at_sign_in(
    svc: &Services,
    user: &User,
    chosen: Option<Lang>,
    ip: Option<IpAddr>,
) -> Result<bool, DbError> {
    let Some(lang) = chosen else {
        return Ok(false);
    };
    if stored(svc, user).await?.user.is_some() {
        return Ok(false);
    }
    store(svc, user, None, lang, "sign_in", ip).await?;
    Ok(true)
}

async fn store(
    svc: &Services,
    user: &User,
    before: Option<Lang>,
    lang: Lang,
    source: &str,
    ip: Option<IpAddr>,
) -> Result<(), DbError> {
    let id = user.user_id();
    let mut event = audit::guest_event(
        svc.now(),
        Event::LanguageChosen,
        Outcome::Success,
        Some(user),
        None,
        ip,
    );
    event.detail = Some(
        serde_json::json!({
            "before": before.map(Lang::code),
            "after": lang.code(),
            "source": source,
        })
        .to_string(),
    );
    svc.db
        .run(move |c| {
            c.write_transaction::<_, DbError, _>(|c| {
                languages::set_user(c, &id, Some(lang.code()))?;
                crate::db::audit::insert(c, &event)
            })
        })
        .await
}
