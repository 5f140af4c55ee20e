//! The role table (docs/api.md) as one function: what each role may ask
//! for at all. Whether a caller may see the customer it names is
//! `view::standing`, asked after this.

use super::propagation::Restrictions;
use crate::auth::{Caller, Role};
use crate::error::Error;
use crate::record::{Flags, SystemCode};

/// What a caller wants to do.
#[derive(Debug, Clone, Copy)]
pub enum Action<'a> {
    /// Submit or update a departmental record of `system`.
    SubmitRecord { system: &'a SystemCode },
    /// Read a customer (a department: one linked to it).
    ReadCustomer,
    /// Resolve a departmental ID of `system`.
    ResolveLink { system: &'a SystemCode },
    /// Report a customer's new address.
    ChangeAddress,
    /// Record, withdraw or list a customer's consents.
    ManageConsent,
    /// Receive and acknowledge `system`'s change events.
    Subscribe { system: &'a SystemCode },
    /// Work the possible-match queue, merge and split customers.
    StewardMatches,
    /// Register, list or revoke callers.
    ManageCallers,
    /// Search customers (contact-centre search).
    Search,
    /// Check a caller's identity claims against a customer.
    VerifyIdentity,
    /// Set a customer's identity-verification facts.
    SetVerificationFacts,
    /// Grant or revoke need-to-know access to a restricted record.
    ManageNeedToKnow,
    /// List who accessed a customer's record.
    ReadAudit,
    /// Restrict processing, place legal holds, erase: the DPO's decisions.
    SubjectRights,
    /// Check the audit log's hash chain (reveals no personal data).
    VerifyAudit,
    /// Anonymous equalities statistics (the council's duty, the DPO's call
    /// on what is safe to publish).
    Statistics,
}

impl Action<'_> {
    fn name(&self) -> &'static str {
        match self {
            Action::SubmitRecord { .. } => "submit records",
            Action::ReadCustomer => "read customers",
            Action::ResolveLink { .. } => "resolve links",
            Action::ChangeAddress => "change addresses",
            Action::ManageConsent => "manage consent",
            Action::Subscribe { .. } => "subscribe to events",
            Action::StewardMatches => "review matches, merge or split customers",
            Action::ManageCallers => "manage callers",
            Action::Search => "search customers",
            Action::VerifyIdentity => "verify identities",
            Action::SetVerificationFacts => "set verification facts",
            Action::ManageNeedToKnow => "grant need-to-know access",
            Action::ReadAudit => "read the audit trail",
            Action::SubjectRights => "act on subject-rights requests",
            Action::VerifyAudit => "verify the audit log",
            Action::Statistics => "read equalities statistics",
        }
    }
}

/// Allows the action or says why not, naming only roles and systems.
pub fn authorize(caller: &Caller, action: Action<'_>) -> Result<(), Error> {
    let own_system = caller.system.as_ref();
    let allowed = match (caller.role, action) {
        (Role::Department, Action::SubmitRecord { system }) => own_system == Some(system),
        (Role::Department, Action::ResolveLink { system }) => own_system == Some(system),
        // A department only for customers linked to it: `view::standing`
        // answers the others as unknown.
        (
            Role::Department,
            Action::ReadCustomer
            | Action::ChangeAddress
            | Action::ManageConsent
            | Action::SetVerificationFacts,
        ) => true,
        (Role::Agent, Action::ChangeAddress) => true,
        (Role::Agent | Role::Dpo, Action::ManageConsent) => true,
        (Role::Agent | Role::Steward | Role::Dpo, Action::ReadCustomer) => true,
        (Role::Agent | Role::Steward | Role::Dpo, Action::ResolveLink { .. }) => true,
        (Role::Subscriber, Action::Subscribe { system }) => own_system == Some(system),
        (Role::Steward, Action::StewardMatches) => true,
        (Role::Admin, Action::ManageCallers) => true,
        (Role::Agent | Role::Steward | Role::Dpo, Action::Search) => true,
        (Role::Agent | Role::Steward | Role::Dpo, Action::VerifyIdentity) => true,
        (Role::Agent, Action::SetVerificationFacts) => true,
        (Role::Dpo, Action::ManageNeedToKnow | Action::ReadAudit | Action::SubjectRights) => true,
        (Role::Dpo | Role::Admin, Action::VerifyAudit) => true,
        (Role::Dpo, Action::Statistics) => true,
        _ => false,
    };
    if allowed {
        return Ok(());
    }
    let scope = match (caller.role, action) {
        (Role::Subscriber, Action::Subscribe { .. }) => " for another system",
        (Role::Department, Action::SubmitRecord { .. } | Action::ResolveLink { .. }) => {
            " for another system"
        }
        _ => "",
    };
    Err(Error::PermissionDenied(format!(
        "a {} caller may not {}{scope}",
        caller.role,
        action.name()
    )))
}

