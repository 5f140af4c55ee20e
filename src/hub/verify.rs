//! Identity verification: does what the caller says match the record? The
//! answer says which claims matched, never what is held. Verification facts
//! (e.g. a council tax account reference) are kept only as argon2id hashes
//! (`argon2`, a random salt each); hashes from before argon2 (salted,
//! iterated SHA-256) keep verifying until the fact is next set. Five failed attempts in 15 minutes lock the customer for
//! verification for 30 minutes; the lockout is audited. The count holds
//! across replicas: the store records an attempt only if the failures it
//! was planned on are still all there are.

use super::{Hub, MAX_ATTEMPTS};
use crate::auth::Caller;
use crate::error::{Error, Result};
use crate::matching::{address, normalise};
use crate::policy::{Action, authorize};
use crate::record::{CustomerId, Postcode, Violations};
use crate::search::query::parse_dob;
use crate::store::{Change, Op, StoreError, VerificationFact};
use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use chrono::Duration;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

pub const MAX_FAILURES: i64 = 5;
pub const FAILURE_WINDOW_MINUTES: i64 = 15;
pub const LOCKOUT_MINUTES: i64 = 30;
use crate::record::limits::{FACT_KIND, FACT_VALUE as MAX_FACT_CHARS, FACTS as MAX_FACTS};
/// Rounds of the hashes made before argon2, still read.
const LEGACY_ROUNDS: usize = 10_000;

#[derive(Debug, Clone, Default)]
pub struct IdentityClaims {
    pub date_of_birth: String,
    pub postcode: String,
    pub address_line: String,
    /// (kind, value).
    pub facts: Vec<(String, String)>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClaimResult {
    Matched,
    NotMatched,
    /// A fact of that kind is not held for the customer.
    NotHeld,
}

#[derive(Debug, Clone)]
pub struct Verification {
    /// Every claim made matched (and at least one was checked).
    pub verified: bool,
    /// (claim, result): `date_of_birth`, `postcode`, `address_line`,
    /// `fact:<kind>`.
    pub claims: Vec<(String, ClaimResult)>,
    /// This failure locked the customer for verification.
    pub locked: bool,
}

impl Hub {
    pub async fn set_verification_facts(
        &self,
        caller: &Caller,
        id: &CustomerId,
        facts: Vec<(String, String)>,
    ) -> Result<Vec<String>> {
        authorize(caller, Action::SetVerificationFacts)?;
        let facts = parse_facts(&facts, "facts")?;
        if facts.is_empty() {
            return Err(Error::invalid("facts", "at least one fact is required"));
        }
        let (customer, _) = self.current_customer(caller, id).await?;
        let kinds: Vec<String> = facts.iter().map(|(k, _)| k.clone()).collect();
        let hashed = tokio::task::spawn_blocking(move || {
            facts
                .into_iter()
                .map(|(kind, value)| {
                    let hash = fact_hash(&kind, &value)?;
                    // The salt is inside the PHC string.
                    Ok(VerificationFact {
                        kind,
                        salt: String::new(),
                        hash,
                    })
                })
                .collect::<Result<Vec<_>>>()
        })
        .await
        .map_err(|e| Error::Internal(e.to_string()))??;
        let mut change = Change::default();
        change.ops.push(Op::SetVerificationFacts {
            customer_id: customer.id.clone(),
            facts: hashed,
            by: caller.name.clone(),
            at: self.clock.now(),
        });
        change
            .audit
            .push(self.audit(caller, "set_verification_facts", Some(&customer.id), None));
        self.store.apply(change).await?;
        Ok(kinds)
    }

