//! The tantivy index: schema, documents, the query and its ranking. It is
//! derived data in its own directory; the commit payload holds the outbox
//! sequence it reflects, so each replica's index knows where to resume.

use super::doc::{SearchDoc, postcode_parts};
use super::query::{ParsedQuery, PostcodeQuery, swapped_dob};
use crate::matching::{nicknames, phonetic};
use std::path::Path;
use tantivy::collector::TopDocs;
use tantivy::query::{
    BooleanQuery, ConstScoreQuery, DisjunctionMaxQuery, FuzzyTermQuery, Occur, Query, TermQuery,
};
use tantivy::schema::{Field, IndexRecordOption, STORED, STRING, Schema, Value};
use tantivy::{IndexReader, IndexWriter, ReloadPolicy, TantivyDocument, Term};

/// Bump when the schema or what goes into it changes: an index of another
/// version is rebuilt from the store.
const SCHEMA_VERSION: &str = "2";

#[derive(Clone, Copy)]
struct Fields {
    id: Field,
    given: Field,
    family: Field,
    given_ph: Field,
    family_ph: Field,
    nick: Field,
    dob: Field,
    postcode: Field,
    prev_postcode: Field,
    address: Field,
    prev_address: Field,
    restricted: Field,
    stored: Field,
}

pub struct SearchIndex {
    index: tantivy::Index,
    reader: IndexReader,
    fields: Fields,
}

/// One ranked result.
#[derive(Debug, Clone)]
pub struct Hit {
    pub doc: SearchDoc,
    pub score: f32,
}

fn schema() -> (Schema, Fields) {
    let mut b = Schema::builder();
    let fields = Fields {
        id: b.add_text_field("id", STRING),
        given: b.add_text_field("given", STRING),
        family: b.add_text_field("family", STRING),
        given_ph: b.add_text_field("given_ph", STRING),
        family_ph: b.add_text_field("family_ph", STRING),
        nick: b.add_text_field("nick", STRING),
        dob: b.add_text_field("dob", STRING),
        postcode: b.add_text_field("postcode", STRING),
        prev_postcode: b.add_text_field("prev_postcode", STRING),
        address: b.add_text_field("address", STRING),
        prev_address: b.add_text_field("prev_address", STRING),
        restricted: b.add_bool_field("restricted", tantivy::schema::INDEXED),
        stored: b.add_text_field("doc", STORED),
    };
    b.add_text_field(&format!("schema_v{SCHEMA_VERSION}"), STRING);
    (b.build(), fields)
}

impl SearchIndex {
    /// Opens the index in `dir`, creating it on first start; an index of an
    /// older schema is thrown away (it is rebuilt from the store).
    pub fn open(dir: &Path) -> crate::error::SetupResult<Self> {
        let (schema, fields) = schema();
        std::fs::create_dir_all(dir)?;
        let open = |schema: Schema| -> tantivy::Result<tantivy::Index> {
            let directory = tantivy::directory::MmapDirectory::open(dir)?;
            tantivy::Index::open_or_create(directory, schema)
        };
        let index = match open(schema.clone()) {
            Ok(index) => index,
            Err(tantivy::TantivyError::SchemaError(_)) => {
                tracing::warn!("search index has an older schema: rebuilding it");
                std::fs::remove_dir_all(dir)?;
                std::fs::create_dir_all(dir)?;
                open(schema)?
            }
            Err(e) => return Err(e.into()),
        };
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .try_into()?;
        Ok(Self {
            index,
            reader,
            fields,
        })
    }

    /// The one writer (tantivy enforces one per directory).
    pub fn writer(
        &self,
        threads: usize,
        memory_bytes: usize,
    ) -> crate::error::SetupResult<IndexWriter> {
        Ok(self.index.writer_with_num_threads(threads, memory_bytes)?)
    }

    /// The outbox sequence the last commit reflects; `None` for an index
    /// never built.
    pub fn committed_seq(&self) -> crate::error::SetupResult<Option<i64>> {
        let metas = self.index.load_metas()?;
        Ok(metas.payload.and_then(|p| p.parse().ok()))
    }

