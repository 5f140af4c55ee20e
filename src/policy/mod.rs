//! Pure policy: may this caller do this (to this customer)? No I/O; every
//! access decision of the hub is made here.

mod access;

pub use access::{Action, authorize};
