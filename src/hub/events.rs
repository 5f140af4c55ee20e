//! Subscriptions to a system's change events.

use super::Hub;
use crate::auth::Caller;
use crate::error::{Error, Result};
use crate::policy::{Action, authorize};
use crate::record::SystemCode;
use crate::store::StoredEvent;
use tokio::sync::mpsc;

impl Hub {
    /// The system's events after `after_seq`, or after its last acknowledged
    /// event when none is given, then live ones.
    pub async fn subscribe(
        &self,
        caller: &Caller,
        system: &SystemCode,
        after_seq: Option<i64>,
    ) -> Result<mpsc::Receiver<Result<StoredEvent>>> {
        authorize(caller, Action::Subscribe { system })?;
        let after = match after_seq {
            Some(seq) if seq < 0 => {
                return Err(Error::invalid("after_sequence", "must not be negative"));
            }
            Some(seq) => seq,
            None => self.store.subscriber_cursor(system).await?.unwrap_or(0),
        };
        tracing::info!(system = %system, after, "subscriber connected");
        Ok(crate::events::subscribe(
            self.store.clone(),
            system.clone(),
            after,
            self.closing.subscribe(),
        ))
    }

    pub async fn acknowledge(&self, caller: &Caller, system: &SystemCode, seq: i64) -> Result<()> {
        authorize(caller, Action::Subscribe { system })?;
        if seq <= 0 {
            return Err(Error::invalid(
                "sequence",
                "must be a delivered event's sequence",
            ));
        }
        // A cursor past what was delivered would skip the events after it
        // unseen: only a sequence this system was sent may be acknowledged.
        let sent = self.store.events_for(system, seq - 1, 1).await?;
        if sent.first().map(|e| e.seq) != Some(seq) {
            return Err(Error::FailedPrecondition {
                reason: "SEQUENCE_NOT_DELIVERED",
                message: format!("sequence {seq} is not an event sent to {system}"),
            });
        }
        self.store
            .acknowledge(system, seq, self.clock.now())
            .await?;
        Ok(())
    }
}
