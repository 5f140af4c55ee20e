//! How common a value is among the records the hub holds, and what that
//! does to the weight of agreeing on it. Two records sharing "Smith" say
//! less than two sharing "Okonkwo"; a "Church Road" found in twenty
//! districts says less than a street found in one. Fellegi-Sunter's u for
//! exact agreement is an average over values; for one value v the ratio
//! of true to chance agreement is m / (u · tf(v) / S), where tf(v) is the
//! share of records holding v and S = Σ tf² the chance that two records
//! share whatever value. The adjustment log2(S / tf(v)) is 0 for a value
//! of average commonness, negative for common ones and positive for rare
//! ones, bounded both ways (a typo is a rare value too).

use super::Subject;
use super::compare::Field;
use std::collections::HashMap;

/// The fields whose exact agreement is weighed by the value's frequency.
pub const FIELDS: [Field; 4] = [Field::Given, Field::Family, Field::Street, Field::Postcode];

/// Below this many records a field's frequencies are too few to judge by:
/// an empty or young hub matches with the average weights alone.
pub const MIN_RECORDS: u64 = 1_000;
/// The most a rare value adds: a misspelt name is rare as well.
pub const MAX_RARE: f64 = 3.0;
/// The most a common value takes away: a common name, born on the same
/// day, is still rarely someone else.
pub const MAX_COMMON: f64 = -2.0;

fn slot(field: Field) -> Option<usize> {
    FIELDS.iter().position(|f| *f == field)
}

/// The value a field is counted by: names as compared (a family name's
/// words run together), the street and the compact postcode.
pub fn value_of(field: Field, s: &Subject) -> Option<String> {
    match field {
        Field::Given => s.given.clone(),
        Field::Family => s.family.as_ref().map(|f| f.replace(' ', "")),
        Field::Street => s.street.clone(),
        Field::Postcode => s.postcode.clone(),
        _ => None,
    }
}

/// One field's counts: records holding a value, and the sum of squares of
/// all values' counts (how often two records agree by chance).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FieldCounts {
    pub total: i64,
    pub sum_squares: f64,
    /// Counts of the values asked for (not every value the hub holds).
    pub counts: HashMap<String, i64>,
}

/// A change to one value's count (a record added, replaced or erased).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValueDelta {
    pub field: Field,
    pub value: String,
    pub delta: i64,
}

/// The counts the matcher weighs agreement by.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Frequencies {
    fields: [FieldCounts; FIELDS.len()],
}

impl Frequencies {
    /// No counts: every adjustment is 0 (an empty hub, or a caller that
    /// does not weigh by frequency).
    pub fn none() -> Self {
        Self::default()
    }

    pub fn from_fields(fields: [FieldCounts; FIELDS.len()]) -> Self {
        Self { fields }
    }

    pub fn field(&self, field: Field) -> Option<&FieldCounts> {
        slot(field).map(|i| &self.fields[i])
    }

    /// The (field, value) pairs of a subject that are counted.
    pub fn values(s: &Subject) -> Vec<(Field, String)> {
        FIELDS
            .iter()
            .filter_map(|f| value_of(*f, s).map(|v| (*f, v)))
            .collect()
    }

    /// The count changes of `old` being replaced by `new` (either absent
    /// for a record added or removed), net per value.
    pub fn deltas(old: Option<&Subject>, new: Option<&Subject>) -> Vec<ValueDelta> {
        let mut net: Vec<ValueDelta> = Vec::new();
        let mut add = |s: &Subject, sign: i64| {
            for (field, value) in Self::values(s) {
                match net
                    .iter_mut()
                    .find(|d| d.field == field && d.value == value)
                {
                    Some(d) => d.delta += sign,
                    None => net.push(ValueDelta {
                        field,
                        value,
                        delta: sign,
                    }),
                }
            }
        };
        if let Some(s) = old {
            add(s, -1);
        }
        if let Some(s) = new {
            add(s, 1);
        }
        net.retain(|d| d.delta != 0);
        net
    }

