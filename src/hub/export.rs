//! The right of access and portability: everything the hub holds about a
//! person, as one JSON document for the DPO to hand over.

use super::Hub;
use crate::auth::Caller;
use crate::error::{Error, Result};
use crate::policy::{Action, authorize};
use crate::record::{Customer, CustomerId};
use crate::review::LineageKind;
use crate::store::Change;
use serde_json::{Value, json};

/// An export: the customer exported, the ID asked for if it was merged
/// away, and the document.
#[derive(Debug, Clone)]
pub struct SubjectExport {
    pub customer_id: CustomerId,
    pub merged_from: Option<CustomerId>,
    pub content_type: &'static str,
    pub data: String,
}

impl Hub {
    /// Everything held about the person (the survivor, for a merged ID).
    /// The export is audited before it is built, so it lists itself.
    pub async fn export_subject_data(
        &self,
        caller: &Caller,
        id: &CustomerId,
    ) -> Result<SubjectExport> {
        authorize(caller, Action::SubjectRights)?;
        let (customer, merged_from) = self.survivor(id).await?;
        // The controller's standing: everything held goes into the export.
        self.standing(caller, &customer, || format!("customer {id}"))
            .await?;
        let mut change = Change::default();
        change.audit.push(self.audit(
            caller,
            "export_subject_data",
            Some(&customer.id),
            Some("subject access request"),
        ));
        self.store.apply(change).await?;
        let document = self
            .export_document(&customer, merged_from.as_ref())
            .await?;
        let data = serde_json::to_string_pretty(&document)
            .map_err(|e| Error::Internal(format!("export: {e}")))?;
        tracing::info!(customer_id = %customer.id, "subject data exported");
        Ok(SubjectExport {
            customer_id: customer.id,
            merged_from,
            content_type: "application/json",
            data,
        })
    }

    async fn export_document(
        &self,
        customer: &Customer,
        merged_from: Option<&CustomerId>,
    ) -> Result<Value> {
        let store = &self.store;
        // Names the departments hold, which may differ from the current
        // one (a maiden name, a former spelling).
        let mut names_held = Vec::new();
        for link in &customer.links {
            if let Some(linked) = store.find_link(&link.system, &link.local_id).await?
                && linked.record.person.name != customer.person.name
            {
                names_held.push(json!({
                    "system": link.system,
                    "local_id": link.local_id,
                    "name": linked.record.person.name,
                }));
            }
        }
        let lineage = store.lineage(&customer.id).await?;
        // Customers merged into this one: their access logs are the person's too.
        let mut ids = vec![customer.id.clone()];
        for entry in &lineage {
            if entry.kind == LineageKind::Merge
                && entry.customer_id == customer.id
                && !ids.contains(&entry.other_id)
            {
                ids.push(entry.other_id.clone());
            }
        }
        let mut access = Vec::new();
        for id in &ids {
            for record in store.access_records(id, 0, i64::MAX).await? {
                access.push(json!({
                    "sequence": record.seq,
                    "at": record.entry.at,
                    "caller": record.entry.caller,
                    "role": record.entry.role.as_str(),
                    "operation": record.entry.operation,
                    "purpose": record.entry.purpose,
                    "customer_id": id,
                }));
            }
        }
        let consents: Vec<Value> = store
            .consent_history(&customer.id)
            .await?
            .into_iter()
            .map(|c| {
                json!({
                    "system": c.system,
                    "scope": c.scope.as_str(),
                    "granted": c.granted,
                    "evidence": {
                        "channel": c.evidence.channel,
                        "reference": c.evidence.reference,
                        "captured_by": c.evidence.captured_by,
                    },
                    "recorded_by": c.recorded_by,
                    "at": c.at,
                })
            })
            .collect();
        let lineage: Vec<Value> = lineage
            .into_iter()
            .map(|l| {
                json!({
                    "kind": l.kind.as_str(),
                    "customer_id": l.customer_id,
                    "other_id": l.other_id,
                    "links": l.links,
                    "reason": l.reason,
                    "decided_by": l.decided_by,
                    "at": l.at,
                })
            })
            .collect();
        // Kinds only: the facts are held as salted hashes, never read back.
        let verification_kinds: Vec<String> = store
            .verification_facts(&customer.id)
            .await?
            .into_iter()
            .map(|f| f.kind)
            .collect();
        let grants = store.need_to_know_grants(&customer.id).await?;
        let objections = store.objections(&customer.id).await?;
        Ok(json!({
            "export": {
                "format": "scr-hub subject data export 1",
                "generated_at": self.clock.now(),
                "generated_by": "data-protection officer",
            },
            "customer_id": customer.id,
            "merged_from": merged_from,
            "record": {
                "name": customer.person.name,
                "date_of_birth": customer.person.date_of_birth,
                "gender": customer.person.gender.as_str(),
                "address": customer.person.address,
                "created_at": customer.created_at,
                "updated_at": customer.updated_at,
            },
            "address_history": customer.previous_addresses,
            "names_held_by_departments": names_held,
            "links": customer.links.iter().map(|l| json!({
                "system": l.system,
                "local_id": l.local_id,
                "linked_at": l.linked_at,
                "method": l.method,
            })).collect::<Vec<_>>(),
            "consents": consents,
            "flags": {
                "restricted": customer.flags.restricted(),
                "minor_basis": customer.flags.minor_basis,
                "processing_restricted": customer.flags.processing_restricted,
                "legal_hold": customer.flags.legal_hold,
            },
            "need_to_know_grants": grants,
            "objections": objections,
            "merges_and_splits": lineage,
            "verification_facts_held": verification_kinds,
            "access_log": access,
        }))
    }
}