    pub async fn verify_identity(
        &self,
        caller: &Caller,
        id: &CustomerId,
        claims: IdentityClaims,
    ) -> Result<Verification> {
        authorize(caller, Action::VerifyIdentity)?;
        let today = self.clock.today();
        let mut violations = Violations::default();
        let dob = match claims.date_of_birth.trim() {
            "" => None,
            raw => violations.check(
                "claims.date_of_birth",
                parse_dob(raw, today)
                    .ok_or_else(|| "must be a past date such as 12/03/1980".to_string()),
            ),
        };
        let postcode = match claims.postcode.trim() {
            "" => None,
            raw => violations.check("claims.postcode", Postcode::parse(raw)),
        };
        let address_line = claims.address_line.trim();
        if address_line.chars().count() > MAX_FACT_CHARS {
            violations.push("claims.address_line", "must be at most 100 characters");
        }
        let facts = match parse_facts(&claims.facts, "claims.facts") {
            Ok(f) => f,
            Err(Error::InvalidArgument(v)) => {
                for fv in v {
                    violations.push(&fv.field, fv.description);
                }
                Vec::new()
            }
            Err(e) => return Err(e),
        };
        if dob.is_none()
            && postcode.is_none()
            && address_line.is_empty()
            && facts.is_empty()
            && violations.is_empty()
        {
            violations.push("claims", "at least one claim is required");
        }
        violations.into_result()?;

        let _guard = self.lock_keys(&[id.as_str()]).await;
        // A record the caller may not see answers as an unknown ID does:
        // checking claims against it would confirm it exists, and what it holds.
        let (customer, _) = self.current_customer(caller, id).await?;
        let now = self.clock.now();
        self.refuse_if_locked(caller, &customer.id, now).await?;

        let person = &customer.person;
        let mut results: Vec<(String, ClaimResult)> = Vec::new();
        let check = |ok: bool| {
            if ok {
                ClaimResult::Matched
            } else {
                ClaimResult::NotMatched
            }
        };
        if let Some(d) = dob {
            results.push((
                "date_of_birth".into(),
                check(d == person.date_of_birth.date()),
            ));
        }
        if let Some(pc) = postcode {
            results.push(("postcode".into(), check(pc == person.address.postcode)));
        }
        if !address_line.is_empty() {
            results.push((
                "address_line".into(),
                check(address_matches(address_line, &person.address.lines)),
            ));
        }
        if !facts.is_empty() {
            let held = self.store.verification_facts(&customer.id).await?;
            let fact_results = tokio::task::spawn_blocking(move || {
                facts
                    .into_iter()
                    .map(|(kind, value)| {
                        let result = match held.iter().find(|f| f.kind == kind) {
                            None => ClaimResult::NotHeld,
                            Some(f) => check(fact_matches(f, &kind, &value)),
                        };
                        (format!("fact:{kind}"), result)
                    })
                    .collect::<Vec<_>>()
            })
            .await
            .map_err(|e| Error::Internal(e.to_string()))?;
            results.extend(fact_results);
        }
        let checked = results
            .iter()
            .filter(|(_, r)| *r != ClaimResult::NotHeld)
            .count();
        let verified = checked > 0 && results.iter().all(|(_, r)| *r != ClaimResult::NotMatched);

        // The store checks the failures counted here are still all there
        // are (under a per-customer lock, across replicas) as it records
        // the attempt; otherwise it re-plans, so the fifth failure, and
        // only it, locks.
        let since = now - Duration::minutes(FAILURE_WINDOW_MINUTES);
        for _ in 0..MAX_ATTEMPTS {
            let failures = self
                .store
                .verification_failures_since(&customer.id, since)
                .await?;
            let (change, locked) =
                self.attempt_change(caller, &customer.id, verified, (since, failures), now);
            match self.store.apply(change).await {
                Ok(_) => {
                    if locked {
                        tracing::warn!(customer_id = %customer.id, failures = failures + 1, "identity verification locked");
                    }
                    return Ok(Verification {
                        verified,
                        claims: results,
                        locked,
                    });
                }
                // Another replica recorded an attempt first; it may have
                // locked the customer.
                Err(StoreError::Conflict) => {
                    self.refuse_if_locked(caller, &customer.id, now).await?
                }
                Err(e) => return Err(e.into()),
            }
        }
        Err(Error::Unavailable(
            "verification attempts raced, please retry".into(),
        ))
    }

