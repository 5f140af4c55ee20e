//! The shared SQL of the subject-rights features: objections, the
//! retention read and the equalities counts.

/// Defines the rights ops and reads on a store struct.
macro_rules! impl_rights {
    ($store:ty, $db:ty) => {
        impl $store {
            async fn apply_rights_op(
                tx: &mut sqlx::Transaction<'_, $db>,
                op: &$crate::store::Op,
            ) -> $crate::store::StoreResult<()> {
                use $crate::store::{Op, StoreError};
                match op {
                    Op::InsertObjection(o) => {
                        sqlx::query(
                            "INSERT INTO objections (customer_id, ground, scope, recorded_by, at) \
                             VALUES ($1, $2, $3, $4, $5)",
                        )
                        .bind(o.customer_id.as_str())
                        .bind(&o.grounds)
                        .bind(o.scope.as_str())
                        .bind(&o.recorded_by)
                        .bind(o.at)
                        .execute(&mut **tx)
                        .await?;
                    }
                    Op::WithdrawObjections { customer_id, scope, by, at } => {
                        sqlx::query(
                            "UPDATE objections SET withdrawn_at = $1, withdrawn_by = $2 \
                             WHERE customer_id = $3 AND scope = $4 AND withdrawn_at IS NULL",
                        )
                        .bind(*at)
                        .bind(by)
                        .bind(customer_id.as_str())
                        .bind(scope.as_str())
                        .execute(&mut **tx)
                        .await?;
                    }
                    _ => return Err(StoreError::Internal("not a rights op".into())),
                }
                Ok(())
            }

            async fn read_objections(
                &self,
                customer: &$crate::record::CustomerId,
            ) -> $crate::store::StoreResult<Vec<$crate::record::Objection>> {
                let rows: Vec<$crate::store::rights_rows::ObjectionRow> = sqlx::query_as(
                    "SELECT customer_id, scope, ground AS grounds, recorded_by, at, withdrawn_at, \
                     withdrawn_by FROM objections WHERE customer_id = $1 ORDER BY id",
                )
                .bind(customer.as_str())
                .fetch_all(&self.read)
                .await?;
                rows.into_iter().map(|r| r.into_domain()).collect()
            }

            async fn read_activity(
                &self,
                after: Option<&$crate::record::CustomerId>,
                limit: i64,
            ) -> $crate::store::StoreResult<Vec<$crate::store::CustomerActivity>> {
                let rows: Vec<$crate::store::rights_rows::ActivityRow> = sqlx::query_as(
                    "SELECT c.id, c.updated_at, \
                     (SELECT MAX(l.linked_at) FROM links l WHERE l.customer_id = c.id) AS last_link_at, \
                     (SELECT MAX(a.at) FROM audit_log a WHERE a.customer_id = c.id) AS last_audit_at \
                     FROM customers c WHERE c.merged_into IS NULL AND c.id > $1 \
                     ORDER BY c.id LIMIT $2",
                )
                .bind(after.map_or("", |id| id.as_str()))
                .bind(limit)
                .fetch_all(&self.read)
                .await?;
                rows.into_iter().map(|r| r.into_domain()).collect()
            }

            async fn read_equalities(
                &self,
                by_system: bool,
            ) -> $crate::store::StoreResult<Vec<$crate::store::EqualitiesRow>> {
                // Current customers only: not merged away, not restricted
                // (a minor's exception), processing not restricted. Erased
                // customers have no row.
                let statement = if by_system {
                    "SELECT l.system AS system, c.gender AS gender, c.date_of_birth AS date_of_birth, \
                     COUNT(DISTINCT c.id) AS count FROM customers c \
                     JOIN links l ON l.customer_id = c.id \
                     WHERE c.merged_into IS NULL AND c.minor_basis IS NULL \
                     AND NOT c.processing_restricted \
                     GROUP BY l.system, c.gender, c.date_of_birth \
                     ORDER BY l.system, c.gender, c.date_of_birth"
                } else {
                    "SELECT '' AS system, c.gender AS gender, c.date_of_birth AS date_of_birth, \
                     COUNT(*) AS count FROM customers c \
                     WHERE c.merged_into IS NULL AND c.minor_basis IS NULL \
                     AND NOT c.processing_restricted \
                     GROUP BY c.gender, c.date_of_birth ORDER BY c.gender, c.date_of_birth"
                };
                let rows: Vec<$crate::store::EqualitiesRow> = sqlx::query_as(statement)
                    .fetch_all(&self.read)
                    .await?;
                Ok(rows)
            }
        }
    };
}

pub(crate) use impl_rights;
