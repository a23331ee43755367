//! The share of the password hasher that unauthenticated sign-ins may use (docs/security.md#43).
//!
//! Every guest and admin sign-in attempt costs one argon2 verification, whether or not the
//! account exists (docs/security.md#12), so a flood of sign-ins from many addresses is a flood
//! of argon2 work. Sign-ins therefore go through their own gate in front of the hasher:
//!
//! - at most `max_concurrent − reserved_for_resets` of them (at least one) hold hasher permits
//!   at once, so reset completions and other hashes behind a token or a session always find
//!   a permit without queueing behind the flood;
//! - at most `sign_in_queue` more may wait; past that an attempt is refused at once with
//!   [`Busy`] (the web layer answers 503 with `Retry-After`) instead of waiting in a queue
//!   that only grows.
//!
//! A slot is taken before the attempt spends anything (no account budget is used by a refusal).

use super::hashing::PasswordHasher;
use secrecy::SecretString;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use tokio::sync::Semaphore;

/// The `Retry-After` of a [`Busy`] answer.
pub const BUSY_RETRY_AFTER_SECONDS: u64 = 1;

/// The sign-in queue is full: answer at once, 503 with `Retry-After`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the password hasher is busy with sign-ins")]
pub struct Busy;

/// The gate (cheap to clone).
#[derive(Debug, Clone)]
pub(super) struct SignInQueue {
    permits: Arc<Semaphore>,
    /// Sign-ins running or waiting.
    inflight: Arc<AtomicUsize>,
    /// `permits + sign_in_queue`.
    limit: usize,
}

impl SignInQueue {
    pub(super) fn new(permits: usize, queue: usize) -> Self {
        Self {
            permits: Arc::new(Semaphore::new(permits)),
            inflight: Arc::default(),
            limit: permits.saturating_add(queue),
        }
    }

    pub(super) fn slot(&self, hasher: PasswordHasher) -> Result<SignInSlot, Busy> {
        self.inflight
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| {
                (n < self.limit).then_some(n + 1)
            })
            .map_err(|_| Busy)?;
        Ok(SignInSlot {
            hasher,
            permits: self.permits.clone(),
            place: Place(self.inflight.clone()),
        })
    }
}

/// One place in the queue, given back when dropped.
#[derive(Debug)]
struct Place(Arc<AtomicUsize>);

impl Drop for Place {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::AcqRel);
    }
}

/// A sign-in's place in the queue: [`SignInSlot::verify`] waits for a sign-in permit, then
/// verifies. The place and the permit are held until the hash has finished.
#[derive(Debug)]
pub struct SignInSlot {
    hasher: PasswordHasher,
    permits: Arc<Semaphore>,
    place: Place,
}

impl SignInSlot {
    /// [`PasswordHasher::verify`] within the sign-in share of the hasher.
    pub async fn verify(self, password: SecretString, phc: Option<&str>) -> anyhow::Result<bool> {
        let permit = self.permits.clone().acquire_owned().await?;
        self.hasher
            .verify_holding(password, phc, (permit, self.place))
            .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::security::HashingSettings;

    #[test]
    fn past_the_queue_a_sign_in_is_refused_at_once() {
        let h = PasswordHasher::new_unchecked(&HashingSettings {
            max_concurrent: 2,
            reserved_for_resets: 1,
            sign_in_queue: 2,
            ..HashingSettings::default()
        })
        .unwrap();
        // One running + two waiting.
        let held: Vec<_> = (0..3).map(|_| h.sign_in_slot().unwrap()).collect();
        assert_eq!(h.sign_in_slot().unwrap_err(), Busy);
        drop(held);
        assert!(h.sign_in_slot().is_ok());
    }

    #[tokio::test]
    async fn a_slot_verifies_like_the_hasher() {
        let h = PasswordHasher::new_unchecked(&HashingSettings {
            memory_kib: 64,
            iterations: 1,
            ..HashingSettings::default()
        })
        .unwrap();
        let phc = h.hash(SecretString::from("pw-one")).await.unwrap();
        let slot = h.sign_in_slot().unwrap();
        assert!(slot
            .verify(SecretString::from("pw-one"), Some(&phc))
            .await
            .unwrap());
        let slot = h.sign_in_slot().unwrap();
        assert!(!slot
            .verify(SecretString::from("pw-two"), None)
            .await
            .unwrap());
    }
}
