//! The audit trail's tamper evidence: a hash chain whose entries and head
//! are MACed with a key held outside the database (`keys`), verified by
//! `chain::Verifier`. Pure: the store computes the MACs inside the
//! appending transaction, and verification checks what it reads back.

mod chain;
mod keys;

pub use chain::{
    Problem, Verification, Verifier, entry_hash, extendable, keyed_hash, seal, stored_instant,
};
pub use keys::{AuditKey, Keyring, write_private};
