//! The contact-centre search index (tantivy). It is derived data: it lives
//! in its own directory and can always be rebuilt from the store.

use std::path::Path;
use tantivy::schema::{STORED, STRING, Schema, TEXT};

pub struct SearchIndex {
    index: tantivy::Index,
}

impl SearchIndex {
    fn schema() -> Schema {
        let mut builder = Schema::builder();
        builder.add_text_field("customer_id", STRING | STORED);
        builder.add_text_field("name", TEXT);
        builder.add_text_field("postcode", STRING);
        builder.add_text_field("date_of_birth", STRING);
        builder.build()
    }

    /// Opens the index in `dir`, creating it on first start.
    pub fn open(dir: &Path) -> anyhow::Result<Self> {
        std::fs::create_dir_all(dir)?;
        let directory = tantivy::directory::MmapDirectory::open(dir)?;
        let index = tantivy::Index::open_or_create(directory, Self::schema())?;
        Ok(Self { index })
    }

    pub fn num_docs(&self) -> anyhow::Result<u64> {
        Ok(self.index.reader()?.searcher().num_docs())
    }
}
