//! Argon2id password hashing on tokio's blocking pool, behind a bound on concurrent hashes
//! (docs/architecture.md#the-reset-flow-end-to-end step 7; docs/security.md#23, #43).
//!
//! An argon2id hash at the OWASP minimum takes ~19 MiB and tens of milliseconds of one core. Run
//! on an async worker it would stall every request on that worker; run unbounded on the blocking
//! pool, a burst of sign-ins would take every core and all the memory. So every hash and verify
//! goes through [`PasswordHasher`], which holds a semaphore of `max_concurrent` permits (default:
//! the number of CPUs) and does the work in `spawn_blocking`.
//!
//! Memory is bounded too: each running hash takes one argon2 block buffer from a pool that never
//! holds more than `max_concurrent` of them, and puts it back afterwards. Allocating the 19 MiB
//! matrix per hash on whichever blocking thread ran it let glibc keep freed matrices in
//! per-thread arenas: RSS grew to ~0.75–1.2 GiB under sustained resets although at most two
//! hashes ran (docs/performance.md, scenario H). The PHC output and the verification are unchanged.

use anyhow::{anyhow, Context as _};
use argon2::password_hash::phc::{Output, ParamsString, Salt};
use argon2::{Algorithm, Argon2, Block, Params, PasswordHash, Version};
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::sync::{Arc, Mutex};
use subtle::ConstantTimeEq as _;
use tokio::sync::{OnceCell, Semaphore};

use super::mac::os_random;
use super::sign_in_queue::SignInQueue;
pub use super::sign_in_queue::{Busy, SignInSlot, BUSY_RETRY_AFTER_SECONDS};

/// OWASP Password Storage Cheat Sheet minimum for argon2id: m=19 MiB, t=2, p=1 (docs/security.md#23).
pub const MIN_MEMORY_KIB: u32 = 19_456;
/// See [`MIN_MEMORY_KIB`].
pub const MIN_ITERATIONS: u32 = 2;
/// See [`MIN_MEMORY_KIB`].
pub const MIN_PARALLELISM: u32 = 1;

/// Passwords longer than this (bytes) are never hashed. The password policy already caps new
/// passwords at 256 characters (≤ 1 KiB before NFKC, which can expand a little); this is the
/// last guard against a megabyte handed straight to the hasher (docs/security.md#20).
pub const MAX_PASSWORD_BYTES: usize = 4096;

/// Argon2id settings (`[hashing]` in the config).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct HashingSettings {
    /// Memory cost in KiB (argon2 `m`). At least 19456.
    pub memory_kib: u32,
    /// Number of passes (argon2 `t`). At least 2.
    pub iterations: u32,
    /// Lanes (argon2 `p`). At least 1.
    pub parallelism: u32,
    /// How many hashes may run at once; 0 means the number of CPUs.
    pub max_concurrent: usize,
    /// How many unauthenticated sign-in verifications (guest and admin) may wait for the
    /// hasher beyond those running; past it a sign-in is answered at once with 503 and
    /// `Retry-After` instead of queueing (docs/security.md#43).
    pub sign_in_queue: usize,
    /// Hashing slots sign-ins never take, kept for reset completions and other work behind a
    /// token or a session (when `max_concurrent` is larger than this).
    pub reserved_for_resets: usize,
}

impl Default for HashingSettings {
    fn default() -> Self {
        Self {
            memory_kib: MIN_MEMORY_KIB,
            iterations: MIN_ITERATIONS,
            parallelism: MIN_PARALLELISM,
            max_concurrent: 0,
            sign_in_queue: 16,
            reserved_for_resets: 1,
        }
    }
}

impl HashingSettings {
    /// Refuses parameters below the OWASP minimum (m=19456, t=2, p=1), naming the setting.
    pub fn validate(&self) -> anyhow::Result<()> {
        if self.memory_kib < MIN_MEMORY_KIB {
            anyhow::bail!(
                "hashing.memory_kib = {} is below the OWASP minimum for argon2id ({MIN_MEMORY_KIB})",
                self.memory_kib
            );
        }
        if self.iterations < MIN_ITERATIONS {
            anyhow::bail!(
                "hashing.iterations = {} is below the OWASP minimum for argon2id ({MIN_ITERATIONS})",
                self.iterations
            );
        }
        if self.parallelism < MIN_PARALLELISM {
            anyhow::bail!(
                "hashing.parallelism = {} is below the minimum ({MIN_PARALLELISM})",
                self.parallelism
            );
        }
        self.params()
            .context("hashing: argon2 refuses these parameters")
            .map(|_| ())
    }

