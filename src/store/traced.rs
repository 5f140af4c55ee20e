//! A `Store` that wraps another and opens one span per call
//! (`store.<operation>`, with `db.system.name`), recording IDs and counts
//! only: never a name, a date of birth or an address.

use super::*;
use tracing::instrument;

pub struct TracedStore {
    inner: Arc<dyn Store>,
    /// `sqlite` or `postgresql`, after the database semantic conventions.
    system: &'static str,
}

impl TracedStore {
    pub fn new(inner: Arc<dyn Store>, system: &'static str) -> Self {
        Self { inner, system }
    }
}

#[async_trait]
impl Store for TracedStore {
    fn audit_keys(&self) -> &crate::audit::Keyring {
        self.inner.audit_keys()
    }

    fn concurrent_writers(&self) -> bool {
        self.inner.concurrent_writers()
    }

    #[instrument(name = "store.ping", skip_all, fields(db.system.name = self.system))]
    async fn ping(&self) -> StoreResult<()> {
        self.inner.ping().await
    }

    #[instrument(name = "store.value_counts", skip_all, fields(db.system.name = self.system, values = values.len()))]
    async fn value_counts(
        &self,
        values: &[(crate::matching::compare::Field, String)],
    ) -> StoreResult<crate::matching::Frequencies> {
        self.inner.value_counts(values).await
    }

    #[instrument(name = "store.recount_values", skip_all, fields(db.system.name = self.system))]
    async fn recount_values(&self) -> StoreResult<usize> {
        self.inner.recount_values().await
    }

    #[instrument(name = "store.find_link", skip_all, fields(db.system.name = self.system, system = %system))]
    async fn find_link(
        &self,
        system: &SystemCode,
        local_id: &LocalId,
    ) -> StoreResult<Option<LinkedRecord>> {
        self.inner.find_link(system, local_id).await
    }

    #[instrument(name = "store.find_links", skip_all, fields(db.system.name = self.system, ids = ids.len()))]
    async fn find_links(&self, ids: &[crate::record::LinkRef]) -> StoreResult<Vec<LinkedRecord>> {
        self.inner.find_links(ids).await
    }

    #[instrument(name = "store.key_members", skip_all, fields(db.system.name = self.system, keys = keys.len()))]
    async fn key_members(&self, keys: &[String], per_key_limit: i64) -> StoreResult<KeyMembers> {
        self.inner.key_members(keys, per_key_limit).await
    }

    #[instrument(name = "store.candidate_records", skip_all, fields(db.system.name = self.system, links = links.len()))]
    async fn candidate_records(
        &self,
        links: &[crate::record::LinkRef],
    ) -> StoreResult<Vec<CandidateRecord>> {
        self.inner.candidate_records(links).await
    }

    #[instrument(name = "store.find_requests", skip_all, fields(db.system.name = self.system, scope = scope, requests = request_ids.len()))]
    async fn find_requests(
        &self,
        scope: &str,
        request_ids: &[String],
    ) -> StoreResult<Vec<(String, StoredRequest)>> {
        self.inner.find_requests(scope, request_ids).await
    }

    #[instrument(name = "store.erased_links", skip_all, fields(db.system.name = self.system, hashes = link_hashes.len()))]
    async fn erased_links(&self, link_hashes: &[String]) -> StoreResult<Vec<String>> {
        self.inner.erased_links(link_hashes).await
    }

    #[instrument(name = "store.load_customer", skip_all, fields(db.system.name = self.system, customer_id = %id))]
    async fn load_customer(&self, id: &CustomerId) -> StoreResult<Option<Customer>> {
        self.inner.load_customer(id).await
    }

    #[instrument(name = "store.review_task", skip_all, fields(db.system.name = self.system, task_id = %id))]
    async fn review_task(&self, id: &str) -> StoreResult<Option<ReviewTask>> {
        self.inner.review_task(id).await
    }

    #[instrument(name = "store.review_tasks", skip_all, fields(db.system.name = self.system))]
    async fn review_tasks(
        &self,
        after: Option<crate::review::QueuePlace>,
        limit: i64,
        include_resolved: bool,
    ) -> StoreResult<Vec<ReviewTask>> {
        self.inner
            .review_tasks(after, limit, include_resolved)
            .await
    }

    #[instrument(name = "store.distinct_pairs_among", skip_all, fields(db.system.name = self.system, customers = customers.len()))]
    async fn distinct_pairs_among(
        &self,
        customers: &[CustomerId],
    ) -> StoreResult<Vec<(CustomerId, CustomerId)>> {
        self.inner.distinct_pairs_among(customers).await
    }

    #[instrument(name = "store.known_distinct", skip_all, fields(db.system.name = self.system, a = %a, b = %b))]
    async fn known_distinct(&self, a: &CustomerId, b: &CustomerId) -> StoreResult<bool> {
        self.inner.known_distinct(a, b).await
    }

