//! End-to-end tests: the real server, real tonic clients.

mod helpers;

mod admin;
mod audit;
mod auth;
mod customer_records;
mod events;
mod findings;
mod input;
mod match_review;
mod minors;
mod processes;
mod restricted_search;
mod rights;
mod roles;
mod search;
mod service;
mod subject_data;
mod sweep;
mod tls;
mod train;
mod verify;
mod views;
