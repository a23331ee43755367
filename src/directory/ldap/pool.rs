//! A bounded pool of service-account connections (user binds never come from it).

use ldap3::Ldap;
use std::sync::Arc;
use tokio::sync::{Mutex, OwnedSemaphorePermit, Semaphore};

pub(crate) struct Pool {
    idle: Mutex<Vec<Ldap>>,
    permits: Arc<Semaphore>,
}

/// A connection taken from the pool; give it back with [`Pool::put`] when it is still good.
pub(crate) struct Lease {
    pub ldap: Ldap,
    _permit: OwnedSemaphorePermit,
}

impl Pool {
    pub fn new(size: usize) -> Self {
        Self {
            idle: Mutex::new(Vec::with_capacity(size)),
            permits: Arc::new(Semaphore::new(size)),
        }
    }

    /// Waits for a slot, then hands out an idle connection (or `None`: open a new one).
    pub async fn take(&self) -> (Option<Ldap>, OwnedSemaphorePermit) {
        let permit = self
            .permits
            .clone()
            .acquire_owned()
            .await
            .expect("the pool's semaphore is never closed");
        let mut idle = self.idle.lock().await;
        while let Some(mut ldap) = idle.pop() {
            if !ldap.is_closed() {
                return (Some(ldap), permit);
            }
        }
        (None, permit)
    }

    pub fn lease(ldap: Ldap, permit: OwnedSemaphorePermit) -> Lease {
        Lease {
            ldap,
            _permit: permit,
        }
    }

    /// Returns a healthy connection for reuse.
    pub async fn put(&self, lease: Lease) {
        self.idle.lock().await.push(lease.ldap);
    }

    /// Drops every idle connection (after an outage they are all dead).
    pub async fn clear(&self) {
        self.idle.lock().await.clear();
    }
}
