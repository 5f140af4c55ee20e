//! Multi-row writes for big changes (a batch of submissions, a bulk load):
//! runs of plain inserts become a few multi-row statements, and the audit
//! chain is extended by many entries in one go. Each statement crossing to
//! the database (on SQLite, to sqlx's worker thread) costs more than the
//! rows it carries, so fewer, bigger statements are what makes a batch fast.

/// Rows per multi-row statement: well under both databases' bind limits,
/// and few distinct statement texts for the prepared-statement cache.
pub(crate) const CHUNK: usize = 64;

/// Defines `apply_ops`, `append_audit_batch` and `insert_events` on a store
/// struct for backend `$db`.
macro_rules! impl_bulk {
    ($store:ty, $db:ty) => {
        impl $store {
            /// Blocking keys as (key, system, local ID) rows, many to a
            /// statement: the one writer of `link_keys`, for new links and
            /// for a re-keying alike.
            pub(crate) async fn insert_link_keys(
                tx: &mut sqlx::Transaction<'_, $db>,
                keys: &[(&str, &str, &str)],
            ) -> $crate::store::StoreResult<()> {
                use $crate::store::sql::{bulk::CHUNK, value_rows};
                for chunk in keys.chunks(CHUNK * 3) {
                    let sql = format!(
                        "INSERT INTO link_keys (match_key, system, local_id) VALUES {} \
                         ON CONFLICT DO NOTHING",
                        value_rows(Self::PARAMS, chunk.len(), 3)
                    );
                    let mut query = sqlx::query(&sql);
                    for (key, system, local_id) in chunk {
                        query = query.bind(*key).bind(*system).bind(*local_id);
                    }
                    query.execute(&mut **tx).await?;
                }
                Ok(())
            }

            /// Applies ops in order; consecutive inserts of customers, links,
            /// review tasks and saved requests go as multi-row statements
            /// (customers first, as links and tasks refer to them).
            async fn apply_ops(
                tx: &mut sqlx::Transaction<'_, $db>,
                ops: &[$crate::store::Op],
            ) -> $crate::store::StoreResult<()> {
                use $crate::store::Op;
                let bulk = |op: &Op| {
                    matches!(
                        op,
                        Op::InsertCustomer { .. }
                            | Op::InsertLink { .. }
                            | Op::InsertReviewTask(_)
                            | Op::SaveRequest { .. }
                    )
                };
                let mut rest = ops;
                while !rest.is_empty() {
                    let run = rest.iter().take_while(|op| bulk(op)).count();
                    if run == 0 {
                        Self::apply_op(tx, &rest[0]).await?;
                        rest = &rest[1..];
                        continue;
                    }
                    let (inserts, after) = rest.split_at(run);
                    Self::insert_run(tx, inserts).await?;
                    rest = after;
                }
                Ok(())
            }

            async fn insert_run(
                tx: &mut sqlx::Transaction<'_, $db>,
                ops: &[$crate::store::Op],
            ) -> $crate::store::StoreResult<()> {
                use $crate::store::Op;
                use $crate::store::rows::{address_lines_json, json};
                use $crate::store::sql::{bulk::CHUNK, value_rows};
                let customers: Vec<&$crate::record::Customer> = ops
                    .iter()
                    .filter_map(|op| match op {
                        Op::InsertCustomer { customer } => Some(customer),
                        _ => None,
                    })
                    .collect();
                for chunk in customers.chunks(CHUNK) {
                    let sql = format!(
                        "INSERT INTO customers (id, given_name, middle_name, family_name, \
                         date_of_birth, gender, address_lines, town, postcode, uprn, version, \
                         created_at, updated_at, minor_basis, processing_restricted, legal_hold) \
                         VALUES {}",
                        value_rows(Self::PARAMS, chunk.len(), 16)
                    );
                    let mut query = sqlx::query(&sql);
                    for customer in chunk {
                        let p = &customer.person;
                        let (basis, processing, hold) =
                            $crate::store::rows::flag_columns(&customer.flags)?;
                        query = query
                            .bind(customer.id.as_str())
                            .bind(&p.name.given)
                            .bind(&p.name.middle)
                            .bind(&p.name.family)
                            .bind(p.date_of_birth.date())
                            .bind(p.gender.as_str())
                            .bind(address_lines_json(&p.address))
                            .bind(&p.address.town)
                            .bind(p.address.postcode.as_str())
                            .bind(p.address.uprn.as_ref().map(|u| u.as_str()))
                            .bind(customer.version)
                            .bind(customer.created_at)
                            .bind(customer.updated_at)
                            .bind(basis)
                            .bind(processing)
                            .bind(hold);
                    }
                    query.execute(&mut **tx).await?;
                }
                let links: Vec<_> = ops
                    .iter()
                    .filter_map(|op| match op {
                        Op::InsertLink { customer_id, link, record, matching } => {
                            Some((customer_id, link, record, matching))
                        }
                        _ => None,
                    })
                    .collect();
                for chunk in links.chunks(CHUNK) {
                    let sql = format!(
                        "INSERT INTO links (system, local_id, customer_id, linked_at, method, \
                         confidence, record, updated_at, match_data) VALUES {}",
                        value_rows(Self::PARAMS, chunk.len(), 9)
                    );
                    let mut query = sqlx::query(&sql);
                    for (customer_id, link, record, matching) in chunk {
                        query = query
                            .bind(link.system.as_str())
                            .bind(link.local_id.as_str())
                            .bind(customer_id.as_str())
                            .bind(link.linked_at)
                            .bind(&link.method)
                            .bind(link.confidence)
                            .bind(json(record)?)
                            .bind(link.linked_at)
                            .bind(&matching.normalised);
                    }
                    query.execute(&mut **tx).await?;
                }
                let keys: Vec<(&str, &str, &str)> = links
                    .iter()
                    .flat_map(|(_, _, record, matching)| {
                        matching.keys.iter().map(move |k| {
                            (k.as_str(), record.system.as_str(), record.local_id.as_str())
                        })
                    })
                    .collect();
                Self::insert_link_keys(tx, &keys).await?;
                let tasks: Vec<&$crate::review::ReviewTask> = ops
                    .iter()
                    .filter_map(|op| match op {
                        Op::InsertReviewTask(t) => Some(t),
                        _ => None,
                    })
                    .collect();
                for chunk in tasks.chunks(CHUNK) {
                    let sql = format!(
                        "INSERT INTO review_tasks (id, customer_id, candidate_id, score, \
                         explanation, status, created_at) VALUES {}",
                        value_rows(Self::PARAMS, chunk.len(), 7)
                    );
                    let mut query = sqlx::query(&sql);
                    for t in chunk {
                        query = query
                            .bind(&t.id)
                            .bind(t.customer_id.as_str())
                            .bind(t.candidate_id.as_str())
                            .bind(t.score)
                            .bind(t.explanation.to_string())
                            .bind(t.status.as_str())
                            .bind(t.created_at);
                    }
                    query.execute(&mut **tx).await?;
                }
                let requests: Vec<_> = ops
                    .iter()
                    .filter_map(|op| match op {
                        Op::SaveRequest { scope, request_id, fingerprint, response, at } => {
                            Some((scope, request_id, fingerprint, response, at))
                        }
                        _ => None,
                    })
                    .collect();
                for chunk in requests.chunks(CHUNK) {
                    let sql = format!(
                        "INSERT INTO requests (scope, request_id, fingerprint, response, created_at) \
                         VALUES {}",
                        value_rows(Self::PARAMS, chunk.len(), 5)
                    );
                    let mut query = sqlx::query(&sql);
                    for (scope, request_id, fingerprint, response, at) in chunk {
                        query = query
                            .bind(*scope)
                            .bind(*request_id)
                            .bind(*fingerprint)
                            .bind(*response)
                            .bind(**at);
                    }
                    query.execute(&mut **tx).await?;
                }
                Ok(())
            }

            /// Extends the audit chain by `entries`, hashed here in order.
            /// Bumping the head first takes its row lock (PostgreSQL; SQLite
            /// has one writer anyway), so concurrent appends queue and each
            /// reads the true last hash.
            async fn append_audit_batch(
                tx: &mut sqlx::Transaction<'_, $db>,
                keys: &$crate::audit::Keyring,
                entries: &[$crate::store::AuditEntry],
            ) -> $crate::store::StoreResult<()> {
                use $crate::store::sql::{bulk::CHUNK, value_rows};
                if entries.is_empty() {
                    return Ok(());
                }
                let head: $crate::store::privacy_rows::HeadRow = sqlx::query_as(
                    "UPDATE audit_head SET entries = entries + $1 WHERE id = 1 \
                     RETURNING entries - $1 AS entries, last_seq, hash, keyed_from, key_id, mac",
                )
                .bind(entries.len() as i64)
                .fetch_one(&mut **tx)
                .await?;
                let head = head.into_domain();
                if !$crate::audit::extendable(keys, &head) {
                    return Err($crate::store::StoreError::Internal(
                        "the audit head is not sealed by a configured audit key: \
                         verify the log (scr-hub audit verify)"
                            .into(),
                    ));
                }
                let entries_now = head.entries + entries.len() as i64;
                let keyed_from = head.keyed_from;
                let mut prev = head.hash;
                let key = keys.active();
                let mut chained = Vec::with_capacity(entries.len());
                for entry in entries {
                    let hash = $crate::audit::keyed_hash(key, &prev, entry);
                    chained.push((entry, std::mem::replace(&mut prev, hash.clone()), hash));
                }
                let mut first_seq = i64::MAX;
                let mut last_seq = 0i64;
                // Sequence numbers are handed out in row order, so the
                // chain's order is the log's.
                for chunk in chained.chunks(CHUNK) {
                    let sql = format!(
                        "INSERT INTO audit_log (at, caller, role, operation, customer_id, purpose, \
                         prev_hash, hash, key_id) VALUES {} RETURNING seq",
                        value_rows(Self::PARAMS, chunk.len(), 9)
                    );
                    let mut query = sqlx::query_as::<_, (i64,)>(&sql);
                    for (entry, prev_hash, hash) in chunk {
                        query = query
                            .bind($crate::audit::stored_instant(entry.at))
                            .bind(&entry.caller)
                            .bind(entry.role.as_str())
                            .bind(&entry.operation)
                            .bind(entry.customer_id.as_ref().map(|c| c.as_str()))
                            .bind(&entry.purpose)
                            .bind(prev_hash)
                            .bind(hash)
                            .bind(key.id());
                    }
                    for (seq,) in query.fetch_all(&mut **tx).await? {
                        last_seq = last_seq.max(seq);
                        first_seq = first_seq.min(seq);
                    }
                }
                let head = $crate::store::AuditHead {
                    entries: entries_now,
                    last_seq,
                    hash: prev,
                    keyed_from: if keyed_from == 0 { first_seq } else { keyed_from },
                    key_id: Some(key.id().to_owned()),
                    mac: None,
                };
                sqlx::query(
                    "UPDATE audit_head SET last_seq = $1, hash = $2, keyed_from = $3, key_id = $4, \
                     mac = $5 WHERE id = 1",
                )
                .bind(head.last_seq)
                .bind(&head.hash)
                .bind(head.keyed_from)
                .bind(key.id())
                .bind($crate::audit::seal(key, &head))
                .execute(&mut **tx)
                .await?;
                Ok(())
            }

            /// Seals a head never sealed before with the active key, if it is
            /// still `expected` (the state the operator verified).
            async fn seal_audit_head(
                tx: &mut sqlx::Transaction<'_, $db>,
                keys: &$crate::audit::Keyring,
                expected: &$crate::store::AuditHead,
            ) -> $crate::store::StoreResult<()> {
                let key = keys.active();
                let done = sqlx::query(
                    "UPDATE audit_head SET key_id = $1, mac = $2 WHERE id = 1 AND mac IS NULL \
                     AND keyed_from = 0 AND entries = $3 AND last_seq = $4 AND hash = $5",
                )
                .bind(key.id())
                .bind($crate::audit::seal(key, expected))
                .bind(expected.entries)
                .bind(expected.last_seq)
                .bind(&expected.hash)
                .execute(&mut **tx)
                .await?;
                if done.rows_affected() != 1 {
                    return Err($crate::store::StoreError::Conflict);
                }
                Ok(())
            }

            /// Writes events to the outbox; returns the last sequence number.
            async fn insert_events(
                tx: &mut sqlx::Transaction<'_, $db>,
                events: &[$crate::store::NewEvent],
            ) -> $crate::store::StoreResult<Option<i64>> {
                use $crate::store::sql::{bulk::CHUNK, value_rows};
                let mut last_seq = None;
                for chunk in events.chunks(CHUNK) {
                    let sql = format!(
                        "INSERT INTO outbox (event_id, system, customer_id, event_type, data, \
                         occurred_at) VALUES {} RETURNING seq",
                        value_rows(Self::PARAMS, chunk.len(), 6)
                    );
                    let mut query = sqlx::query_as::<_, (i64,)>(&sql);
                    for event in chunk {
                        query = query
                            .bind(&event.event_id)
                            .bind(event.system.as_str())
                            .bind(event.customer_id.as_str())
                            .bind(&event.event_type)
                            .bind(event.data.to_string())
                            .bind(event.at);
                    }
                    for (seq,) in query.fetch_all(&mut **tx).await? {
                        last_seq = Some(last_seq.map_or(seq, |l: i64| l.max(seq)));
                    }
                }
                Ok(last_seq)
            }
        }
    };
}

pub(crate) use impl_bulk;
