//! Who hears of a change: a system hears only of customers it holds, of an
//! address change only with the citizen's consent, and of nothing at all
//! while the record is restricted or its processing is.

use crate::record::{Link, LocalId, Objection, ObjectionScope, SystemCode};
use std::collections::BTreeSet;

/// The kinds of change event the hub sends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventKind {
    AddressChanged,
    RecordLinked,
    CustomersMerged,
    CustomerSplit,
    CustomerErased,
    ProcessingRestricted,
}

impl EventKind {
    pub fn as_str(self) -> &'static str {
        match self {
            EventKind::AddressChanged => "address_changed",
            EventKind::RecordLinked => "record_linked",
            EventKind::CustomersMerged => "customers_merged",
            EventKind::CustomerSplit => "customer_split",
            EventKind::CustomerErased => "customer_erased",
            EventKind::ProcessingRestricted => "processing_restricted",
        }
    }
}

/// What the routing decision needs to know about the customer.
#[derive(Debug, Clone, Copy, Default)]
pub struct Restrictions {
    /// Held on a minor's exception or otherwise restricted: never propagated.
    pub restricted: bool,
    pub processing_restricted: bool,
    /// The person objects to address sharing: no address change goes out.
    pub address_sharing_objected: bool,
}

/// The outcome for an address change: who is told, who is not.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AddressRouting {
    /// Each receiving system with its own local IDs for the customer.
    pub notified: Vec<(SystemCode, Vec<LocalId>)>,
    pub withheld: Vec<SystemCode>,
}

/// Systems holding the customer, each with its local IDs, in code order.
pub fn holders(links: &[Link]) -> Vec<(SystemCode, Vec<LocalId>)> {
    let mut systems: Vec<(SystemCode, Vec<LocalId>)> = Vec::new();
    for link in links {
        match systems.iter_mut().find(|(s, _)| *s == link.system) {
            Some((_, ids)) => ids.push(link.local_id.clone()),
            None => systems.push((link.system.clone(), vec![link.local_id.clone()])),
        }
    }
    systems.sort_by(|a, b| a.0.cmp(&b.0));
    systems
}

/// An address change reported through `origin` (which already knows it)
/// goes to the other holding systems the citizen consented to.
pub fn route_address_change(
    links: &[Link],
    consented: &BTreeSet<SystemCode>,
    origin: Option<&SystemCode>,
    restrictions: Restrictions,
) -> AddressRouting {
    let mut routing = AddressRouting::default();
    for (system, ids) in holders(links) {
        if Some(&system) == origin {
            continue;
        }
        if address_shared_with(&system, consented, restrictions) {
            routing.notified.push((system, ids));
        } else {
            routing.withheld.push(system);
        }
    }
    routing
}

/// Whether `system` may learn the person's current address: their consent
/// to share address changes with it is in force, no objection to address
/// sharing stands and the record is not restricted. The same rule decides
/// who is told of a move and whose read shows the new address.
pub fn address_shared_with(
    system: &SystemCode,
    consented: &BTreeSet<SystemCode>,
    restrictions: Restrictions,
) -> bool {
    consented.contains(system)
        && !restrictions.restricted
        && !restrictions.processing_restricted
        && !restrictions.address_sharing_objected
}

/// Whether an objection to address sharing stands: it overrides every
/// consent until the person withdraws it.
pub fn objects_to_address_sharing(objections: &[Objection]) -> bool {
    objections
        .iter()
        .any(|o| o.active() && o.scope == ObjectionScope::AddressSharing)
}

/// Other events go to every holding system, unless the record is restricted.
/// `ProcessingRestricted` itself is the one event a restriction sends, and
/// `CustomerErased` always goes: the holders already know the person, and
/// must hear that the hub's copy is gone.
pub fn route(
    kind: EventKind,
    links: &[Link],
    restrictions: Restrictions,
) -> Vec<(SystemCode, Vec<LocalId>)> {
    let silenced = kind != EventKind::CustomerErased
        && (restrictions.restricted
            || (restrictions.processing_restricted && kind != EventKind::ProcessingRestricted));
    if silenced { Vec::new() } else { holders(links) }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::DateTime;

    fn link(system: &str, id: &str) -> Link {
        Link {
            system: SystemCode::parse(system).unwrap(),
            local_id: LocalId::parse(id).unwrap(),
            linked_at: DateTime::UNIX_EPOCH,
            method: "test".into(),
            confidence: 1.0,
        }
    }

    fn code(s: &str) -> SystemCode {
        SystemCode::parse(s).unwrap()
    }

    #[test]
    fn address_changes_need_consent_and_skip_the_origin() {
        let links = [
            link("waste", "W1"),
            link("libraries", "L1"),
            link("council-tax", "C1"),
            link("waste", "W2"),
        ];
        let consented: BTreeSet<_> = [code("waste"), code("libraries")].into();
        let routing = route_address_change(
            &links,
            &consented,
            Some(&code("libraries")),
            Restrictions::default(),
        );
        assert_eq!(
            routing.notified,
            [(
                code("waste"),
                vec![LocalId::parse("W1").unwrap(), LocalId::parse("W2").unwrap()]
            )]
        );
        assert_eq!(routing.withheld, [code("council-tax")]);
    }

    #[test]
    fn restriction_silences_everything() {
        let links = [link("waste", "W1")];
        let consented: BTreeSet<_> = [code("waste")].into();
        for r in [
            Restrictions {
                restricted: true,
                processing_restricted: false,
                ..Default::default()
            },
            Restrictions {
                restricted: false,
                processing_restricted: true,
                ..Default::default()
            },
        ] {
            assert!(
                route_address_change(&links, &consented, None, r)
                    .notified
                    .is_empty()
            );
            assert!(route(EventKind::CustomersMerged, &links, r).is_empty());
        }
        let processing = Restrictions {
            restricted: false,
            processing_restricted: true,
            ..Default::default()
        };
        assert_eq!(
            route(EventKind::ProcessingRestricted, &links, processing).len(),
            1
        );
        let minor = Restrictions {
            restricted: true,
            processing_restricted: false,
            ..Default::default()
        };
        assert_eq!(route(EventKind::CustomerErased, &links, minor).len(), 1);
    }

    #[test]
    fn an_address_sharing_objection_withholds_from_everyone_until_withdrawn() {
        let links = [link("waste", "W1"), link("libraries", "L1")];
        let consented: BTreeSet<_> = [code("waste"), code("libraries")].into();
        let mut objection = Objection {
            customer_id: crate::record::CustomerId::generate(),
            scope: ObjectionScope::AddressSharing,
            grounds: "g".into(),
            recorded_by: "dpo".into(),
            at: DateTime::UNIX_EPOCH,
            withdrawn_at: None,
            withdrawn_by: None,
        };
        let other = Objection {
            scope: ObjectionScope::AllProcessing,
            ..objection.clone()
        };
        assert!(!objects_to_address_sharing(std::slice::from_ref(&other)));
        assert!(objects_to_address_sharing(&[
            other.clone(),
            objection.clone()
        ]));
        let r = Restrictions {
            address_sharing_objected: true,
            ..Default::default()
        };
        let routing = route_address_change(&links, &consented, None, r);
        assert!(routing.notified.is_empty());
        assert_eq!(routing.withheld, [code("libraries"), code("waste")]);
        // Other events are not an address disclosure: they still go.
        assert_eq!(route(EventKind::CustomersMerged, &links, r).len(), 2);
        objection.withdrawn_at = Some(DateTime::UNIX_EPOCH);
        assert!(!objects_to_address_sharing(&[objection]));
    }
}
