//! Which CSV column holds which field: system-neutral default header names,
//! each overridable (`--map field=Header` or `[import.columns]`).

use std::collections::BTreeMap;

/// The fields an import reads, by their default header names.
pub const FIELDS: [&str; 14] = [
    "local_id",
    "given_name",
    "middle_name",
    "family_name",
    "date_of_birth",
    "gender",
    "address_line_1",
    "address_line_2",
    "address_line_3",
    "address_line_4",
    "address_lines",
    "town",
    "postcode",
    "uprn",
];

const REQUIRED: [&str; 5] = [
    "local_id",
    "given_name",
    "family_name",
    "date_of_birth",
    "postcode",
];

/// Where each field sits in a row; `None` when the file has no such column.
#[derive(Debug, Clone)]
pub struct ColumnMap {
    index: [Option<usize>; FIELDS.len()],
    names: [String; FIELDS.len()],
}

impl ColumnMap {
    /// Matches the header row (case-insensitively, trimmed) against the
    /// default names with `overrides` (field -> header) applied.
    pub fn resolve(
        headers: &[String],
        overrides: &BTreeMap<String, String>,
    ) -> Result<Self, String> {
        if let Some(unknown) = overrides.keys().find(|k| !FIELDS.contains(&k.as_str())) {
            return Err(format!(
                "unknown import field {unknown:?}; fields are {}",
                FIELDS.join(", ")
            ));
        }
        let names: [String; FIELDS.len()] = std::array::from_fn(|i| {
            overrides
                .get(FIELDS[i])
                .cloned()
                .unwrap_or_else(|| FIELDS[i].to_owned())
        });
        let index = std::array::from_fn(|i| {
            headers
                .iter()
                .position(|h| h.trim().eq_ignore_ascii_case(names[i].trim()))
        });
        let map = Self { index, names };
        let missing: Vec<&str> = REQUIRED
            .iter()
            .filter(|f| map.position(f).is_none())
            .map(|f| map.header(f))
            .collect();
        if !missing.is_empty() {
            return Err(format!("the header has no column {}", missing.join(", ")));
        }
        if map.position("address_lines").is_none() && map.position("address_line_1").is_none() {
            return Err(format!(
                "the header has no address column ({} or {})",
                map.header("address_line_1"),
                map.header("address_lines")
            ));
        }
        Ok(map)
    }

    fn slot(field: &str) -> usize {
        FIELDS
            .iter()
            .position(|f| *f == field)
            .expect("a known import field")
    }

    fn position(&self, field: &str) -> Option<usize> {
        self.index[Self::slot(field)]
    }

    /// The header the file uses for `field` (for reject messages).
    pub fn header(&self, field: &str) -> &str {
        &self.names[Self::slot(field)]
    }

    /// The value of `field` in `row`; empty when absent.
    pub fn get<'a>(&self, row: &'a [String], field: &str) -> &'a str {
        self.position(field)
            .and_then(|i| row.get(i))
            .map_or("", String::as_str)
    }

    /// Address lines: the numbered columns, then `address_lines` split on '|'.
    pub fn address_lines(&self, row: &[String]) -> Vec<String> {
        let mut lines: Vec<String> = [
            "address_line_1",
            "address_line_2",
            "address_line_3",
            "address_line_4",
        ]
        .iter()
        .map(|f| self.get(row, f).to_owned())
        .filter(|l| !l.trim().is_empty())
        .collect();
        lines.extend(
            self.get(row, "address_lines")
                .split('|')
                .filter(|l| !l.trim().is_empty())
                .map(str::to_owned),
        );
        lines
    }

    /// The column that names the address lines, for reject messages.
    pub fn address_header(&self) -> &str {
        match self.position("address_line_1") {
            Some(_) => self.header("address_line_1"),
            None => self.header("address_lines"),
        }
    }
}

/// Parses `field=Header` as given to `--map`.
pub fn parse_mapping(raw: &str) -> Result<(String, String), String> {
    let (field, header) = raw
        .split_once('=')
        .ok_or_else(|| format!("{raw:?} is not field=Header"))?;
    let field = field.trim();
    if !FIELDS.contains(&field) {
        return Err(format!(
            "unknown import field {field:?}; fields are {}",
            FIELDS.join(", ")
        ));
    }
    Ok((field.to_owned(), header.trim().to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(names: &[&str]) -> Vec<String> {
        names.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn defaults_and_overrides() {
        let h = headers(&[
            "ID",
            "Forename",
            "family_name",
            "DOB",
            "Postcode",
            "address_lines",
        ]);
        assert!(ColumnMap::resolve(&h, &BTreeMap::new()).is_err());
        let overrides: BTreeMap<String, String> = [
            parse_mapping("local_id=ID").unwrap(),
            parse_mapping("given_name=Forename").unwrap(),
            parse_mapping("date_of_birth=DOB").unwrap(),
        ]
        .into_iter()
        .collect();
        let map = ColumnMap::resolve(&h, &overrides).unwrap();
        let row = headers(&[
            "7",
            "Ann",
            "Lee",
            "01/02/1970",
            "B1 1AA",
            "1 High St|Flat 2",
        ]);
        assert_eq!(map.get(&row, "given_name"), "Ann");
        assert_eq!(map.get(&row, "uprn"), "");
        assert_eq!(map.address_lines(&row), vec!["1 High St", "Flat 2"]);
        assert!(parse_mapping("shoe_size=Shoe").is_err());
    }
}
