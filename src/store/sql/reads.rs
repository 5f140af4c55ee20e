//! The read half of the shared SQL.

/// Defines the read queries as inherent methods on a store struct.
macro_rules! impl_reads {
    ($store:ty, $db:ty) => {
        impl $store {
            async fn read_link(
                &self,
                system: &$crate::record::SystemCode,
                local_id: &$crate::record::LocalId,
            ) -> $crate::store::StoreResult<Option<$crate::store::LinkedRecord>> {
                let row: Option<$crate::store::rows::LinkRow> = sqlx::query_as(
                    "SELECT system, local_id, customer_id, linked_at, method, confidence, record \
                     FROM links WHERE system = $1 AND local_id = $2",
                )
                .bind(system.as_str())
                .bind(local_id.as_str())
                .fetch_optional(&self.read)
                .await?;
                row.map(|r| r.into_linked_record()).transpose()
            }

            async fn read_links(
                &self,
                ids: &[$crate::record::LinkRef],
            ) -> $crate::store::StoreResult<Vec<$crate::store::LinkedRecord>> {
                use $crate::store::rows::LinkRow;
                let by = $crate::store::sql::ByLinks {
                    table: "links",
                    columns: "system, local_id, customer_id, linked_at, method, confidence, record",
                    system: "system",
                    local_id: "local_id",
                };
                self.rows_by_links::<LinkRow>(&by, ids)
                    .await?
                    .into_iter()
                    .map(LinkRow::into_linked_record)
                    .collect()
            }

            async fn read_requests(
                &self,
                scope: &str,
                request_ids: &[String],
            ) -> $crate::store::StoreResult<Vec<(String, $crate::store::StoredRequest)>> {
                let by = $crate::store::sql::ByIds {
                    table: "requests",
                    columns: "request_id, fingerprint, response",
                    scope: Some(("scope", scope)),
                    id: "request_id",
                };
                let ids: Vec<&str> = request_ids.iter().map(String::as_str).collect();
                let rows = self.rows_by_ids::<(String, String, String)>(&by, &ids).await?;
                Ok(rows
                    .into_iter()
                    .map(|(id, fingerprint, response)| {
                        (id, $crate::store::StoredRequest { fingerprint, response })
                    })
                    .collect())
            }

            async fn read_erased_links(
                &self,
                link_hashes: &[String],
            ) -> $crate::store::StoreResult<Vec<String>> {
                let by = $crate::store::sql::ByIds {
                    table: "erased_links",
                    columns: "link_hash",
                    scope: None,
                    id: "link_hash",
                };
                let hashes: Vec<&str> = link_hashes.iter().map(String::as_str).collect();
                let rows = self.rows_by_ids::<(String,)>(&by, &hashes).await?;
                Ok(rows.into_iter().map(|(h,)| h).collect())
            }

            async fn read_key_members(
                &self,
                keys: &[String],
                per_key_limit: i64,
            ) -> $crate::store::StoreResult<$crate::store::KeyMembers> {
                let mut out = $crate::store::KeyMembers::default();
                // Holder ("system\u{1f}local_id", as listed) -> index in
                // `out.links`: a holder met again under another key costs a
                // lookup, not two new strings.
                let mut at: std::collections::HashMap<String, usize> = Default::default();
                // Each key's holders, from the key index alone and no
                // further than one past the limit, as one row per key: a
                // key too common to tell people apart costs 201 index
                // entries and no record.
                let cap = per_key_limit + 1;
                let all: Vec<&String> = keys.iter().collect();
                for original in all.chunks(256) {
                    let chunk = $crate::store::sql::padded(original);
                    let values = (1..=chunk.len())
                        .map(|i| format!("(CAST({} AS TEXT))", Self::PARAMS.one(i)))
                        .collect::<Vec<_>>()
                        .join(", ");
                    let sql = format!(
                        "WITH wanted (match_key) AS (VALUES {values}) \
                         SELECT w.match_key, (SELECT {} FROM (SELECT k.system, k.local_id \
                         FROM link_keys k WHERE k.match_key = w.match_key LIMIT {cap}) AS t) \
                         FROM wanted w",
                        Self::MEMBER_LIST
                    );
                    let mut query = sqlx::query_as::<_, (String, Option<String>)>(&sql);
                    for key in chunk {
                        query = query.bind(key);
                    }
                    for (key, held) in query.fetch_all(&self.read).await? {
                        if out.counts.contains_key(&key) {
                            continue;
                        }
                        let held = held.unwrap_or_default();
                        let held: Vec<&str> = held.split('\u{1e}').filter(|h| !h.is_empty()).collect();
                        out.counts.insert(key.clone(), held.len() as i64);
                        if held.is_empty() || held.len() as i64 > per_key_limit {
                            continue;
                        }
                        let mut members = Vec::with_capacity(held.len());
                        for h in held {
                            let i = match at.get(h) {
                                Some(&i) => i,
                                None => {
                                    let (system, local_id) = h.split_once('\u{1f}').ok_or_else(|| {
                                        $crate::store::StoreError::Internal("a key holder without its system".into())
                                    })?;
                                    let i = out.links.len();
                                    out.links.push($crate::store::rows::link_ref(system, local_id)?);
                                    at.insert(h.to_owned(), i);
                                    i
                                }
                            };
                            members.push(i);
                        }
                        out.by_key.insert(key, members);
                    }
                }
                Ok(out)
            }

            async fn read_candidate_records(
                &self,
                links: &[$crate::record::LinkRef],
            ) -> $crate::store::StoreResult<Vec<$crate::store::CandidateRecord>> {
                use $crate::store::rows::CandidateRow;
                let by = $crate::store::sql::ByLinks {
                    table: "links l JOIN customers c ON c.id = l.customer_id",
                    columns: "l.customer_id, l.system, l.local_id, l.match_data, \
                              c.minor_basis, c.processing_restricted, c.legal_hold",
                    system: "l.system",
                    local_id: "l.local_id",
                };
                self.rows_by_links::<CandidateRow>(&by, links)
                    .await?
                    .into_iter()
                    .map(CandidateRow::into_candidate)
                    .collect()
            }

            async fn read_match_records(
                &self,
                after: Option<&$crate::record::LinkRef>,
                limit: i64,
            ) -> $crate::store::StoreResult<Vec<$crate::store::CandidateRecord>> {
                use $crate::store::rows::CandidateRow;
                let (system, local_id) = after
                    .map(|a| (a.system.as_str(), a.local_id.as_str()))
                    .unwrap_or(("", ""));
                let rows: Vec<CandidateRow> = sqlx::query_as(
                    "SELECT l.customer_id, l.system, l.local_id, l.match_data, c.minor_basis, \
                     c.processing_restricted, c.legal_hold \
                     FROM links l JOIN customers c ON c.id = l.customer_id \
                     WHERE l.system > $1 OR (l.system = $2 AND l.local_id > $3) \
                     ORDER BY l.system, l.local_id LIMIT $4",
                )
                .bind(system)
                .bind(system)
                .bind(local_id)
                .bind(limit)
                .fetch_all(&self.read)
                .await?;
                rows.into_iter().map(CandidateRow::into_candidate).collect()
            }

            async fn read_customer(
                &self,
                id: &$crate::record::CustomerId,
            ) -> $crate::store::StoreResult<Option<$crate::record::Customer>> {
                use $crate::store::rows::{CustomerRow, LinkRow, PreviousAddressRow};
                let Some(row): Option<CustomerRow> = sqlx::query_as(
                    "SELECT id, given_name, middle_name, family_name, date_of_birth, gender, \
                     address_lines, town, postcode, uprn, version, created_at, updated_at, merged_into, \
                     minor_basis, processing_restricted, legal_hold FROM customers WHERE id = $1",
                )
                .bind(id.as_str())
                .fetch_optional(&self.read)
                .await?
                else {
                    return Ok(None);
                };
                let previous: Vec<PreviousAddressRow> = sqlx::query_as(
                    "SELECT address_lines, town, postcode, uprn, until FROM previous_addresses \
                     WHERE customer_id = $1 ORDER BY until DESC, id DESC",
                )
                .bind(id.as_str())
                .fetch_all(&self.read)
                .await?;
                let links: Vec<LinkRow> = sqlx::query_as(
                    "SELECT system, local_id, customer_id, linked_at, method, confidence, record \
                     FROM links WHERE customer_id = $1 ORDER BY linked_at, system, local_id",
                )
                .bind(id.as_str())
                .fetch_all(&self.read)
                .await?;
                row.into_customer(previous, &links).map(Some)
            }

            async fn read_review_task(
                &self,
                id: &str,
            ) -> $crate::store::StoreResult<Option<$crate::review::ReviewTask>> {
                let row: Option<$crate::store::rows::ReviewTaskRow> = sqlx::query_as(
                    "SELECT seq, id, customer_id, candidate_id, score, explanation, status, \
                     created_at, resolved_by, resolved_at FROM review_tasks WHERE id = $1",
                )
                .bind(id)
                .fetch_optional(&self.read)
                .await?;
                row.map(|r| r.into_domain()).transpose()
            }

            async fn read_review_tasks(
                &self,
                after: Option<$crate::review::QueuePlace>,
                limit: i64,
                include_resolved: bool,
            ) -> $crate::store::StoreResult<Vec<$crate::review::ReviewTask>> {
                // The open queue reads by the (status, score, seq) index.
                let (score, seq) = after.map_or((f64::INFINITY, 0), |p| (p.score, p.seq));
                let rows: Vec<$crate::store::rows::ReviewTaskRow> = sqlx::query_as(
                    "SELECT seq, id, customer_id, candidate_id, score, explanation, status, \
                     created_at, resolved_by, resolved_at FROM review_tasks \
                     WHERE (score < $1 OR (score = $2 AND seq > $3)) AND (status = 'open' OR $4) \
                     ORDER BY score DESC, seq LIMIT $5",
                )
                .bind(score)
                .bind(score)
                .bind(seq)
                .bind(include_resolved)
                .bind(limit)
                .fetch_all(&self.read)
                .await?;
                rows.into_iter().map(|r| r.into_domain()).collect()
            }

            async fn read_distinct_pairs_among(
                &self,
                customers: &[$crate::record::CustomerId],
            ) -> $crate::store::StoreResult<Vec<($crate::record::CustomerId, $crate::record::CustomerId)>> {
                let ids: Vec<&str> = customers.iter().map(|c| c.as_str()).collect();
                let wanted: std::collections::HashSet<&str> = ids.iter().copied().collect();
                let mut found = Vec::new();
                for chunk in ids.chunks(500) {
                    let sql = format!(
                        "SELECT customer_a, customer_b FROM distinct_pairs WHERE customer_a IN ({})",
                        Self::params(1, chunk.len())
                    );
                    let mut query = sqlx::query_as::<_, (String, String)>(&sql);
                    for id in chunk {
                        query = query.bind(*id);
                    }
                    for (a, b) in query.fetch_all(&self.read).await? {
                        // Pairs are stored in order: both ends must be asked for.
                        if wanted.contains(b.as_str()) {
                            found.push((
                                $crate::store::rows::customer_id(&a)?,
                                $crate::store::rows::customer_id(&b)?,
                            ));
                        }
                    }
                }
                Ok(found)
            }

            async fn read_known_distinct(
                &self,
                a: &$crate::record::CustomerId,
                b: &$crate::record::CustomerId,
            ) -> $crate::store::StoreResult<bool> {
                let (a, b) = $crate::review::ordered_pair(a, b);
                let row: Option<(String,)> = sqlx::query_as(
                    "SELECT decided_by FROM distinct_pairs WHERE customer_a = $1 AND customer_b = $2",
                )
                .bind(a.as_str())
                .bind(b.as_str())
                .fetch_optional(&self.read)
                .await?;
                Ok(row.is_some())
            }

            async fn read_lineage(
                &self,
                id: &$crate::record::CustomerId,
            ) -> $crate::store::StoreResult<Vec<$crate::review::Lineage>> {
                let rows: Vec<$crate::store::rows::LineageRow> = sqlx::query_as(
                    "SELECT kind, customer_id, other_id, links, reason, decided_by, at FROM lineage \
                     WHERE customer_id = $1 OR other_id = $2 ORDER BY id",
                )
                .bind(id.as_str())
                .bind(id.as_str())
                .fetch_all(&self.read)
                .await?;
                rows.into_iter().map(|r| r.into_domain()).collect()
            }

            async fn read_consent_history(
                &self,
                customer: &$crate::record::CustomerId,
            ) -> $crate::store::StoreResult<Vec<$crate::consent::ConsentEvent>> {
                let rows: Vec<$crate::store::rows::ConsentRow> = sqlx::query_as(
                    "SELECT customer_id, system, scope, granted, channel, reference, captured_by, \
                     recorded_by, at FROM consent_events WHERE customer_id = $1 ORDER BY id",
                )
                .bind(customer.as_str())
                .fetch_all(&self.read)
                .await?;
                rows.into_iter().map(|r| r.into_domain()).collect()
            }

            async fn read_events(
                &self,
                system: Option<&str>,
                after_seq: i64,
                limit: i64,
            ) -> $crate::store::StoreResult<Vec<$crate::store::StoredEvent>> {
                // The writer pool sees every commit at once (SQLite readers
                // may lag a moment behind the WAL).
                let rows: Vec<$crate::store::rows::EventRow> = sqlx::query_as(
                    "SELECT seq, event_id, system, customer_id, event_type, data, occurred_at \
                     FROM outbox WHERE seq > $1 AND system <> '' AND (system = $2 OR $3) \
                     ORDER BY seq LIMIT $4",
                )
                .bind(after_seq)
                .bind(system.unwrap_or(""))
                .bind(system.is_none())
                .bind(limit)
                .fetch_all(&self.read)
                .await?;
                rows.into_iter().map(|r| r.into_domain()).collect()
            }

            async fn read_latest_weights(&self) -> $crate::store::StoreResult<Option<String>> {
                let row: Option<(String,)> =
                    sqlx::query_as("SELECT weights FROM match_weights ORDER BY id DESC LIMIT 1")
                        .fetch_optional(&self.read)
                        .await?;
                Ok(row.map(|(w,)| w))
            }
        }
    };
}

pub(crate) use impl_reads;
