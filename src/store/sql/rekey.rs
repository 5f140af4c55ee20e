//! Blocking keys made by an older scheme are re-made when the store opens:
//! a record keyed the old way would otherwise never meet a record keyed the
//! new way. Keys are a function of the stored matching form alone
//! (`links.match_data`), so they can always be re-derived.

/// Links re-keyed per read.
pub(crate) const PAGE: i64 = 1_000;

/// Defines `rekey` on a store struct for backend `$db`.
macro_rules! impl_rekey {
    ($store:ty, $db:ty) => {
        impl $store {
            /// Re-makes every link's keys with `blocking::keys` when the
            /// stored scheme is older than `blocking::SCHEME`; returns how
            /// many links were re-keyed. One transaction, which first moves
            /// the scheme on: a replica starting at the same time waits for
            /// it and then finds nothing to do, and an interrupted run
            /// leaves the old keys and the old scheme, to run again.
            pub(crate) async fn rekey(&self) -> $crate::store::StoreResult<usize> {
                use $crate::matching::{Subject, blocking};
                let mut tx = self.write.begin().await?;
                let moved =
                    sqlx::query("UPDATE key_scheme SET version = $1 WHERE id = 1 AND version < $2")
                        .bind(blocking::SCHEME)
                        .bind(blocking::SCHEME)
                        .execute(&mut *tx)
                        .await?;
                if moved.rows_affected() == 0 {
                    return Ok(0);
                }
                // Every link is re-keyed below, in this transaction, so the
                // old keys can all go at once.
                sqlx::query("DELETE FROM link_keys")
                    .execute(&mut *tx)
                    .await?;
                let mut after = (String::new(), String::new());
                let mut done = 0;
                loop {
                    let page: Vec<(String, String, String)> = sqlx::query_as(
                        "SELECT system, local_id, match_data FROM links \
                         WHERE system > $1 OR (system = $2 AND local_id > $3) \
                         ORDER BY system, local_id LIMIT $4",
                    )
                    .bind(&after.0)
                    .bind(&after.0)
                    .bind(&after.1)
                    .bind($crate::store::sql::rekey::PAGE)
                    .fetch_all(&mut *tx)
                    .await?;
                    let Some((system, local_id, _)) = page.last() else {
                        break;
                    };
                    after = (system.clone(), local_id.clone());
                    done += page.len();
                    let made: Vec<(String, &str, &str)> = page
                        .iter()
                        .flat_map(|(system, local_id, stored)| {
                            blocking::keys(&Subject::from_stored(stored))
                                .into_iter()
                                .map(move |k| (k, system.as_str(), local_id.as_str()))
                        })
                        .collect();
                    let keys: Vec<(&str, &str, &str)> = made
                        .iter()
                        .map(|(key, system, local_id)| (key.as_str(), *system, *local_id))
                        .collect();
                    Self::insert_link_keys(&mut tx, &keys).await?;
                }
                tx.commit().await?;
                tracing::info!(
                    links = done,
                    scheme = blocking::SCHEME,
                    "blocking keys re-made"
                );
                Ok(done)
            }
        }
    };
}

pub(crate) use impl_rekey;
