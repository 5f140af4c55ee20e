//! The SQL both backends share. The statements are plain SQL that SQLite and
//! PostgreSQL both accept (`$n` placeholders, `ON CONFLICT`, `RETURNING`);
//! `impl_store!` expands the one body for each backend's pool type, and the
//! conformance suite in tests/store checks it on both. Generated lists of
//! parameters take each backend's style (`Self::PARAMS`, `?` on SQLite), and
//! batch reads by ID are each backend's own `rows_by_ids` and
//! `rows_by_links` (see `lists`).

pub(crate) mod bulk;
mod counts;
mod lists;
mod ops;
mod privacy;
mod reads;
pub(crate) mod rekey;
mod rights;
mod sources;

pub(crate) use bulk::impl_bulk;
pub(crate) use counts::impl_counts;
pub(crate) use lists::{ByIds, ByLinks, Params, distinct, distinct_links, value_rows};
pub(crate) use ops::impl_ops;
pub(crate) use privacy::impl_privacy;
pub(crate) use reads::impl_reads;
pub(crate) use rekey::impl_rekey;
pub(crate) use rights::impl_rights;
pub(crate) use sources::impl_sources;

/// The chunk padded to the next power of two by repeating its last item:
/// an `IN` list or a count ignores repeats, and a few statement texts per
/// kind stay prepared instead of one per batch size.
pub(crate) fn padded<T: Copy>(chunk: &[T]) -> Vec<T> {
    let mut out = chunk.to_vec();
    if let Some(&last) = chunk.last() {
        out.resize(chunk.len().next_power_of_two(), last);
    }
    out
}

