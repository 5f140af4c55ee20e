//! End-to-end tests: the real server, real tonic clients.

mod helpers;

mod admin;
mod auth;
mod customer_records;
mod events;
mod match_review;
mod processes;
mod search;
mod service;
mod train;
mod verify;
