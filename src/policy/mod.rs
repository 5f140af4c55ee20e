//! Pure policy: may this caller do this, what may it see of this customer,
//! and who may be told of a change? No I/O; these decisions are made here
//! and nowhere else.

mod access;
pub mod equalities;
pub mod minors;
pub mod propagation;
pub mod retention;
pub mod view;

pub use access::{Action, authorize, may_match_into, restrictions};
