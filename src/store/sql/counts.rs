//! Value frequencies (`matching::frequency`): the counts of the values the
//! matcher weighs by commonness, read for a batch's values, changed in the
//! transaction that adds, replaces or erases records, and counted afresh
//! from every link's stored matching form when a store first opens (and
//! by `train-weights`).

/// Defines the value-count reads and writes on a store struct for `$db`.
macro_rules! impl_counts {
    ($store:ty, $db:ty) => {
        impl $store {
            /// The counts of `values` and every counted field's totals.
            pub(crate) async fn read_value_counts(
                &self,
                values: &[($crate::matching::compare::Field, String)],
            ) -> $crate::store::StoreResult<$crate::matching::Frequencies> {
                use $crate::matching::frequency::{FIELDS, FieldCounts};
                let mut fields: [FieldCounts; FIELDS.len()] = Default::default();
                let totals: Vec<(String, i64, f64)> =
                    sqlx::query_as("SELECT field, total, sum_squares FROM field_counts")
                        .fetch_all(&self.read)
                        .await?;
                for (slot, field) in FIELDS.iter().enumerate() {
                    if let Some((_, total, sum_squares)) =
                        totals.iter().find(|(name, _, _)| name == field.name())
                    {
                        fields[slot].total = *total;
                        fields[slot].sum_squares = *sum_squares;
                    }
                    let wanted: Vec<&str> = values
                        .iter()
                        .filter(|(f, _)| f == field)
                        .map(|(_, v)| v.as_str())
                        .collect();
                    if wanted.is_empty() {
                        continue;
                    }
                    let by = $crate::store::sql::ByIds {
                        table: "value_counts",
                        columns: "value, n",
                        scope: Some(("field", field.name())),
                        id: "value",
                    };
                    for (value, n) in self.rows_by_ids::<(String, i64)>(&by, &wanted).await? {
                        fields[slot].counts.insert(value, n);
                    }
                }
                Ok($crate::matching::Frequencies::from_fields(fields))
            }

            /// Adds `deltas` (net per value) to the counts, the totals and
            /// the sums of squares; a count falling to zero goes.
            pub(crate) async fn apply_count_deltas(
                tx: &mut sqlx::Transaction<'_, $db>,
                deltas: &[$crate::matching::ValueDelta],
            ) -> $crate::store::StoreResult<()> {
                use $crate::store::sql::value_rows;
                use std::collections::HashMap;
                if deltas.is_empty() {
                    return Ok(());
                }
                // field -> (total change, sum-of-squares change)
                let mut changed: HashMap<&'static str, (i64, f64)> = HashMap::new();
                let mut emptied = false;
                for chunk in deltas.chunks(300) {
                    let sql = format!(
                        "INSERT INTO value_counts (field, value, n) VALUES {} \
                         ON CONFLICT (field, value) DO UPDATE SET n = value_counts.n + excluded.n \
                         RETURNING field, value, n",
                        value_rows(Self::PARAMS, chunk.len(), 3)
                    );
                    let mut query = sqlx::query_as::<_, (String, String, i64)>(&sql);
                    for d in chunk {
                        query = query.bind(d.field.name()).bind(&d.value).bind(d.delta);
                    }
                    for (field, value, new) in query.fetch_all(&mut **tx).await? {
                        let Some(d) = chunk
                            .iter()
                            .find(|d| d.field.name() == field && d.value == value)
                        else {
                            continue;
                        };
                        let old = (new - d.delta).max(0) as f64;
                        let kept = new.max(0) as f64;
                        let entry = changed.entry(d.field.name()).or_default();
                        entry.0 += d.delta;
                        entry.1 += kept * kept - old * old;
                        emptied |= new <= 0;
                    }
                }
                if emptied {
                    sqlx::query("DELETE FROM value_counts WHERE n <= 0")
                        .execute(&mut **tx)
                        .await?;
                }
                for (field, (total, squares)) in changed {
                    sqlx::query(
                        "UPDATE field_counts SET total = total + $1, sum_squares = sum_squares + $2 \
                         WHERE field = $3",
                    )
                    .bind(total)
                    .bind(squares)
                    .bind(field)
                    .execute(&mut **tx)
                    .await?;
                }
                Ok(())
            }

            /// Counts every link's values afresh, in one transaction. With
            /// `only_if_new`, only when the store has never counted (its
            /// first opening with value counts); returns the links counted.
            pub(crate) async fn count_values(
                &self,
                only_if_new: bool,
            ) -> $crate::store::StoreResult<usize> {
                use $crate::matching::frequency::{FIELDS, Frequencies, ValueDelta};
                use $crate::matching::Subject;
                use std::collections::HashMap;
                let mut tx = self.write.begin().await?;
                // The totals' rows are the mark: inserting them takes their
                // locks, so a replica opening at the same time waits, then
                // finds them there.
                let mut marked = 0;
                for field in FIELDS {
                    marked += sqlx::query(
                        "INSERT INTO field_counts (field, total, sum_squares) VALUES ($1, 0, 0) \
                         ON CONFLICT (field) DO NOTHING",
                    )
                    .bind(field.name())
                    .execute(&mut *tx)
                    .await?
                    .rows_affected();
                }
                if only_if_new && marked == 0 {
                    return Ok(0);
                }
                sqlx::query("DELETE FROM value_counts").execute(&mut *tx).await?;
                sqlx::query("UPDATE field_counts SET total = 0, sum_squares = 0")
                    .execute(&mut *tx)
                    .await?;
                let mut counts: HashMap<(usize, String), i64> = HashMap::new();
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
                    for (_, _, stored) in &page {
                        for (field, value) in Frequencies::values(&Subject::from_stored(stored)) {
                            let slot = FIELDS.iter().position(|f| *f == field).unwrap_or(0);
                            *counts.entry((slot, value)).or_default() += 1;
                        }
                    }
                }
                let deltas: Vec<ValueDelta> = counts
                    .into_iter()
                    .map(|((slot, value), n)| ValueDelta {
                        field: FIELDS[slot],
                        value,
                        delta: n,
                    })
                    .collect();
                Self::apply_count_deltas(&mut tx, &deltas).await?;
                tx.commit().await?;
                tracing::info!(links = done, values = deltas.len(), "value frequencies counted");
                Ok(done)
            }
        }
    };
}

pub(crate) use impl_counts;
