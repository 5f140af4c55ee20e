//! pb <-> domain. Requests are destructured field by field, so a field added
//! to the proto does not compile until it is handled here.

use super::pb;
use crate::auth::Role;
use crate::error::{Error, Result};
use crate::policy::view::CustomerView;
use crate::record::{
    Address, BirthDate, CustomerId, DepartmentalRecord, Gender, Link, LocalId, Person, PersonName,
    PreviousAddress, SystemCode, Violations,
};
use chrono::{DateTime, NaiveDate, Utc};

/// Validates a departmental record, naming bad fields under `prefix`.
pub fn departmental_record(
    record: Option<pb::DepartmentalRecord>,
    prefix: &str,
    today: NaiveDate,
) -> Result<DepartmentalRecord> {
    let Some(pb::DepartmentalRecord {
        system,
        local_id,
        name,
        date_of_birth,
        gender,
        address,
    }) = record
    else {
        return Err(Error::invalid(prefix, "is required"));
    };
    let mut v = Violations::default();
    let system = v.check(&format!("{prefix}.system"), SystemCode::parse(&system));
    let local_id = v.check(&format!("{prefix}.local_id"), LocalId::parse(&local_id));
    let pb::PersonName {
        given,
        middle,
        family,
    } = name.unwrap_or_default();
    let name = PersonName::parse(&given, &middle, &family)
        .map_err(|errors| {
            for (part, e) in errors {
                v.push(&format!("{prefix}.name.{part}"), e);
            }
        })
        .ok();
    let date_of_birth = v.check(
        &format!("{prefix}.date_of_birth"),
        BirthDate::parse(&date_of_birth, today),
    );
    let gender = v.check(&format!("{prefix}.gender"), gender_from_pb(gender));
    let address = address_from_pb(address, &format!("{prefix}.address"), &mut v);
    v.into_result()?;
    match (system, local_id, name, date_of_birth, gender, address) {
        (
            Some(system),
            Some(local_id),
            Some(name),
            Some(date_of_birth),
            Some(gender),
            Some(address),
        ) => Ok(DepartmentalRecord {
            system,
            local_id,
            person: Person {
                name,
                date_of_birth,
                gender,
                address,
            },
        }),
        _ => Err(Error::Internal(
            "validation passed with a missing field".into(),
        )),
    }
}

pub fn address_from_pb(
    address: Option<pb::Address>,
    prefix: &str,
    v: &mut Violations,
) -> Option<Address> {
    let Some(pb::Address {
        lines,
        town,
        postcode,
        uprn,
    }) = address
    else {
        v.push(prefix, "is required");
        return None;
    };
    Address::parse(&lines, &town, &postcode, &uprn)
        .map_err(|errors| {
            for (part, e) in errors {
                v.push(&format!("{prefix}.{part}"), e);
            }
        })
        .ok()
}

pub fn gender_from_pb(raw: i32) -> Result<Gender, String> {
    match pb::Gender::try_from(raw) {
        Ok(pb::Gender::Unspecified) => Ok(Gender::Unspecified),
        Ok(pb::Gender::Female) => Ok(Gender::Female),
        Ok(pb::Gender::Male) => Ok(Gender::Male),
        Ok(pb::Gender::Other) => Ok(Gender::Other),
        Err(_) => Err(format!("unknown gender value {raw}")),
    }
}

pub fn gender_to_pb(gender: Gender) -> pb::Gender {
    match gender {
        Gender::Unspecified => pb::Gender::Unspecified,
        Gender::Female => pb::Gender::Female,
        Gender::Male => pb::Gender::Male,
        Gender::Other => pb::Gender::Other,
    }
}

pub fn customer_id(raw: &str, field: &str) -> Result<CustomerId> {
    CustomerId::parse(raw).map_err(|e| Error::invalid(field, e))
}

pub fn system_code(raw: &str, field: &str) -> Result<SystemCode> {
    SystemCode::parse(raw).map_err(|e| Error::invalid(field, e))
}

pub fn role_from_pb(raw: i32) -> Result<Role> {
    match pb::Role::try_from(raw) {
        Ok(pb::Role::Department) => Ok(Role::Department),
        Ok(pb::Role::Agent) => Ok(Role::Agent),
        Ok(pb::Role::Subscriber) => Ok(Role::Subscriber),
        Ok(pb::Role::Steward) => Ok(Role::Steward),
        Ok(pb::Role::Dpo) => Ok(Role::Dpo),
        Ok(pb::Role::Admin) => Ok(Role::Admin),
        Ok(pb::Role::Unspecified) | Err(_) => Err(Error::invalid("role", "must name a role")),
    }
}

pub fn role_to_pb(role: Role) -> pb::Role {
    match role {
        Role::Department => pb::Role::Department,
        Role::Agent => pb::Role::Agent,
        Role::Subscriber => pb::Role::Subscriber,
        Role::Steward => pb::Role::Steward,
        Role::Dpo => pb::Role::Dpo,
        Role::Admin => pb::Role::Admin,
    }
}

/// A requested page size; the hub applies each list's default and bound.
pub fn page_size(raw: i32) -> Result<usize> {
    usize::try_from(raw).map_err(|_| Error::invalid("page_size", "must not be negative"))
}

/// A time as `google.protobuf.Timestamp` (a message field, hence `Some`).
pub fn timestamp(at: DateTime<Utc>) -> Option<prost_types::Timestamp> {
    Some(prost_types::Timestamp {
        seconds: at.timestamp(),
        nanos: at.timestamp_subsec_nanos() as i32,
    })
}