    /// The permit count: `max_concurrent`, or the number of CPUs when it is 0.
    pub fn effective_max_concurrent(&self) -> usize {
        match self.max_concurrent {
            0 => std::thread::available_parallelism().map_or(1, |n| n.get()),
            n => n,
        }
    }

    fn params(&self) -> anyhow::Result<Params> {
        Params::new(self.memory_kib, self.iterations, self.parallelism, None)
            .map_err(|e| anyhow!("argon2 parameters: {e}"))
    }
}

/// Hashes and verifies passwords with argon2id, off the async executor and with bounded
/// concurrency. Cheap to clone (shared state behind `Arc`s).
#[derive(Clone)]
pub struct PasswordHasher {
    params: Params,
    permits: Arc<Semaphore>,
    /// Argon2 working memory, reused: at most one buffer per permit exists (taken while a hash
    /// runs, put back after), allocated on first use so an idle instance holds none.
    buffers: Arc<Mutex<Vec<Vec<Block>>>>,
    /// A hash of a random password with the same parameters, computed on first use, verified
    /// against when the account does not exist so that both cases cost the same.
    dummy: Arc<OnceCell<String>>,
    /// The bounded share of the hasher that unauthenticated sign-ins may use.
    sign_in: SignInQueue,
}

impl fmt::Debug for PasswordHasher {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PasswordHasher")
            .field("m_cost", &self.params.m_cost())
            .field("t_cost", &self.params.t_cost())
            .field("p_cost", &self.params.p_cost())
            .field("available_permits", &self.permits.available_permits())
            .finish()
    }
}

impl PasswordHasher {
    /// A hasher with validated settings (refuses anything below the OWASP minimum).
    pub fn new(settings: &HashingSettings) -> anyhow::Result<Self> {
        settings.validate()?;
        Self::new_unchecked(settings)
    }

    /// A hasher that skips the OWASP minimum check: for tests that want cheap hashes only.
    /// Production code uses [`PasswordHasher::new`].
    pub fn new_unchecked(settings: &HashingSettings) -> anyhow::Result<Self> {
        let total = settings.effective_max_concurrent().max(1);
        Ok(Self {
            params: settings.params()?,
            sign_in: SignInQueue::new(
                total.saturating_sub(settings.reserved_for_resets).max(1),
                settings.sign_in_queue,
            ),
            permits: Arc::new(Semaphore::new(total)),
            buffers: Arc::new(Mutex::new(Vec::new())),
            dummy: Arc::new(OnceCell::new()),
        })
    }

