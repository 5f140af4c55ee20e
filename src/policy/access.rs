//! The role table of DESIGN.md as one function.

use super::propagation::Restrictions;
use crate::auth::{Caller, Role};
use crate::error::Error;
use crate::record::{Flags, NeedToKnowGrant, SystemCode};
use chrono::{DateTime, Utc};

/// What a caller wants to do.
#[derive(Debug, Clone, Copy)]
pub enum Action<'a> {
    /// Submit or update a departmental record of `system`.
    SubmitRecord { system: &'a SystemCode },
    /// Read a customer linked to `linked_systems`.
    ReadCustomer { linked_systems: &'a [SystemCode] },
    /// Resolve a departmental ID of `system`.
    ResolveLink { system: &'a SystemCode },
    /// Report a customer's new address.
    ChangeAddress { linked_systems: &'a [SystemCode] },
    /// Record, withdraw or list a customer's consents.
    ManageConsent { linked_systems: &'a [SystemCode] },
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
    SetVerificationFacts { linked_systems: &'a [SystemCode] },
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
            Action::ReadCustomer { .. } => "read customers",
            Action::ResolveLink { .. } => "resolve links",
            Action::ChangeAddress { .. } => "change addresses",
            Action::ManageConsent { .. } => "manage consent",
            Action::Subscribe { .. } => "subscribe to events",
            Action::StewardMatches => "review matches, merge or split customers",
            Action::ManageCallers => "manage callers",
            Action::Search => "search customers",
            Action::VerifyIdentity => "verify identities",
            Action::SetVerificationFacts { .. } => "set verification facts",
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
        (Role::Department, Action::ReadCustomer { linked_systems }) => {
            own_system.is_some_and(|own| linked_systems.contains(own))
        }
        (
            Role::Department,
            Action::ChangeAddress { linked_systems } | Action::ManageConsent { linked_systems },
        ) => own_system.is_some_and(|own| linked_systems.contains(own)),
        (Role::Agent, Action::ChangeAddress { .. }) => true,
        (Role::Agent | Role::Dpo, Action::ManageConsent { .. }) => true,
        (Role::Agent | Role::Steward | Role::Dpo, Action::ReadCustomer { .. }) => true,
        (Role::Agent | Role::Steward | Role::Dpo, Action::ResolveLink { .. }) => true,
        (Role::Subscriber, Action::Subscribe { system }) => own_system == Some(system),
        (Role::Steward, Action::StewardMatches) => true,
        (Role::Admin, Action::ManageCallers) => true,
        (Role::Agent | Role::Steward | Role::Dpo, Action::Search) => true,
        (Role::Agent | Role::Steward | Role::Dpo, Action::VerifyIdentity) => true,
        (Role::Agent, Action::SetVerificationFacts { .. }) => true,
        (Role::Department, Action::SetVerificationFacts { linked_systems }) => {
            own_system.is_some_and(|own| linked_systems.contains(own))
        }
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
        (
            Role::Department,
            Action::ReadCustomer { .. }
            | Action::ChangeAddress { .. }
            | Action::ManageConsent { .. }
            | Action::SetVerificationFacts { .. },
        ) => " not linked to its system",
        _ => "",
    };
    Err(Error::PermissionDenied(format!(
        "a {} caller may not {}{scope}",
        caller.role,
        action.name()
    )))
}

/// Whether this caller may see this customer at all, whatever its role
/// allows: a minor's restricted record only for the DPO, the system that
/// submitted it and holders of an unexpired need-to-know grant; a record
/// whose processing is restricted for the DPO alone. A hidden record is
/// answered as not found, so its existence is not disclosed either.
pub fn may_see(
    caller: &Caller,
    flags: &Flags,
    grants: &[NeedToKnowGrant],
    now: DateTime<Utc>,
) -> bool {
    if caller.role == Role::Dpo {
        return true;
    }
    if flags.processing_restricted {
        return false;
    }
    match &flags.minor_basis {
        None => true,
        Some(basis) => {
            (caller.role == Role::Department && caller.system.as_ref() == Some(&basis.system))
                || grants
                    .iter()
                    .any(|g| g.grantee == caller.name && g.active(now))
        }
    }
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
        let linked = [waste.clone()];
        assert!(
            authorize(
                &dept,
                Action::ReadCustomer {
                    linked_systems: &linked
                }
            )
            .is_err()
        );
        let linked = [waste, libraries];
        assert!(
            authorize(
                &dept,
                Action::ReadCustomer {
                    linked_systems: &linked
                }
            )
            .is_ok()
        );
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
    fn verification_facts_come_from_agents_or_a_linked_department() {
        let libraries = SystemCode::parse("libraries").unwrap();
        let linked = [libraries];
        let set = Action::SetVerificationFacts {
            linked_systems: &linked,
        };
        assert!(authorize(&caller(Role::Agent, None), set).is_ok());
        assert!(authorize(&caller(Role::Department, Some("libraries")), set).is_ok());
        assert!(authorize(&caller(Role::Department, Some("waste")), set).is_err());
        assert!(authorize(&caller(Role::Steward, None), set).is_err());
    }

    #[test]
    fn subscribers_and_admins_read_no_one() {
        for (role, system) in [(Role::Subscriber, Some("libraries")), (Role::Admin, None)] {
            let c = caller(role, system);
            assert!(
                authorize(
                    &c,
                    Action::ReadCustomer {
                        linked_systems: &[]
                    }
                )
                .is_err()
            );
        }
    }

    fn restricted_flags() -> Flags {
        Flags {
            minor_basis: Some(crate::record::MinorBasis {
                kind: crate::record::BasisKind::ParentalConsent,
                reference: "G-1".into(),
                system: SystemCode::parse("libraries").unwrap(),
                recorded_at: DateTime::UNIX_EPOCH,
                expires_at: None,
            }),
            ..Flags::default()
        }
    }

    fn grant(grantee: &str, expires: i64, revoked: bool) -> NeedToKnowGrant {
        NeedToKnowGrant {
            customer_id: crate::record::CustomerId::generate(),
            grantee: grantee.into(),
            reason: "case".into(),
            granted_by: "dpo".into(),
            granted_at: DateTime::UNIX_EPOCH,
            expires_at: DateTime::from_timestamp(expires, 0).unwrap(),
            revoked_at: revoked.then_some(DateTime::UNIX_EPOCH),
        }
    }

    #[test]
    fn restricted_records_are_seen_on_need_to_know_only() {
        let flags = restricted_flags();
        let now = DateTime::from_timestamp(100, 0).unwrap();
        let submitter = caller(Role::Department, Some("libraries"));
        let other_dept = caller(Role::Department, Some("waste"));
        let agent = caller(Role::Agent, None);
        let steward = caller(Role::Steward, None);
        let dpo = caller(Role::Dpo, None);
        assert!(may_see(&submitter, &flags, &[], now));
        assert!(may_see(&dpo, &flags, &[], now));
        assert!(!may_see(&other_dept, &flags, &[], now));
        assert!(!may_see(&agent, &flags, &[], now));
        assert!(!may_see(&steward, &flags, &[], now));
        assert!(may_see(&agent, &flags, &[grant("t", 200, false)], now));
        assert!(
            !may_see(&agent, &flags, &[grant("t", 100, false)], now),
            "expired"
        );
        assert!(
            !may_see(&agent, &flags, &[grant("t", 200, true)], now),
            "revoked"
        );
        assert!(!may_see(&agent, &flags, &[grant("other", 200, false)], now));
        assert!(may_see(&agent, &Flags::default(), &[], now));
        assert!(!may_match_into(&flags));
        assert!(restrictions(&flags).restricted);
    }

    #[test]
    fn processing_restriction_leaves_the_dpo_alone() {
        let flags = Flags {
            processing_restricted: true,
            ..Flags::default()
        };
        let now = DateTime::from_timestamp(100, 0).unwrap();
        for role in Role::ALL {
            let system = role.needs_system().then_some("libraries");
            let c = caller(role, system);
            assert_eq!(
                may_see(&c, &flags, &[grant("t", 200, false)], now),
                role == Role::Dpo
            );
        }
        assert!(!may_match_into(&flags));
    }
}
