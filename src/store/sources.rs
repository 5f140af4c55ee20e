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
