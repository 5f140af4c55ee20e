//! The chain itself: what an entry's hash covers, how the head is sealed,
//! and how the whole is checked. Entries written before the chain was
//! keyed keep their plain SHA-256 hashes and are checked as such, but only
//! where they stand: before the first keyed entry.

use super::{AuditKey, Keyring};
use crate::store::{AuditEntry, AuditHead, StoredAudit};
use chrono::{DateTime, SecondsFormat, SubsecRound, Utc};
use sha2::{Digest, Sha256};

/// Both databases keep microseconds; hashing exactly what is stored makes
/// the chain verifiable on either.
pub fn stored_instant(at: DateTime<Utc>) -> DateTime<Utc> {
    at.trunc_subsecs(6)
}

/// The entry's canonical fields after the previous hash, as a JSON array
/// so no field can bleed into the next; a keyed entry's covers its key ID.
fn canonical(prev_hash: &str, entry: &AuditEntry, key_id: Option<&str>) -> String {
    let mut fields = vec![
        serde_json::json!(prev_hash),
        serde_json::json!(stored_instant(entry.at).to_rfc3339_opts(SecondsFormat::Micros, true)),
        serde_json::json!(entry.caller),
        serde_json::json!(entry.role.as_str()),
        serde_json::json!(entry.operation),
        serde_json::json!(entry.customer_id.as_ref().map(|c| c.as_str())),
        serde_json::json!(entry.purpose),
    ];
    if let Some(id) = key_id {
        fields.push(serde_json::json!(id));
    }
    serde_json::Value::Array(fields).to_string()
}

/// The plain SHA-256 (hex) of entries written before the chain was keyed.
pub fn entry_hash(prev_hash: &str, entry: &AuditEntry) -> String {
    hex::encode(Sha256::digest(canonical(prev_hash, entry, None).as_bytes()))
}

/// HMAC-SHA-256 (hex) of an entry under `key`, naming the key.
pub fn keyed_hash(key: &AuditKey, prev_hash: &str, entry: &AuditEntry) -> String {
    key.mac(canonical(prev_hash, entry, Some(key.id())).as_bytes())
}

/// What the head's MAC covers: how many entries the chain holds, the
/// last one, and where keying began (so keyed entries cannot be passed
/// off as older, unkeyed ones).
fn head_message(head: &AuditHead, key_id: &str) -> Vec<u8> {
    serde_json::json!([
        "scr-hub audit head",
        head.entries,
        head.last_seq,
        head.hash,
        head.keyed_from,
        key_id
    ])
    .to_string()
    .into_bytes()
}

/// The head's MAC under `key`.
pub fn seal(key: &AuditKey, head: &AuditHead) -> String {
    key.mac(&head_message(head, key.id()))
}

/// Whether the chain may be extended from `head`: it is sealed by a key of
/// `keys` and its MAC holds, or nothing was ever chained. An appender that
/// trusted an unsealed or altered head would seal a rewrite for the forger.
pub fn extendable(keys: &Keyring, head: &AuditHead) -> bool {
    match (&head.key_id, &head.mac) {
        (Some(id), Some(mac)) => keys
            .get(id)
            .is_some_and(|key| key.verify(&head_message(head, id), mac)),
        _ => head.entries == 0 && head.keyed_from == 0,
    }
}

/// The outcome of checking the chain.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Verification {
    /// Entries whose hash was checked (keyed and, before them, plain).
    pub checked: u64,
    /// Of those, entries MACed with an audit key.
    pub keyed: u64,
    /// Entries from before the chain existed (no hash), at its start.
    pub unchained: u64,
    /// The first problem found, if any.
    pub problem: Option<Problem>,
    /// The only problem is a head never sealed with an audit key: a log
    /// from before keys, to be sealed once (`scr-hub audit seal`).
    pub unsealed: bool,
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

fn last_hash(v: &Verifier<'_>) -> String {
    v.prev_hash.clone().unwrap_or_default()
}

