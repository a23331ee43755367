//! Redeeming: a link or a code becomes a short-lived, sealed cookie naming the token; the TOTP
//! step (when required) and the new password then work on that token only. Every step
//! re-reads the token, so order cannot be skipped (SECURITY.md #26), and the final step
//! re-checks the policy and consumes the token with one guarded UPDATE (SECURITY.md #5).

use crate::db::audit::{self};
use crate::db::models::{Tenant, User};
use crate::db::reset_tokens::{self, ResetToken, TokenState};
use crate::db::{users, DbError};
use crate::domain::password::{PasswordContext, PasswordRejection};
use crate::domain::EmailAddress;
use crate::eligibility;
use crate::jobs::{self, JobKind};
use crate::ratelimit::FailureKind;
use crate::reset::evaluate::PasswordChangedJob;
use crate::security::{code_matches, totp, OneTimeCode, SeedOwner, TokenHash};
use crate::services::Services;
use std::net::IpAddr;

/// Where the guest goes after a valid link or code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Next {
    Totp,
    NewPassword,
}

impl Next {
    pub fn path(self) -> &'static str {
        match self {
            Next::Totp => "/reset/verify",
            Next::NewPassword => "/reset/new",
        }
    }

    fn of(token: &ResetToken, user: &User) -> Next {
        if needs_totp(token, user) {
            Next::Totp
        } else {
            Next::NewPassword
        }
    }
}

/// Whether the TOTP step is still ahead for this token. The token records what the policy
/// required when it was issued; an authenticator the user enrolled since (or that the tenant
/// began to require) is asked for as well, so it can never be skipped (SECURITY.md #24).
pub fn needs_totp(token: &ResetToken, user: &User) -> bool {
    (token.totp_required || user.totp_secret.is_some()) && token.totp_verified_at.is_none()
}

/// A link or code that worked: the token id goes into the sealed cookie.
#[derive(Debug, Clone)]
pub struct Redeemed {
    pub token_id: String,
    pub next: Next,
}

fn state_name(s: TokenState) -> &'static str {
    match s {
        TokenState::Live => "live",
        TokenState::Used => "used",
        TokenState::Revoked => "revoked",
        TokenState::Expired => "expired",
    }
}

async fn audit_token(
    svc: &Services,
    name: &str,
    outcome: &str,
    token: Option<&ResetToken>,
    reason: Option<&str>,
    ip: Option<IpAddr>,
) -> Result<(), DbError> {
    let mut e = super::event(svc.now(), name, outcome, ip);
    if let Some(t) = token {
        e.tenant_id = Some(t.tenant_id.clone());
        e.user_id = Some(t.user_id.clone());
    }
    e.reason = reason.map(str::to_string);
    svc.db.run(move |c| audit::insert(c, &e)).await
}

/// `GET /reset/link/{token}`: looks the token up (by hash), never consumes it.
pub async fn open_link(
    svc: &Services,
    presented: &str,
    ip: Option<IpAddr>,
) -> Result<Option<Redeemed>, DbError> {
    let Some(hash) = TokenHash::of_presented(presented) else {
        audit_token(svc, "token_invalid", "failure", None, Some("malformed"), ip).await?;
        return Ok(None);
    };
    let h = hash.into_string();
    let found = svc
        .db
        .run(move |c| {
            let Some(t) = reset_tokens::find_by_hash(c, &h)? else {
                return Ok(None);
            };
            let user = users::find_by_id(c, &t.user_id())?;
            Ok(Some((t, user)))
        })
        .await?;
    let now = svc.now();
    match found {
        Some((t, Some(user))) if t.state(now) == TokenState::Live => {
            if denied_now(svc, &t, &user, ip).await? {
                return Ok(None);
            }
            audit_token(svc, "link_opened", "success", Some(&t), None, ip).await?;
            Ok(Some(Redeemed {
                token_id: t.id.clone(),
                next: Next::of(&t, &user),
            }))
        }
        Some((t, _)) => {
            let reason = state_name(t.state(now));
            audit_token(svc, "token_invalid", "failure", Some(&t), Some(reason), ip).await?;
            Ok(None)
        }
        None => {
            audit_token(svc, "token_invalid", "failure", None, Some("unknown"), ip).await?;
            Ok(None)
        }
    }
}

