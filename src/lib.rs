//! scr-hub: the Single Customer Record hub of a UK local council.

pub mod api;
pub mod app;
pub mod audit;
pub mod auth;
pub mod clock;
pub mod config;
pub mod consent;
pub mod error;
pub mod evaluate;
pub mod events;
pub mod hub;
pub mod import;
pub mod matching;
pub mod policy;
pub mod record;
pub mod review;
pub mod search;
pub mod store;
pub mod synth;
pub mod telemetry;
