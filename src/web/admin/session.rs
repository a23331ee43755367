//! The admin session as carried in its sealed cookie, and its timeouts (the sign-in backoff
//! is [`crate::accounts::lockout`]'s). Pure: no HTTP, no database, time passed in — so each rule has a unit test.
//!
//! A session is two-staged: after the password it is `Pending` (good for the TOTP step only,
//! for five minutes); after the TOTP code a new session with a new id is issued as `Full`.
//! A full session is bound to the admin's `session_generation` (sign out everywhere), to its
//! sign-in audit event (a sign-out event naming its id ends it), and to idle and absolute
//! timeouts (docs/security.md#34; ASVS 7.3.1).

use serde::{Deserialize, Serialize};

/// A full session ends after this long without a request (ASVS 7.3.1).
pub const IDLE_SECONDS: i64 = 30 * 60;
/// A full session ends this long after sign-in, however active (ASVS 7.3.2).
pub const ABSOLUTE_SECONDS: i64 = 12 * 60 * 60;
/// The password step is good for this long before the TOTP code must follow.
pub const PENDING_SECONDS: i64 = 5 * 60;
/// The idle clock is moved forward (a fresh cookie issued) at most this often.
pub const TOUCH_EVERY_SECONDS: i64 = 60;
/// Which step a session has reached.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Stage {
    /// The password was right; the TOTP code is still due.
    Pending,
    /// Signed in.
    Full,
}

/// The content of the sealed `lk_admin` cookie. Times are Unix seconds from the injected clock.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Session {
    pub stage: Stage,
    /// A random id, new at every stage (so the id changes at sign-in, ASVS 7.2.4). Not a
    /// secret by itself: the cookie is sealed, so it cannot be forged.
    pub sid: String,
    pub admin_id: String,
    /// The admin's `session_generation` when the session was issued.
    pub generation: i64,
    pub issued_at: i64,
    pub seen_at: i64,
    /// The id of the `admin_signed_in` audit event (0 while pending).
    pub sign_in_event: i64,
}

impl Session {
    /// After the password step.
    pub fn pending(admin_id: &str, generation: i64, now: i64) -> Self {
        Self {
            stage: Stage::Pending,
            sid: new_sid(),
            admin_id: admin_id.to_string(),
            generation,
            issued_at: now,
            seen_at: now,
            sign_in_event: 0,
        }
    }

    /// After the TOTP step: a new session id.
    pub fn full(admin_id: &str, generation: i64, sign_in_event: i64, now: i64) -> Self {
        Self {
            stage: Stage::Full,
            sign_in_event,
            ..Self::pending(admin_id, generation, now)
        }
    }

    /// Whether the session is still within its time limits at `now`.
    pub fn is_live(&self, now: i64) -> bool {
        match self.stage {
            Stage::Pending => now >= self.issued_at && now - self.issued_at < PENDING_SECONDS,
            Stage::Full => {
                now >= self.issued_at
                    && now - self.issued_at < ABSOLUTE_SECONDS
                    && now - self.seen_at < IDLE_SECONDS
            }
        }
    }

    /// The same session seen at `now`, when the idle clock should move (else `None`).
    pub fn touched(&self, now: i64) -> Option<Self> {
        (now - self.seen_at >= TOUCH_EVERY_SECONDS).then(|| Self {
            seen_at: now,
            ..self.clone()
        })
    }

    /// The reference written to the audit (`request_id`) of events in this session.
    pub fn reference(&self) -> String {
        format!("session:{}", self.sid)
    }

    pub fn to_cookie_value(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }

    pub fn from_cookie_value(value: &str) -> Option<Self> {
        serde_json::from_str(value).ok()
    }
}

fn new_sid() -> String {
    hex::encode(crate::security::mac::os_random::<16>())
}

#[cfg(test)]
mod tests {
    use super::*;

    const T0: i64 = 1_800_000_000;

    #[test]
    fn a_full_session_ends_after_30_idle_minutes() {
        let s = Session::full("a", 0, 7, T0);
        assert!(s.is_live(T0 + IDLE_SECONDS - 1));
        assert!(!s.is_live(T0 + IDLE_SECONDS));
    }

    #[test]
    fn an_active_session_ends_after_12_hours() {
        let mut s = Session::full("a", 0, 7, T0);
        let mut now = T0;
        while now < T0 + ABSOLUTE_SECONDS - 600 {
            now += 600;
            s = s.touched(now).unwrap_or(s);
            assert!(s.is_live(now), "{now}");
        }
        assert!(!s.is_live(T0 + ABSOLUTE_SECONDS));
    }

    #[test]
    fn the_password_step_is_good_for_five_minutes() {
        let s = Session::pending("a", 0, T0);
        assert!(s.is_live(T0 + PENDING_SECONDS - 1));
        assert!(!s.is_live(T0 + PENDING_SECONDS));
        assert!(!s.is_live(T0 - 1));
    }

    #[test]
    fn each_stage_gets_a_new_id() {
        let p = Session::pending("a", 0, T0);
        let f = Session::full("a", 0, 1, T0);
        assert_ne!(p.sid, f.sid);
        assert_eq!(p.sid.len(), 32);
        let back = Session::from_cookie_value(&f.to_cookie_value()).unwrap();
        assert_eq!(back, f);
        assert!(Session::from_cookie_value("{}").is_none());
    }

    #[test]
    fn touching_is_rate_limited() {
        let s = Session::full("a", 0, 1, T0);
        assert!(s.touched(T0 + 10).is_none());
        assert_eq!(s.touched(T0 + 60).unwrap().seen_at, T0 + 60);
    }
}