    /// Refuses (audited) while the customer is locked for verification.
    async fn refuse_if_locked(
        &self,
        caller: &Caller,
        id: &CustomerId,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Result<()> {
        match self.store.verification_locked_until(id).await? {
            Some(until) if until > now => {
                let mut change = Change::default();
                change.audit.push(self.audit(
                    caller,
                    "verify_identity_refused_locked",
                    Some(id),
                    None,
                ));
                self.store.apply(change).await?;
                Err(Error::FailedPrecondition {
                    reason: "VERIFICATION_LOCKED",
                    message: format!(
                        "customer {id} is locked for identity verification after repeated failures; try again later"
                    ),
                })
            }
            _ => Ok(()),
        }
    }

    /// Records one attempt given `failures` earlier failures since the
    /// window began, locking on the last one allowed; and whether it locks.
    fn attempt_change(
        &self,
        caller: &Caller,
        id: &CustomerId,
        verified: bool,
        (since, failures): (chrono::DateTime<chrono::Utc>, i64),
        now: chrono::DateTime<chrono::Utc>,
    ) -> (Change, bool) {
        let mut change = Change::default();
        change.ops.push(Op::ExpectVerificationState {
            customer_id: id.clone(),
            since,
            failures,
            at: now,
        });
        change.ops.push(Op::RecordVerificationAttempt {
            customer_id: id.clone(),
            succeeded: verified,
            at: now,
        });
        let operation = if verified {
            "verify_identity_passed"
        } else {
            "verify_identity_failed"
        };
        change
            .audit
            .push(self.audit(caller, operation, Some(id), None));
        let locked = !verified && failures + 1 >= MAX_FAILURES;
        if locked {
            change.ops.push(Op::LockVerification {
                customer_id: id.clone(),
                until: now + Duration::minutes(LOCKOUT_MINUTES),
                at: now,
            });
            change
                .audit
                .push(self.audit(caller, "verification_locked", Some(id), None));
        }
        (change, locked)
    }
}

/// Kinds are short snake_case codes; values are compared folded (case,
/// spaces and punctuation ignored: "CT-1234 56" is "ct123456").
fn parse_facts(facts: &[(String, String)], field: &str) -> Result<Vec<(String, String)>> {
    let mut violations = Violations::default();
    if facts.len() > MAX_FACTS {
        violations.push(field, format!("at most {MAX_FACTS} facts"));
    }
    let mut out: Vec<(String, String)> = Vec::new();
    for (i, (kind, value)) in facts.iter().enumerate() {
        let kind = kind.trim().to_ascii_lowercase();
        let kind_ok = !kind.is_empty()
            && kind.len() <= FACT_KIND
            && kind.starts_with(|c: char| c.is_ascii_lowercase())
            && kind
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
        if !kind_ok {
            violations.push(
                &format!("{field}[{i}].kind"),
                "must be a snake_case code such as council_tax_account",
            );
        }
        let folded = normalise::fold(value);
        if folded.is_empty() || value.chars().count() > MAX_FACT_CHARS {
            violations.push(
                &format!("{field}[{i}].value"),
                "must have letters or digits, at most 100 characters",
            );
        }
        if out.iter().any(|(k, _)| *k == kind) {
            violations.push(&format!("{field}[{i}].kind"), "is given twice");
        }
        out.push((kind, folded));
    }
    violations.into_result()?;
    Ok(out)
}

/// Argon2id at OWASP's recommended cost (19 MiB, 2 passes, 1 lane): a
/// reference of a few characters stays slow to guess from a stolen table.
fn hasher() -> Argon2<'static> {
    let params = Params::new(19 * 1024, 2, 1, None).expect("valid argon2 parameters");
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

/// What is hashed: the kind and the folded value, so that one value held
/// under two kinds hashes differently.
fn fact_input(kind: &str, folded_value: &str) -> String {
    format!("{kind}\0{}", normalise::fold(folded_value))
}

/// A fact's argon2id hash as a PHC string (algorithm, cost, salt, hash).
fn fact_hash(kind: &str, folded_value: &str) -> Result<String> {
    let salt = SaltString::generate(&mut OsRng);
    hasher()
        .hash_password(fact_input(kind, folded_value).as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| Error::Internal(format!("hashing a verification fact: {e}")))
}

/// Whether a claimed value matches a held fact, in constant time: argon2id
/// for a PHC string, the earlier salted SHA-256 otherwise.
fn fact_matches(held: &VerificationFact, kind: &str, folded_value: &str) -> bool {
    if held.hash.starts_with('$') {
        return PasswordHash::new(&held.hash).is_ok_and(|phc| {
            hasher()
                .verify_password(fact_input(kind, folded_value).as_bytes(), &phc)
                .is_ok()
        });
    }
    let legacy = legacy_hash(&held.salt, kind, folded_value);
    legacy.as_bytes().ct_eq(held.hash.as_bytes()).into()
}

/// The salted, iterated SHA-256 (hex) facts were held as before argon2.
fn legacy_hash(salt: &str, kind: &str, folded_value: &str) -> String {
    let mut digest = Sha256::new()
        .chain_update(salt.as_bytes())
        .chain_update([0])
        .chain_update(kind.as_bytes())
        .chain_update([0])
        .chain_update(normalise::fold(folded_value).as_bytes())
        .finalize();
    for _ in 1..LEGACY_ROUNDS {
        digest = Sha256::new()
            .chain_update(salt.as_bytes())
            .chain_update(digest)
            .finalize();
    }
    hex::encode(digest)
}

/// A claimed address line matches when, read as the matcher reads
/// addresses, its house number and street (or flat) agree with the record.
fn address_matches(claim: &str, lines: &[String]) -> bool {
    let claimed = address::parse(&[claim]);
    let held_lines: Vec<&str> = lines.iter().map(String::as_str).collect();
    let held = address::parse(&held_lines);
    if claimed.house_number.is_none() && claimed.street.is_none() {
        return false;
    }
    let same = |a: &Option<String>, b: &Option<String>| a.is_none() || a == b;
    same(&claimed.house_number, &held.house_number)
        && same(&claimed.street, &held.street)
        && same(&claimed.flat, &held.flat)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn held(kind: &str, salt: &str, hash: String) -> VerificationFact {
        VerificationFact {
            kind: kind.into(),
            salt: salt.into(),
            hash,
        }
    }

    #[test]
    fn facts_hash_with_argon2id_folded_and_salted() {
        let kind = "council_tax_account";
        let a = fact_hash(kind, "ct123456").unwrap();
        assert!(a.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{a}");
        // A fresh salt each time, yet both verify.
        let b = fact_hash(kind, "ct123456").unwrap();
        assert_ne!(a, b);
        let fact = held(kind, "", a);
        assert!(fact_matches(&fact, kind, "CT-1234 56"));
        assert!(fact_matches(&held(kind, "", b), kind, "ct123456"));
        assert!(!fact_matches(&fact, kind, "ct123457"));
        // The kind is part of what is hashed.
        assert!(!fact_matches(&fact, "housing_tenancy", "ct123456"));
    }

    #[test]
    fn facts_hashed_before_argon2_still_verify() {
        let kind = "council_tax_account";
        let fact = held(kind, "salt1", legacy_hash("salt1", kind, "ct123456"));
        assert!(fact_matches(&fact, kind, "CT-1234 56"));
        assert!(!fact_matches(&fact, kind, "ct123457"));
        let other_salt = held(kind, "salt2", fact.hash.clone());
        assert!(!fact_matches(&other_salt, kind, "ct123456"));
        // A damaged PHC string matches nothing.
        assert!(!fact_matches(
            &held(kind, "", "$argon2id$junk".into()),
            kind,
            "ct123456"
        ));
    }

    #[test]
    fn address_lines_compare_as_the_matcher_reads_them() {
        let held = vec!["14 Harborne Road".to_string()];
        assert!(address_matches("14 harborne rd", &held));
        assert!(!address_matches("15 Harborne Road", &held));
        assert!(!address_matches("14 High Street", &held));
        assert!(!address_matches("", &held));
    }
}