/// Implements `Store` for a struct with `read` and `write` pools of `$db`.
macro_rules! impl_store {
    ($store:ty, $db:ty) => {
        $crate::store::sql::impl_ops!($store, $db);
        $crate::store::sql::impl_bulk!($store, $db);
        $crate::store::sql::impl_reads!($store, $db);
        $crate::store::sql::impl_privacy!($store, $db);
        $crate::store::sql::impl_rights!($store, $db);
        $crate::store::sql::impl_sources!($store, $db);
        $crate::store::sql::impl_rekey!($store, $db);
        $crate::store::sql::impl_counts!($store, $db);

        impl $store {
            /// `n` placeholders from parameter `first` in this backend's
            /// style (`Self::PARAMS`); the rest of the statement must use it
            /// too.
            pub(crate) fn params(first: usize, n: usize) -> String {
                Self::PARAMS.list(first, n)
            }
        }

        #[async_trait::async_trait]
        impl $crate::store::Store for $store {
            fn audit_keys(&self) -> &$crate::audit::Keyring {
                &self.audit_keys
            }

            fn concurrent_writers(&self) -> bool {
                Self::CONCURRENT_WRITERS
            }

            #[tracing::instrument(name = "store.ping", skip_all, fields(db.system.name = Self::DB_SYSTEM))]
            async fn ping(&self) -> $crate::store::StoreResult<()> {
                sqlx::query("SELECT 1").execute(&self.read).await?;
                Ok(())
            }

            #[tracing::instrument(name = "store.find_link", skip_all, fields(db.system.name = Self::DB_SYSTEM, system = %system))]
            async fn find_link(
                &self,
                system: &$crate::record::SystemCode,
                local_id: &$crate::record::LocalId,
            ) -> $crate::store::StoreResult<Option<$crate::store::LinkedRecord>> {
                self.read_link(system, local_id).await
            }

            #[tracing::instrument(name = "store.find_links", skip_all, fields(db.system.name = Self::DB_SYSTEM, ids = ids.len()))]
            async fn find_links(
                &self,
                ids: &[$crate::record::LinkRef],
            ) -> $crate::store::StoreResult<Vec<$crate::store::LinkedRecord>> {
                self.read_links(ids).await
            }

            #[tracing::instrument(name = "store.key_members", skip_all, fields(db.system.name = Self::DB_SYSTEM, keys = keys.len()))]
            async fn key_members(
                &self,
                keys: &[String],
                per_key_limit: i64,
            ) -> $crate::store::StoreResult<$crate::store::KeyMembers> {
                self.read_key_members(keys, per_key_limit).await
            }

            #[tracing::instrument(name = "store.candidate_records", skip_all, fields(db.system.name = Self::DB_SYSTEM, links = links.len()))]
            async fn candidate_records(
                &self,
                links: &[$crate::record::LinkRef],
            ) -> $crate::store::StoreResult<Vec<$crate::store::CandidateRecord>> {
                self.read_candidate_records(links).await
            }

            #[tracing::instrument(name = "store.find_requests", skip_all, fields(db.system.name = Self::DB_SYSTEM, scope = scope, requests = request_ids.len()))]
            async fn find_requests(
                &self,
                scope: &str,
                request_ids: &[String],
            ) -> $crate::store::StoreResult<Vec<(String, $crate::store::StoredRequest)>> {
                self.read_requests(scope, request_ids).await
            }

            #[tracing::instrument(name = "store.erased_links", skip_all, fields(db.system.name = Self::DB_SYSTEM, hashes = link_hashes.len()))]
            async fn erased_links(
                &self,
                link_hashes: &[String],
            ) -> $crate::store::StoreResult<Vec<String>> {
                self.read_erased_links(link_hashes).await
            }

            #[tracing::instrument(name = "store.load_customer", skip_all, fields(db.system.name = Self::DB_SYSTEM, customer_id = %id))]
            async fn load_customer(
                &self,
                id: &$crate::record::CustomerId,
            ) -> $crate::store::StoreResult<Option<$crate::record::Customer>> {
                self.read_customer(id).await
            }

            #[tracing::instrument(name = "store.review_task", skip_all, fields(db.system.name = Self::DB_SYSTEM, task_id = %id))]
            async fn review_task(
                &self,
                id: &str,
            ) -> $crate::store::StoreResult<Option<$crate::review::ReviewTask>> {
                self.read_review_task(id).await
            }

            #[tracing::instrument(name = "store.review_tasks", skip_all, fields(db.system.name = Self::DB_SYSTEM))]
            async fn review_tasks(
                &self,
                after: Option<$crate::review::QueuePlace>,
                limit: i64,
                include_resolved: bool,
            ) -> $crate::store::StoreResult<Vec<$crate::review::ReviewTask>> {
                self.read_review_tasks(after, limit, include_resolved).await
            }

            #[tracing::instrument(name = "store.distinct_pairs_among", skip_all, fields(db.system.name = Self::DB_SYSTEM, customers = customers.len()))]
            async fn distinct_pairs_among(
                &self,
                customers: &[$crate::record::CustomerId],
            ) -> $crate::store::StoreResult<Vec<($crate::record::CustomerId, $crate::record::CustomerId)>> {
                self.read_distinct_pairs_among(customers).await
            }

            #[tracing::instrument(name = "store.known_distinct", skip_all, fields(db.system.name = Self::DB_SYSTEM, a = %a, b = %b))]
            async fn known_distinct(
                &self,
                a: &$crate::record::CustomerId,
                b: &$crate::record::CustomerId,
            ) -> $crate::store::StoreResult<bool> {
                self.read_known_distinct(a, b).await
            }

            #[tracing::instrument(name = "store.lineage", skip_all, fields(db.system.name = Self::DB_SYSTEM, customer_id = %id))]
            async fn lineage(
                &self,
                id: &$crate::record::CustomerId,
            ) -> $crate::store::StoreResult<Vec<$crate::review::Lineage>> {
                self.read_lineage(id).await
            }

            #[tracing::instrument(name = "store.latest_weights", skip_all, fields(db.system.name = Self::DB_SYSTEM))]
            async fn latest_weights(&self) -> $crate::store::StoreResult<Option<String>> {
                self.read_latest_weights().await
            }

            #[tracing::instrument(name = "store.match_records", skip_all, fields(db.system.name = Self::DB_SYSTEM, limit))]
            async fn match_records(
                &self,
                after: Option<&$crate::record::LinkRef>,
                limit: i64,
            ) -> $crate::store::StoreResult<Vec<$crate::store::CandidateRecord>> {
                self.read_match_records(after, limit).await
            }

            #[tracing::instrument(name = "store.consent_history", skip_all, fields(db.system.name = Self::DB_SYSTEM, customer_id = %customer))]
            async fn consent_history(
                &self,
                customer: &$crate::record::CustomerId,
            ) -> $crate::store::StoreResult<Vec<$crate::consent::ConsentEvent>> {
                self.read_consent_history(customer).await
            }

            #[tracing::instrument(name = "store.events_for", skip_all, fields(db.system.name = Self::DB_SYSTEM, system = %system, after_seq))]
            async fn events_for(
                &self,
                system: &$crate::record::SystemCode,
                after_seq: i64,
                limit: i64,
            ) -> $crate::store::StoreResult<Vec<$crate::store::StoredEvent>> {
                self.read_events(Some(system.as_str()), after_seq, limit).await
            }

            #[tracing::instrument(name = "store.events_after", skip_all, fields(db.system.name = Self::DB_SYSTEM, after_seq))]
            async fn events_after(
                &self,
                after_seq: i64,
                limit: i64,
            ) -> $crate::store::StoreResult<Vec<$crate::store::StoredEvent>> {
                self.read_events(None, after_seq, limit).await
            }

            #[tracing::instrument(name = "store.customer_changes_after", skip_all, fields(db.system.name = Self::DB_SYSTEM, after_seq))]
            async fn customer_changes_after(
                &self,
                after_seq: i64,
                limit: i64,
            ) -> $crate::store::StoreResult<Vec<(i64, $crate::record::CustomerId)>> {
                let rows: Vec<(i64, String)> = sqlx::query_as(
                    "SELECT seq, customer_id FROM outbox WHERE seq > $1 ORDER BY seq LIMIT $2",
                )
                .bind(after_seq)
                .bind(limit)
                .fetch_all(&self.read)
                .await?;
                rows.into_iter()
                    .map(|(seq, id)| Ok((seq, $crate::store::rows::customer_id(&id)?)))
                    .collect()
            }

            #[tracing::instrument(name = "store.value_counts", skip_all, fields(db.system.name = Self::DB_SYSTEM, values = values.len()))]
            async fn value_counts(
                &self,
                values: &[($crate::matching::compare::Field, String)],
            ) -> $crate::store::StoreResult<$crate::matching::Frequencies> {
                self.read_value_counts(values).await
            }

            #[tracing::instrument(name = "store.recount_values", skip_all, fields(db.system.name = Self::DB_SYSTEM))]
            async fn recount_values(&self) -> $crate::store::StoreResult<usize> {
                self.count_values(false).await
            }

            #[tracing::instrument(name = "store.refresh_statistics", skip_all, fields(db.system.name = Self::DB_SYSTEM))]
            async fn refresh_statistics(&self) -> $crate::store::StoreResult<()> {
                self.analyze().await
            }

            #[tracing::instrument(name = "store.outbox_head", skip_all, fields(db.system.name = Self::DB_SYSTEM))]
            async fn outbox_head(&self) -> $crate::store::StoreResult<i64> {
                let (seq,): (Option<i64>,) = sqlx::query_as("SELECT MAX(seq) FROM outbox")
                    .fetch_one(&self.read)
                    .await?;
                Ok(seq.unwrap_or(0))
            }

            #[tracing::instrument(name = "store.customer_ids_after", skip_all, fields(db.system.name = Self::DB_SYSTEM, limit))]
            async fn customer_ids_after(
                &self,
                after: Option<&$crate::record::CustomerId>,
                limit: i64,
            ) -> $crate::store::StoreResult<Vec<$crate::record::CustomerId>> {
                let rows: Vec<(String,)> = sqlx::query_as(
                    "SELECT id FROM customers WHERE id > $1 ORDER BY id LIMIT $2",
                )
                .bind(after.map_or("", |a| a.as_str()))
                .bind(limit)
                .fetch_all(&self.read)
                .await?;
                rows.into_iter()
                    .map(|(id,)| $crate::store::rows::customer_id(&id))
                    .collect()
            }

            #[tracing::instrument(name = "store.search_sources", skip_all, fields(db.system.name = Self::DB_SYSTEM, customers))]
            async fn search_sources(
                &self,
                page: $crate::store::CustomerPage<'_>,
            ) -> $crate::store::StoreResult<Vec<$crate::store::SearchSource>> {
                self.read_search_sources(page).await
            }

            #[tracing::instrument(name = "store.verification_facts", skip_all, fields(db.system.name = Self::DB_SYSTEM, customer_id = %customer))]
            async fn verification_facts(
                &self,
                customer: &$crate::record::CustomerId,
            ) -> $crate::store::StoreResult<Vec<$crate::store::VerificationFact>> {
                let rows: Vec<(String, String, String)> = sqlx::query_as(
                    "SELECT kind, salt, hash FROM verification_facts WHERE customer_id = $1 ORDER BY kind",
                )
                .bind(customer.as_str())
                .fetch_all(&self.read)
                .await?;
                Ok(rows
                    .into_iter()
                    .map(|(kind, salt, hash)| $crate::store::VerificationFact { kind, salt, hash })
                    .collect())
            }

            #[tracing::instrument(name = "store.verification_failures_since", skip_all, fields(db.system.name = Self::DB_SYSTEM, customer_id = %customer))]
            async fn verification_failures_since(
                &self,
                customer: &$crate::record::CustomerId,
                since: chrono::DateTime<chrono::Utc>,
            ) -> $crate::store::StoreResult<i64> {
                // The writer pool: a just-recorded failure must count.
                let (n,): (i64,) = sqlx::query_as(
                    "SELECT COUNT(*) FROM verification_attempts \
                     WHERE customer_id = $1 AND at >= $2 AND NOT succeeded",
                )
                .bind(customer.as_str())
                .bind(since)
                .fetch_one(&self.write)
                .await?;
                Ok(n)
            }

            #[tracing::instrument(name = "store.verification_locked_until", skip_all, fields(db.system.name = Self::DB_SYSTEM, customer_id = %customer))]
            async fn verification_locked_until(
                &self,
                customer: &$crate::record::CustomerId,
            ) -> $crate::store::StoreResult<Option<chrono::DateTime<chrono::Utc>>> {
                let row: Option<(chrono::DateTime<chrono::Utc>,)> = sqlx::query_as(
                    "SELECT locked_until FROM verification_locks WHERE customer_id = $1",
                )
                .bind(customer.as_str())
                .fetch_optional(&self.write)
                .await?;
                Ok(row.map(|(until,)| until))
            }

            #[tracing::instrument(name = "store.subscriber_cursor", skip_all, fields(db.system.name = Self::DB_SYSTEM, system = %system))]
            async fn subscriber_cursor(
                &self,
                system: &$crate::record::SystemCode,
            ) -> $crate::store::StoreResult<Option<i64>> {
                let row: Option<(i64,)> =
                    sqlx::query_as("SELECT acked_seq FROM subscriber_cursors WHERE system = $1")
                        .bind(system.as_str())
                        .fetch_optional(&self.read)
                        .await?;
                Ok(row.map(|(seq,)| seq))
            }

            #[tracing::instrument(name = "store.acknowledge", skip_all, fields(db.system.name = Self::DB_SYSTEM, system = %system, seq))]
            async fn acknowledge(
                &self,
                system: &$crate::record::SystemCode,
                seq: i64,
                at: chrono::DateTime<chrono::Utc>,
            ) -> $crate::store::StoreResult<()> {
                sqlx::query(
                    "INSERT INTO subscriber_cursors (system, acked_seq, updated_at) VALUES ($1, $2, $3) \
                     ON CONFLICT (system) DO UPDATE SET acked_seq = excluded.acked_seq, \
                     updated_at = excluded.updated_at \
                     WHERE subscriber_cursors.acked_seq < excluded.acked_seq",
                )
                .bind(system.as_str())
                .bind(seq)
                .bind(at)
                .execute(&self.write)
                .await?;
                Ok(())
            }

            #[tracing::instrument(name = "store.dispatch_cursor", skip_all, fields(db.system.name = Self::DB_SYSTEM, dispatcher = name))]
            async fn dispatch_cursor(&self, name: &str) -> $crate::store::StoreResult<i64> {
                let row: Option<(i64,)> = sqlx::query_as("SELECT seq FROM dispatch_cursors WHERE name = $1")
                    .bind(name)
                    .fetch_optional(&self.write)
                    .await?;
                Ok(row.map_or(0, |(seq,)| seq))
            }

            #[tracing::instrument(name = "store.set_dispatch_cursor", skip_all, fields(db.system.name = Self::DB_SYSTEM, dispatcher = name, seq))]
            async fn set_dispatch_cursor(
                &self,
                name: &str,
                seq: i64,
                at: chrono::DateTime<chrono::Utc>,
            ) -> $crate::store::StoreResult<()> {
                sqlx::query(
                    "INSERT INTO dispatch_cursors (name, seq, updated_at) VALUES ($1, $2, $3) \
                     ON CONFLICT (name) DO UPDATE SET seq = excluded.seq, updated_at = excluded.updated_at",
                )
                .bind(name)
                .bind(seq)
                .bind(at)
                .execute(&self.write)
                .await?;
                Ok(())
            }

            #[tracing::instrument(name = "store.dispatch", skip_all, fields(db.system.name = Self::DB_SYSTEM, dispatcher = name))]
            async fn dispatch(
                &self,
                name: &str,
                limit: i64,
                sink: &dyn $crate::store::EventSink,
            ) -> $crate::store::StoreResult<usize> {
                self.dispatch_batch(name, limit, sink).await
            }

            fn outbox_signal(&self) -> tokio::sync::watch::Receiver<u64> {
                self.signal.subscribe()
            }

            #[tracing::instrument(name = "store.find_request", skip_all, fields(db.system.name = Self::DB_SYSTEM, scope = scope))]
            async fn find_request(
                &self,
                scope: &str,
                request_id: &str,
            ) -> $crate::store::StoreResult<Option<$crate::store::StoredRequest>> {
                let row: Option<(String, String)> = sqlx::query_as(
                    "SELECT fingerprint, response FROM requests WHERE scope = $1 AND request_id = $2",
                )
                .bind(scope)
                .bind(request_id)
                .fetch_optional(&self.read)
                .await?;
                Ok(row.map(|(fingerprint, response)| $crate::store::StoredRequest { fingerprint, response }))
            }

            #[tracing::instrument(
        name = "store.apply",
        skip_all,
        fields(
            db.system.name = Self::DB_SYSTEM,
            ops = change.ops.len(),
            audit = change.audit.len(),
            events = change.events.len()
        )
    )]
            async fn apply(
                &self,
                change: $crate::store::Change,
            ) -> $crate::store::StoreResult<Option<i64>> {
                let mut tx = self.write.begin().await?;
                for op in &change.ops {
                    if let $crate::store::Op::SealAuditHead { expected } = op {
                        Self::seal_audit_head(&mut tx, &self.audit_keys, expected).await?;
                    }
                }
                Self::apply_ops(&mut tx, &change.ops).await?;
                Self::append_audit_batch(&mut tx, &self.audit_keys, &change.audit).await?;
                let mut changed = change.changed_customers();
                for op in &change.ops {
                    if let $crate::store::Op::UpdateLinkRecord { record, .. } = op {
                        let row: Option<(String,)> = sqlx::query_as(
                            "SELECT customer_id FROM links WHERE system = $1 AND local_id = $2",
                        )
                        .bind(record.system.as_str())
                        .bind(record.local_id.as_str())
                        .fetch_optional(&mut *tx)
                        .await?;
                        if let Some((id,)) = row {
                            let id = $crate::store::rows::customer_id(&id)?;
                            if !changed.contains(&id) {
                                changed.push(id);
                            }
                        }
                    }
                }
                if !change.events.is_empty() || !changed.is_empty() {
                    Self::before_outbox(&mut tx).await?;
                }
                // Internal rows (system '') tell the search indexer which
                // customers changed; subscribers and dispatchers skip them.
                // Many rows to a statement: a batched change (bulk load)
                // names thousands of customers.
                // Every change naming a customer carries its time.
                let now = change.occurred_at().unwrap_or_default();
                for chunk in changed.chunks(500) {
                    let values: Vec<String> = (0..chunk.len())
                        .map(|k| format!("({}, '', 'customer_changed', '{{}}')", Self::params(3 * k + 1, 3)))
                        .collect();
                    let sql = format!(
                        "INSERT INTO outbox (event_id, customer_id, occurred_at, system, event_type, data) VALUES {}",
                        values.join(", ")
                    );
                    let mut query = sqlx::query(&sql);
                    for id in chunk {
                        query = query.bind(uuid::Uuid::new_v4().to_string()).bind(id.as_str()).bind(now);
                    }
                    query.execute(&mut *tx).await?;
                }
                let last_seq = Self::insert_events(&mut tx, &change.events).await?;
                tx.commit().await?;
                if last_seq.is_some() || !changed.is_empty() {
                    self.signal.send_modify(|n| *n = n.wrapping_add(1));
                }
                Ok(last_seq)
            }

            #[tracing::instrument(name = "store.need_to_know_grants", skip_all, fields(db.system.name = Self::DB_SYSTEM, customer_id = %customer))]
            async fn need_to_know_grants(
                &self,
                customer: &$crate::record::CustomerId,
            ) -> $crate::store::StoreResult<Vec<$crate::record::NeedToKnowGrant>> {
                self.read_grants(customer).await
            }

            #[tracing::instrument(name = "store.erased_link", skip_all, fields(db.system.name = Self::DB_SYSTEM))]
            async fn erased_link(
                &self,
                link_hash: &str,
            ) -> $crate::store::StoreResult<Option<$crate::record::CustomerId>> {
                self.read_erased_link(link_hash).await
            }

            #[tracing::instrument(name = "store.restricted_customers", skip_all, fields(db.system.name = Self::DB_SYSTEM))]
            async fn restricted_customers(
                &self,
            ) -> $crate::store::StoreResult<Vec<$crate::record::CustomerId>> {
                self.read_restricted_customers().await
            }

            #[tracing::instrument(name = "store.audit_entries", skip_all, fields(db.system.name = Self::DB_SYSTEM, after_seq))]
            async fn audit_entries(
                &self,
                after_seq: i64,
                limit: i64,
            ) -> $crate::store::StoreResult<Vec<$crate::store::StoredAudit>> {
                self.read_audit(None, after_seq, limit).await
            }

            #[tracing::instrument(name = "store.access_records", skip_all, fields(db.system.name = Self::DB_SYSTEM, customer_id = %customer))]
            async fn access_records(
                &self,
                customer: &$crate::record::CustomerId,
                after_seq: i64,
                limit: i64,
            ) -> $crate::store::StoreResult<Vec<$crate::store::StoredAudit>> {
                self.read_audit(Some(customer), after_seq, limit).await
            }

            #[tracing::instrument(name = "store.objections", skip_all, fields(db.system.name = Self::DB_SYSTEM, customer_id = %customer))]
            async fn objections(
                &self,
                customer: &$crate::record::CustomerId,
            ) -> $crate::store::StoreResult<Vec<$crate::record::Objection>> {
                self.read_objections(customer).await
            }

            #[tracing::instrument(name = "store.customer_activity", skip_all, fields(db.system.name = Self::DB_SYSTEM, limit))]
            async fn customer_activity(
                &self,
                after: Option<&$crate::record::CustomerId>,
                limit: i64,
            ) -> $crate::store::StoreResult<Vec<$crate::store::CustomerActivity>> {
                self.read_activity(after, limit).await
            }

            #[tracing::instrument(name = "store.equalities_counts", skip_all, fields(db.system.name = Self::DB_SYSTEM, by_system))]
            async fn equalities_counts(
                &self,
                by_system: bool,
            ) -> $crate::store::StoreResult<Vec<$crate::store::EqualitiesRow>> {
                self.read_equalities(by_system).await
            }

            #[tracing::instrument(name = "store.audit_head", skip_all, fields(db.system.name = Self::DB_SYSTEM))]
            async fn audit_head(&self) -> $crate::store::StoreResult<$crate::store::AuditHead> {
                self.read_audit_head().await
            }

            #[tracing::instrument(name = "store.caller_by_token_hash", skip_all, fields(db.system.name = Self::DB_SYSTEM))]
            async fn caller_by_token_hash(
                &self,
                token_sha256: &str,
            ) -> $crate::store::StoreResult<Option<$crate::auth::Caller>> {
                let row: Option<$crate::store::rows::CallerRow> = sqlx::query_as(
                    "SELECT name, role, system, created_at FROM callers \
                     WHERE token_sha256 = $1 AND revoked_at IS NULL",
                )
                .bind(token_sha256)
                .fetch_optional(&self.read)
                .await?;
                row.map(|r| r.into_caller()).transpose()
            }

            #[tracing::instrument(name = "store.list_callers", skip_all, fields(db.system.name = Self::DB_SYSTEM))]
            async fn list_callers(
                &self,
            ) -> $crate::store::StoreResult<Vec<$crate::store::RegisteredCaller>> {
                let rows: Vec<$crate::store::rows::CallerRow> = sqlx::query_as(
                    "SELECT name, role, system, created_at FROM callers \
                     WHERE revoked_at IS NULL ORDER BY name",
                )
                .fetch_all(&self.read)
                .await?;
                rows.into_iter().map(|r| r.into_registered()).collect()
            }
        }
    };
}

pub(crate) use impl_store;
