//! Plan-and-apply with idempotency keys and optimistic-concurrency retries,
//! shared by every write a caller may repeat.

use super::{Hub, MAX_ATTEMPTS};
use crate::error::{Error, Result};
use crate::store::{Change, Op, StoreError, StoredRequest};
use serde::Serialize;
use serde::de::DeserializeOwned;
use sha2::{Digest, Sha256};
use std::future::Future;

/// Identifies a request's content, so a reused request_id with other content
/// is caught rather than silently answered with the first result.
pub fn fingerprint(request: &impl Serialize) -> Result<String> {
    let json = serde_json::to_vec(request).map_err(|e| Error::Internal(e.to_string()))?;
    Ok(hex::encode(Sha256::digest(json)))
}

/// The first answer to a repeated request, if it is the same request.
pub(super) fn replay<T: DeserializeOwned>(
    previous: &StoredRequest,
    fingerprint: &str,
) -> Result<T> {
    if previous.fingerprint != fingerprint {
        return Err(Error::FailedPrecondition {
            reason: "REQUEST_ID_REUSED",
            message: "request_id was already used for a different request".into(),
        });
    }
    serde_json::from_str(&previous.response)
        .map_err(|e| Error::Internal(format!("stored response: {e}")))
}

impl Hub {
    /// Plans a change from fresh reads and applies it, re-planning when a
    /// concurrent writer wins. With a request ID, a repeat of the same
    /// request returns the first answer and changes nothing.
    pub(super) async fn run_idempotent<T, F, Fut>(
        &self,
        scope: &str,
        request_id: Option<&str>,
        fingerprint: &str,
        mut plan: F,
    ) -> Result<T>
    where
        T: Serialize + DeserializeOwned,
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<(T, Change)>>,
    {
        for _ in 0..MAX_ATTEMPTS {
            if let Some(request_id) = request_id
                && let Some(previous) = self.store.find_request(scope, request_id).await?
            {
                return replay(&previous, fingerprint);
            }
            let (result, mut change) = plan().await?;
            if let Some(request_id) = request_id {
                change.ops.push(Op::SaveRequest {
                    scope: scope.to_owned(),
                    request_id: request_id.to_owned(),
                    fingerprint: fingerprint.to_owned(),
                    response: serde_json::to_string(&result)
                        .map_err(|e| Error::Internal(e.to_string()))?,
                    at: self.clock.now(),
                });
            }
            match self.store.apply(change).await {
                Ok(_) => return Ok(result),
                Err(StoreError::Conflict) => continue,
                Err(e) => return Err(e.into()),
            }
        }
        Err(Error::Unavailable(
            "too many concurrent updates to this record, please retry".into(),
        ))
    }
}
