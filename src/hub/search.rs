//! SearchCustomers: the contact-centre search. Purpose stated, audited (one
//! entry per customer shown), restricted records filtered per hit.

use super::{Hub, parse_purpose};
use crate::auth::Caller;
use crate::error::{Error, Result};
use crate::policy::{Action, authorize};
use crate::record::{CustomerId, Violations};
use crate::search::query::{parse_dob, parse_postcode};
use crate::search::{ParsedQuery, SearchDoc, explain};
use crate::store::Change;

pub const DEFAULT_PAGE_SIZE: usize = 10;
pub const MAX_PAGE_SIZE: usize = 50;
/// Deepest offset a page token may reach: an agent who has not found the
/// caller in 200 results should ask another question.
const MAX_OFFSET: usize = 200;
const MAX_QUERY_CHARS: usize = crate::record::limits::SEARCH_TEXT;

#[derive(Debug, Clone, Default)]
pub struct SearchRequest {
    pub query: String,
    pub name: String,
    pub date_of_birth: String,
    pub postcode: String,
    pub address: String,
    /// 0 for the default.
    pub page_size: usize,
    pub page_token: String,
    pub purpose: String,
}

/// What an agent needs to pick the right person, and why it matched.
#[derive(Debug, Clone)]
pub struct SearchHit {
    pub customer_id: CustomerId,
    pub given_name: String,
    pub family_name: String,
    pub date_of_birth: String,
    pub postcode: String,
    pub score: f32,
    pub reasons: Vec<String>,
}

#[derive(Debug, Clone, Default)]
pub struct SearchPage {
    pub hits: Vec<SearchHit>,
    /// Empty on the last page.
    pub next_page_token: String,
}

impl Hub {
    pub async fn search_customers(
        &self,
        caller: &Caller,
        req: SearchRequest,
    ) -> Result<SearchPage> {
        let started = std::time::Instant::now();
        let page = self.search_page(caller, req).await;
        crate::telemetry::metrics::search_finished(started.elapsed());
        page
    }

    async fn search_page(&self, caller: &Caller, req: SearchRequest) -> Result<SearchPage> {
        authorize(caller, Action::Search)?;
        let (query, page_size, offset, purpose) = self.parse_search(&req)?;
        let index = self
            .search
            .clone()
            .ok_or_else(|| Error::Unavailable("search is not running".into()))?;
        // Over-fetch so that hits hidden from this caller do not shorten the
        // page; widen until the page fills or the index runs out.
        let mut want = offset + page_size + 1;
        let visible: Vec<_> = loop {
            let (index, q) = (index.clone(), query.clone());
            let hits = tokio::task::spawn_blocking(move || index.search(&q, 0, want))
                .await
                .map_err(|e| Error::Internal(e.to_string()))?
                .map_err(|e| Error::Internal(format!("search failed: {e}")))?;
            let exhausted = hits.len() < want;
            let mut visible = Vec::with_capacity(hits.len());
            for hit in hits {
                if self.visible_in_search(caller, &hit.doc).await? {
                    visible.push(hit);
                }
            }
            if exhausted
                || visible.len() > offset + page_size
                || want >= 4 * (MAX_OFFSET + MAX_PAGE_SIZE)
            {
                break visible;
            }
            want *= 4;
        };
        let more = visible.len() > offset + page_size && offset + page_size <= MAX_OFFSET;
        let hits: Vec<SearchHit> = visible
            .into_iter()
            .skip(offset)
            .take(page_size)
            .filter_map(|h| {
                let reasons = explain::reasons(&h.doc, &query);
                let customer_id = CustomerId::parse(&h.doc.id).ok()?;
                Some(SearchHit {
                    customer_id,
                    given_name: h.doc.given_name,
                    family_name: h.doc.family_name,
                    date_of_birth: h.doc.date_of_birth,
                    postcode: h.doc.postcode,
                    score: h.score,
                    reasons,
                })
            })
            .collect();
        // No trail, no results: every customer shown is audited.
        let mut change = Change::default();
        if hits.is_empty() {
            change
                .audit
                .push(self.audit(caller, "search_customers", None, Some(&purpose)));
        }
        for hit in &hits {
            change.audit.push(self.audit(
                caller,
                "search_customers",
                Some(&hit.customer_id),
                Some(&purpose),
            ));
        }
        self.store.apply(change).await?;
        tracing::info!(hits = hits.len(), offset, "search");
        Ok(SearchPage {
            hits,
            next_page_token: if more {
                encode_page_token(offset + page_size)
            } else {
                String::new()
            },
        })
    }

