//! The role table of DESIGN.md as one function.

use crate::auth::{Caller, Role};
use crate::error::Error;
use crate::record::SystemCode;

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
}