/// Re-checks the policy for the token's user as it stands now: the tenant may have been taken
/// over or its plan dropped, the account disabled, since the link was sent. A denial revokes
/// the token and is audited; every step that lets a token in (link, code) and the final one
/// ask, so a token dies with any change it depends on (SECURITY.md #6).
async fn denied_now(
    svc: &Services,
    token: &ResetToken,
    user: &User,
    ip: Option<IpAddr>,
) -> Result<bool, DbError> {
    let reason = match EmailAddress::parse(&user.email) {
        Ok(email) => {
            let gathered = eligibility::gather(
                &svc.db,
                &svc.deliverability,
                svc.clock.as_ref(),
                &svc.settings,
                &email,
            )
            .await?;
            gathered.decide().deny_reason().map(|r| r.code())
        }
        Err(_) => Some("email_undeliverable"),
    };
    let Some(code) = reason else {
        return Ok(false);
    };
    let now = svc.now();
    let tid = token.id.clone();
    svc.db
        .run(move |c| reset_tokens::revoke(c, &tid, code, now))
        .await?;
    audit_token(
        svc,
        "reset_denied_at_redemption",
        "denied",
        Some(token),
        Some(code),
        ip,
    )
    .await?;
    Ok(true)
}

/// What a submitted code did.
#[derive(Debug, Clone)]
pub enum CodeOutcome {
    Valid(Redeemed),
    /// Wrong code; the flow goes on.
    Wrong,
    /// Too many wrong codes: this flow is over (SECURITY.md #9).
    FlowEnded,
}

/// `POST /reset/code`: the code only works with the flow cookie of the request that asked.
/// Wrong codes are counted on the flow's live tokens; at `max_code_attempts` they are burned.
pub async fn submit_code(
    svc: &Services,
    flow_id_hash: Option<String>,
    presented: &str,
    ip: Option<IpAddr>,
) -> Result<CodeOutcome, DbError> {
    let now = svc.now();
    let max = i64::from(svc.settings.reset.max_code_attempts);
    let code = OneTimeCode::normalize_presented(presented);
    // The wrong codes of a flow are counted per flow, whether or not the address has an
    // account: were they counted on the account's tokens only, the flow of an unknown address
    // would never end, and the 5th reply would tell accounts apart (SECURITY.md #9, #11).
    let flow_key = flow_id_hash.as_deref().map(flow_attempts::key);
    let (tokens, failures) = match (flow_id_hash, flow_key.clone()) {
        (Some(f), Some(key)) => {
            svc.db
                .run(move |c| {
                    let tokens = reset_tokens::live_for_flow(c, &f, now)?;
                    Ok((tokens, flow_attempts::count(c, &key)?))
                })
                .await?
        }
        _ => (Vec::new(), 0),
    };
    let live = failures < max;
    if let (Some(code), true) = (&code, live) {
        if let Some(t) = tokens.iter().find(|t| {
            t.code_hash
                .as_deref()
                .is_some_and(|h| code_matches(&svc.code_key, code, h))
        }) {
            let uid = t.user_id();
            let user = svc.db.run(move |c| users::find_by_id(c, &uid)).await?;
            if let Some(user) = user {
                if denied_now(svc, t, &user, ip).await? {
                    return Ok(CodeOutcome::FlowEnded);
                }
                audit_token(svc, "code_accepted", "success", Some(t), None, ip).await?;
                return Ok(CodeOutcome::Valid(Redeemed {
                    token_id: t.id.clone(),
                    next: Next::of(t, &user),
                }));
            }
        }
    }
    let failures = match flow_key {
        Some(key) => {
            let expires = now
                + chrono::Duration::minutes(
                    i64::from(svc.settings.reset.token_ttl_minutes) + FLOW_COOKIE_EXTRA_MINUTES,
                );
            svc.db
                .run(move |c| flow_attempts::record(c, &key, expires))
                .await?
        }
        None => 0,
    };
    let ended = failures >= max;
    for t in &tokens {
        let id = t.id.clone();
        let attempts = svc
            .db
            .run(move |c| reset_tokens::record_failed_attempt(c, &id))
            .await?;
        if ended || i64::from(attempts) >= max {
            let id = t.id.clone();
            svc.db
                .run(move |c| reset_tokens::revoke(c, &id, "too_many_codes", now))
                .await?;
        }
    }
    audit_token(
        svc,
        "code_failed",
        "failure",
        tokens.first(),
        ended.then_some("flow_ended"),
        ip,
    )
    .await?;
    Ok(if ended {
        CodeOutcome::FlowEnded
    } else {
        CodeOutcome::Wrong
    })
}