/// A new record is never matched into a restricted customer: linking would
/// widen who learns of them.
pub fn may_match_into(flags: &Flags) -> bool {
    !flags.restricted() && !flags.processing_restricted
}

/// What silences a customer's events.
pub fn restrictions(flags: &Flags) -> Restrictions {
    Restrictions {
        restricted: flags.restricted(),
        processing_restricted: flags.processing_restricted,
        address_sharing_objected: false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn caller(role: Role, system: Option<&str>) -> Caller {
        Caller::new(
            "t".into(),
            role,
            system.map(|s| SystemCode::parse(s).unwrap()),
        )
        .unwrap()
    }

    #[test]
    fn departments_act_only_for_their_own_system() {
        let libraries = SystemCode::parse("libraries").unwrap();
        let waste = SystemCode::parse("waste").unwrap();
        let dept = caller(Role::Department, Some("libraries"));
        assert!(authorize(&dept, Action::SubmitRecord { system: &libraries }).is_ok());
        assert!(authorize(&dept, Action::SubmitRecord { system: &waste }).is_err());
        assert!(authorize(&dept, Action::ResolveLink { system: &waste }).is_err());
        // Which customers: `view::standing`, which answers others as unknown.
        assert!(authorize(&dept, Action::ReadCustomer).is_ok());
    }

    #[test]
    fn only_departments_submit_and_only_admins_manage_callers() {
        let libraries = SystemCode::parse("libraries").unwrap();
        for role in Role::ALL {
            let system = role.needs_system().then_some("libraries");
            let c = caller(role, system);
            assert_eq!(
                authorize(&c, Action::SubmitRecord { system: &libraries }).is_ok(),
                role == Role::Department
            );
            assert_eq!(
                authorize(&c, Action::ManageCallers).is_ok(),
                role == Role::Admin
            );
        }
    }

    #[test]
    fn only_agents_stewards_and_dpos_search_and_verify() {
        for role in Role::ALL {
            let system = role.needs_system().then_some("libraries");
            let c = caller(role, system);
            let allowed = matches!(role, Role::Agent | Role::Steward | Role::Dpo);
            assert_eq!(authorize(&c, Action::Search).is_ok(), allowed, "{role}");
            assert_eq!(
                authorize(&c, Action::VerifyIdentity).is_ok(),
                allowed,
                "{role}"
            );
        }
    }

    #[test]
    fn verification_facts_come_from_agents_or_departments() {
        let set = Action::SetVerificationFacts;
        assert!(authorize(&caller(Role::Agent, None), set).is_ok());
        assert!(authorize(&caller(Role::Department, Some("libraries")), set).is_ok());
        assert!(authorize(&caller(Role::Steward, None), set).is_err());
    }

    #[test]
    fn subscribers_and_admins_read_no_one() {
        for (role, system) in [(Role::Subscriber, Some("libraries")), (Role::Admin, None)] {
            let c = caller(role, system);
            assert!(authorize(&c, Action::ReadCustomer).is_err());
        }
    }

    #[test]
    fn restricted_records_are_never_matched_into() {
        let minor = Flags {
            minor_basis: Some(crate::record::MinorBasis {
                kind: crate::record::BasisKind::ParentalConsent,
                reference: "G-1".into(),
                system: SystemCode::parse("libraries").unwrap(),
                recorded_at: chrono::DateTime::UNIX_EPOCH,
                expires_at: None,
            }),
            ..Flags::default()
        };
        let processing = Flags {
            processing_restricted: true,
            ..Flags::default()
        };
        assert!(!may_match_into(&minor));
        assert!(!may_match_into(&processing));
        assert!(may_match_into(&Flags::default()));
        assert!(restrictions(&minor).restricted);
    }
}
