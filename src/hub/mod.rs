//! Hub operations: what the service does, free of gRPC. Each operation asks
//! `policy` whether it may happen, `matching` who this is, and hands one
//! `Change` to the store.

mod callers;
mod read;
mod submit;

pub use callers::{CallerSource, ConfiguredCaller};
pub use read::ResolvedLink;
pub use submit::{SubmitOutcome, SubmitRecord, SubmitResult};

use crate::auth::Caller;
use crate::clock::Clock;
use crate::error::{Error, Result};
use crate::record::CustomerId;
use crate::store::{AuditEntry, Store};
use std::sync::Arc;

/// Longest accepted statement of purpose.
const MAX_PURPOSE_CHARS: usize = 500;

pub struct Hub {
    store: Arc<dyn Store>,
    clock: Arc<dyn Clock>,
    configured: Vec<ConfiguredCaller>,
    /// Writes to one departmental ID queue here rather than race to an
    /// optimistic-concurrency conflict; across replicas the store's conflict
    /// check still decides.
    write_locks: Vec<tokio::sync::Mutex<()>>,
}

const WRITE_LOCK_STRIPES: usize = 256;

impl Hub {
    pub fn new(
        store: Arc<dyn Store>,
        clock: Arc<dyn Clock>,
        configured: Vec<ConfiguredCaller>,
    ) -> Self {
        Self {
            store,
            clock,
            configured,
            write_locks: (0..WRITE_LOCK_STRIPES)
                .map(|_| tokio::sync::Mutex::new(()))
                .collect(),
        }
    }

    /// The in-process lock stripe for a key such as a departmental ID.
    async fn lock_key(&self, key: &str) -> tokio::sync::MutexGuard<'_, ()> {
        use std::hash::{Hash, Hasher};
        let mut hasher = std::collections::hash_map::DefaultHasher::new();
        key.hash(&mut hasher);
        self.write_locks[hasher.finish() as usize % WRITE_LOCK_STRIPES]
            .lock()
            .await
    }

    pub fn clock(&self) -> &dyn Clock {
        self.clock.as_ref()
    }

    pub fn store(&self) -> &Arc<dyn Store> {
        &self.store
    }

    fn audit(
        &self,
        caller: &Caller,
        operation: &str,
        customer: Option<&CustomerId>,
        purpose: Option<&str>,
    ) -> AuditEntry {
        AuditEntry {
            at: self.clock.now(),
            caller: caller.name.clone(),
            role: caller.role,
            operation: operation.to_owned(),
            customer_id: customer.cloned(),
            purpose: purpose.map(str::to_owned),
        }
    }
}

/// A read of a person must say why (DESIGN: every look is for a stated purpose).
pub fn parse_purpose(raw: &str) -> Result<String> {
    let purpose = raw.split_whitespace().collect::<Vec<_>>().join(" ");
    if purpose.is_empty() {
        return Err(Error::invalid(
            "purpose",
            "a purpose is required for every read of a person",
        ));
    }
    if purpose.chars().count() > MAX_PURPOSE_CHARS {
        return Err(Error::invalid(
            "purpose",
            format!("must be at most {MAX_PURPOSE_CHARS} characters"),
        ));
    }
    Ok(purpose)
}