/// The live token named by the sealed cookie, with its user and tenant.
pub async fn load_live(
    svc: &Services,
    token_id: &str,
) -> Result<Option<(ResetToken, User, Option<Tenant>)>, DbError> {
    let id = token_id.to_string();
    let now = svc.now();
    svc.db
        .run(move |c| {
            let Some(t) = reset_tokens::find_by_id(c, &id)? else {
                return Ok(None);
            };
            if t.state(now) != TokenState::Live {
                return Ok(None);
            }
            let Some(u) = users::find_by_id(c, &t.user_id())? else {
                return Ok(None);
            };
            let tenant = crate::db::tenants::find_by_id(c, &u.tenant_id())?;
            Ok(Some((t, u, tenant)))
        })
        .await
}

/// What a TOTP submission did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TotpOutcome {
    Accepted,
    Wrong,
    /// Too many wrong codes: the token is burned.
    Burned,
    /// The token is not (or no longer) usable.
    Invalid,
}

/// `POST /reset/verify`: ±1 step, never the same step twice (the last used step is stored).
pub async fn verify_totp(
    svc: &Services,
    token_id: &str,
    code: &str,
    ip: Option<IpAddr>,
) -> Result<TotpOutcome, DbError> {
    let Some((token, user, _)) = load_live(svc, token_id).await? else {
        return Ok(TotpOutcome::Invalid);
    };
    let now = svc.now();
    // A seed that cannot be opened fails like a wrong code (logged in `open_totp`); the
    // step is still required because the column is set (SECURITY.md #24).
    let secret = user
        .totp_secret
        .as_deref()
        .and_then(|stored| svc.open_totp(SeedOwner::User(&user.id), stored));
    let unix = svc.clock.now().timestamp().max(0) as u64;
    let step = secret
        .as_ref()
        .and_then(|s| totp::verify(s, code, unix, user.totp_last_step));
    if let Some(step) = step {
        let uid = user.user_id();
        let tid = token.id.clone();
        let recorded = svc
            .db
            .run(move |c| {
                let recorded = users::record_totp_step(c, &uid, step)?;
                if recorded {
                    reset_tokens::mark_totp_verified(c, &tid, now)?;
                }
                Ok(recorded)
            })
            .await?;
        if recorded {
            audit_token(svc, "totp_verified", "success", Some(&token), None, ip).await?;
            return Ok(TotpOutcome::Accepted);
        }
    }
    let tid = token.id.clone();
    let attempts = svc
        .db
        .run(move |c| reset_tokens::record_failed_attempt(c, &tid))
        .await?;
    let burned = attempts >= svc.settings.reset.max_code_attempts as i32;
    if burned {
        let tid = token.id.clone();
        svc.db
            .run(move |c| reset_tokens::revoke(c, &tid, "too_many_totp", now))
            .await?;
    }
    audit_token(
        svc,
        "totp_failed",
        "failure",
        Some(&token),
        burned.then_some("burned"),
        ip,
    )
    .await?;
    Ok(if burned {
        TotpOutcome::Burned
    } else {
        TotpOutcome::Wrong
    })
}

/// What setting the new password did.
#[derive(Debug)]
pub enum CompleteOutcome {
    Done,
    /// The password was refused; the reason goes next to the field.
    Rejected(PasswordRejection),
    /// Not usable: bad, expired, superseded, revoked, or the TOTP step was skipped.
    Invalid,
    /// Another submission with the same token won.
    AlreadyUsed,
    /// The TOTP step has not been passed yet (the password is left alone).
    TotpPending,
}

