//! The code step: `POST /reset/code`, with the per-flow count of wrong codes.

use super::token::{audit_token, denied_now, Owned, NO_USER};
use super::{Next, Redeemed};
use crate::db::audit;
use crate::db::reset_flows;
use crate::db::reset_tokens::{self, FlowToken, TokenState};
use crate::db::{users, DbError};
use crate::domain::audit::{Event, Outcome};
use crate::domain::UserId;
use crate::security::{code_matches, OneTimeCode};
use crate::services::Services;
use std::net::IpAddr;

/// What a submitted code did.
#[derive(Debug, Clone)]
pub enum CodeOutcome {
    Valid(Redeemed),
    /// Wrong code; the flow goes on. `tries_left` is what the flow's budget still allows, the
    /// same count for every address (it is kept per flow, not per account); `None` when the
    /// browser holds no flow at all.
    Wrong {
        tries_left: Option<u32>,
    },
    /// Too many wrong codes: this flow is over (docs/security.md#9).
    FlowEnded,
}

/// `POST /reset/code`: the code only works with the flow cookie of the request that asked.
///
/// Each try first spends one unit of the flow's budget in one statement that returns the new
/// count (an upsert), and the code is compared only when that count is within
/// `max_code_attempts`: any number of concurrent tries compare at most the budget
/// (docs/security.md#9). Tries past it are refused uncompared and audited as `code_refused`.
pub async fn submit_code(
    svc: &Services,
    flow_id_hash: Option<String>,
    presented: &str,
    ip: Option<IpAddr>,
) -> Result<CodeOutcome, DbError> {
    let now = svc.now();
    let max = i64::from(svc.settings.reset.max_code_attempts);
    let code = OneTimeCode::normalize_presented(presented);
    // The tries of a flow are counted per flow, whether or not the address has an account:
    // were they counted on the account's tokens only, the flow of an unknown address would
    // never end, and the 5th reply would tell accounts apart (docs/security.md#9, #11).
    let Some(flow) = flow_id_hash else {
        audit_token(svc, Event::CodeFailed, Outcome::Failure, None, None, ip).await?;
        return Ok(CodeOutcome::Wrong { tries_left: None });
    };
    let key = flow_attempts::key(&flow);
    let expires = now
        + chrono::Duration::minutes(
            i64::from(svc.settings.reset.token_ttl_minutes) + FLOW_COOKIE_EXTRA_MINUTES,
        );
    let flow_hash = flow.clone();
    // A flow holds its token, or the decoy its request left instead (`db::reset_decoys`): both
    // are read either way, and one row is found either way (docs/security.md#12).
    let (spent, tokens, decoys) = svc
        .db
        .run(move |c| {
            let spent = flow_attempts::record(c, &key, expires)?;
            let (tokens, decoys) = reset_flows::live(c, &flow_hash, now)?;
            Ok((spent, tokens, decoys))
        })
        .await?;
    if spent > max {
        audit_token(
            svc,
            Event::CodeRefused,
            Outcome::Denied,
            tokens.first().map(|t| t as &dyn Owned),
            Some("flow_ended"),
            ip,
        )
        .await?;
        return Ok(CodeOutcome::FlowEnded);
    }
    if let Some(code) = &code {
        if tokens.is_empty() {
            // The same HMAC and comparison as against a token's code (docs/security.md#12). A
            // decoy's result is thrown away: a decoy is never redeemable.
            let decoy = decoys.first().map_or("", |d| d.code_hash.as_str());
            std::hint::black_box(code_matches(&svc.code_key, code, decoy));
        }
        if let Some(t) = tokens.iter().find(|t| {
            t.code_hash
                .as_deref()
                .is_some_and(|h| code_matches(&svc.code_key, code, h))
        }) {
            // The right code: now the whole token, still live, and its user.
            let (id, uid) = (t.id.clone(), t.user_id.clone());
            let found = svc
                .db
                .run(move |c| {
                    Ok((
                        reset_tokens::find_by_id(c, id.as_str())?,
                        users::find_by_id(c, &uid)?,
                    ))
                })
                .await?;
            if let (Some(t), Some(user)) = found {
                if t.state(now) == TokenState::Live {
                    if denied_now(svc, &t, &user, ip).await? {
                        return Ok(CodeOutcome::FlowEnded);
                    }
                    audit_token(
                        svc,
                        Event::CodeAccepted,
                        Outcome::Success,
                        Some(&t),
                        None,
                        ip,
                    )
                    .await?;
                    return Ok(CodeOutcome::Valid(Redeemed {
                        token_id: t.id.to_string(),
                        next: Next::of(&t, &user),
                    }));
                }
            }
        }
    }
    let ended = spent >= max;
    wrong_code(svc, &flow, tokens.first(), ended, ip).await?;
    Ok(if ended {
        CodeOutcome::FlowEnded
    } else {
        CodeOutcome::Wrong {
            tries_left: u32::try_from(max - spent).ok(),
        }
    })
}

/// Books a wrong code: the flow's tokens and its decoy each spend a try (revoked once spent, or
/// when the flow ended) and the `code_failed` row is written, in one write transaction of the
/// same statements whether the flow holds a token (the address has an account) or a decoy
/// (docs/security.md#12): an unknown address's wrong code must cost what an account's does,
/// down to the one row each update changes.
async fn wrong_code(
    svc: &Services,
    flow: &str,
    token: Option<&FlowToken>,
    ended: bool,
    ip: Option<IpAddr>,
) -> Result<(), DbError> {
    let now = svc.now();
    let max = i32::try_from(svc.settings.reset.max_code_attempts).unwrap_or(i32::MAX);
    let mut e = crate::reset::event(now, Event::CodeFailed, Outcome::Failure, ip);
    e.reason = ended.then(|| "flow_ended".to_string());
    // The audit row carries the guest's address; an unknown address's flow looks up an id no
    // user has, so the lookup is the same query either way.
    let owner = match token {
        Some(t) => {
            e.tenant_id = Some(t.tenant_id.clone());
            e.user_id = Some(t.user_id.clone());
            t.user_id.clone()
        }
        None => UserId::from_string(NO_USER.to_string()),
    };
    let flow = flow.to_string();
    svc.db
        .run(move |c| {
            use crate::db::WriteTransaction as _;
            c.write_transaction::<(), DbError, _>(|c| {
                reset_flows::spend_attempts(c, &flow, max, ended, now)?;
                e.email = users::email_of(c, &owner)?.map(String::from);
                audit::insert(c, &e)
            })
        })
        .await
}

/// How much longer than a token the `reset_flow` cookie lives (`web::reset`): a flow's counter
/// must outlive the cookie that names it.
const FLOW_COOKIE_EXTRA_MINUTES: i64 = 5;

/// Tries per browser flow, kept in `rate_counters` under `reset_code_flow:<flow hash>`
/// (one fixed window; the row expires with the flow), so they count the same for every address.
mod flow_attempts {
    use crate::db::{rate_counters, AnyConnection, DbError};
    use chrono::NaiveDateTime;

    pub fn key(flow_id_hash: &str) -> String {
        format!("reset_code_flow:{flow_id_hash}")
    }

    /// Spends one try of the flow (one atomic upsert); returns the new count.
    pub fn record(
        conn: &mut AnyConnection,
        key: &str,
        expires_at: NaiveDateTime,
    ) -> Result<i64, DbError> {
        rate_counters::hit(
            conn,
            key,
            chrono::DateTime::UNIX_EPOCH.naive_utc(),
            expires_at,
        )
    }
}