/// Checks entries in sequence order, page by page, against a keyring.
/// Call `check` for every entry, then `finish` with the head the store keeps.
#[derive(Debug)]
pub struct Verifier<'k> {
    keys: &'k Keyring,
    prev_hash: Option<String>,
    last_seq: i64,
    first_keyed: Option<i64>,
    result: Verification,
}

impl<'k> Verifier<'k> {
    pub fn new(keys: &'k Keyring) -> Self {
        Self {
            keys,
            prev_hash: None,
            last_seq: 0,
            first_keyed: None,
            result: Verification::default(),
        }
    }

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
        match &row.key_id {
            None if self.first_keyed.is_some() => {
                self.fail(
                    row.seq,
                    "an unkeyed entry after keyed ones: it was rewritten",
                );
                return;
            }
            None => {
                if entry_hash(expected_prev, &row.entry) != *hash {
                    self.fail(row.seq, "hash does not match the entry: it was altered");
                    return;
                }
            }
            Some(id) => {
                let Some(key) = self.keys.get(id) else {
                    self.fail(
                        row.seq,
                        &format!("signed with audit key {id}, which is not configured"),
                    );
                    return;
                };
                let message = canonical(expected_prev, &row.entry, Some(id));
                if !key.verify(message.as_bytes(), hash) {
                    self.fail(row.seq, "MAC does not match the entry: it was altered");
                    return;
                }
                self.first_keyed.get_or_insert(row.seq);
                self.result.keyed += 1;
            }
        }
        self.result.checked += 1;
        self.prev_hash = Some(hash.clone());
    }

    pub fn finish(mut self, head: &AuditHead) -> Verification {
        if self.result.problem.is_some() {
            return self.result;
        }
        let signed = match (&head.key_id, &head.mac) {
            (Some(id), Some(mac)) => match self.keys.get(id) {
                None => {
                    return self.failed(&format!(
                        "the head is signed with audit key {id}, which is not configured"
                    ));
                }
                Some(key) if !key.verify(&head_message(head, id), mac) => {
                    return self.failed("the head's MAC does not match: it was altered");
                }
                Some(_) => true,
            },
            _ => false,
        };
        if !signed && (self.first_keyed.is_some() || head.keyed_from != 0) {
            return self.failed("the head is not signed: it was altered");
        }
        if head.keyed_from != self.first_keyed.unwrap_or(0) {
            return self.failed("keyed entries were rewritten as unkeyed ones, or removed");
        }
        if head.entries != self.result.checked as i64 {
            let message = format!(
                "the head counts {} chained entries but {} remain: entries were deleted",
                head.entries, self.result.checked
            );
            return self.failed(&message);
        }
        if head.hash != last_hash(&self) || (head.entries > 0 && head.last_seq != self.last_seq) {
            return self.failed("the last entry does not match the head: the tail was altered");
        }
        // Last, so that when it fails everything else held: a log written
        // before audit keys is sealed once by the operator, never by itself
        // (a rewrite into that older form must not pass).
        if !signed && head.entries > 0 {
            self.result.unsealed = true;
            return self.failed(
                "the head is not sealed: a log written before audit keys is sealed once with \
                 `scr-hub audit seal`; otherwise it was rewritten",
            );
        }
        self.result
    }

    fn failed(mut self, description: &str) -> Verification {
        self.fail(0, description);
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

    /// `legacy` plain entries, then `ops` keyed with the ring's active key,
    /// as the store writes them, with the sealed head.
    fn chain(keys: &Keyring, legacy: usize, ops: &[&str]) -> (Vec<StoredAudit>, AuditHead) {
        let key = keys.active();
        let mut prev = String::new();
        let mut rows = Vec::new();
        let mut keyed_from = 0;
        for i in 0..legacy + ops.len() {
            let e = entry(ops.get(i.wrapping_sub(legacy)).copied().unwrap_or("old"));
            let seq = i as i64 + 1;
            let (hash, key_id) = if i < legacy {
                (entry_hash(&prev, &e), None)
            } else {
                if keyed_from == 0 {
                    keyed_from = seq;
                }
                (keyed_hash(key, &prev, &e), Some(key.id().to_owned()))
            };
            rows.push(StoredAudit {
                seq,
                entry: e,
                prev_hash: Some(prev.clone()),
                hash: Some(hash.clone()),
                key_id,
            });
            prev = hash;
        }
        let mut head = AuditHead {
            entries: rows.len() as i64,
            last_seq: rows.len() as i64,
            hash: prev,
            keyed_from,
            key_id: Some(key.id().to_owned()),
            mac: None,
        };
        head.mac = Some(seal(key, &head));
        (rows, head)
    }

    fn verify(keys: &Keyring, rows: &[StoredAudit], head: &AuditHead) -> Verification {
        let mut v = Verifier::new(keys);
        rows.iter().for_each(|r| v.check(r));
        v.finish(head)
    }

    #[test]
    fn an_untouched_chain_verifies() {
        let keys = Keyring::generate();
        let (rows, head) = chain(&keys, 0, &["a", "b", "c"]);
        let v = verify(&keys, &rows, &head);
        assert!(v.intact(), "{v:?}");
        assert_eq!((v.checked, v.keyed), (3, 3));
        assert!(verify(&keys, &[], &AuditHead::default()).intact());
    }

    #[test]
    fn the_hash_ignores_sub_microsecond_digits() {
        let key = AuditKey::generate();
        let mut e = entry("x");
        let h = keyed_hash(&key, "", &e);
        e.at = stored_instant(e.at);
        assert_eq!(keyed_hash(&key, "", &e), h);
    }

    #[test]
    fn alterations_and_deletions_are_detected() {
        let keys = Keyring::generate();
        let (rows, head) = chain(&keys, 0, &["a", "b", "c", "d"]);
        let mut altered = rows.clone();
        altered[1].entry.purpose = Some("something else".into());
        assert_eq!(verify(&keys, &altered, &head).problem.unwrap().seq, 2);
        let mut middle = rows.clone();
        middle.remove(1);
        assert_eq!(verify(&keys, &middle, &head).problem.unwrap().seq, 3);
        let mut tail = rows.clone();
        tail.pop();
        assert_eq!(verify(&keys, &tail, &head).problem.unwrap().seq, 0);
        let mut first = rows.clone();
        first.remove(0);
        assert!(!verify(&keys, &first, &head).intact());
        let mut unhashed = rows.clone();
        unhashed[2].hash = None;
        assert!(!verify(&keys, &unhashed, &head).intact());
    }

    /// Someone who can write the database but lacks the key alters an
    /// entry and recomputes every later hash and the head: caught, whether
    /// they recompute as keyed (without the key) or as plain SHA-256.
    #[test]
    fn a_rewrite_without_the_key_is_detected() {
        let keys = Keyring::generate();
        let (rows, head) = chain(&keys, 0, &["a", "b", "c"]);
        let forger = AuditKey::generate();
        let mut forged = rows.clone();
        forged[1].entry.purpose = Some("nothing to see".into());
        let mut prev = forged[0].hash.clone().unwrap();
        for row in &mut forged[1..] {
            row.prev_hash = Some(prev.clone());
            let hash = keyed_hash(&forger, &prev, &row.entry);
            row.hash = Some(hash.clone());
            prev = hash;
        }
        let mut forged_head = AuditHead {
            hash: prev,
            ..head.clone()
        };
        forged_head.mac = Some(seal(&forger, &forged_head));
        assert_eq!(verify(&keys, &forged, &forged_head).problem.unwrap().seq, 2);

        // Rewritten as plain, unkeyed entries: the head gives it away.
        let mut plain = rows.clone();
        let mut prev = String::new();
        for row in &mut plain {
            row.key_id = None;
            row.prev_hash = Some(prev.clone());
            let hash = entry_hash(&prev, &row.entry);
            row.hash = Some(hash.clone());
            prev = hash;
        }
        let stripped = AuditHead {
            hash: prev,
            key_id: None,
            mac: None,
            ..head.clone()
        };
        let v = verify(&keys, &plain, &stripped);
        assert!(!v.intact(), "{v:?}");
        // ...and so does a truncation, even with the head's counts fixed.
        let mut short = rows.clone();
        short.pop();
        let truncated = AuditHead {
            entries: 2,
            last_seq: 2,
            hash: short[1].hash.clone().unwrap(),
            ..head
        };
        assert!(!verify(&keys, &short, &truncated).intact());
    }

    #[test]
    fn entries_from_before_the_key_stay_verifiable_where_they_stand() {
        let keys = Keyring::generate();
        let (rows, head) = chain(&keys, 2, &["a", "b"]);
        let v = verify(&keys, &rows, &head);
        assert!(v.intact(), "{v:?}");
        assert_eq!((v.checked, v.keyed), (4, 2));
        // A plain entry after keyed ones was rewritten.
        let mut late = rows.clone();
        late[3].key_id = None;
        late[3].hash = Some(entry_hash(
            late[3].prev_hash.as_deref().unwrap(),
            &late[3].entry,
        ));
        assert_eq!(verify(&keys, &late, &head).problem.unwrap().seq, 4);
        // A log never keyed is not intact until sealed, but nothing else
        // is wrong with it.
        let (old, mut old_head) = chain(&keys, 3, &[]);
        old_head.keyed_from = 0;
        old_head.key_id = None;
        old_head.mac = None;
        let v = verify(&keys, &old, &old_head);
        assert!(!v.intact() && v.unsealed, "{v:?}");
        let mut altered = old.clone();
        altered[1].entry.operation = "x".into();
        assert!(!verify(&keys, &altered, &old_head).unsealed);
    }

    #[test]
    fn rotated_keys_verify_with_the_retired_key_configured() {
        let old = Keyring::generate();
        let (rows, _) = chain(&old, 0, &["a", "b"]);
        let new = AuditKey::generate();
        let rotated = Keyring::new(new.clone(), vec![old.active().clone()]);
        let mut rows = rows;
        let prev = rows[1].hash.clone().unwrap();
        let e = entry("c");
        let hash = keyed_hash(&new, &prev, &e);
        rows.push(StoredAudit {
            seq: 3,
            entry: e,
            prev_hash: Some(prev),
            hash: Some(hash.clone()),
            key_id: Some(new.id().to_owned()),
        });
        let mut head = AuditHead {
            entries: 3,
            last_seq: 3,
            hash,
            keyed_from: 1,
            key_id: Some(new.id().to_owned()),
            mac: None,
        };
        head.mac = Some(seal(&new, &head));
        assert!(verify(&rotated, &rows, &head).intact());
        let without_old = Keyring::new(new, Vec::new());
        assert_eq!(verify(&without_old, &rows, &head).problem.unwrap().seq, 1);
    }

    #[test]
    fn entries_from_before_the_chain_are_counted_not_failed() {
        let keys = Keyring::generate();
        let (mut rows, mut head) = chain(&keys, 0, &["a", "b"]);
        for r in &mut rows {
            r.seq += 1;
        }
        head.last_seq += 1;
        head.keyed_from += 1;
        head.mac = Some(seal(keys.active(), &head));
        let legacy = StoredAudit {
            seq: 1,
            entry: entry("old"),
            prev_hash: None,
            hash: None,
            key_id: None,
        };
        rows.insert(0, legacy);
        let v = verify(&keys, &rows, &head);
        assert!(v.intact(), "{v:?}");
        assert_eq!((v.checked, v.unchained), (2, 1));
    }
}
