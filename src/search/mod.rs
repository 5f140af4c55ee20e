//! Contact-centre search: a tantivy index of every current customer, fed
//! from the store's outbox by one indexer task, queried with typos,
//! nicknames, phonetic spellings, either name order, UK dates and partial
//! postcodes. The only module that names tantivy. The index is derived
//! data: it can always be rebuilt from the store.

pub mod doc;
pub mod explain;
mod index;
pub mod indexer;
pub mod query;
pub mod synth;

pub use doc::SearchDoc;
pub use index::{Hit, SearchIndex};
pub use query::ParsedQuery;
