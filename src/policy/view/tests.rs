//! The view rules, case by case, on values alone.

use super::*;
use crate::consent::Evidence;
use crate::record::{
    Address, BasisKind, BirthDate, CustomerId, Gender, LocalId, MinorBasis, ObjectionScope,
    PersonName,
};
use chrono::NaiveDate;

fn code(s: &str) -> SystemCode {
    SystemCode::parse(s).unwrap()
}

fn caller(name: &str, role: Role, system: Option<&str>) -> Caller {
    Caller::new(name.into(), role, system.map(code)).unwrap()
}

fn address(line: &str, postcode: &str) -> Address {
    Address::parse(&[line.to_owned()], "Birmingham", postcode, "").unwrap()
}

fn person(given: &str, line: &str) -> Person {
    Person {
        name: PersonName::parse(given, "", "Okafor").unwrap(),
        date_of_birth: BirthDate::from_stored(NaiveDate::from_ymd_opt(1984, 6, 2).unwrap()),
        gender: Gender::Female,
        address: address(line, "B15 3DH"),
    }
}

fn link(system: &str, id: &str) -> Link {
    Link {
        system: code(system),
        local_id: LocalId::parse(id).unwrap(),
        linked_at: DateTime::UNIX_EPOCH,
        method: "test".into(),
        confidence: 1.0,
    }
}

fn supplied(system: &str, id: &str, p: Person) -> DepartmentalRecord {
    DepartmentalRecord {
        system: code(system),
        local_id: LocalId::parse(id).unwrap(),
        person: p,
    }
}

/// Council tax supplied "Amelia" at 14 Harborne Road, libraries "Amy" at
/// the same address; the hub has since moved her to 2 New Street.
fn moved_customer() -> (Customer, Vec<DepartmentalRecord>) {
    let mut customer = Customer::new(
        CustomerId::generate(),
        person("Amelia", "2 New Street"),
        Flags::default(),
        DateTime::UNIX_EPOCH,
    );
    customer.links = vec![link("council-tax", "C1"), link("libraries", "L1")];
    customer.previous_addresses = vec![PreviousAddress {
        address: address("14 Harborne Road", "B15 3DH"),
        until: DateTime::UNIX_EPOCH,
    }];
    let records = vec![
        supplied("council-tax", "C1", person("Amelia", "14 Harborne Road")),
        supplied("libraries", "L1", person("Amy", "14 Harborne Road")),
    ];
    (customer, records)
}

fn consent(system: &str, granted: bool) -> ConsentEvent {
    ConsentEvent {
        customer_id: CustomerId::generate(),
        system: code(system),
        scope: ConsentScope::AddressChanges,
        granted,
        evidence: Evidence::parse("phone", "", "", "agent").unwrap(),
        recorded_by: "agent".into(),
        at: DateTime::UNIX_EPOCH,
    }
}

fn now() -> DateTime<Utc> {
    DateTime::from_timestamp(100, 0).unwrap()
}

fn holder_view(customer: &Customer, records: &[DepartmentalRecord], system: &str) -> CustomerView {
    let libraries = caller("libraries", Role::Department, Some(system));
    let standing = standing(&libraries, customer, &[], now()).unwrap();
    let held = Holdings {
        supplied: records,
        ..Holdings::default()
    };
    customer_view(&standing, customer, held).unwrap()
}

#[test]
fn a_department_sees_what_it_supplied_not_a_move_withheld_from_it() {
    let (customer, records) = moved_customer();
    let view = holder_view(&customer, &records, "libraries");
    assert_eq!(
        view.person.name.given, "Amy",
        "its own record, not the hub's"
    );
    assert_eq!(view.person.address, records[1].person.address);
    assert!(view.previous_addresses.is_empty());
    assert_eq!(view.links, [link("libraries", "L1")]);
}

#[test]
fn consent_in_force_shows_the_current_address_until_withdrawn_or_objected() {
    let (customer, records) = moved_customer();
    let libraries = Standing::Holder(code("libraries"));
    let granted = [consent("libraries", true)];
    let held = Holdings {
        supplied: &records,
        consents: &granted,
        objections: &[],
    };
    let view = customer_view(&libraries, &customer, held).unwrap();
    assert_eq!(view.person.address, customer.person.address);
    assert_eq!(
        view.person.name.given, "Amy",
        "consent covers the address only"
    );

    let withdrawn = [consent("libraries", true), consent("libraries", false)];
    let view = customer_view(
        &libraries,
        &customer,
        Holdings {
            consents: &withdrawn,
            ..held
        },
    )
    .unwrap();
    assert_eq!(view.person.address, records[1].person.address);

    let objection = Objection {
        customer_id: customer.id.clone(),
        scope: ObjectionScope::AddressSharing,
        grounds: "g".into(),
        recorded_by: "dpo".into(),
        at: DateTime::UNIX_EPOCH,
        withdrawn_at: None,
        withdrawn_by: None,
    };
    let objected = [objection];
    let view = customer_view(
        &libraries,
        &customer,
        Holdings {
            objections: &objected,
            ..held
        },
    )
    .unwrap();
    assert_eq!(view.person.address, records[1].person.address);
}

