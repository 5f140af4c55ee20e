//! The audit trail's tamper evidence: every entry's hash covers its
//! canonical fields and the previous entry's hash, so altering, reordering
//! or deleting an entry breaks the chain. Pure: the store computes hashes
//! inside the appending transaction, and `verify` checks what it reads back.

use crate::store::{AuditEntry, AuditHead, StoredAudit};
use chrono::{DateTime, SecondsFormat, SubsecRound, Utc};
use sha2::{Digest, Sha256};

/// Both databases keep microseconds; hashing exactly what is stored makes
/// the chain verifiable on either.
pub fn stored_instant(at: DateTime<Utc>) -> DateTime<Utc> {
    at.trunc_subsecs(6)
}

/// SHA-256 (hex) over the previous hash and the entry's canonical fields,
/// as a JSON array so no field can bleed into the next.
pub fn entry_hash(prev_hash: &str, entry: &AuditEntry) -> String {
    let canonical = serde_json::json!([
        prev_hash,
        stored_instant(entry.at).to_rfc3339_opts(SecondsFormat::Micros, true),
        entry.caller,
        entry.role.as_str(),
        entry.operation,
        entry.customer_id.as_ref().map(|c| c.as_str()),
        entry.purpose,
    ]);
    hex::encode(Sha256::digest(canonical.to_string().as_bytes()))
}

/// The outcome of checking the chain.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Verification {
    /// Entries whose hash was checked.
    pub checked: u64,
    /// Entries from before the chain existed (no hash), at its start.
    pub unchained: u64,
    /// The first problem found, if any.
    pub problem: Option<Problem>,
}

impl Verification {
    pub fn intact(&self) -> bool {
        self.problem.is_none()
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// The entry where the chain breaks (0: the log as a whole).
    pub seq: i64,
    pub description: String,
}

/// Checks entries in sequence order, page by page. Call `check` for every
/// entry, then `finish` with the head the store keeps.
#[derive(Debug, Default)]
pub struct Verifier {
    prev_hash: Option<String>,
    last_seq: i64,
    result: Verification,
}

impl Verifier {
    pub fn check(&mut self, row: &StoredAudit) {
        if self.result.problem.is_some() {
            return;
        }
        self.last_seq = row.seq;
        let Some(hash) = &row.hash else {
            if self.prev_hash.is_some() {
                self.fail(row.seq, "entry has no hash inside the chain");
            } else {
                self.result.unchained += 1;
            }
            return;
        };
        let expected_prev = self.prev_hash.as_deref().unwrap_or("");
        if row.prev_hash.as_deref() != Some(expected_prev) {
            self.fail(
                row.seq,
                "previous hash does not match: an entry before it was deleted or altered",
            );
            return;
        }
        if entry_hash(expected_prev, &row.entry) != *hash {
            self.fail(row.seq, "hash does not match the entry: it was altered");
            return;
        }
        self.result.checked += 1;
        self.prev_hash = Some(hash.clone());
    }

    pub fn finish(mut self, head: &AuditHead) -> Verification {
        if self.result.problem.is_none() {
            let last_hash = self.prev_hash.clone().unwrap_or_default();
            if head.entries != self.result.checked as i64 {
                self.fail(
                    0,
                    &format!(
                        "the head counts {} chained entries but {} remain: entries were deleted",
                        head.entries, self.result.checked
                    ),
                );
            } else if head.hash != last_hash || (head.entries > 0 && head.last_seq != self.last_seq)
            {
                self.fail(
                    0,
                    "the last entry does not match the head: the tail was altered",
                );
            }
        }
        self.result
    }

    fn fail(&mut self, seq: i64, description: &str) {
        self.result.problem = Some(Problem {
            seq,
            description: description.into(),
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::Role;
    use crate::record::CustomerId;

    fn entry(op: &str) -> AuditEntry {
        AuditEntry {
            at: DateTime::from_timestamp(1_750_000_000, 123_456_789).unwrap(),
            caller: "agent".into(),
            role: Role::Agent,
            operation: op.into(),
            customer_id: Some(CustomerId::generate()),
            purpose: Some("caller asked about a bin".into()),
        }
    }

    fn chain(ops: &[&str]) -> (Vec<StoredAudit>, AuditHead) {
        let mut prev = String::new();
        let mut rows = Vec::new();
        for (i, op) in ops.iter().enumerate() {
            let e = entry(op);
            let hash = entry_hash(&prev, &e);
            rows.push(StoredAudit {
                seq: i as i64 + 1,
                entry: e,
                prev_hash: Some(prev.clone()),
                hash: Some(hash.clone()),
            });
            prev = hash;
        }
        let head = AuditHead {
            entries: rows.len() as i64,
            last_seq: rows.len() as i64,
            hash: prev,
        };
        (rows, head)
    }

    fn verify(rows: &[StoredAudit], head: &AuditHead) -> Verification {
        let mut v = Verifier::default();
        rows.iter().for_each(|r| v.check(r));
        v.finish(head)
    }

    #[test]
    fn an_untouched_chain_verifies() {
        let (rows, head) = chain(&["a", "b", "c"]);
        let v = verify(&rows, &head);
        assert!(v.intact(), "{v:?}");
        assert_eq!(v.checked, 3);
        assert!(verify(&[], &AuditHead::default()).intact());
    }

    #[test]
    fn the_hash_ignores_sub_microsecond_digits() {
        let mut e = entry("x");
        let h = entry_hash("", &e);
        e.at = stored_instant(e.at);
        assert_eq!(entry_hash("", &e), h);
    }

    #[test]
    fn alterations_and_deletions_are_detected() {
        let (rows, head) = chain(&["a", "b", "c", "d"]);
        let mut altered = rows.clone();
        altered[1].entry.purpose = Some("something else".into());
        assert_eq!(verify(&altered, &head).problem.unwrap().seq, 2);
        let mut middle = rows.clone();
        middle.remove(1);
        assert_eq!(verify(&middle, &head).problem.unwrap().seq, 3);
        let mut tail = rows.clone();
        tail.pop();
        assert_eq!(verify(&tail, &head).problem.unwrap().seq, 0);
        let mut first = rows.clone();
        first.remove(0);
        assert!(!verify(&first, &head).intact());
        let mut unhashed = rows.clone();
        unhashed[2].hash = None;
        assert!(!verify(&unhashed, &head).intact());
    }

    #[test]
    fn entries_from_before_the_chain_are_counted_not_failed() {
        let (mut rows, mut head) = chain(&["a", "b"]);
        for r in &mut rows {
            r.seq += 1;
        }
        head.last_seq += 1;
        let legacy = StoredAudit {
            seq: 1,
            entry: entry("old"),
            prev_hash: None,
            hash: None,
        };
        rows.insert(0, legacy);
        let v = verify(&rows, &head);
        assert!(v.intact(), "{v:?}");
        assert_eq!((v.checked, v.unchained), (2, 1));
    }
}