    fn argon2(&self) -> Argon2<'static> {
        Argon2::new(Algorithm::Argon2id, Version::V0x13, self.params.clone())
    }

    /// Hashes `password` to a PHC string (`$argon2id$v=19$m=…,t=…,p=…$salt$hash`) with a fresh
    /// random salt, on the blocking pool. The caller passes the NFKC form (see
    /// [`crate::domain::password`]).
    pub async fn hash(&self, password: SecretString) -> anyhow::Result<String> {
        let argon2 = self.argon2();
        self.run_blocking(move |mem| hash_with(&argon2, &password, mem))
            .await
    }

    /// The same as [`PasswordHasher::hash`], synchronously on the calling thread: for the CLI
    /// and other code that is not on an async executor. Does not take a permit.
    pub fn hash_blocking(&self, password: &SecretString) -> anyhow::Result<String> {
        hash_with(&self.argon2(), password, &mut Vec::new())
    }

    /// Verifies `password` against a stored PHC string, on the blocking pool.
    ///
    /// With `phc = None` (no such account, or no password set) it verifies against a dummy hash
    /// of the same cost and returns `false`, so an unknown account takes as long as a wrong
    /// password (docs/security.md#12). A stored hash that does not parse is an error, not `false`.
    /// The parameters come from the stored hash, so older hashes keep verifying after the
    /// settings are raised (see [`PasswordHasher::needs_rehash`]).
    pub async fn verify(&self, password: SecretString, phc: Option<&str>) -> anyhow::Result<bool> {
        self.verify_holding(password, phc, ()).await
    }

    /// A place in the sign-in queue, or [`Busy`] at once when it is full: take it before
    /// spending anything on the attempt, then [`SignInSlot::verify`].
    pub fn sign_in_slot(&self) -> Result<SignInSlot, Busy> {
        self.sign_in.slot(self.clone())
    }

    /// [`Self::verify`], keeping `held` alive until the hash has finished (even if the
    /// caller stops waiting).
    pub(super) async fn verify_holding<H: Send + 'static>(
        &self,
        password: SecretString,
        phc: Option<&str>,
        held: H,
    ) -> anyhow::Result<bool> {
        let (phc, real) = match phc {
            Some(phc) => (phc.to_owned(), true),
            None => (self.dummy_hash().await?.clone(), false),
        };
        let matched = self
            .run_blocking(move |mem| {
                let _held = held;
                verify_with(&password, &phc, mem)
            })
            .await?;
        crate::telemetry::metrics::password_verification();
        Ok(real && matched)
    }

    /// The new hash of `password`, or `None` when it verifies against `current` (the
    /// account's stored hash; `None` verifies against the dummy, as [`PasswordHasher::verify`]
    /// does). Both argon2 runs happen under **one** permit in one blocking task: a reset
    /// completion (docs/policy.md#passwords: "not the same as the current password") queues for the hasher
    /// once instead of twice, and a second caller cannot slip in between the two.
    pub async fn hash_unless_same(
        &self,
        password: SecretString,
        current: Option<&str>,
    ) -> anyhow::Result<Option<String>> {
        let (phc, real) = match current {
            Some(phc) => (phc.to_owned(), true),
            None => (self.dummy_hash().await?.clone(), false),
        };
        let argon2 = self.argon2();
        self.run_blocking(move |mem| {
            if verify_with(&password, &phc, mem)? && real {
                return Ok(None);
            }
            hash_with(&argon2, &password, mem).map(Some)
        })
        .await
    }

    /// Whether a stored hash was made with weaker parameters (or another algorithm) than the
    /// current settings, so the caller may re-hash after a successful sign-in.
    pub fn needs_rehash(&self, phc: &str) -> bool {
        let Ok(parsed) = PasswordHash::new(phc) else {
            return true;
        };
        if parsed.algorithm.as_str() != "argon2id" {
            return true;
        }
        match Params::try_from(&parsed) {
            Ok(p) => {
                p.m_cost() < self.params.m_cost()
                    || p.t_cost() < self.params.t_cost()
                    || p.p_cost() < self.params.p_cost()
            }
            Err(_) => true,
        }
    }

    async fn dummy_hash(&self) -> anyhow::Result<&String> {
        self.dummy
            .get_or_try_init(|| async {
                let random = SecretString::from(hex::encode(os_random::<16>()));
                let argon2 = self.argon2();
                self.run_blocking(move |mem| hash_with(&argon2, &random, mem))
                    .await
            })
            .await
    }

    /// Runs CPU-bound password work on the blocking pool once one of the hasher's permits is
    /// free: the hashes, and the strength estimate of a new password, which is so bounded with
    /// them and never runs on an async worker thread, where it would hold up other requests.
    /// The permit moves into the task, so it is held until the work finishes even if the
    /// awaiting request is dropped.
    pub async fn run_cpu<T, F>(&self, work: F) -> anyhow::Result<T>
    where
        F: FnOnce() -> T + Send + 'static,
        T: Send + 'static,
    {
        let permit = self
            .permits
            .clone()
            .acquire_owned()
            .await
            .context("password hasher semaphore closed")?;
        tokio::task::spawn_blocking(move || {
            let _permit = permit;
            work()
        })
        .await
        .context("password work on the blocking pool failed")
    }

    /// [`Self::run_cpu`], lending `work` a block buffer from the pool; the buffer goes back
    /// before the permit is released, so the pool never holds more buffers than there are
    /// permits.
    async fn run_blocking<T, F>(&self, work: F) -> anyhow::Result<T>
    where
        F: FnOnce(&mut Vec<Block>) -> anyhow::Result<T> + Send + 'static,
        T: Send + 'static,
    {
        let buffers = self.buffers.clone();
        self.run_cpu(move || {
            let mut mem = buffers
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .pop()
                .unwrap_or_default();
            let result = work(&mut mem);
            buffers.lock().unwrap_or_else(|p| p.into_inner()).push(mem);
            result
        })
        .await?
    }
}