fn address_to_pb(address: Address) -> pb::Address {
    pb::Address {
        lines: address.lines,
        town: address.town.unwrap_or_default(),
        postcode: address.postcode.as_str().to_owned(),
        uprn: address
            .uprn
            .map(|u| u.as_str().to_owned())
            .unwrap_or_default(),
    }
}

pub fn link_to_pb(link: Link) -> pb::Link {
    pb::Link {
        system: link.system.as_str().to_owned(),
        local_id: link.local_id.as_str().to_owned(),
        linked_at: timestamp(link.linked_at),
        method: link.method,
        confidence: link.confidence,
    }
}

/// A customer as the caller may see it (`policy::view`), rendered.
pub fn customer_to_pb(
    id: &CustomerId,
    view: CustomerView,
    merged_from: Option<&CustomerId>,
) -> pb::Customer {
    let CustomerView {
        person,
        previous_addresses,
        links,
    } = view;
    let Person {
        name,
        date_of_birth,
        gender,
        address,
    } = person;
    pb::Customer {
        customer_id: id.as_str().to_owned(),
        name: Some(pb::PersonName {
            given: name.given,
            middle: name.middle.unwrap_or_default(),
            family: name.family,
        }),
        date_of_birth: date_of_birth.to_string(),
        gender: gender_to_pb(gender).into(),
        address: Some(address_to_pb(address)),
        previous_addresses: previous_addresses
            .into_iter()
            .map(|PreviousAddress { address, until }| pb::PreviousAddress {
                address: Some(address_to_pb(address)),
                until: timestamp(until),
            })
            .collect(),
        links: links.into_iter().map(link_to_pb).collect(),
        merged_from: merged_from
            .map(|m| m.as_str().to_owned())
            .unwrap_or_default(),
    }
}

pub fn candidate_score_to_pb(c: crate::review::CandidateScore) -> pb::CandidateScore {
    pb::CandidateScore {
        customer_id: c
            .customer_id
            .map(|id| id.as_str().to_owned())
            .unwrap_or_default(),
        fields: c
            .fields
            .into_iter()
            .map(|f| pb::FieldComparison {
                field: f.field,
                level: f.level,
                weight: f.weight,
            })
            .collect(),
        total: c.total,
        note: c.note.unwrap_or_default(),
    }
}

/// Consent evidence; `channel` is required.
pub fn evidence(
    evidence: Option<pb::ConsentEvidence>,
    caller: &str,
) -> Result<crate::consent::Evidence> {
    let pb::ConsentEvidence {
        channel,
        reference,
        captured_by,
    } = evidence.unwrap_or_default();
    crate::consent::Evidence::parse(&channel, &reference, &captured_by, caller)
        .map_err(|(field, e)| Error::invalid(format!("evidence.{field}"), e))
}

/// A new address given on its own (not inside a departmental record).
pub fn address(address: Option<pb::Address>, field: &str) -> Result<Address> {
    let mut v = Violations::default();
    let parsed = address_from_pb(address, field, &mut v);
    v.into_result()?;
    parsed.ok_or_else(|| Error::Internal("validation passed with a missing address".into()))
}

/// An RFC 3339 instant; empty means none.
pub fn optional_instant(
    at: Option<prost_types::Timestamp>,
    field: &str,
) -> Result<Option<DateTime<Utc>>> {
    let Some(at) = at else { return Ok(None) };
    u32::try_from(at.nanos)
        .ok()
        .filter(|n| *n < 1_000_000_000)
        .and_then(|nanos| DateTime::from_timestamp(at.seconds, nanos))
        .map(Some)
        .ok_or_else(|| Error::invalid(field, "must be a valid timestamp"))
}

/// A required instant.
pub fn instant(at: Option<prost_types::Timestamp>, field: &str) -> Result<DateTime<Utc>> {
    optional_instant(at, field)?.ok_or_else(|| Error::invalid(field, "is required"))
}

/// The lawful exception claimed for a minor, if any.
pub fn minor_basis(
    basis: Option<pb::MinorBasis>,
) -> Result<Option<crate::policy::minors::BasisClaim>> {
    use crate::record::BasisKind;
    let Some(pb::MinorBasis {
        kind,
        reference,
        expires_at,
    }) = basis
    else {
        return Ok(None);
    };
    let kind = match pb::MinorBasisKind::try_from(kind) {
        Ok(pb::MinorBasisKind::ParentalConsent) => BasisKind::ParentalConsent,
        Ok(pb::MinorBasisKind::DesignatedCarer) => BasisKind::DesignatedCarer,
        Ok(pb::MinorBasisKind::TreatedAsAdult) => BasisKind::TreatedAsAdult,
        Ok(pb::MinorBasisKind::UrgentMatter) => BasisKind::UrgentMatter,
        Ok(pb::MinorBasisKind::OtherStatutory) => BasisKind::OtherStatutory,
        Ok(pb::MinorBasisKind::Unspecified) | Err(_) => {
            return Err(Error::invalid(
                "minor_basis.kind",
                "must name a lawful exception",
            ));
        }
    };
    Ok(Some(crate::policy::minors::BasisClaim {
        kind,
        reference,
        expires_at: optional_instant(expires_at, "minor_basis.expires_at")?,
    }))
}
