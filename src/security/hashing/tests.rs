use super::*;

fn hasher() -> PasswordHasher {
    PasswordHasher::new(&HashingSettings::default()).unwrap()
}

/// The cheapest hasher there is (64 KiB, one pass), with one permit.
fn cheap_hasher() -> PasswordHasher {
    light_hasher(64, 1)
}

/// A one-pass hasher over `memory_kib` with `permits` permits, below the minimum settings: for
/// tests of the pool and the permits, not of argon2's cost.
fn light_hasher(memory_kib: u32, permits: usize) -> PasswordHasher {
    PasswordHasher::new_unchecked(&HashingSettings {
        memory_kib,
        iterations: 1,
        parallelism: 1,
        max_concurrent: permits,
        ..HashingSettings::default()
    })
    .unwrap()
}

fn pw(s: &str) -> SecretString {
    SecretString::from(s)
}

// docs/security.md#23: argon2id at ≥ m=19456, t=2, p=1, unique salt.
#[tokio::test]
async fn phc_string_is_argon2id_at_the_owasp_minimum_with_a_unique_salt() {
    let h = hasher();
    let a = h.hash(pw("correct horse battery staple")).await.unwrap();
    let b = h.hash(pw("correct horse battery staple")).await.unwrap();
    assert!(a.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{a}");
    assert_ne!(a, b, "two hashes of one password must differ (salt)");
    assert!(!h.needs_rehash(&a));
}

#[tokio::test]
async fn verify_accepts_the_password_and_refuses_others() {
    let h = hasher();
    let phc = h.hash(pw("pässwörd ñandú 😀😀")).await.unwrap();
    assert!(h
        .verify(pw("pässwörd ñandú 😀😀"), Some(&phc))
        .await
        .unwrap());
    assert!(!h.verify(pw("pässwörd ñandú 😀"), Some(&phc)).await.unwrap());
    assert!(!h.verify(pw(""), Some(&phc)).await.unwrap());
    let huge = "x".repeat(1 << 20);
    assert!(!h.verify(pw(&huge), Some(&phc)).await.unwrap());
}

// docs/security.md#12: an unknown account costs a verify and is never a match.
#[tokio::test]
async fn unknown_account_verifies_against_the_dummy_and_fails() {
    let h = hasher();
    assert!(!h.verify(pw("anything at all"), None).await.unwrap());
    // The dummy is computed once and reused.
    let first = h.dummy.get().cloned().unwrap();
    assert!(!h.verify(pw("anything else"), None).await.unwrap());
    assert_eq!(h.dummy.get(), Some(&first));
    assert!(first.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"));
}

#[tokio::test]
async fn hash_unless_same_refuses_the_current_password_and_hashes_others() {
    let h = hasher();
    let current = h.hash(pw("the current one")).await.unwrap();
    assert_eq!(
        h.hash_unless_same(pw("the current one"), Some(&current))
            .await
            .unwrap(),
        None
    );
    let new = h
        .hash_unless_same(pw("a new one"), Some(&current))
        .await
        .unwrap()
        .unwrap();
    assert!(h.verify(pw("a new one"), Some(&new)).await.unwrap());
    // No current password: never "the same", still one verify's worth of work.
    assert!(h.hash_unless_same(pw("x"), None).await.unwrap().is_some());
}

#[tokio::test]
async fn a_corrupt_stored_hash_is_an_error_not_a_match() {
    let h = hasher();
    assert!(h.verify(pw("x"), Some("not a phc string")).await.is_err());
    assert!(h.needs_rehash("not a phc string"));
}

#[test]
fn hash_blocking_matches_the_async_form_and_refuses_huge_input() {
    let h = hasher();
    let phc = h.hash_blocking(&pw("a blocking hash")).unwrap();
    assert!(phc.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"));
    assert!(verify_with(&pw("a blocking hash"), &phc, &mut Vec::new()).unwrap());
    assert!(h.hash_blocking(&pw(&"x".repeat(1 << 20))).is_err());
}

// The reused-buffer path writes and accepts exactly what the argon2 crate's own
// PasswordHasher / PasswordVerifier do, so stored hashes keep verifying both ways.
#[test]
fn buffered_hashing_is_interchangeable_with_the_argon2_crate() {
    use argon2::{PasswordHasher as _, PasswordVerifier as _};
    let h = hasher();
    let ours = h.hash_blocking(&pw("interchangeable")).unwrap();
    let parsed = PasswordHash::new(&ours).unwrap();
    assert!(h
        .argon2()
        .verify_password(b"interchangeable", &parsed)
        .is_ok());
    let theirs = h
        .argon2()
        .hash_password(b"interchangeable")
        .unwrap()
        .to_string();
    assert_eq!(ours.len(), theirs.len());
    let mut mem = Vec::new();
    assert!(verify_with(&pw("interchangeable"), &theirs, &mut mem).unwrap());
    assert!(!verify_with(&pw("Interchangeable"), &theirs, &mut mem).unwrap());
    // A cheaper stored hash verifies in the (larger) reused buffer too.
    let cheap = cheap_hasher().hash_blocking(&pw("cheap")).unwrap();
    assert!(verify_with(&pw("cheap"), &cheap, &mut mem).unwrap());
    assert_eq!(
        mem.len(),
        19_456,
        "the buffer is reused, not shrunk or regrown"
    );
}

// The strength estimate of a new password runs under a hasher permit: with every permit
// taken it waits, and it runs once one is free.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cpu_work_waits_for_a_hasher_permit() {
    let h = cheap_hasher();
    let held = h.permits.clone().acquire_owned().await.unwrap();
    let ran = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let flag = ran.clone();
    let task = tokio::spawn({
        let h = h.clone();
        async move {
            h.run_cpu(move || flag.store(true, std::sync::atomic::Ordering::SeqCst))
                .await
        }
    });
    for _ in 0..20 {
        tokio::task::yield_now().await;
    }
    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    assert!(
        !ran.load(std::sync::atomic::Ordering::SeqCst),
        "ran without a permit"
    );
    drop(held);
    task.await.unwrap().unwrap();
    assert!(ran.load(std::sync::atomic::Ordering::SeqCst));
    assert_eq!(
        h.permits.available_permits(),
        1,
        "the permit was given back"
    );
}

// docs/security.md#43: memory is bounded by the permits: the pool never holds more buffers.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn block_buffers_are_reused_one_per_permit() {
    let h = light_hasher(256, 2);
    let tasks: Vec<_> = (0..12)
        .map(|i| {
            let h = h.clone();
            tokio::spawn(async move { h.hash(pw(&format!("pw {i}"))).await.unwrap() })
        })
        .collect();
    for t in tasks {
        let phc = t.await.unwrap();
        assert!(phc.starts_with("$argon2id$v=19$m=256,t=1,p=1$"), "{phc}");
    }
    let pool = h.buffers.lock().unwrap();
    assert!(
        !pool.is_empty() && pool.len() <= 2,
        "{} buffers",
        pool.len()
    );
    assert!(pool.iter().all(|b| b.len() == 256));
}

#[test]
fn weak_hashes_need_rehash() {
    let cheap = cheap_hasher();
    let phc = cheap.hash_blocking(&pw("cheap")).unwrap();
    assert!(hasher().needs_rehash(&phc));
}

// docs/security.md#23: the settings refuse anything below the OWASP minimum, naming the setting.
#[test]
fn settings_below_the_minimum_are_refused_by_name() {
    assert!(HashingSettings::default().validate().is_ok());
    let cases = [
        (
            HashingSettings {
                memory_kib: 19_455,
                ..Default::default()
            },
            "hashing.memory_kib",
        ),
        (
            HashingSettings {
                iterations: 1,
                ..Default::default()
            },
            "hashing.iterations",
        ),
        (
            HashingSettings {
                parallelism: 0,
                ..Default::default()
            },
            "hashing.parallelism",
        ),
    ];
    for (s, name) in cases {
        let err = s.validate().unwrap_err().to_string();
        assert!(err.contains(name), "{err}");
        assert!(PasswordHasher::new(&s).is_err());
    }
    assert!(HashingSettings::default().effective_max_concurrent() >= 1);
}

#[test]
fn settings_deserialize_with_defaults_and_refuse_unknown_keys() {
    let s: HashingSettings = serde_json::from_str(r#"{"max_concurrent": 3}"#).unwrap();
    assert_eq!(s.memory_kib, MIN_MEMORY_KIB);
    assert_eq!(s.effective_max_concurrent(), 3);
    assert!(serde_json::from_str::<HashingSettings>(r#"{"memory": 1}"#).is_err());
}

// docs/security.md#43: concurrency is bounded by the semaphore.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_hashes_are_bounded_by_the_permits() {
    let h = light_hasher(256, 1);
    let running = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let peak = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let mut tasks = Vec::new();
    for _ in 0..6 {
        let (h, running, peak) = (h.clone(), running.clone(), peak.clone());
        tasks.push(tokio::spawn(async move {
            h.run_blocking(move |_mem| {
                use std::sync::atomic::Ordering::SeqCst;
                let now = running.fetch_add(1, SeqCst) + 1;
                peak.fetch_max(now, SeqCst);
                std::thread::sleep(std::time::Duration::from_millis(20));
                running.fetch_sub(1, SeqCst);
                Ok(())
            })
            .await
        }));
    }
    for t in tasks {
        t.await.unwrap().unwrap();
    }
    assert_eq!(peak.load(std::sync::atomic::Ordering::SeqCst), 1);
}
