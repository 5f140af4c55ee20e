//! The write half of the shared SQL: one statement group per `Op`.

/// Defines `apply_op` on a store struct for backend `$db`.
macro_rules! impl_ops {
    ($store:ty, $db:ty) => {
        impl $store {
            async fn apply_op(
                tx: &mut sqlx::Transaction<'_, $db>,
                op: &$crate::store::Op,
            ) -> $crate::store::StoreResult<()> {
                use $crate::store::rows::{address_lines_json, json};
                use $crate::store::{Op, StoreError};
                match op {
                    // Plain inserts have one writer, the multi-row one (a run of one
                    // is a single-row statement).
                    Op::InsertCustomer { .. }
                    | Op::InsertLink { .. }
                    | Op::InsertReviewTask(_)
                    | Op::SaveRequest { .. } => {
                        Self::insert_run(tx, std::slice::from_ref(op)).await?;
                    }
                    Op::UpdateCustomer { id, expected_version, person: p, archived_address, at } => {
                        let updated = sqlx::query(
                            "UPDATE customers SET given_name = $1, middle_name = $2, family_name = $3, \
                             date_of_birth = $4, gender = $5, address_lines = $6, town = $7, \
                             postcode = $8, uprn = $9, version = version + 1, updated_at = $10 \
                             WHERE id = $11 AND version = $12 AND merged_into IS NULL",
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
                            Self::insert_previous_address(tx, id, old).await?;
                        }
                    }
                    Op::TouchCustomer { id, expected_version, at } => {
                        let updated = sqlx::query(
                            "UPDATE customers SET version = version + 1, updated_at = $1 \
                             WHERE id = $2 AND version = $3 AND merged_into IS NULL",
                        )
                        .bind(*at)
                        .bind(id.as_str())
                        .bind(*expected_version)
                        .execute(&mut **tx)
                        .await?;
                        if updated.rows_affected() != 1 {
                            return Err(StoreError::Conflict);
                        }
                    }
                    Op::AddPreviousAddresses { id, addresses } => {
                        for old in addresses {
                            Self::insert_previous_address(tx, id, old).await?;
                        }
                    }
                    Op::UpdateLinkRecord { record, matching, at } => {
                        let updated = sqlx::query(
                            "UPDATE links SET record = $1, updated_at = $2, match_data = $3 \
                             WHERE system = $4 AND local_id = $5",
                        )
                        .bind(json(record)?)
                        .bind(*at)
                        .bind(&matching.normalised)
                        .bind(record.system.as_str())
                        .bind(record.local_id.as_str())
                        .execute(&mut **tx)
                        .await?;
                        if updated.rows_affected() != 1 {
                            return Err(StoreError::Conflict);
                        }
                        sqlx::query("DELETE FROM link_keys WHERE system = $1 AND local_id = $2")
                            .bind(record.system.as_str())
                            .bind(record.local_id.as_str())
                            .execute(&mut **tx)
                            .await?;
                        Self::insert_keys(tx, &record.system, &record.local_id, &matching.keys).await?;
                    }
                    Op::MoveLinks { from, to, links } => {
                        for l in links {
                            let moved = sqlx::query(
                                "UPDATE links SET customer_id = $1 \
                                 WHERE system = $2 AND local_id = $3 AND customer_id = $4",
                            )
                            .bind(to.as_str())
                            .bind(l.system.as_str())
                            .bind(l.local_id.as_str())
                            .bind(from.as_str())
                            .execute(&mut **tx)
                            .await?;
                            if moved.rows_affected() != 1 {
                                return Err(StoreError::Conflict);
                            }
                        }
                    }
                    Op::MarkMerged { id, into, expected_version, at } => {
                        let updated = sqlx::query(
                            "UPDATE customers SET merged_into = $1, merged_at = $2, \
                             version = version + 1, updated_at = $3 \
                             WHERE id = $4 AND version = $5 AND merged_into IS NULL",
                        )
                        .bind(into.as_str())
                        .bind(*at)
                        .bind(*at)
                        .bind(id.as_str())
                        .bind(*expected_version)
                        .execute(&mut **tx)
                        .await?;
                        if updated.rows_affected() != 1 {
                            return Err(StoreError::Conflict);
                        }
                        // Earlier merges into `id` now resolve in one step.
                        sqlx::query("UPDATE customers SET merged_into = $1 WHERE merged_into = $2")
                            .bind(into.as_str())
                            .bind(id.as_str())
                            .execute(&mut **tx)
                            .await?;
                    }
                    Op::InsertLineage(l) => {
                        sqlx::query(
                            "INSERT INTO lineage (kind, customer_id, other_id, links, reason, \
                             decided_by, at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
                        )
                        .bind(l.kind.as_str())
                        .bind(l.customer_id.as_str())
                        .bind(l.other_id.as_str())
                        .bind(json(&l.links)?)
                        .bind(&l.reason)
                        .bind(&l.decided_by)
                        .bind(l.at)
                        .execute(&mut **tx)
                        .await?;
                    }
                    Op::ResolveReviewTask { id, status, by, at } => {
                        let updated = sqlx::query(
                            "UPDATE review_tasks SET status = $1, resolved_by = $2, resolved_at = $3 \
                             WHERE id = $4 AND status = 'open'",
                        )
                        .bind(status.as_str())
                        .bind(by)
                        .bind(*at)
                        .bind(id)
                        .execute(&mut **tx)
                        .await?;
                        if updated.rows_affected() != 1 {
                            return Err(StoreError::Conflict);
                        }
                    }
                    Op::RetargetReviewTasks { from, to, at } => {
                        for column in ["customer_id", "candidate_id"] {
                            sqlx::query(&format!(
                                "UPDATE review_tasks SET {column} = $1 \
                                 WHERE {column} = $2 AND status = 'open'"
                            ))
                            .bind(to.as_str())
                            .bind(from.as_str())
                            .execute(&mut **tx)
                            .await?;
                        }
                        sqlx::query(
                            "UPDATE review_tasks SET status = 'obsolete', resolved_by = 'merge', \
                             resolved_at = $1 WHERE status = 'open' AND customer_id = candidate_id",
                        )
                        .bind(*at)
                        .execute(&mut **tx)
                        .await?;
                    }
                    Op::InsertDistinctPair { a, b, by, at } => {
                        let (a, b) = $crate::review::ordered_pair(a, b);
                        sqlx::query(
                            "INSERT INTO distinct_pairs (customer_a, customer_b, decided_by, at) \
                             VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING",
                        )
                        .bind(a.as_str())
                        .bind(b.as_str())
                        .bind(by)
                        .bind(*at)
                        .execute(&mut **tx)
                        .await?;
                    }
                    Op::DeleteDistinctPair { a, b } => {
                        let (a, b) = $crate::review::ordered_pair(a, b);
                        sqlx::query("DELETE FROM distinct_pairs WHERE customer_a = $1 AND customer_b = $2")
                            .bind(a.as_str())
                            .bind(b.as_str())
                            .execute(&mut **tx)
                            .await?;
                    }
                    Op::InsertConsent(c) => {
                        sqlx::query(
                            "INSERT INTO consent_events (customer_id, system, scope, granted, channel, \
                             reference, captured_by, recorded_by, at) \
                             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
                        )
                        .bind(c.customer_id.as_str())
                        .bind(c.system.as_str())
                        .bind(c.scope.as_str())
                        .bind(c.granted)
                        .bind(&c.evidence.channel)
                        .bind(&c.evidence.reference)
                        .bind(&c.evidence.captured_by)
                        .bind(&c.recorded_by)
                        .bind(c.at)
                        .execute(&mut **tx)
                        .await?;
                    }
                    Op::SetFlags { .. }
                    | Op::InsertGrant(_)
                    | Op::RevokeGrants { .. }
                    | Op::EraseCustomer { .. } => {
                        Self::apply_privacy_op(tx, op).await?;
                    }
                    Op::InsertObjection(_) | Op::WithdrawObjections { .. } => {
                        Self::apply_rights_op(tx, op).await?;
                    }
                    // Needs the store's keys: `apply` seals before the ops run.
                    Op::SealAuditHead { .. } => {}
                    Op::CountValues(deltas) => Self::apply_count_deltas(tx, deltas).await?,
                    Op::InsertCaller { caller, token_sha256 } => {
                        sqlx::query(
                            "INSERT INTO callers (name, role, system, token_sha256, created_at) \
                             VALUES ($1, $2, $3, $4, $5)",
                        )
                        .bind(&caller.name)
                        .bind(caller.role.as_str())
                        .bind(caller.system.as_ref().map(|s| s.as_str()))
                        .bind(token_sha256)
                        .bind(caller.created_at)
                        .execute(&mut **tx)
                        .await?;
                    }
                    Op::RevokeCaller { name, at } => {
                        let done = sqlx::query(
                            "UPDATE callers SET revoked_at = $1 WHERE name = $2 AND revoked_at IS NULL",
                        )
                        .bind(*at)
                        .bind(name)
                        .execute(&mut **tx)
                        .await?;
                        if done.rows_affected() != 1 {
                            return Err(StoreError::Conflict);
                        }
                    }
                    Op::SaveWeights { weights, pairs, at } => {
                        sqlx::query("INSERT INTO match_weights (weights, pairs, trained_at) VALUES ($1, $2, $3)")
                            .bind(weights)
                            .bind(*pairs)
                            .bind(*at)
                            .execute(&mut **tx)
                            .await?;
                    }
                    Op::SetVerificationFacts { customer_id, facts, by, at } => {
                        for fact in facts {
                            sqlx::query(
                                "INSERT INTO verification_facts (customer_id, kind, salt, hash, set_at, set_by) \
                                 VALUES ($1, $2, $3, $4, $5, $6) \
                                 ON CONFLICT (customer_id, kind) DO UPDATE SET salt = excluded.salt, \
                                 hash = excluded.hash, set_at = excluded.set_at, set_by = excluded.set_by",
                            )
                            .bind(customer_id.as_str())
                            .bind(&fact.kind)
                            .bind(&fact.salt)
                            .bind(&fact.hash)
                            .bind(*at)
                            .bind(by)
                            .execute(&mut **tx)
                            .await?;
                        }
                    }
                    Op::ExpectVerificationState { customer_id, since, failures, at } => {
                        Self::serialise_verification(tx, customer_id).await?;
                        let (counted,): (i64,) = sqlx::query_as(
                            "SELECT COUNT(*) FROM verification_attempts \
                             WHERE customer_id = $1 AND at >= $2 AND NOT succeeded",
                        )
                        .bind(customer_id.as_str())
                        .bind(*since)
                        .fetch_one(&mut **tx)
                        .await?;
                        let locked: Option<(String,)> = sqlx::query_as(
                            "SELECT customer_id FROM verification_locks \
                             WHERE customer_id = $1 AND locked_until > $2",
                        )
                        .bind(customer_id.as_str())
                        .bind(*at)
                        .fetch_optional(&mut **tx)
                        .await?;
                        if counted != *failures || locked.is_some() {
                            return Err(StoreError::Conflict);
                        }
                    }
                    Op::RecordVerificationAttempt { customer_id, succeeded, at } => {
                        sqlx::query(
                            "INSERT INTO verification_attempts (customer_id, at, succeeded) VALUES ($1, $2, $3)",
                        )
                        .bind(customer_id.as_str())
                        .bind(*at)
                        .bind(*succeeded)
                        .execute(&mut **tx)
                        .await?;
                    }
                    Op::LockVerification { customer_id, until, at } => {
                        sqlx::query(
                            "INSERT INTO verification_locks (customer_id, locked_at, locked_until) \
                             VALUES ($1, $2, $3) ON CONFLICT (customer_id) DO UPDATE SET \
                             locked_at = excluded.locked_at, locked_until = excluded.locked_until",
                        )
                        .bind(customer_id.as_str())
                        .bind(*at)
                        .bind(*until)
                        .execute(&mut **tx)
                        .await?;
                    }
                }
                Ok(())
            }

            async fn insert_previous_address(
                tx: &mut sqlx::Transaction<'_, $db>,
                id: &$crate::record::CustomerId,
                old: &$crate::record::PreviousAddress,
            ) -> $crate::store::StoreResult<()> {
                sqlx::query(
                    "INSERT INTO previous_addresses (customer_id, address_lines, town, postcode, \
                     uprn, until) VALUES ($1, $2, $3, $4, $5, $6)",
                )
                .bind(id.as_str())
                .bind($crate::store::rows::address_lines_json(&old.address))
                .bind(&old.address.town)
                .bind(old.address.postcode.as_str())
                .bind(old.address.uprn.as_ref().map(|u| u.as_str()))
                .bind(old.until)
                .execute(&mut **tx)
                .await?;
                Ok(())
            }

            async fn insert_keys(
                tx: &mut sqlx::Transaction<'_, $db>,
                system: &$crate::record::SystemCode,
                local_id: &$crate::record::LocalId,
                keys: &[String],
            ) -> $crate::store::StoreResult<()> {
                // One statement for all of a record's keys: a submission
                // (and a bulk load) pays one round trip, not one per key.
                if keys.is_empty() {
                    return Ok(());
                }
                let values: Vec<String> = (0..keys.len())
                    .map(|k| format!("(${}, ${}, ${})", 3 * k + 1, 3 * k + 2, 3 * k + 3))
                    .collect();
                let sql = format!(
                    "INSERT INTO link_keys (match_key, system, local_id) VALUES {} \
                     ON CONFLICT DO NOTHING",
                    values.join(", ")
                );
                let mut query = sqlx::query(&sql);
                for key in keys {
                    query = query.bind(key).bind(system.as_str()).bind(local_id.as_str());
                }
                query.execute(&mut **tx).await?;
                Ok(())
            }
        }
    };
}

pub(crate) use impl_ops;
