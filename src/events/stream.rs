//! A subscriber's stream: the backlog after its cursor, then live events as
//! soon as they commit (woken by the store's outbox signal, not polling).

use crate::error::Error;
use crate::record::SystemCode;
use crate::store::{Store, StoredEvent};
use std::sync::Arc;
use tokio::sync::mpsc;

/// Events read from the store per round trip.
const PAGE: i64 = 500;
/// Events buffered ahead of a slow subscriber before reading pauses.
const BUFFER: usize = 1024;

/// Streams `system`'s events after `after_seq` until the receiver is dropped
/// or `closing` turns true (the service is stopping).
pub fn subscribe(
    store: Arc<dyn Store>,
    system: SystemCode,
    after_seq: i64,
    mut closing: tokio::sync::watch::Receiver<bool>,
) -> mpsc::Receiver<Result<StoredEvent, Error>> {
    let (tx, rx) = mpsc::channel(BUFFER);
    tokio::spawn(async move {
        let mut signal = store.outbox_signal();
        let mut cursor = after_seq;
        loop {
            if *closing.borrow_and_update() {
                return;
            }
            // Mark the signal seen before reading, so a commit that lands
            // after the read still wakes the wait below.
            signal.borrow_and_update();
            let page = match store.events_for(&system, cursor, PAGE).await {
                Ok(page) => page,
                Err(e) => {
                    let _ = tx.send(Err(e.into())).await;
                    return;
                }
            };
            if page.is_empty() {
                tokio::select! {
                    changed = signal.changed() => if changed.is_err() { return },
                    _ = closing.changed() => {},
                    _ = tx.closed() => return,
                }
                continue;
            }
            for event in page {
                cursor = event.seq;
                tokio::select! {
                    sent = tx.send(Ok(event)) => if sent.is_err() { return },
                    _ = closing.changed() => return,
                }
            }
        }
    });
    rx
}