    /// Commits with the outbox sequence and makes the commit searchable.
    pub fn commit(&self, writer: &mut IndexWriter, seq: i64) -> crate::error::SetupResult<()> {
        let mut prepared = writer.prepare_commit()?;
        prepared.set_payload(&seq.to_string());
        prepared.commit()?;
        self.reader.reload()?;
        Ok(())
    }

    pub fn num_docs(&self) -> u64 {
        self.reader.searcher().num_docs()
    }

    /// Replaces (or with `None`, removes) the customer's document.
    pub fn upsert(
        &self,
        writer: &IndexWriter,
        id: &str,
        doc: Option<&SearchDoc>,
    ) -> crate::error::SetupResult<()> {
        writer.delete_term(Term::from_field_text(self.fields.id, id));
        if let Some(doc) = doc {
            writer.add_document(self.document(doc))?;
        }
        Ok(())
    }

    /// Adds a customer known not to be in the index (a fresh build).
    pub fn upsert_new(
        &self,
        writer: &IndexWriter,
        doc: &SearchDoc,
    ) -> crate::error::SetupResult<()> {
        writer.add_document(self.document(doc))?;
        Ok(())
    }

    fn document(&self, d: &SearchDoc) -> TantivyDocument {
        let f = self.fields;
        let mut doc = TantivyDocument::default();
        doc.add_text(f.id, &d.id);
        let mut add_unique = |field: Field, values: &mut Vec<String>, value: String| {
            if !value.is_empty() && !values.contains(&value) {
                doc.add_text(field, &value);
                values.push(value);
            }
        };
        let (mut g, mut fa, mut gp, mut fp, mut n) = (vec![], vec![], vec![], vec![], vec![]);
        for w in d.all_given() {
            add_unique(f.given, &mut g, w.clone());
            add_unique(f.given_ph, &mut gp, phonetic::code(w));
            add_unique(f.nick, &mut n, w.clone());
            for formal in nicknames::formals(w) {
                add_unique(f.nick, &mut n, (*formal).to_owned());
            }
        }
        for w in d.all_family() {
            add_unique(f.family, &mut fa, w.clone());
            add_unique(f.family_ph, &mut fp, phonetic::code(w));
        }
        let mut seen = vec![];
        for dob in &d.dobs {
            add_unique(f.dob, &mut seen, dob.clone());
        }
        let mut seen = vec![];
        for tag in postcode_terms(&d.postcode_compact) {
            add_unique(f.postcode, &mut seen, tag);
        }
        let mut seen = vec![];
        for pc in &d.previous_postcodes {
            for tag in postcode_terms(pc) {
                add_unique(f.prev_postcode, &mut seen, tag);
            }
        }
        let mut seen = vec![];
        for t in &d.address {
            add_unique(f.address, &mut seen, t.clone());
        }
        let mut seen = vec![];
        for t in &d.previous_address {
            add_unique(f.prev_address, &mut seen, t.clone());
        }
        doc.add_bool(f.restricted, d.restricted);
        doc.add_text(f.stored, serde_json::to_string(d).unwrap_or_default());
        doc
    }

    /// The best `limit` customers after skipping `offset`, best first.
    pub fn search(
        &self,
        q: &ParsedQuery,
        offset: usize,
        limit: usize,
    ) -> crate::error::SetupResult<Vec<Hit>> {
        let query = self.build_query(q);
        let searcher = self.reader.searcher();
        let top = searcher.search(&query, &TopDocs::with_limit(limit).and_offset(offset))?;
        let mut hits = Vec::with_capacity(top.len());
        for (score, address) in top {
            let stored: TantivyDocument = searcher.doc(address)?;
            let json = stored
                .get_first(self.fields.stored)
                .and_then(|v| v.as_str())
                .unwrap_or_default();
            let doc: SearchDoc = serde_json::from_str(json)?;
            hits.push(Hit { doc, score });
        }
        Ok(hits)
    }