    /// Whether this caller may see this customer in search results: open
    /// records at once, the others as a read would decide.
    async fn visible_in_search(&self, caller: &Caller, doc: &SearchDoc) -> Result<bool> {
        if !doc.restricted {
            return Ok(true);
        }
        let Ok(id) = CustomerId::parse(&doc.id) else {
            return Ok(false);
        };
        let Some(customer) = self.store.load_customer(&id).await? else {
            return Ok(false);
        };
        let standing = self.standing_if_any(caller, &customer).await?;
        Ok(standing.as_ref().is_some_and(crate::policy::view::is_staff))
    }

    fn parse_search(&self, req: &SearchRequest) -> Result<(ParsedQuery, usize, usize, String)> {
        let today = self.clock.today();
        let mut violations = Violations::default();
        let purpose = match parse_purpose(&req.purpose) {
            Ok(p) => Some(p),
            Err(_) if req.purpose.trim().is_empty() => {
                violations.push("purpose", "a purpose is required for every search");
                None
            }
            Err(_) => {
                violations.push("purpose", "must be at most 500 characters");
                None
            }
        };
        let mut query = ParsedQuery::default();
        for (field, text) in [
            ("query", &req.query),
            ("structured.name", &req.name),
            ("structured.address", &req.address),
        ] {
            if text.chars().count() > MAX_QUERY_CHARS {
                violations.push(
                    field,
                    format!("must be at most {MAX_QUERY_CHARS} characters"),
                );
            }
        }
        query.add_free_text(&req.query, today);
        query.add_name(&req.name);
        if !req.date_of_birth.trim().is_empty() {
            match parse_dob(&req.date_of_birth, today) {
                Some(d) => query.dob = Some(d),
                None => violations.push(
                    "structured.date_of_birth",
                    "must be a past date such as 12/03/1980, 12 Mar 1980 or 1980-03-12",
                ),
            }
        }
        if !req.postcode.trim().is_empty() {
            match parse_postcode(&req.postcode) {
                Some(pc) => query.postcodes.push(pc),
                None => violations.push(
                    "structured.postcode",
                    "must be a UK postcode or its start, e.g. B15 2TT, B15 2 or B15",
                ),
            }
        }
        if !req.address.trim().is_empty() {
            query.add_address(&req.address);
        }
        if query.is_empty() && violations.is_empty() {
            violations.push(
                "query",
                "say at least a name, a date of birth, a postcode or an address",
            );
        }
        let page_size = match req.page_size {
            0 => DEFAULT_PAGE_SIZE,
            n if n > MAX_PAGE_SIZE => {
                violations.push("page_size", format!("must be at most {MAX_PAGE_SIZE}"));
                0
            }
            n => n,
        };
        let offset = match decode_page_token(&req.page_token) {
            Some(o) => o,
            None => {
                violations.push("page_token", "is not a page token from this search");
                0
            }
        };
        violations.into_result()?;
        Ok((query, page_size, offset, purpose.unwrap_or_default()))
    }
}

fn encode_page_token(offset: usize) -> String {
    super::encode_page_token("s1", offset)
}

fn decode_page_token(token: &str) -> Option<usize> {
    super::decode_page_token("s1", token).filter(|&offset| offset <= MAX_OFFSET)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn page_tokens_round_trip_and_reject_junk() {
        assert_eq!(decode_page_token(""), Some(0));
        assert_eq!(decode_page_token(&encode_page_token(20)), Some(20));
        assert_eq!(decode_page_token("zz"), None);
        assert_eq!(decode_page_token(&hex::encode("s1:100000")), None);
    }
}
