//! Merging two customers and splitting one. Both keep full history: the
//! merged customer's row stays (pointing at its survivor), every move is in
//! the lineage, and every departmental record keeps its own facts, so a
//! split after a merge loses nothing.

use super::{Hub, MAX_ATTEMPTS, parse_reason};
use crate::auth::Caller;
use crate::error::{Error, Result};
use crate::policy::propagation::{EventKind, route};
use crate::policy::view::CustomerView;
use crate::policy::{Action, authorize, may_match_into};
use crate::record::LinkRef;
use crate::record::{Customer, CustomerId, PreviousAddress};
use crate::review::{Lineage, LineageKind};
use crate::store::{Change, Op, StoreError};
use std::collections::BTreeSet;

impl Hub {
    pub async fn merge_customers(
        &self,
        caller: &Caller,
        survivor: &CustomerId,
        merged: &CustomerId,
        reason: &str,
    ) -> Result<(CustomerId, CustomerView)> {
        authorize(caller, Action::StewardMatches)?;
        let reason = parse_reason(reason)?;
        if survivor == merged {
            return Err(Error::invalid("merged_id", "must differ from survivor_id"));
        }
        let _guards = self.lock_keys(&[survivor.as_str(), merged.as_str()]).await;
        for _ in 0..MAX_ATTEMPTS {
            let change = self.plan_merge(caller, survivor, merged, &reason).await?;
            match self.store.apply(change).await {
                Ok(_) => {
                    tracing::info!(survivor = %survivor, merged = %merged, "customers merged");
                    return self.view_of(caller, survivor).await;
                }
                Err(StoreError::Conflict) => continue,
                Err(e) => return Err(e.into()),
            }
        }
        Err(Error::Unavailable(
            "customers changed concurrently, please retry".into(),
        ))
    }

    /// The change that merges `merged` into `survivor`.
    pub(super) async fn plan_merge(
        &self,
        caller: &Caller,
        survivor: &CustomerId,
        merged: &CustomerId,
        reason: &str,
    ) -> Result<Change> {
        let (s, _) = self.current_customer(caller, survivor).await?;
        let (m, _) = self.current_customer(caller, merged).await?;
        // Nothing is matched into (or out of) a restricted record, by a
        // steward either: merging would widen who sees it.
        if !may_match_into(&s.flags) || !may_match_into(&m.flags) {
            return Err(Error::FailedPrecondition {
                reason: "CUSTOMER_RESTRICTED",
                message: "a restricted customer cannot be merged".into(),
            });
        }
        let now = self.clock.now();
        let moved: Vec<LinkRef> = m.links.iter().map(link_ref).collect();

        // The survivor's facts stand; the merged customer's addresses join
        // its history so nothing the council knew is dropped.
        let mut known: Vec<_> = std::iter::once(&s.person.address)
            .chain(s.previous_addresses.iter().map(|p| &p.address))
            .cloned()
            .collect();
        let mut history = Vec::new();
        let merged_current = PreviousAddress {
            address: m.person.address.clone(),
            until: now,
        };
        for old in m
            .previous_addresses
            .iter()
            .chain(std::iter::once(&merged_current))
        {
            if !known.contains(&old.address) {
                known.push(old.address.clone());
                history.push(old.clone());
            }
        }

        let mut change = Change::default();
        change.ops.push(Op::MoveLinks {
            from: m.id.clone(),
            to: s.id.clone(),
            links: moved.clone(),
        });
        if !history.is_empty() {
            change.ops.push(Op::AddPreviousAddresses {
                id: s.id.clone(),
                addresses: history,
            });
        }
        change.ops.push(Op::MarkMerged {
            id: m.id.clone(),
            into: s.id.clone(),
            expected_version: m.version,
            at: now,
        });
        change.ops.push(Op::TouchCustomer {
            id: s.id.clone(),
            expected_version: s.version,
            at: now,
        });
        change.ops.push(Op::RetargetReviewTasks {
            from: m.id.clone(),
            to: s.id.clone(),
            at: now,
        });
        change.ops.push(Op::DeleteDistinctPair {
            a: s.id.clone(),
            b: m.id.clone(),
        });
        change.ops.push(Op::InsertLineage(Lineage {
            kind: LineageKind::Merge,
            customer_id: s.id.clone(),
            other_id: m.id.clone(),
            links: moved,
            reason: reason.to_owned(),
            decided_by: caller.name.clone(),
            at: now,
        }));
        for id in [&s.id, &m.id] {
            change
                .audit
                .push(self.audit(caller, "merge_customers", Some(id), Some(reason)));
        }
        let all_links: Vec<_> = s.links.iter().chain(&m.links).cloned().collect();
        let recipients = route(
            EventKind::CustomersMerged,
            &all_links,
            self.restrictions(&s),
        );
        change.events.extend(self.events(
            EventKind::CustomersMerged,
            &s.id,
            recipients,
            &serde_json::json!({ "survivor_id": s.id, "merged_id": m.id }),
        ));
        Ok(change)
    }

