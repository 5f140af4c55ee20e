//! What the search index is built from: a page of customers with all their
//! documents need, read in a few queries per page rather than a few per
//! customer (a rebuild reads every customer).

use crate::record::{Customer, CustomerId, Person};

/// Which customers `Store::search_sources` reads.
#[derive(Debug, Clone, Copy)]
pub enum CustomerPage<'a> {
    /// Up to `limit` customers (merged ones included) in ID order after
    /// `after` and up to `until` (inclusive): a rebuild's keyset pages,
    /// over one slice of the IDs when it reads several at once.
    After {
        after: Option<&'a CustomerId>,
        until: Option<&'a CustomerId>,
        limit: i64,
    },
    /// These customers, in ID order; missing (erased) ones are left out.
    Ids(&'a [CustomerId]),
}

/// One customer as stored, with the person each of its links' records
/// last gave.
#[derive(Debug, Clone)]
pub struct SearchSource {
    /// With address history, links, flags and `merged_into`.
    pub customer: Customer,
    /// `linked[i]` is the person `customer.links[i]`'s system last sent.
    pub linked: Vec<Person>,
}

/// How a backend returns the bulk read's rows. sqlx's SQLite driver hands
/// rows over one at a time from its worker thread, which dominated a
/// rebuild, so on SQLite each query aggregates its rows into one JSON array
/// (one value crosses the driver); PostgreSQL returns plain rows.
pub(crate) trait SourceRows {
    const JSON_ARRAY: bool;
}

impl SourceRows for sqlx::Sqlite {
    const JSON_ARRAY: bool = true;
}

impl SourceRows for sqlx::Postgres {
    const JSON_ARRAY: bool = false;
}

/// `column` as a `json_object` value that a row struct's serde reads back
/// as sqlx would have decoded the column.
pub(crate) fn json_value(column: &str) -> String {
    match column {
        "processing_restricted" => {
            "json(CASE WHEN processing_restricted THEN 'true' ELSE 'false' END)".into()
        }
        // json_object prints a REAL with 15 digits; 17 round-trip exactly.
        "confidence" => "printf('%!.17g', confidence)".into(),
        other => other.into(),
    }
}
