//! One CSV row to a departmental record, through the same parsers that
//! validate SubmitRecord; bad fields are named by the file's own headers.

use super::columns::ColumnMap;
use crate::record::{
    Address, BirthDate, DepartmentalRecord, FieldViolation, Gender, LocalId, Person, PersonName,
    SystemCode,
};
use chrono::NaiveDate;

/// Validates `row`; every bad field is reported, not just the first.
pub fn parse_row(
    row: &[String],
    map: &ColumnMap,
    system: &SystemCode,
    today: NaiveDate,
) -> Result<DepartmentalRecord, Vec<FieldViolation>> {
    let mut bad = Vec::new();
    let local_id = check(
        &mut bad,
        map,
        "local_id",
        LocalId::parse(map.get(row, "local_id")),
    );
    let date_of_birth = check(
        &mut bad,
        map,
        "date_of_birth",
        birth_date(map.get(row, "date_of_birth"), today),
    );
    let gender = check(&mut bad, map, "gender", gender(map.get(row, "gender")));
    let name = PersonName::parse(
        map.get(row, "given_name"),
        map.get(row, "middle_name"),
        map.get(row, "family_name"),
    )
    .map_err(|errors| {
        for (part, e) in errors {
            let field = match part {
                "given" => "given_name",
                "middle" => "middle_name",
                _ => "family_name",
            };
            bad.push(FieldViolation::new(map.header(field), e));
        }
    })
    .ok();
    let address = Address::parse(
        &map.address_lines(row),
        map.get(row, "town"),
        map.get(row, "postcode"),
        map.get(row, "uprn"),
    )
    .map_err(|errors| {
        for (part, e) in errors {
            let header = match part {
                "lines" => map.address_header(),
                other => map.header(other),
            };
            bad.push(FieldViolation::new(header, e));
        }
    })
    .ok();
    match (local_id, name, date_of_birth, gender, address) {
        (Some(local_id), Some(name), Some(date_of_birth), Some(gender), Some(address))
            if bad.is_empty() =>
        {
            Ok(DepartmentalRecord {
                system: system.clone(),
                local_id,
                person: Person {
                    name,
                    date_of_birth,
                    gender,
                    address,
                },
            })
        }
        _ => Err(bad),
    }
}

fn check<T>(
    bad: &mut Vec<FieldViolation>,
    map: &ColumnMap,
    field: &str,
    result: Result<T, String>,
) -> Option<T> {
    result
        .map_err(|e| bad.push(FieldViolation::new(map.header(field), e)))
        .ok()
}

/// ISO `YYYY-MM-DD` or UK `DD/MM/YYYY`, then BirthDate's own rules.
fn birth_date(raw: &str, today: NaiveDate) -> Result<BirthDate, String> {
    let raw = raw.trim();
    let iso = match raw.split('/').collect::<Vec<_>>()[..] {
        [d, m, y] if y.len() == 4 && d.len() <= 2 && m.len() <= 2 => {
            format!("{y}-{m:0>2}-{d:0>2}")
        }
        _ => raw.to_owned(),
    };
    BirthDate::parse(&iso, today).map_err(|e| {
        if e.starts_with("must be an ISO") {
            "must be a date, YYYY-MM-DD or DD/MM/YYYY".to_owned()
        } else {
            e
        }
    })
}

/// The codes departmental systems use; empty means not stated.
fn gender(raw: &str) -> Result<Gender, String> {
    match raw.trim().to_ascii_lowercase().as_str() {
        "" | "u" | "unknown" | "unspecified" | "not known" | "not stated" => {
            Ok(Gender::Unspecified)
        }
        "f" | "female" => Ok(Gender::Female),
        "m" | "male" => Ok(Gender::Male),
        "o" | "x" | "other" => Ok(Gender::Other),
        _ => Err("must be F, M, O/X, U or empty".into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    #[test]
    fn parses_and_names_bad_fields() {
        let headers: Vec<String> = [
            "local_id",
            "given_name",
            "family_name",
            "date_of_birth",
            "gender",
            "address_line_1",
            "postcode",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        let map = ColumnMap::resolve(&headers, &BTreeMap::new()).unwrap();
        let system = SystemCode::parse("libraries").unwrap();
        let today = NaiveDate::from_ymd_opt(2026, 1, 1).unwrap();
        let row = |v: [&str; 7]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        let ok = parse_row(
            &row(["1", "Ann", "Lee", "3/2/1970", "F", "1 High St", "b11aa"]),
            &map,
            &system,
            today,
        )
        .unwrap();
        assert_eq!(ok.person.date_of_birth.to_string(), "1970-02-03");
        assert_eq!(ok.person.address.postcode.as_str(), "B1 1AA");
        let bad = parse_row(
            &row(["1", "Ann", "", "2030-01-01", "Q", "1 High St", "nope"]),
            &map,
            &system,
            today,
        )
        .unwrap_err();
        let fields: Vec<&str> = bad.iter().map(|v| v.field.as_str()).collect();
        assert_eq!(
            fields,
            ["date_of_birth", "gender", "family_name", "postcode"]
        );
    }
}