    #[instrument(name = "store.lineage", skip_all, fields(db.system.name = self.system, customer_id = %id))]
    async fn lineage(&self, id: &CustomerId) -> StoreResult<Vec<Lineage>> {
        self.inner.lineage(id).await
    }

    #[instrument(name = "store.latest_weights", skip_all, fields(db.system.name = self.system))]
    async fn latest_weights(&self) -> StoreResult<Option<String>> {
        self.inner.latest_weights().await
    }

    #[instrument(name = "store.match_records", skip_all, fields(db.system.name = self.system, limit))]
    async fn match_records(
        &self,
        after: Option<&LinkRef>,
        limit: i64,
    ) -> StoreResult<Vec<CandidateRecord>> {
        self.inner.match_records(after, limit).await
    }

    #[instrument(name = "store.consent_history", skip_all, fields(db.system.name = self.system, customer_id = %customer))]
    async fn consent_history(
        &self,
        customer: &CustomerId,
    ) -> StoreResult<Vec<crate::consent::ConsentEvent>> {
        self.inner.consent_history(customer).await
    }

    #[instrument(name = "store.events_for", skip_all, fields(db.system.name = self.system, system = %system, after_seq))]
    async fn events_for(
        &self,
        system: &SystemCode,
        after_seq: i64,
        limit: i64,
    ) -> StoreResult<Vec<StoredEvent>> {
        self.inner.events_for(system, after_seq, limit).await
    }

    #[instrument(name = "store.customer_changes_after", skip_all, fields(db.system.name = self.system, after_seq))]
    async fn customer_changes_after(
        &self,
        after_seq: i64,
        limit: i64,
    ) -> StoreResult<Vec<(i64, CustomerId)>> {
        self.inner.customer_changes_after(after_seq, limit).await
    }

    #[instrument(name = "store.refresh_statistics", skip_all, fields(db.system.name = self.system))]
    async fn refresh_statistics(&self) -> StoreResult<()> {
        self.inner.refresh_statistics().await
    }

    #[instrument(name = "store.outbox_head", skip_all, fields(db.system.name = self.system))]
    async fn outbox_head(&self) -> StoreResult<i64> {
        self.inner.outbox_head().await
    }

    #[instrument(name = "store.customer_ids_after", skip_all, fields(db.system.name = self.system, limit))]
    async fn customer_ids_after(
        &self,
        after: Option<&CustomerId>,
        limit: i64,
    ) -> StoreResult<Vec<CustomerId>> {
        self.inner.customer_ids_after(after, limit).await
    }

    #[instrument(name = "store.search_sources", skip_all, fields(db.system.name = self.system, customers))]
    async fn search_sources(&self, page: CustomerPage<'_>) -> StoreResult<Vec<SearchSource>> {
        let sources = self.inner.search_sources(page).await?;
        tracing::Span::current().record("customers", sources.len());
        Ok(sources)
    }

    #[instrument(name = "store.verification_facts", skip_all, fields(db.system.name = self.system, customer_id = %customer))]
    async fn verification_facts(
        &self,
        customer: &CustomerId,
    ) -> StoreResult<Vec<VerificationFact>> {
        self.inner.verification_facts(customer).await
    }

    #[instrument(name = "store.verification_failures_since", skip_all, fields(db.system.name = self.system, customer_id = %customer))]
    async fn verification_failures_since(
        &self,
        customer: &CustomerId,
        since: chrono::DateTime<chrono::Utc>,
    ) -> StoreResult<i64> {
        self.inner
            .verification_failures_since(customer, since)
            .await
    }

    #[instrument(name = "store.verification_locked_until", skip_all, fields(db.system.name = self.system, customer_id = %customer))]
    async fn verification_locked_until(
        &self,
        customer: &CustomerId,
    ) -> StoreResult<Option<chrono::DateTime<chrono::Utc>>> {
        self.inner.verification_locked_until(customer).await
    }

    #[instrument(name = "store.events_after", skip_all, fields(db.system.name = self.system, after_seq))]
    async fn events_after(&self, after_seq: i64, limit: i64) -> StoreResult<Vec<StoredEvent>> {
        self.inner.events_after(after_seq, limit).await
    }

    #[instrument(name = "store.subscriber_cursor", skip_all, fields(db.system.name = self.system, system = %system))]
    async fn subscriber_cursor(&self, system: &SystemCode) -> StoreResult<Option<i64>> {
        self.inner.subscriber_cursor(system).await
    }

    #[instrument(name = "store.acknowledge", skip_all, fields(db.system.name = self.system, system = %system, seq))]
    async fn acknowledge(
        &self,
        system: &SystemCode,
        seq: i64,
        at: chrono::DateTime<chrono::Utc>,
    ) -> StoreResult<()> {
        self.inner.acknowledge(system, seq, at).await
    }

