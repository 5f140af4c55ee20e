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
                const CUSTOMERS: &str = "SELECT id, given_name, middle_name, family_name, \
                    date_of_birth, gender, address_lines, town, postcode, uprn, version, \
                    created_at, updated_at, merged_into, minor_basis, processing_restricted, \
                    legal_hold FROM customers";
                let mut out = Vec::new();
                match page {
                    CustomerPage::After { after, until, limit } => {
                        let after = after.map_or("", |a| a.as_str()).to_owned();
                        let customers: Vec<CustomerRow> = sqlx::query_as(&format!(
                            "{CUSTOMERS} WHERE id > $1 AND ($2 OR id <= $3) ORDER BY id LIMIT $4"
                        ))
                        .bind(&after)
                        .bind(until.is_none())
                        .bind(until.map_or("", |u| u.as_str()))
                        .bind(limit)
                        .fetch_all(&self.read)
                        .await?;
                        let Some(last) = customers.last().map(|c| c.id.clone()) else {
                            return Ok(out);
                        };
                        // The page is exactly the IDs in (after, last], in
                        // the database's own ordering of them.
                        let range = |column: &str| format!("{column} > $1 AND {column} <= $2");
                        self.attach_sources(customers, range, &[after, last], &mut out).await?;
                    }
                    CustomerPage::Ids(ids) => {
                        // Well under either database's limit on parameters.
                        for chunk in ids.chunks(1000) {
                            let list = |column: &str| {
                                let marks: Vec<String> =
                                    (1..=chunk.len()).map(|i| format!("${i}")).collect();
                                format!("{column} IN ({})", marks.join(", "))
                            };
                            let sql = format!("{CUSTOMERS} WHERE {} ORDER BY id", list("id"));
                            let mut query = sqlx::query_as::<_, CustomerRow>(&sql);
                            for id in chunk {
                                query = query.bind(id.as_str());
                            }
                            let customers = query.fetch_all(&self.read).await?;
                            let binds: Vec<String> =
                                chunk.iter().map(|id| id.as_str().to_owned()).collect();
                            self.attach_sources(customers, list, &binds, &mut out).await?;
                        }
                    }
                }
                Ok(out)
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
                use $crate::store::rows::{LinkRow, OwnedAddressRow, PreviousAddressRow};
                use std::collections::HashMap;
                let sql = format!(
                    "SELECT customer_id, address_lines, town, postcode, uprn, until \
                     FROM previous_addresses WHERE {} ORDER BY customer_id, until DESC, id DESC",
                    filter("customer_id")
                );
                let mut query = sqlx::query_as::<_, OwnedAddressRow>(&sql);
                for b in binds {
                    query = query.bind(b);
                }
                let mut addresses: HashMap<String, Vec<PreviousAddressRow>> = HashMap::new();
                for row in query.fetch_all(&self.read).await? {
                    addresses.entry(row.customer_id).or_default().push(row.address);
                }
                let sql = format!(
                    "SELECT system, local_id, customer_id, linked_at, method, confidence, record \
                     FROM links WHERE {} ORDER BY customer_id, linked_at, system, local_id",
                    filter("customer_id")
                );
                let mut query = sqlx::query_as::<_, LinkRow>(&sql);
                for b in binds {
                    query = query.bind(b);
                }
                let mut links: HashMap<String, Vec<LinkRow>> = HashMap::new();
                for row in query.fetch_all(&self.read).await? {
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
