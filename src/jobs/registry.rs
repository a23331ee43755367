//! Which code runs which stored kind: built once at startup from the owners' `register_jobs`.

use super::{Job, JobError, JobRun};
use futures_util::future::BoxFuture;
use std::collections::BTreeMap;

/// Runs one stored payload of a kind against the context.
type Handler<C> = for<'a> fn(&'a C, &'a JobRun, &'a str) -> BoxFuture<'a, Result<(), JobError>>;

/// The job kinds a worker knows, each with its handler; `C` is what jobs run against.
pub struct Registry<C> {
    handlers: BTreeMap<&'static str, Handler<C>>,
}

impl<C> std::fmt::Debug for Registry<C> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Registry")
            .field("kinds", &self.handlers.keys().collect::<Vec<_>>())
            .finish()
    }
}

impl<C> Default for Registry<C> {
    fn default() -> Self {
        Self {
            handlers: BTreeMap::new(),
        }
    }
}

impl<C: Send + Sync + 'static> Registry<C> {
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds the kind `J`.
    ///
    /// # Panics
    /// When `J::KIND` is registered already: two payload types under one stored name is a
    /// programming error that must fail at startup, not when a row is run.
    pub fn register<J: Job<Context = C>>(&mut self) -> &mut Self {
        let previous = self.handlers.insert(J::KIND, handle::<J>);
        assert!(
            previous.is_none(),
            "job kind {:?} registered twice",
            J::KIND
        );
        self
    }

    /// The registered kind names, sorted.
    pub fn kinds(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.handlers.keys().copied()
    }

    /// Runs one attempt of a stored job: an unknown kind or a payload that does not
    /// deserialise is a permanent failure.
    pub async fn run(
        &self,
        ctx: &C,
        run: &JobRun,
        kind: &str,
        payload: &str,
    ) -> Result<(), JobError> {
        match self.handlers.get(kind) {
            Some(handler) => handler(ctx, run, payload).await,
            None => Err(JobError::Permanent(format!("unknown job kind {kind:?}"))),
        }
    }
}

fn handle<'a, J: Job>(
    ctx: &'a J::Context,
    run: &'a JobRun,
    payload: &'a str,
) -> BoxFuture<'a, Result<(), JobError>> {
    Box::pin(async move {
        let job: J = serde_json::from_str(payload)
            .map_err(|e| JobError::Permanent(format!("bad payload: {e}")))?;
        job.run(ctx, run).await
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{EmailAddress, JobId};
    use serde::{Deserialize, Serialize};
    use std::sync::Mutex;

    /// Records what ran.
    #[derive(Default)]
    struct Log(Mutex<Vec<String>>);

    #[derive(Serialize, Deserialize)]
    struct Greet {
        to: EmailAddress,
    }

    impl Job for Greet {
        type Context = Log;
        const KIND: &'static str = "greet";
        async fn run(self, log: &Log, run: &JobRun) -> Result<(), JobError> {
            log.0
                .lock()
                .unwrap()
                .push(format!("{} #{}", self.to, run.attempt));
            Ok(())
        }
    }

    #[derive(Serialize, Deserialize)]
    struct Other;

    impl Job for Other {
        type Context = Log;
        const KIND: &'static str = "greet";
        async fn run(self, _: &Log, _: &JobRun) -> Result<(), JobError> {
            Ok(())
        }
    }

    fn attempt() -> JobRun {
        JobRun {
            id: JobId::generate(),
            attempt: 2,
        }
    }

    fn block_on<F: std::future::Future>(f: F) -> F::Output {
        tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap()
            .block_on(f)
    }

    #[test]
    fn a_registered_kind_runs_its_typed_payload() {
        let mut registry = Registry::new();
        registry.register::<Greet>();
        assert_eq!(registry.kinds().collect::<Vec<_>>(), ["greet"]);
        let log = Log::default();
        block_on(registry.run(&log, &attempt(), "greet", r#"{"to":"ann@example.org"}"#)).unwrap();
        assert_eq!(*log.0.lock().unwrap(), ["ann@example.org #2"]);
    }

    #[test]
    fn unknown_kinds_and_bad_payloads_fail_for_good() {
        let mut registry = Registry::new();
        registry.register::<Greet>();
        let log = Log::default();
        let unknown = block_on(registry.run(&log, &attempt(), "nope", "{}"));
        assert!(matches!(unknown, Err(JobError::Permanent(m)) if m.contains("unknown job kind")));
        // A stored address that no longer validates does not reach the job.
        let bad = block_on(registry.run(&log, &attempt(), "greet", r#"{"to":"a,b@x.org"}"#));
        assert!(matches!(bad, Err(JobError::Permanent(m)) if m.starts_with("bad payload")));
        assert!(log.0.lock().unwrap().is_empty());
    }

    #[test]
    #[should_panic(expected = "registered twice")]
    fn a_kind_cannot_be_registered_twice() {
        let mut registry = Registry::<Log>::new();
        registry.register::<Greet>().register::<Other>();
    }
}
