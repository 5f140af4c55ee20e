//! What a caller may see of a customer: the one decision every read makes.
//! `standing` says whether the caller may know the customer exists at all
//! (a hidden record answers exactly as an unknown ID does); the `visible_*`
//! functions cut what is held down to what that standing allows. The hub
//! loads, asks here, and renders what comes back; nothing else filters.

use super::propagation::{Restrictions, address_shared_with, objects_to_address_sharing};
use crate::auth::{Caller, Role};
use crate::consent::{ConsentEvent, ConsentScope, in_force};
use crate::record::{
    Customer, DepartmentalRecord, Flags, Link, NeedToKnowGrant, Objection, Person, PreviousAddress,
    SystemCode,
};
use chrono::{DateTime, Utc};

/// How a caller stands towards one customer it may see.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Standing {
    /// The data-protection officer: everything held.
    Controller,
    /// Council staff (agent, steward, a need-to-know grantee): the council's
    /// record with its history and every service holding the person.
    Staff,
    /// A departmental system linked to the customer: its own links, what it
    /// supplied, and the current address only where it is entitled to it.
    Holder(SystemCode),
}

/// Whether, and how, `caller` may see this customer. `None` means the
/// customer must be answered as unknown: a department not linked to it, a
/// record whose processing is restricted (DPO only), or a minor's record
/// held on an exception (the submitting system, the DPO and holders of an
/// unexpired need-to-know grant only). `grants` need only be read for
/// restricted records.
pub fn standing(
    caller: &Caller,
    customer: &Customer,
    grants: &[NeedToKnowGrant],
    now: DateTime<Utc>,
) -> Option<Standing> {
    if caller.role == Role::Dpo {
        return Some(Standing::Controller);
    }
    let flags = &customer.flags;
    if flags.processing_restricted {
        return None;
    }
    let granted = || {
        grants
            .iter()
            .any(|g| g.customer_id == customer.id && g.grantee == caller.name && g.active(now))
    };
    match caller.role {
        Role::Agent | Role::Steward => match &flags.minor_basis {
            None => Some(Standing::Staff),
            Some(_) => granted().then_some(Standing::Staff),
        },
        Role::Department => {
            let own = caller.system.as_ref()?;
            if !customer.links.iter().any(|l| &l.system == own) {
                return None;
            }
            let entitled = match &flags.minor_basis {
                None => true,
                Some(basis) => &basis.system == own || granted(),
            };
            entitled.then(|| Standing::Holder(own.clone()))
        }
        Role::Subscriber | Role::Admin | Role::Dpo => None,
    }
}

/// Whether a record may be shown to every agent, steward and DPO without
/// asking `standing` per hit: what the search index marks as open.
pub fn open_to_all_staff(flags: &Flags) -> bool {
    !flags.restricted() && !flags.processing_restricted
}

/// Whether `standing` may see the things only council staff see: search
/// hits, identity checks, the review queue, merges and splits.
pub fn is_staff(standing: &Standing) -> bool {
    matches!(standing, Standing::Staff | Standing::Controller)
}

/// A customer as one caller may see it.
#[derive(Debug, Clone, PartialEq)]
pub struct CustomerView {
    pub person: Person,
    pub previous_addresses: Vec<PreviousAddress>,
    pub links: Vec<Link>,
}

/// What a holder's view needs beyond the customer; empty for staff.
#[derive(Debug, Clone, Copy, Default)]
pub struct Holdings<'a> {
    /// The records the holder's own system supplied for this customer.
    pub supplied: &'a [DepartmentalRecord],
    /// The customer's consent history.
    pub consents: &'a [ConsentEvent],
    pub objections: &'a [Objection],
}

impl Standing {
    /// Whether the view needs `Holdings` read.
    pub fn needs_holdings(&self) -> bool {
        matches!(self, Standing::Holder(_))
    }
}

/// The customer as `standing` may see it. A holder sees the facts its own
/// system supplied (its newest record), and the hub's current address only
/// where the person's consent to share address changes with it is in force
/// (and no objection to address sharing stands, nor a restriction), or
/// where it supplied that address itself. Never another department's
/// links, nor the address history others reported. `None` when a holder's
/// own records were not given: the caller must not fall back on the hub's.
pub fn customer_view(
    standing: &Standing,
    customer: &Customer,
    held: Holdings<'_>,
) -> Option<CustomerView> {
    let system = match standing {
        Standing::Controller | Standing::Staff => {
            return Some(CustomerView {
                person: customer.person.clone(),
                previous_addresses: customer.previous_addresses.clone(),
                links: customer.links.clone(),
            });
        }
        Standing::Holder(system) => system,
    };
    let own: Vec<&DepartmentalRecord> = held
        .supplied
        .iter()
        .filter(|r| &r.system == system)
        .collect();
    // The newest of its own records speaks for the department; links are
    // listed in the order they were made, so the last one named is newest.
    let newest = customer
        .links
        .iter()
        .rev()
        .filter(|l| &l.system == system)
        .find_map(|l| own.iter().find(|r| r.local_id == l.local_id))?;
    let current = &customer.person.address;
    let supplied_it = own.iter().any(|r| &r.person.address == current);
    let consented = in_force(held.consents, ConsentScope::AddressChanges);
    let restrictions = Restrictions {
        address_sharing_objected: objects_to_address_sharing(held.objections),
        ..super::restrictions(&customer.flags)
    };
    let mut person = newest.person.clone();
    if supplied_it || address_shared_with(system, &consented, restrictions) {
        person.address = current.clone();
    }
    Some(CustomerView {
        person,
        previous_addresses: Vec::new(),
        links: visible_links(standing, &customer.links),
    })
}

/// The links `standing` may see: a holder its own system's only.
pub fn visible_links(standing: &Standing, links: &[Link]) -> Vec<Link> {
    match standing {
        Standing::Controller | Standing::Staff => links.to_vec(),
        Standing::Holder(system) => links
            .iter()
            .filter(|l| &l.system == system)
            .cloned()
            .collect(),
    }
}

/// The consent records `standing` may see: a holder those naming its own
/// system only (others would name the person's other services).
pub fn visible_consents(standing: &Standing, history: Vec<ConsentEvent>) -> Vec<ConsentEvent> {
    match standing {
        Standing::Controller | Standing::Staff => history,
        Standing::Holder(system) => history
            .into_iter()
            .filter(|e| &e.system == system)
            .collect(),
    }
}

/// What the answer to a write may say beyond the customer ID.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AnswerDetail {
    /// SubmitRecord: the matcher's field-by-field comparison with records
    /// the caller does not hold, and the review tasks it opened.
    pub match_detail: bool,
    /// ChangeAddress: which other services were told and which withheld
    /// (their names, and how many there are).
    pub other_services: bool,
}

/// A department learns the outcome of its own write and nothing about the
/// person's other services or records; council staff see the detail.
pub fn answer_detail(caller: &Caller) -> AnswerDetail {
    let staff = matches!(caller.role, Role::Agent | Role::Steward | Role::Dpo);
    AnswerDetail {
        match_detail: staff,
        other_services: staff,
    }
}

#[cfg(test)]
mod tests;