    /// Moves `links` out of `id` into a new customer; returns (remaining,
    /// split off).
    pub async fn split_customer(
        &self,
        caller: &Caller,
        id: &CustomerId,
        links: Vec<LinkRef>,
        reason: &str,
    ) -> Result<((CustomerId, CustomerView), (CustomerId, CustomerView))> {
        authorize(caller, Action::StewardMatches)?;
        let reason = parse_reason(reason)?;
        let moving: BTreeSet<LinkRef> = links.into_iter().collect();
        if moving.is_empty() {
            return Err(Error::invalid("links", "name at least one link to move"));
        }
        let _guards = self.lock_keys(&[id.as_str()]).await;
        for _ in 0..MAX_ATTEMPTS {
            let (new_id, change) = self.plan_split(caller, id, &moving, &reason).await?;
            match self.store.apply(change).await {
                Ok(_) => {
                    tracing::info!(customer_id = %id, new_customer_id = %new_id, "customer split");
                    return Ok((
                        self.view_of(caller, id).await?,
                        self.view_of(caller, &new_id).await?,
                    ));
                }
                Err(StoreError::Conflict) => continue,
                Err(e) => return Err(e.into()),
            }
        }
        Err(Error::Unavailable(
            "customer changed concurrently, please retry".into(),
        ))
    }

    async fn plan_split(
        &self,
        caller: &Caller,
        id: &CustomerId,
        moving: &BTreeSet<LinkRef>,
        reason: &str,
    ) -> Result<(CustomerId, Change)> {
        let (c, _) = self.current_customer(caller, id).await?;
        let held: BTreeSet<LinkRef> = c.links.iter().map(link_ref).collect();
        if let Some(stray) = moving.iter().find(|l| !held.contains(l)) {
            return Err(Error::invalid(
                "links",
                format!(
                    "{}/{} is not linked to customer {id}",
                    stray.system, stray.local_id
                ),
            ));
        }
        if moving.len() == held.len() {
            return Err(Error::invalid(
                "links",
                "at least one link must stay with the customer",
            ));
        }
        // Each side takes the facts of its most recently linked record.
        let newest = |keep: bool| {
            c.links
                .iter()
                .filter(|l| moving.contains(&link_ref(l)) != keep)
                .max_by_key(|l| l.linked_at)
                .map(link_ref)
        };
        let (Some(split_source), Some(stay_source)) = (newest(false), newest(true)) else {
            return Err(Error::Internal("split without links on both sides".into()));
        };
        let split_record = self.linked_record(&split_source).await?;
        let now = self.clock.now();
        let new_id = CustomerId::generate();
        let mut change = Change::default();
        // The part split off is held as the whole was: a restriction, a
        // minor's exception or a legal hold does not fall away by splitting.
        change.ops.push(Op::InsertCustomer {
            customer: Customer::new(
                new_id.clone(),
                split_record.record.person.clone(),
                c.flags.clone(),
                now,
            ),
        });
        change.ops.push(Op::MoveLinks {
            from: c.id.clone(),
            to: new_id.clone(),
            links: moving.iter().cloned().collect(),
        });
        // If the customer's facts came from a record that moved, it takes
        // those of its newest remaining record instead.
        let mut facts_moved = false;
        for l in moving {
            facts_moved |= self.linked_record(l).await?.record.person == c.person;
        }
        if facts_moved {
            let stay_record = self.linked_record(&stay_source).await?;
            change.ops.push(Op::UpdateCustomer {
                id: c.id.clone(),
                expected_version: c.version,
                person: stay_record.record.person,
                archived_address: None,
                at: now,
            });
        } else {
            change.ops.push(Op::TouchCustomer {
                id: c.id.clone(),
                expected_version: c.version,
                at: now,
            });
        }
        change.ops.push(Op::InsertDistinctPair {
            a: c.id.clone(),
            b: new_id.clone(),
            by: caller.name.clone(),
            at: now,
        });
        change.ops.push(Op::InsertLineage(Lineage {
            kind: LineageKind::Split,
            customer_id: c.id.clone(),
            other_id: new_id.clone(),
            links: moving.iter().cloned().collect(),
            reason: reason.to_owned(),
            decided_by: caller.name.clone(),
            at: now,
        }));
        for id in [&c.id, &new_id] {
            change
                .audit
                .push(self.audit(caller, "split_customer", Some(id), Some(reason)));
        }
        let data = serde_json::json!({ "customer_id": c.id, "new_customer_id": new_id });
        let (moved, stayed): (Vec<_>, Vec<_>) = c
            .links
            .iter()
            .cloned()
            .partition(|l| moving.contains(&link_ref(l)));
        let restrictions = self.restrictions(&c);
        for (subject, links) in [(&c.id, stayed), (&new_id, moved)] {
            let recipients = route(EventKind::CustomerSplit, &links, restrictions);
            change
                .events
                .extend(self.events(EventKind::CustomerSplit, subject, recipients, &data));
        }
        Ok((new_id, change))
    }

    async fn linked_record(&self, l: &LinkRef) -> Result<crate::store::LinkedRecord> {
        self.store
            .find_link(&l.system, &l.local_id)
            .await?
            .ok_or_else(|| Error::Internal("customer names a missing link".into()))
    }
}

fn link_ref(l: &crate::record::Link) -> LinkRef {
    LinkRef {
        system: l.system.clone(),
        local_id: l.local_id.clone(),
    }
}
