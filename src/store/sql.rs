//! The SQL both backends share. The statements are plain SQL that SQLite and
//! PostgreSQL both accept (`$n` placeholders, `ON CONFLICT`, `RETURNING`);
//! `impl_store!` expands the one body for each backend's pool type, and the
//! conformance suite in tests/store checks it on both.

/// Implements `Store` for a struct with `read` and `write` pools of `$db`.
macro_rules! impl_store {
    ($store:ty, $db:ty) => {
        impl $store {
            async fn apply_op(
                tx: &mut sqlx::Transaction<'_, $db>,
                op: &$crate::store::Op,
            ) -> $crate::store::StoreResult<()> {
                use $crate::store::{Op, StoreError, rows::address_lines_json};
                match op {
                    Op::InsertCustomer { customer, match_keys } => {
                        let p = &customer.person;
                        sqlx::query(
                            "INSERT INTO customers (id, given_name, middle_name, family_name, \
                             date_of_birth, gender, address_lines, town, postcode, uprn, version, \
                             created_at, updated_at) \
                             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
                        )
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
                        .execute(&mut **tx)
                        .await?;
                        Self::insert_keys(tx, &customer.id, match_keys).await?;
                    }
                    Op::UpdateCustomer { id, expected_version, person: p, match_keys, archived_address, at } => {
                        let updated = sqlx::query(
                            "UPDATE customers SET given_name = $1, middle_name = $2, family_name = $3, \
                             date_of_birth = $4, gender = $5, address_lines = $6, town = $7, \
                             postcode = $8, uprn = $9, version = version + 1, updated_at = $10 \
                             WHERE id = $11 AND version = $12",
                        )
                        .bind(&p.name.given)
                        .bind(&p.name.middle)
                        .bind(&p.name.family)
                        .bind(p.date_of_birth.date())
                        .bind(p.gender.as_str())
                        .bind(address_lines_json(&p.address))
                        .bind(&p.address.town)
                        .bind(p.address.postcode.as_str())
                        .bind(p.address.uprn.as_ref().map(|u| u.as_str()))
                        .bind(*at)
                        .bind(id.as_str())
                        .bind(*expected_version)
                        .execute(&mut **tx)
                        .await?;
                        if updated.rows_affected() != 1 {
                            return Err(StoreError::Conflict);
                        }
                        if let Some(old) = archived_address {
                            sqlx::query(
                                "INSERT INTO previous_addresses (customer_id, address_lines, town, \
                                 postcode, uprn, until) VALUES ($1, $2, $3, $4, $5, $6)",
                            )
                            .bind(id.as_str())
                            .bind(address_lines_json(&old.address))
                            .bind(&old.address.town)
                            .bind(old.address.postcode.as_str())
                            .bind(old.address.uprn.as_ref().map(|u| u.as_str()))
                            .bind(old.until)
                            .execute(&mut **tx)
                            .await?;
                        }
                        sqlx::query("DELETE FROM match_keys WHERE customer_id = $1")
                            .bind(id.as_str())
                            .execute(&mut **tx)
                            .await?;
                        Self::insert_keys(tx, id, match_keys).await?;
                    }
                    Op::InsertLink { customer_id, link, record } => {
                        sqlx::query(
                            "INSERT INTO links (system, local_id, customer_id, linked_at, method, \
                             confidence, record, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                        )
                        .bind(link.system.as_str())
                        .bind(link.local_id.as_str())
                        .bind(customer_id.as_str())
                        .bind(link.linked_at)
                        .bind(&link.method)
                        .bind(link.confidence)
                        .bind(Self::record_json(record)?)
                        .bind(link.linked_at)
                        .execute(&mut **tx)
                        .await?;
                    }
                    Op::UpdateLinkRecord { record, at } => {
                        let updated = sqlx::query(
                            "UPDATE links SET record = $1, updated_at = $2 \
                             WHERE system = $3 AND local_id = $4",
                        )
                        .bind(Self::record_json(record)?)
                        .bind(*at)
                        .bind(record.system.as_str())
                        .bind(record.local_id.as_str())
                        .execute(&mut **tx)
                        .await?;
                        if updated.rows_affected() != 1 {
                            return Err(StoreError::Conflict);
                        }
                    }
                    Op::SaveRequest { scope, request_id, fingerprint, response, at } => {
                        sqlx::query(
                            "INSERT INTO requests (scope, request_id, fingerprint, response, created_at) \
                             VALUES ($1, $2, $3, $4, $5)",
                        )
                        .bind(scope)
                        .bind(request_id)
                        .bind(fingerprint)
                        .bind(response)
                        .bind(*at)
                        .execute(&mut **tx)
                        .await?;
                    }
                }
                Ok(())
            }

            async fn insert_keys(
                tx: &mut sqlx::Transaction<'_, $db>,
                id: &$crate::record::CustomerId,
                keys: &[String],
            ) -> $crate::store::StoreResult<()> {
                for key in keys {
                    sqlx::query(
                        "INSERT INTO match_keys (match_key, customer_id) VALUES ($1, $2) \
                         ON CONFLICT DO NOTHING",
                    )
                    .bind(key)
                    .bind(id.as_str())
                    .execute(&mut **tx)
                    .await?;
                }
                Ok(())
            }

            fn record_json(
                record: &$crate::record::DepartmentalRecord,
            ) -> $crate::store::StoreResult<String> {
                serde_json::to_string(record)
                    .map_err(|e| $crate::store::StoreError::Internal(e.to_string()))
            }
        }

        #[async_trait::async_trait]
        impl $crate::store::Store for $store {
            async fn ping(&self) -> $crate::store::StoreResult<()> {
                sqlx::query("SELECT 1").execute(&self.read).await?;
                Ok(())
            }

            async fn find_link(
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

            async fn customers_with_keys(
                &self,
                keys: &[String],
            ) -> $crate::store::StoreResult<Vec<$crate::record::CustomerId>> {
                let mut ids = std::collections::BTreeSet::new();
                for key in keys {
                    let found: Vec<(String,)> =
                        sqlx::query_as("SELECT customer_id FROM match_keys WHERE match_key = $1")
                            .bind(key)
                            .fetch_all(&self.read)
                            .await?;
                    for (id,) in found {
                        ids.insert($crate::record::CustomerId::parse(&id).map_err(|_| {
                            $crate::store::StoreError::Internal("stored customer id is not valid".into())
                        })?);
                    }
                }
                Ok(ids.into_iter().collect())
            }

            async fn load_customer(
                &self,
                id: &$crate::record::CustomerId,
            ) -> $crate::store::StoreResult<Option<$crate::record::Customer>> {
                use $crate::store::rows::{CustomerRow, LinkRow, PreviousAddressRow};
                let Some(row): Option<CustomerRow> = sqlx::query_as(
                    "SELECT id, given_name, middle_name, family_name, date_of_birth, gender, \
                     address_lines, town, postcode, uprn, version, created_at, updated_at \
                     FROM customers WHERE id = $1",
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
                Ok(Some($crate::record::Customer {
                    id: row.id()?,
                    person: row.person()?,
                    previous_addresses: previous
                        .into_iter()
                        .map(PreviousAddressRow::into_domain)
                        .collect::<Result<_, _>>()?,
                    links: links.iter().map(LinkRow::link).collect::<Result<_, _>>()?,
                    version: row.version,
                    created_at: row.created_at,
                    updated_at: row.updated_at,
                }))
            }

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

            async fn apply(
                &self,
                change: $crate::store::Change,
            ) -> $crate::store::StoreResult<Option<i64>> {
                let mut tx = self.write.begin().await?;
                for op in &change.ops {
                    Self::apply_op(&mut tx, op).await?;
                }
                for entry in &change.audit {
                    sqlx::query(
                        "INSERT INTO audit_log (at, caller, role, operation, customer_id, purpose) \
                         VALUES ($1, $2, $3, $4, $5, $6)",
                    )
                    .bind(entry.at)
                    .bind(&entry.caller)
                    .bind(entry.role.as_str())
                    .bind(&entry.operation)
                    .bind(entry.customer_id.as_ref().map(|c| c.as_str()))
                    .bind(&entry.purpose)
                    .execute(&mut *tx)
                    .await?;
                }
                let mut last_seq = None;
                for event in &change.events {
                    let (seq,): (i64,) = sqlx::query_as(
                        "INSERT INTO outbox (event_id, customer_id, event_type, data, occurred_at) \
                         VALUES ($1, $2, $3, $4, $5) RETURNING seq",
                    )
                    .bind(&event.event_id)
                    .bind(event.customer_id.as_str())
                    .bind(&event.event_type)
                    .bind(event.data.to_string())
                    .bind(event.at)
                    .fetch_one(&mut *tx)
                    .await?;
                    last_seq = Some(seq);
                }
                tx.commit().await?;
                Ok(last_seq)
            }

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

            async fn insert_caller(
                &self,
                caller: &$crate::store::RegisteredCaller,
                token_sha256: &str,
            ) -> $crate::store::StoreResult<()> {
                // A revoked caller's name may be registered again.
                let mut tx = self.write.begin().await?;
                sqlx::query("DELETE FROM callers WHERE name = $1 AND revoked_at IS NOT NULL")
                    .bind(&caller.name)
                    .execute(&mut *tx)
                    .await?;
                sqlx::query(
                    "INSERT INTO callers (name, role, system, token_sha256, created_at) \
                     VALUES ($1, $2, $3, $4, $5)",
                )
                .bind(&caller.name)
                .bind(caller.role.as_str())
                .bind(caller.system.as_ref().map(|s| s.as_str()))
                .bind(token_sha256)
                .bind(caller.created_at)
                .execute(&mut *tx)
                .await?;
                tx.commit().await?;
                Ok(())
            }

            async fn revoke_caller(
                &self,
                name: &str,
                at: chrono::DateTime<chrono::Utc>,
            ) -> $crate::store::StoreResult<bool> {
                let done = sqlx::query(
                    "UPDATE callers SET revoked_at = $1 WHERE name = $2 AND revoked_at IS NULL",
                )
                .bind(at)
                .bind(name)
                .execute(&self.write)
                .await?;
                Ok(done.rows_affected() == 1)
            }
        }
    };
}

pub(crate) use impl_store;