    fn build_query(&self, q: &ParsedQuery) -> BooleanQuery {
        let f = self.fields;
        let term = |field: Field, text: &str| Term::from_field_text(field, text);
        let exact = |field: Field, text: &str, score: f32| -> Box<dyn Query> {
            Box::new(ConstScoreQuery::new(
                Box::new(TermQuery::new(term(field, text), IndexRecordOption::Basic)),
                score,
            ))
        };
        let mut clauses: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        let mut best_of = |parts: Vec<Box<dyn Query>>| {
            if !parts.is_empty() {
                clauses.push((Occur::Should, Box::new(DisjunctionMaxQuery::new(parts))));
            }
        };
        for w in &q.names {
            let mut parts = vec![exact(f.given, w, 3.0), exact(f.family, w, 3.0)];
            for formal in nicknames::formals(w) {
                parts.push(exact(f.nick, formal, 2.5));
            }
            parts.push(exact(f.nick, w, 2.5));
            let code = phonetic::code(w);
            if !code.is_empty() {
                parts.push(exact(f.given_ph, &code, 2.0));
                parts.push(exact(f.family_ph, &code, 2.0));
            }
            let distance = fuzzy_distance(w);
            if distance > 0 {
                let score = if distance == 1 { 2.0 } else { 1.6 };
                for field in [f.given, f.family] {
                    parts.push(Box::new(ConstScoreQuery::new(
                        Box::new(FuzzyTermQuery::new(term(field, w), distance, true)),
                        score,
                    )));
                }
            }
            best_of(parts);
        }
        if let Some(dob) = q.dob {
            let mut parts = vec![exact(f.dob, &dob.format("%Y%m%d").to_string(), 4.0)];
            if let Some(swapped) = swapped_dob(dob) {
                parts.push(exact(f.dob, &swapped.format("%Y%m%d").to_string(), 1.5));
            }
            best_of(parts);
        }
        for pc in &q.postcodes {
            let outward = format!("O:{}", pc.outward());
            let parts = match pc {
                PostcodeQuery::Full(c) => {
                    let (_, sector) = postcode_parts(c);
                    vec![
                        exact(f.postcode, &format!("F:{c}"), 4.0),
                        exact(f.prev_postcode, &format!("F:{c}"), 3.0),
                        exact(f.postcode, &format!("S:{sector}"), 2.0),
                        exact(f.postcode, &outward, 1.5),
                        exact(f.prev_postcode, &outward, 1.0),
                    ]
                }
                PostcodeQuery::Sector(s) => vec![
                    exact(f.postcode, &format!("S:{s}"), 3.0),
                    exact(f.prev_postcode, &format!("S:{s}"), 2.0),
                    exact(f.postcode, &outward, 1.5),
                    exact(f.prev_postcode, &outward, 1.0),
                ],
                PostcodeQuery::Outward(_) => vec![
                    exact(f.postcode, &outward, 2.5),
                    exact(f.prev_postcode, &outward, 1.5),
                ],
            };
            best_of(parts);
        }
        for t in &q.address {
            best_of(vec![
                exact(f.address, t, 1.0),
                exact(f.prev_address, t, 0.7),
            ]);
        }
        BooleanQuery::new(clauses)
    }
}

/// The tagged postcode terms: full, sector and outward code.
fn postcode_terms(compact: &str) -> Vec<String> {
    if compact.is_empty() {
        return vec![];
    }
    let (outward, sector) = postcode_parts(compact);
    vec![
        format!("F:{compact}"),
        format!("S:{sector}"),
        format!("O:{outward}"),
    ]
}

/// Edits forgiven in a name word: none for short words (too many
/// neighbours), one up to six letters, two beyond.
pub fn fuzzy_distance(word: &str) -> u8 {
    match word.chars().count() {
        0..=3 => 0,
        4..=6 => 1,
        _ => 2,
    }
}