    #[instrument(name = "store.dispatch_cursor", skip_all, fields(db.system.name = self.system, dispatcher = name))]
    async fn dispatch_cursor(&self, name: &str) -> StoreResult<i64> {
        self.inner.dispatch_cursor(name).await
    }

    #[instrument(name = "store.set_dispatch_cursor", skip_all, fields(db.system.name = self.system, dispatcher = name, seq))]
    async fn set_dispatch_cursor(
        &self,
        name: &str,
        seq: i64,
        at: chrono::DateTime<chrono::Utc>,
    ) -> StoreResult<()> {
        self.inner.set_dispatch_cursor(name, seq, at).await
    }

    #[instrument(name = "store.dispatch", skip_all, fields(db.system.name = self.system, dispatcher = name))]
    async fn dispatch(&self, name: &str, limit: i64, sink: &dyn EventSink) -> StoreResult<usize> {
        self.inner.dispatch(name, limit, sink).await
    }

    fn outbox_signal(&self) -> tokio::sync::watch::Receiver<u64> {
        self.inner.outbox_signal()
    }

    #[instrument(name = "store.find_request", skip_all, fields(db.system.name = self.system, scope = scope))]
    async fn find_request(
        &self,
        scope: &str,
        request_id: &str,
    ) -> StoreResult<Option<StoredRequest>> {
        self.inner.find_request(scope, request_id).await
    }

    #[instrument(
        name = "store.apply",
        skip_all,
        fields(
            db.system.name = self.system,
            ops = change.ops.len(),
            audit = change.audit.len(),
            events = change.events.len()
        )
    )]
    async fn apply(&self, change: Change) -> StoreResult<Option<i64>> {
        self.inner.apply(change).await
    }

    #[instrument(name = "store.need_to_know_grants", skip_all, fields(db.system.name = self.system, customer_id = %customer))]
    async fn need_to_know_grants(
        &self,
        customer: &CustomerId,
    ) -> StoreResult<Vec<crate::record::NeedToKnowGrant>> {
        self.inner.need_to_know_grants(customer).await
    }

    #[instrument(name = "store.erased_link", skip_all, fields(db.system.name = self.system))]
    async fn erased_link(&self, link_hash: &str) -> StoreResult<Option<CustomerId>> {
        self.inner.erased_link(link_hash).await
    }

    #[instrument(name = "store.restricted_customers", skip_all, fields(db.system.name = self.system))]
    async fn restricted_customers(&self) -> StoreResult<Vec<CustomerId>> {
        self.inner.restricted_customers().await
    }

    #[instrument(name = "store.audit_entries", skip_all, fields(db.system.name = self.system, after_seq))]
    async fn audit_entries(&self, after_seq: i64, limit: i64) -> StoreResult<Vec<StoredAudit>> {
        self.inner.audit_entries(after_seq, limit).await
    }

    #[instrument(name = "store.access_records", skip_all, fields(db.system.name = self.system, customer_id = %customer))]
    async fn access_records(&self, customer: &CustomerId) -> StoreResult<Vec<StoredAudit>> {
        self.inner.access_records(customer).await
    }

    #[instrument(name = "store.audit_head", skip_all, fields(db.system.name = self.system))]
    async fn audit_head(&self) -> StoreResult<AuditHead> {
        self.inner.audit_head().await
    }

    #[instrument(name = "store.caller_by_token_hash", skip_all, fields(db.system.name = self.system))]
    async fn caller_by_token_hash(&self, token_sha256: &str) -> StoreResult<Option<Caller>> {
        self.inner.caller_by_token_hash(token_sha256).await
    }

    #[instrument(name = "store.list_callers", skip_all, fields(db.system.name = self.system))]
    async fn list_callers(&self) -> StoreResult<Vec<RegisteredCaller>> {
        self.inner.list_callers().await
    }

    #[instrument(name = "store.objections", skip_all, fields(db.system.name = self.system, customer_id = %customer))]
    async fn objections(
        &self,
        customer: &CustomerId,
    ) -> StoreResult<Vec<crate::record::Objection>> {
        self.inner.objections(customer).await
    }

    #[instrument(name = "store.customer_activity", skip_all, fields(db.system.name = self.system, limit))]
    async fn customer_activity(
        &self,
        after: Option<&CustomerId>,
        limit: i64,
    ) -> StoreResult<Vec<CustomerActivity>> {
        self.inner.customer_activity(after, limit).await
    }

    #[instrument(name = "store.equalities_counts", skip_all, fields(db.system.name = self.system, by_system))]
    async fn equalities_counts(&self, by_system: bool) -> StoreResult<Vec<EqualitiesRow>> {
        self.inner.equalities_counts(by_system).await
    }
}
