//! Expectation-maximisation of Fellegi-Sunter m and u from unlabelled
//! candidate pairs (fields assumed independent given match status).
//! Missing fields drop out of a pair's likelihood rather than count as
//! disagreement.

use super::compare::{Comparison, Field};
use super::weights::{FLOOR, Weights};
use std::collections::HashMap;

#[derive(Debug, Clone)]
pub struct EmResult {
    pub weights: Weights,
    pub iterations: usize,
    pub converged: bool,
    /// Distinct comparison patterns seen (pairs are grouped by pattern).
    pub patterns: usize,
}

/// How many pairs' worth of belief the starting weights carry: each level
/// starts with this many pseudo-pairs spread as `start` spreads them. On a
/// large hub it is noise; on a small one (or a level never seen) it keeps
/// the estimate near the documented defaults instead of collapsing (a hub
/// whose few candidate pairs are all true matches says nothing about u).
const PRIOR_STRENGTH: f64 = 50.0;

/// Runs EM from `start` (normally the defaults, which also orient the two
/// classes: the class that starts with higher agreement stays "match").
pub fn estimate(pairs: &[Comparison], start: &Weights, max_iterations: usize) -> EmResult {
    let mut counts: HashMap<Comparison, f64> = HashMap::new();
    for c in pairs {
        *counts.entry(*c).or_default() += 1.0;
    }
    let patterns: Vec<(Comparison, f64)> = counts.into_iter().collect();
    let mut w = start.clone();
    let mut iterations = 0;
    let mut converged = false;
    if patterns.is_empty() {
        return EmResult {
            weights: w,
            iterations,
            converged: true,
            patterns: 0,
        };
    }
    while iterations < max_iterations {
        iterations += 1;
        let pseudo = |rows: &Vec<Vec<f64>>| -> Vec<Vec<f64>> {
            rows.iter()
                .map(|r| r.iter().map(|p| p * PRIOR_STRENGTH).collect())
                .collect()
        };
        let mut m_counts = pseudo(&start.m);
        let mut u_counts = pseudo(&start.u);
        let (mut matched, mut total) = (0.0, 0.0);
        for (c, n) in &patterns {
            // Posterior of "match" from the log-odds, stable for big sums.
            let mut log_odds = (w.prior / (1.0 - w.prior)).log2();
            for f in Field::ALL {
                if let Some(l) = c.0[f.index()] {
                    log_odds += w.weight(f, l as usize);
                }
            }
            let g = 1.0 / (1.0 + (-log_odds).exp2());
            matched += g * n;
            total += n;
            for f in Field::ALL {
                if let Some(l) = c.0[f.index()] {
                    m_counts[f.index()][l as usize] += g * n;
                    u_counts[f.index()][l as usize] += (1.0 - g) * n;
                }
            }
        }
        let normalise = |rows: Vec<Vec<f64>>| -> Vec<Vec<f64>> {
            rows.into_iter()
                .map(|r| {
                    let s: f64 = r.iter().sum();
                    r.into_iter().map(|x| (x / s).max(FLOOR)).collect()
                })
                .collect()
        };
        let next = Weights {
            prior: (matched / total).clamp(FLOOR, 1.0 - FLOOR),
            m: normalise(m_counts),
            u: normalise(u_counts),
        };
        let change = max_change(&w, &next);
        w = next;
        if change < 1e-6 {
            converged = true;
            break;
        }
    }
    EmResult {
        weights: w,
        iterations,
        converged,
        patterns: patterns.len(),
    }
}

fn max_change(a: &Weights, b: &Weights) -> f64 {
    let rows = a.m.iter().zip(&b.m).chain(a.u.iter().zip(&b.u));
    rows.flat_map(|(x, y)| x.iter().zip(y).map(|(p, q)| (p - q).abs()))
        .fold((a.prior - b.prior).abs(), f64::max)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::rngs::StdRng;
    use rand::{Rng, SeedableRng};

    fn draw(rng: &mut StdRng, dist: &[f64]) -> u8 {
        let mut x: f64 = rng.random();
        for (i, p) in dist.iter().enumerate() {
            if x < *p {
                return i as u8;
            }
            x -= p;
        }
        (dist.len() - 1) as u8
    }

    /// Synthetic pairs drawn from known m, u and prior: EM started from the
    /// defaults recovers them.
    #[test]
    fn recovers_known_parameters() {
        let mut truth = Weights {
            prior: 0.2,
            ..Weights::default()
        };
        // A distinctive truth, away from the starting defaults.
        let g = Field::Given.index();
        truth.m[g] = vec![0.66, 0.05, 0.02, 0.02, 0.10, 0.05, 0.03, 0.02, 0.05];
        truth.u[g] = vec![0.03, 0.01, 0.01, 0.01, 0.02, 0.02, 0.02, 0.05, 0.83];
        let d = Field::Dob.index();
        truth.m[d] = vec![0.75, 0.05, 0.10, 0.05, 0.05];
        truth.u[d] = vec![0.01, 0.001, 0.01, 0.05, 0.929];
        let mut rng = StdRng::seed_from_u64(7);
        let pairs: Vec<Comparison> = (0..200_000)
            .map(|_| {
                let is_match = rng.random::<f64>() < truth.prior;
                let mut c = Comparison::default();
                for f in Field::ALL {
                    let dist = if is_match {
                        &truth.m[f.index()]
                    } else {
                        &truth.u[f.index()]
                    };
                    // Some values missing, as in real data.
                    if rng.random::<f64>() > 0.1 {
                        c.0[f.index()] = Some(draw(&mut rng, dist));
                    }
                }
                c
            })
            .collect();
        let result = estimate(&pairs, &Weights::default(), 500);
        assert!(result.converged);
        let w = result.weights;
        assert!((w.prior - 0.2).abs() < 0.01, "prior {}", w.prior);
        for f in [Field::Given, Field::Family, Field::Dob, Field::Street] {
            for l in 0..f.levels().len() {
                let (i, l) = (f.index(), l);
                assert!((w.m[i][l] - truth.m[i][l]).abs() < 0.02, "{f:?} m{l}");
                assert!((w.u[i][l] - truth.u[i][l]).abs() < 0.02, "{f:?} u{l}");
            }
        }
    }

    /// A small hub whose candidate pairs are all true matches: u cannot be
    /// learnt from it and stays near the defaults, so agreement still
    /// scores positive.
    #[test]
    fn few_pairs_stay_near_the_defaults() {
        let mut all_agree = Comparison::default();
        for f in Field::ALL {
            all_agree.0[f.index()] = Some(0);
        }
        let w = estimate(&[all_agree; 3], &Weights::default(), 100).weights;
        for f in Field::ALL {
            assert!(w.weight(f, 0) > 0.0, "{f:?}");
        }
    }

    #[test]
    fn no_pairs_keeps_the_start() {
        let r = estimate(&[], &Weights::default(), 10);
        assert_eq!(r.weights, Weights::default());
        assert_eq!(r.patterns, 0);
    }
}
