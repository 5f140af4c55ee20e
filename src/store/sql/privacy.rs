//! The shared SQL of the privacy features: flags, need-to-know grants and
//! the hash-chained audit log.

/// Defines the privacy ops, reads and the audit append on a store struct.
macro_rules! impl_privacy {
    ($store:ty, $db:ty) => {
        impl $store {
            async fn apply_privacy_op(
                tx: &mut sqlx::Transaction<'_, $db>,
                op: &$crate::store::Op,
            ) -> $crate::store::StoreResult<()> {
                use $crate::store::{Op, StoreError};
                match op {
                    Op::SetFlags { id, flags } => {
                        let (basis, processing, hold) =
                            $crate::store::rows::flag_columns(flags)?;
                        let updated = sqlx::query(
                            "UPDATE customers SET minor_basis = $1, processing_restricted = $2, \
                             legal_hold = $3 WHERE id = $4",
                        )
                        .bind(basis)
                        .bind(processing)
                        .bind(hold)
                        .bind(id.as_str())
                        .execute(&mut **tx)
                        .await?;
                        if updated.rows_affected() != 1 {
                            return Err(StoreError::Conflict);
                        }
                    }
                    Op::InsertGrant(g) => {
                        sqlx::query(
                            "INSERT INTO need_to_know_grants (customer_id, grantee, reason, \
                             granted_by, granted_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6)",
                        )
                        .bind(g.customer_id.as_str())
                        .bind(&g.grantee)
                        .bind(&g.reason)
                        .bind(&g.granted_by)
                        .bind(g.granted_at)
                        .bind(g.expires_at)
                        .execute(&mut **tx)
                        .await?;
                    }
                    Op::RevokeGrants { customer_id, grantee, at } => {
                        sqlx::query(
                            "UPDATE need_to_know_grants SET revoked_at = $1 \
                             WHERE customer_id = $2 AND grantee = $3 AND revoked_at IS NULL",
                        )
                        .bind(*at)
                        .bind(customer_id.as_str())
                        .bind(grantee)
                        .execute(&mut **tx)
                        .await?;
                    }
                    Op::EraseCustomer { id, link_hashes, reason, by, at } => {
                        Self::erase(tx, id).await?;
                        sqlx::query(
                            "INSERT INTO erasures (customer_id, reason, decided_by, at) \
                             VALUES ($1, $2, $3, $4)",
                        )
                        .bind(id.as_str())
                        .bind(reason)
                        .bind(by)
                        .bind(*at)
                        .execute(&mut **tx)
                        .await?;
                        for hash in link_hashes {
                            sqlx::query(
                                "INSERT INTO erased_links (link_hash, customer_id, at) \
                                 VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
                            )
                            .bind(hash)
                            .bind(id.as_str())
                            .bind(*at)
                            .execute(&mut **tx)
                            .await?;
                        }
                    }
                    _ => return Err(StoreError::Internal("not a privacy op".into())),
                }
                Ok(())
            }

            /// Deletes every row holding personal data of the customer and of
            /// customers merged into it. Audit entries stay (IDs only, and
            /// the chain must not break); past events keep their IDs but
            /// lose their data.
            async fn erase(
                tx: &mut sqlx::Transaction<'_, $db>,
                id: &$crate::record::CustomerId,
            ) -> $crate::store::StoreResult<()> {
                let merged: Vec<(String,)> =
                    sqlx::query_as("SELECT id FROM customers WHERE merged_into = $1")
                        .bind(id.as_str())
                        .fetch_all(&mut **tx)
                        .await?;
                let mut ids: Vec<String> = merged.into_iter().map(|(m,)| m).collect();
                ids.push(id.as_str().to_owned());
                for customer in &ids {
                    for statement in [
                        "DELETE FROM link_keys WHERE EXISTS (SELECT 1 FROM links l \
                         WHERE l.system = link_keys.system AND l.local_id = link_keys.local_id \
                         AND l.customer_id = $1)",
                        "DELETE FROM links WHERE customer_id = $1",
                        "DELETE FROM previous_addresses WHERE customer_id = $1",
                        "DELETE FROM consent_events WHERE customer_id = $1",
                        "DELETE FROM need_to_know_grants WHERE customer_id = $1",
                        "DELETE FROM objections WHERE customer_id = $1",
                        "DELETE FROM review_tasks WHERE customer_id = $1 OR candidate_id = $1",
                        "DELETE FROM distinct_pairs WHERE customer_a = $1 OR customer_b = $1",
                        "DELETE FROM lineage WHERE customer_id = $1 OR other_id = $1",
                        "UPDATE outbox SET data = '{}' WHERE customer_id = $1",
                    ] {
                        sqlx::query(statement)
                            .bind(customer)
                            .execute(&mut **tx)
                            .await?;
                    }
                }
                // Merged rows point at the survivor: they go first.
                for customer in &ids {
                    sqlx::query("DELETE FROM customers WHERE id = $1")
                        .bind(customer)
                        .execute(&mut **tx)
                        .await?;
                }
                Ok(())
            }

            async fn read_erased_link(
                &self,
                link_hash: &str,
            ) -> $crate::store::StoreResult<Option<$crate::record::CustomerId>> {
                let row: Option<(String,)> =
                    sqlx::query_as("SELECT customer_id FROM erased_links WHERE link_hash = $1")
                        .bind(link_hash)
                        .fetch_optional(&self.read)
                        .await?;
                row.map(|(id,)| {
                    $crate::record::CustomerId::parse(&id).map_err(|_| {
                        $crate::store::StoreError::Internal("stored customer id is not valid".into())
                    })
                })
                .transpose()
            }

            async fn read_grants(
                &self,
                customer: &$crate::record::CustomerId,
            ) -> $crate::store::StoreResult<Vec<$crate::record::NeedToKnowGrant>> {
                let rows: Vec<$crate::store::privacy_rows::GrantRow> = sqlx::query_as(
                    "SELECT customer_id, grantee, reason, granted_by, granted_at, expires_at, \
                     revoked_at FROM need_to_know_grants WHERE customer_id = $1 ORDER BY id",
                )
                .bind(customer.as_str())
                .fetch_all(&self.read)
                .await?;
                rows.into_iter().map(|r| r.into_domain()).collect()
            }

            async fn read_restricted_customers(
                &self,
            ) -> $crate::store::StoreResult<Vec<$crate::record::CustomerId>> {
                let rows: Vec<(String,)> = sqlx::query_as(
                    "SELECT id FROM customers WHERE minor_basis IS NOT NULL AND merged_into IS NULL \
                     ORDER BY id",
                )
                .fetch_all(&self.read)
                .await?;
                rows.into_iter()
                    .map(|(id,)| {
                        $crate::record::CustomerId::parse(&id).map_err(|_| {
                            $crate::store::StoreError::Internal("stored customer id is not valid".into())
                        })
                    })
                    .collect()
            }

            async fn read_audit(
                &self,
                customer: Option<&$crate::record::CustomerId>,
                after_seq: i64,
                limit: i64,
            ) -> $crate::store::StoreResult<Vec<$crate::store::StoredAudit>> {
                // The writer pool: verification must see every commit.
                let rows: Vec<$crate::store::privacy_rows::AuditRow> = sqlx::query_as(
                    "SELECT seq, at, caller, role, operation, customer_id, purpose, prev_hash, hash, \
                     key_id FROM audit_log WHERE seq > $1 AND (customer_id = $2 OR $3) \
                     ORDER BY seq LIMIT $4",
                )
                .bind(after_seq)
                .bind(customer.map_or("", |c| c.as_str()))
                .bind(customer.is_none())
                .bind(limit)
                .fetch_all(&self.write)
                .await?;
                rows.into_iter().map(|r| r.into_domain()).collect()
            }

            async fn read_audit_head(&self) -> $crate::store::StoreResult<$crate::store::AuditHead> {
                let row: $crate::store::privacy_rows::HeadRow = sqlx::query_as(
                    "SELECT entries, last_seq, hash, keyed_from, key_id, mac FROM audit_head WHERE id = 1",
                )
                .fetch_one(&self.write)
                .await?;
                Ok(row.into_domain())
            }
        }
    };
}

pub(crate) use impl_privacy;
