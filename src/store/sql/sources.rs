//! The search indexer's bulk read: a page of customers, then the address
//! history and links of the whole page in one query each (by the page's ID
//! range, or its ID list), grouped in memory. A rebuild of a million
//! customers is then a few thousand queries, not millions.

/// Defines `read_search_sources` on a store struct.
macro_rules! impl_sources {
    ($store:ty, $db:ty) => {
        impl $store {
            async fn read_search_sources(
                &self,
                page: $crate::store::CustomerPage<'_>,
            ) -> $crate::store::StoreResult<Vec<$crate::store::SearchSource>> {
                use $crate::store::CustomerPage;
                use $crate::store::rows::CustomerRow;
                const CUSTOMERS: &[&str] = &[
                    "id",
                    "given_name",
                    "middle_name",
                    "family_name",
                    "date_of_birth",
                    "gender",
                    "address_lines",
                    "town",
                    "postcode",
                    "uprn",
                    "version",
                    "created_at",
                    "updated_at",
                    "merged_into",
                    "minor_basis",
                    "processing_restricted",
                    "legal_hold",
                ];
                let mut out = Vec::new();
                match page {
                    CustomerPage::After {
                        after,
                        until,
                        limit,
                    } => {
                        let after = after.map_or("", |a| a.as_str()).to_owned();
                        let mut binds = vec![after.clone()];
                        let mut filter = "id > $1".to_owned();
                        if let Some(until) = until {
                            filter.push_str(" AND id <= $2");
                            binds.push(until.as_str().to_owned());
                        }
                        let customers: Vec<CustomerRow> = self
                            .source_rows(CUSTOMERS, "customers", &filter, "id", Some(limit), &binds)
                            .await?;
                        let Some(last) = customers.last().map(|c| c.id.clone()) else {
                            return Ok(out);
                        };
                        // The page is exactly the IDs in (after, last], in
                        // the database's own ordering of them.
                        let range = |column: &str| format!("{column} > $1 AND {column} <= $2");
                        self.attach_sources(customers, range, &[after, last], &mut out)
                            .await?;
                    }
                    CustomerPage::Ids(ids) => {
                        // Well under either database's limit on parameters.
                        for chunk in ids.chunks(1000) {
                            let list = |column: &str| {
                                let marks: Vec<String> =
                                    (1..=chunk.len()).map(|i| format!("${i}")).collect();
                                format!("{column} IN ({})", marks.join(", "))
                            };
                            let binds: Vec<String> =
                                chunk.iter().map(|id| id.as_str().to_owned()).collect();
                            let customers: Vec<CustomerRow> = self
                                .source_rows(
                                    CUSTOMERS,
                                    "customers",
                                    &list("id"),
                                    "id",
                                    None,
                                    &binds,
                                )
                                .await?;
                            self.attach_sources(customers, list, &binds, &mut out)
                                .await?;
                        }
                    }
                }
                Ok(out)
            }

            /// Reads `columns` of the rows of `table` that `filter` (with
            /// `binds`) selects, in `order`, up to `limit`.
            async fn source_rows<T>(
                &self,
                columns: &[&str],
                table: &str,
                filter: &str,
                order: &str,
                limit: Option<i64>,
                binds: &[String],
            ) -> $crate::store::StoreResult<Vec<T>>
            where
                T: for<'r> sqlx::FromRow<'r, <$db as sqlx::Database>::Row>
                    + serde::de::DeserializeOwned
                    + Send
                    + Unpin,
            {
                use $crate::store::sources::{SourceRows, json_value};
                let limit = limit.map_or_else(String::new, |n| format!(" LIMIT {n}"));
                let select = |columns: &str| {
                    format!("SELECT {columns} FROM {table} WHERE {filter} ORDER BY {order}{limit}")
                };
                if <$db as SourceRows>::JSON_ARRAY {
                    let fields: Vec<String> = columns
                        .iter()
                        .map(|c| format!("'{c}', {}", json_value(c)))
                        .collect();
                    // The aggregate's own ORDER BY: a subquery's order is
                    // not promised to reach it.
                    let sql = format!(
                        "SELECT json_group_array(json_object({}) ORDER BY {order}) FROM ({})",
                        fields.join(", "),
                        select("*")
                    );
                    let mut query = sqlx::query_scalar::<_, String>(&sql);
                    for b in binds {
                        query = query.bind(b);
                    }
                    let json = query.fetch_one(&self.read).await?;
                    serde_json::from_str(&json)
                        .map_err(|_| $crate::store::rows::corrupt(&format!("{table} row")))
                } else {
                    let sql = select(&columns.join(", "));
                    let mut query = sqlx::query_as::<_, T>(&sql);
                    for b in binds {
                        query = query.bind(b);
                    }
                    Ok(query.fetch_all(&self.read).await?)
                }
            }

            /// Reads the address history and links of `customers` (those
            /// `filter(column)` with `binds` selects) and appends each
            /// customer's source to `out`.
            async fn attach_sources(
                &self,
                customers: Vec<$crate::store::rows::CustomerRow>,
                filter: impl Fn(&str) -> String,
                binds: &[String],
                out: &mut Vec<$crate::store::SearchSource>,
            ) -> $crate::store::StoreResult<()> {
                use std::collections::HashMap;
                use $crate::store::rows::{LinkRow, OwnedAddressRow, PreviousAddressRow};
                let rows: Vec<OwnedAddressRow> = self
                    .source_rows(
                        &[
                            "customer_id",
                            "address_lines",
                            "town",
                            "postcode",
                            "uprn",
                            "until",
                        ],
                        "previous_addresses",
                        &filter("customer_id"),
                        "customer_id, until DESC, id DESC",
                        None,
                        binds,
                    )
                    .await?;
                let mut addresses: HashMap<String, Vec<PreviousAddressRow>> = HashMap::new();
                for row in rows {
                    addresses
                        .entry(row.customer_id)
                        .or_default()
                        .push(row.address);
                }
                let rows: Vec<LinkRow> = self
                    .source_rows(
                        &[
                            "system",
                            "local_id",
                            "customer_id",
                            "linked_at",
                            "method",
                            "confidence",
                            "record",
                        ],
                        "links",
                        &filter("customer_id"),
                        "customer_id, linked_at, system, local_id",
                        None,
                        binds,
                    )
                    .await?;
                let mut links: HashMap<String, Vec<LinkRow>> = HashMap::new();
                for row in rows {
                    links.entry(row.customer_id.clone()).or_default().push(row);
                }
                out.reserve(customers.len());
                for row in customers {
                    let previous = addresses.remove(&row.id).unwrap_or_default();
                    let own = links.remove(&row.id).unwrap_or_default();
                    let linked = own
                        .iter()
                        .map(LinkRow::person)
                        .collect::<Result<Vec<_>, _>>()?;
                    out.push($crate::store::SearchSource {
                        customer: row.into_customer(previous, &own)?,
                        linked,
                    });
                }
                Ok(())
            }
        }
    };
}

pub(crate) use impl_sources;