/// `mem[..blocks]`, growing the buffer if it is smaller (a stored hash with a larger `m`).
fn blocks_of(mem: &mut Vec<Block>, blocks: usize) -> &mut [Block] {
    if mem.len() < blocks {
        mem.resize(blocks, Block::default());
    }
    &mut mem[..blocks]
}

/// Argon2id of `password` with a fresh 16-byte salt, as a PHC string — byte for byte what
/// `argon2::PasswordHasher::hash_password` writes, computed in the caller's `mem`.
fn hash_with(
    argon2: &Argon2<'_>,
    password: &SecretString,
    mem: &mut Vec<Block>,
) -> anyhow::Result<String> {
    let bytes = password.expose_secret().as_bytes();
    if bytes.len() > MAX_PASSWORD_BYTES {
        anyhow::bail!("refusing to hash a password over {MAX_PASSWORD_BYTES} bytes");
    }
    let params = argon2.params();
    let salt = os_random::<16>();
    let mut out = [0u8; Params::DEFAULT_OUTPUT_LEN];
    argon2
        .hash_password_into_with_memory(
            bytes,
            &salt,
            &mut out,
            blocks_of(mem, params.block_count()),
        )
        .map_err(|e| anyhow!("argon2 hashing failed: {e}"))?;
    let phc = PasswordHash {
        algorithm: Algorithm::Argon2id.ident(),
        version: Some(Version::V0x13.into()),
        params: ParamsString::try_from(params).map_err(|e| anyhow!("argon2 parameters: {e}"))?,
        salt: Some(Salt::new(&salt).map_err(|e| anyhow!("argon2 salt: {e}"))?),
        hash: Some(Output::new(&out).map_err(|e| anyhow!("argon2 output: {e}"))?),
    };
    Ok(phc.to_string())
}

/// Recomputes the stored hash's function (its own algorithm, version and parameters) for
/// `password` in `mem`, and compares in constant time — what `PasswordVerifier` does, without
/// its per-call allocation of the matrix.
fn verify_with(password: &SecretString, phc: &str, mem: &mut Vec<Block>) -> anyhow::Result<bool> {
    let parsed = PasswordHash::new(phc)
        .map_err(|e| anyhow!("stored password hash is not a PHC string: {e}"))?;
    let bytes = password.expose_secret().as_bytes();
    if bytes.len() > MAX_PASSWORD_BYTES {
        // No stored password can be this long (the policy caps them), so it cannot match.
        return Ok(false);
    }
    let failed = |e: &dyn fmt::Display| anyhow!("argon2 verification failed: {e}");
    let algorithm = Algorithm::try_from(parsed.algorithm.as_str()).map_err(|e| failed(&e))?;
    let version = match parsed.version {
        Some(v) => Version::try_from(v).map_err(|e| failed(&e))?,
        None => Version::default(),
    };
    let params = Params::try_from(&parsed).map_err(|e| failed(&e))?;
    let (Some(salt), Some(expected)) = (&parsed.salt, &parsed.hash) else {
        return Ok(false);
    };
    let mut out = vec![0u8; expected.len()];
    let blocks = params.block_count();
    Argon2::new(algorithm, version, params)
        .hash_password_into_with_memory(bytes, salt.as_ref(), &mut out, blocks_of(mem, blocks))
        .map_err(|e| failed(&e))?;
    Ok(bool::from(out.as_slice().ct_eq(expected.as_bytes())))
}

#[cfg(test)]
mod tests;
