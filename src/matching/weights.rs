//! Fellegi-Sunter parameters: for each field and level, m (how often true
//! matches show it) and u (how often non-matches do); the weight of a level
//! is log2(m/u). Defaults are documented guesses; `em` trains real ones.

use super::compare::{Comparison, FIELD_COUNT, Field};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Probabilities are kept off 0 and 1 so that no single field can carry
/// an infinite weight.
pub const FLOOR: f64 = 1e-6;

/// The weights format version stored by `train-weights`.
pub const WEIGHTS_VERSION: u32 = 1;

#[derive(Debug, Clone, PartialEq)]
pub struct Weights {
    /// Share of compared pairs that are matches (EM's lambda).
    pub prior: f64,
    /// `m[field][level]`, each row summing to 1.
    pub m: Vec<Vec<f64>>,
    pub u: Vec<Vec<f64>>,
}

/// Defaults: m (share among true matches) and u (share among candidate
/// non-matches) per level, in `Field::levels` order. The m values follow
/// published error rates of administrative data (a few percent per field);
/// the u values reflect candidates that already share a blocking key.
fn default_rows(field: Field) -> (&'static [f64], &'static [f64]) {
    match field {
        // A nickname (or another spelling) is a person's choice, not an
        // error: nearly as telling as the same name.
        Field::Given => (
            &[0.76, 0.08, 0.02, 0.02, 0.05, 0.02, 0.01, 0.01, 0.03],
            &[
                0.01, 0.002, 0.0005, 0.0008, 0.004, 0.008, 0.006, 0.02, 0.9487,
            ],
        ),
        Field::Family => (
            &[0.84, 0.02, 0.06, 0.03, 0.02, 0.03],
            &[0.02, 0.001, 0.004, 0.008, 0.006, 0.961],
        ),
        Field::Dob => (
            &[0.85, 0.02, 0.07, 0.03, 0.03],
            &[0.002, 0.0002, 0.004, 0.03, 0.9638],
        ),
        Field::Gender => (&[0.97, 0.03], &[0.5, 0.5]),
        Field::Uprn => (&[0.95, 0.05], &[0.0005, 0.9995]),
        Field::Postcode => (&[0.85, 0.07, 0.08], &[0.02, 0.03, 0.95]),
        Field::HouseNumber => (&[0.88, 0.12], &[0.05, 0.95]),
        Field::Street => (&[0.82, 0.08, 0.03, 0.07], &[0.01, 0.004, 0.006, 0.98]),
        Field::Locality => (&[0.80, 0.08, 0.12], &[0.01, 0.01, 0.98]),
        Field::Town => (&[0.85, 0.07, 0.08], &[0.03, 0.02, 0.95]),
        // Only where both records hold a middle name; a different one is
        // strong evidence of a different person (brothers both Mohammed).
        Field::Middle => (&[0.85, 0.07, 0.08], &[0.10, 0.05, 0.85]),
    }
}

impl Default for Weights {
    fn default() -> Self {
        let (m, u) = Field::ALL
            .iter()
            .map(|f| {
                let (m, u) = default_rows(*f);
                (m.to_vec(), u.to_vec())
            })
            .unzip();
        Weights { prior: 0.05, m, u }
    }
}

/// One level's parameters as stored.
#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
struct Stored {
    m: f64,
    u: f64,
}

#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(default)]
struct StoredWeights {
    version: u32,
    prior: Option<f64>,
    fields: BTreeMap<String, BTreeMap<String, Stored>>,
}

impl Weights {
    /// log2(m/u) of one level.
    pub fn weight(&self, field: Field, level: usize) -> f64 {
        let i = field.index();
        (self.m[i][level].max(FLOOR) / self.u[i][level].max(FLOOR)).log2()
    }

    /// Each present field's (field, level, weight), and their sum.
    pub fn score(&self, c: &Comparison) -> (Vec<(Field, usize, f64)>, f64) {
        let parts: Vec<(Field, usize, f64)> = Field::ALL
            .iter()
            .filter_map(|f| c.0[f.index()].map(|l| (*f, l as usize, self.weight(*f, l as usize))))
            .collect();
        let total = parts.iter().map(|p| p.2).sum();
        (parts, total)
    }

    /// JSON keyed by field and level names, readable by a steward.
    pub fn to_json(&self) -> String {
        let fields = Field::ALL
            .iter()
            .map(|f| {
                let levels = f
                    .levels()
                    .iter()
                    .enumerate()
                    .map(|(l, name)| {
                        let stored = Stored {
                            m: self.m[f.index()][l],
                            u: self.u[f.index()][l],
                        };
                        ((*name).to_owned(), stored)
                    })
                    .collect();
                (f.name().to_owned(), levels)
            })
            .collect();
        serde_json::to_string(&StoredWeights {
            version: WEIGHTS_VERSION,
            prior: Some(self.prior),
            fields,
        })
        .unwrap_or_default()
    }

    /// Reads stored JSON over the defaults: a field or level the file does
    /// not know (trained before it existed) keeps its default.
    pub fn from_json(json: &str) -> Result<Self, String> {
        let stored: StoredWeights = serde_json::from_str(json).map_err(|e| e.to_string())?;
        let mut w = Weights::default();
        if let Some(p) = stored.prior.filter(|p| (0.0..=1.0).contains(p)) {
            w.prior = p;
        }
        for (name, levels) in &stored.fields {
            let Some(field) = Field::by_name(name) else {
                continue;
            };
            for (level, s) in levels {
                if let Some(l) = field.levels().iter().position(|n| n == level) {
                    let valid = |p: f64| p.is_finite() && (0.0..=1.0).contains(&p);
                    if valid(s.m) && valid(s.u) {
                        w.m[field.index()][l] = s.m;
                        w.u[field.index()][l] = s.u;
                    }
                }
            }
        }
        Ok(w)
    }

    pub fn field_count() -> usize {
        FIELD_COUNT
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_distributions_and_agreement_scores_positive() {
        let w = Weights::default();
        for f in Field::ALL {
            let i = f.index();
            assert_eq!(w.m[i].len(), f.levels().len(), "{f:?}");
            assert!((w.m[i].iter().sum::<f64>() - 1.0).abs() < 1e-9, "{f:?} m");
            assert!((w.u[i].iter().sum::<f64>() - 1.0).abs() < 1e-9, "{f:?} u");
            assert!(w.weight(f, 0) > 0.0, "{f:?}");
            assert!(w.weight(f, f.levels().len() - 1) < 0.0, "{f:?}");
        }
    }

    #[test]
    fn json_round_trips_and_tolerates_unknowns() {
        let mut w = Weights {
            prior: 0.2,
            ..Weights::default()
        };
        w.m[0][0] = 0.7;
        let back = Weights::from_json(&w.to_json()).unwrap();
        assert_eq!(back, w);
        let partial =
            Weights::from_json(r#"{"fields":{"gender":{"agree":{"m":0.9,"u":0.4}},"shoe":{}}}"#)
                .unwrap();
        assert_eq!(partial.m[Field::Gender.index()][0], 0.9);
        assert_eq!(partial.m[0], Weights::default().m[0]);
        assert!(Weights::from_json("not json").is_err());
    }

    #[test]
    fn missing_fields_score_zero() {
        let w = Weights::default();
        let (parts, total) = w.score(&Comparison::default());
        assert!(parts.is_empty());
        assert_eq!(total, 0.0);
    }
}