/// `POST /reset/new`.
pub async fn complete(
    svc: &Services,
    token_id: &str,
    password: &str,
    confirm: &str,
    ip: Option<IpAddr>,
) -> Result<CompleteOutcome, DbError> {
    let Some((token, user, tenant)) = load_live(svc, token_id).await? else {
        let id = token_id.to_string();
        let used = svc
            .db
            .run(move |c| reset_tokens::find_by_id(c, &id))
            .await?
            .is_some_and(|t| t.used_at.is_some());
        return Ok(if used {
            CompleteOutcome::AlreadyUsed
        } else {
            CompleteOutcome::Invalid
        });
    };
    if Next::of(&token, &user) == Next::Totp {
        audit_token(
            svc,
            "step_skipped",
            "failure",
            Some(&token),
            Some("totp_required"),
            ip,
        )
        .await?;
        return Ok(CompleteOutcome::TotpPending);
    }
    let Ok(email) = EmailAddress::parse(&user.email) else {
        return Ok(CompleteOutcome::Invalid);
    };
    let tenant_name = tenant.as_ref().map(|t| t.name.clone()).unwrap_or_default();
    let new_password = match svc.settings.password_policy().check(
        password,
        confirm,
        &PasswordContext::for_account(&email, &tenant_name),
    ) {
        Ok(p) => p,
        Err(r) => return Ok(CompleteOutcome::Rejected(r)),
    };
    let secret = new_password.into_secret();
    // The tenant may have been taken over, or its plan dropped, since the link was opened.
    if denied_now(svc, &token, &user, ip).await? {
        return Ok(CompleteOutcome::Invalid);
    }
    // Argon2 on the blocking pool, bounded (never on an async worker thread): the
    // "same as the current password" verify and the new hash under one permit (two argon2
    // runs; DESIGN.md §3 needs the verify, README "Performance" D).
    let Some(hash) = svc
        .hasher
        .hash_unless_same(secret, user.password_hash.as_deref())
        .await
        .map_err(DbError::Unexpected)?
    else {
        return Ok(CompleteOutcome::Rejected(PasswordRejection::SameAsCurrent));
    };
    let now = svc.now();
    let payload = serde_json::to_string(&PasswordChangedJob {
        user_id: user.id.clone(),
        changed_at: now,
        ip,
    })
    .map_err(anyhow::Error::from)?;
    let max_attempts = svc.settings.jobs.max_attempts;
    let mut done_event = super::event(now, "reset_completed", "success", ip);
    done_event.tenant_id = Some(token.tenant_id.clone());
    done_event.user_id = Some(user.id.clone());
    done_event.email = Some(user.email.clone());
    let tid = token.id.clone();
    let uid = user.user_id();
    // One transaction: all-old or all-new (SECURITY.md #43).
    let won = svc
        .db
        .run(move |c| {
            use crate::db::WriteTransaction as _;
            c.write_transaction::<bool, DbError, _>(|c| {
                if !reset_tokens::consume(c, &tid, now)? {
                    return Ok(false);
                }
                users::set_password(c, &uid, &hash, now)?;
                reset_tokens::revoke_all_for_user(c, &uid, "password_changed", now)?;
                jobs::queue::enqueue(
                    c,
                    JobKind::PasswordChanged.as_str(),
                    &payload,
                    now,
                    max_attempts,
                )?;
                audit::insert(c, &done_event)?;
                Ok(true)
            })
        })
        .await?;
    if !won {
        audit_token(
            svc,
            "token_reused",
            "failure",
            Some(&token),
            Some("used"),
            ip,
        )
        .await?;
        return Ok(CompleteOutcome::AlreadyUsed);
    }
    svc.jobs_wakeup.notify_one();
    // A proven reset clears the account's failure counters (the real user is back in).
    for kind in [FailureKind::SignIn, FailureKind::Totp] {
        svc.rate_limits
            .persistent
            .reset_failures(&user.user_id(), kind)
            .await?;
    }
    Ok(CompleteOutcome::Done)
}

/// How much longer than a token the `reset_flow` cookie lives (`web::reset`): a flow's counter
/// must outlive the cookie that names it.
const FLOW_COOKIE_EXTRA_MINUTES: i64 = 5;

/// Wrong codes per browser flow, kept in `rate_counters` under `reset_code_flow:<flow hash>`
/// (one fixed window; the row expires with the flow), so they count the same for every address.
mod flow_attempts {
    use crate::db::schema::rate_counters;
    use crate::db::{AnyConnection, DbError};
    use crate::dispatch;
    use chrono::NaiveDateTime;
    use diesel::prelude::*;

    pub fn key(flow_id_hash: &str) -> String {
        format!("reset_code_flow:{flow_id_hash}")
    }

    fn window() -> NaiveDateTime {
        chrono::DateTime::UNIX_EPOCH.naive_utc()
    }

    /// Wrong codes so far.
    pub fn count(conn: &mut AnyConnection, key: &str) -> Result<i64, DbError> {
        Ok(dispatch!(conn, c => rate_counters::table
            .filter(rate_counters::key.eq(key))
            .filter(rate_counters::window_start.eq(window()))
            .select(rate_counters::count)
            .first::<i64>(c)
            .optional())?
        .unwrap_or(0))
    }

    /// Counts one more wrong code (one atomic upsert); returns the new count.
    pub fn record(
        conn: &mut AnyConnection,
        key: &str,
        expires_at: NaiveDateTime,
    ) -> Result<i64, DbError> {
        Ok(
            dispatch!(conn, c => diesel::insert_into(rate_counters::table)
            .values((
                rate_counters::key.eq(key),
                rate_counters::window_start.eq(window()),
                rate_counters::count.eq(1i64),
                rate_counters::expires_at.eq(expires_at),
            ))
            .on_conflict((rate_counters::key, rate_counters::window_start))
            .do_update()
            .set(rate_counters::count.eq(rate_counters::count + 1i64))
            .returning(rate_counters::count)
            .get_result::<i64>(c))?,
        )
    }
}