#[test]
fn a_department_that_reported_the_address_sees_it() {
    let (customer, mut records) = moved_customer();
    records[0].person.address = customer.person.address.clone();
    let view = holder_view(&customer, &records, "council-tax");
    assert_eq!(view.person.address, customer.person.address);
    assert_eq!(view.links, [link("council-tax", "C1")]);
}

#[test]
fn a_holder_without_its_records_gets_nothing_rather_than_the_hubs() {
    let (customer, _) = moved_customer();
    let standing = Standing::Holder(code("libraries"));
    assert!(customer_view(&standing, &customer, Holdings::default()).is_none());
}

#[test]
fn staff_see_the_council_record() {
    let (customer, records) = moved_customer();
    for c in [
        caller("agent", Role::Agent, None),
        caller("steward", Role::Steward, None),
        caller("dpo", Role::Dpo, None),
    ] {
        let standing = standing(&c, &customer, &[], now()).unwrap();
        let view = customer_view(
            &standing,
            &customer,
            Holdings {
                supplied: &records,
                ..Holdings::default()
            },
        )
        .unwrap();
        assert_eq!(view.person, customer.person);
        assert_eq!(view.links.len(), 2);
        assert_eq!(view.previous_addresses.len(), 1);
    }
}

#[test]
fn unlinked_departments_subscribers_and_admins_stand_nowhere() {
    let (customer, _) = moved_customer();
    for c in [
        caller("waste", Role::Department, Some("waste")),
        caller("libraries-feed", Role::Subscriber, Some("libraries")),
        caller("admin", Role::Admin, None),
    ] {
        assert_eq!(standing(&c, &customer, &[], now()), None, "{}", c.name);
    }
}

fn grant(grantee: &str, customer: &CustomerId, expires: i64, revoked: bool) -> NeedToKnowGrant {
    NeedToKnowGrant {
        customer_id: customer.clone(),
        grantee: grantee.into(),
        reason: "case".into(),
        granted_by: "dpo".into(),
        granted_at: DateTime::UNIX_EPOCH,
        expires_at: DateTime::from_timestamp(expires, 0).unwrap(),
        revoked_at: revoked.then_some(DateTime::UNIX_EPOCH),
    }
}

#[test]
fn a_minors_record_is_seen_by_its_submitter_the_dpo_and_grantees_only() {
    let (mut customer, _) = moved_customer();
    customer.links = vec![link("libraries", "L1")];
    customer.flags.minor_basis = Some(MinorBasis {
        kind: BasisKind::ParentalConsent,
        reference: "G-1".into(),
        system: code("libraries"),
        recorded_at: DateTime::UNIX_EPOCH,
        expires_at: None,
    });
    let agent = caller("agent", Role::Agent, None);
    let steward = caller("steward", Role::Steward, None);
    let submitter = caller("libraries", Role::Department, Some("libraries"));
    assert_eq!(
        standing(&submitter, &customer, &[], now()),
        Some(Standing::Holder(code("libraries")))
    );
    assert_eq!(
        standing(&caller("dpo", Role::Dpo, None), &customer, &[], now()),
        Some(Standing::Controller)
    );
    assert_eq!(standing(&agent, &customer, &[], now()), None);
    assert_eq!(standing(&steward, &customer, &[], now()), None);
    let id = customer.id.clone();
    let live = [grant("agent", &id, 200, false)];
    assert_eq!(
        standing(&agent, &customer, &live, now()),
        Some(Standing::Staff)
    );
    for (grants, why) in [
        (vec![grant("agent", &id, 100, false)], "expired"),
        (vec![grant("agent", &id, 200, true)], "revoked"),
        (vec![grant("other", &id, 200, false)], "someone else's"),
        (
            vec![grant("agent", &CustomerId::generate(), 200, false)],
            "another record's",
        ),
    ] {
        assert_eq!(standing(&agent, &customer, &grants, now()), None, "{why}");
    }
    assert!(!open_to_all_staff(&customer.flags));
}

#[test]
fn processing_restriction_leaves_the_dpo_alone() {
    let (mut customer, _) = moved_customer();
    customer.flags.processing_restricted = true;
    let id = customer.id.clone();
    let grants = [grant("agent", &id, 200, false)];
    for c in [
        caller("agent", Role::Agent, None),
        caller("steward", Role::Steward, None),
        caller("libraries", Role::Department, Some("libraries")),
    ] {
        assert_eq!(standing(&c, &customer, &grants, now()), None, "{}", c.name);
    }
    assert!(standing(&caller("dpo", Role::Dpo, None), &customer, &[], now()).is_some());
    assert!(!open_to_all_staff(&customer.flags));
}

#[test]
fn holders_see_consents_naming_their_own_system_only() {
    let history = vec![
        consent("waste", true),
        consent("libraries", true),
        consent("council-tax", false),
    ];
    let mine = visible_consents(&Standing::Holder(code("libraries")), history.clone());
    assert_eq!(mine.len(), 1);
    assert_eq!(mine[0].system, code("libraries"));
    assert_eq!(visible_consents(&Standing::Staff, history).len(), 3);
}

#[test]
fn departments_get_no_detail_about_other_services_or_records() {
    let dept = answer_detail(&caller("libraries", Role::Department, Some("libraries")));
    assert!(!dept.match_detail && !dept.other_services);
    let agent = answer_detail(&caller("agent", Role::Agent, None));
    assert!(agent.match_detail && agent.other_services);
}