    /// Applies count changes, as the store does: the counts this holds,
    /// the totals and the sums of squares. A value it was not told the
    /// count of is taken to have none yet (a batch asks for every value
    /// it will meet, so the overlay stays exact).
    pub fn apply(&mut self, deltas: &[ValueDelta]) {
        for d in deltas {
            let Some(i) = slot(d.field) else { continue };
            let fc = &mut self.fields[i];
            let n = fc.counts.entry(d.value.clone()).or_insert(0);
            let old = *n as f64;
            *n = (*n + d.delta).max(0);
            let new = *n as f64;
            fc.sum_squares += new * new - old * old;
            fc.total += d.delta;
        }
    }

    /// log2(S / tf) for agreeing exactly on `value` of `field`, bounded;
    /// `None` when the field is not weighed by frequency or too few
    /// records are counted to judge.
    pub fn adjustment(&self, field: Field, value: &str) -> Option<f64> {
        let fc = self.field(field)?;
        let n = *fc.counts.get(value)?;
        if fc.total < MIN_RECORDS as i64 || n <= 0 || fc.sum_squares <= 0.0 {
            return None;
        }
        let ratio = fc.sum_squares / (n as f64 * fc.total as f64);
        Some(ratio.log2().clamp(MAX_COMMON, MAX_RARE))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn named(family: &str) -> Subject {
        Subject {
            family: Some(family.into()),
            ..Default::default()
        }
    }

    /// A city of 10,000: 110 Smiths, one Okonkwo, the rest in 100 names.
    fn city() -> Frequencies {
        let mut f = Frequencies::none();
        let mut deltas = vec![
            ValueDelta {
                field: Field::Family,
                value: "smith".into(),
                delta: 110,
            },
            ValueDelta {
                field: Field::Family,
                value: "okonkwo".into(),
                delta: 1,
            },
        ];
        for k in 0..100 {
            deltas.push(ValueDelta {
                field: Field::Family,
                value: format!("name{k}"),
                delta: 99,
            });
        }
        f.apply(&deltas);
        f
    }

    #[test]
    fn common_values_weigh_less_and_rare_ones_more() {
        let f = city();
        let smith = f.adjustment(Field::Family, "smith").unwrap();
        let average = f.adjustment(Field::Family, "name7").unwrap();
        let rare = f.adjustment(Field::Family, "okonkwo").unwrap();
        assert!(
            smith < average && average < rare,
            "{smith} {average} {rare}"
        );
        assert!(average.abs() < 0.2, "{average}");
        assert_eq!(rare, MAX_RARE);
        assert_eq!(f.adjustment(Field::Dob, "19840602"), None);
        assert_eq!(f.adjustment(Field::Family, "unknown"), None);
    }

    #[test]
    fn a_young_hub_is_not_judged_by_frequency() {
        let mut f = Frequencies::none();
        f.apply(&Frequencies::deltas(None, Some(&named("smith"))));
        assert_eq!(f.adjustment(Field::Family, "smith"), None);
    }

    #[test]
    fn deltas_net_out_and_apply_keeps_the_sum_of_squares() {
        let mut f = city();
        let before = f.field(Field::Family).unwrap().sum_squares;
        let d = Frequencies::deltas(Some(&named("smith")), Some(&named("okonkwo")));
        assert_eq!(d.len(), 2);
        f.apply(&d);
        let fc = f.field(Field::Family).unwrap();
        assert_eq!(fc.counts["smith"], 109);
        assert_eq!(fc.counts["okonkwo"], 2);
        // 109² + 2² - (110² + 1²)
        assert_eq!(fc.sum_squares - before, -219.0 + 3.0);
        assert_eq!(fc.total, 10_011);
        assert!(Frequencies::deltas(Some(&named("x")), Some(&named("x"))).is_empty());
    }
}
