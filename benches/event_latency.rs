//! End-to-end latency of a consented address change: from the moment
//! `ChangeAddress` returns to the moment a subscriber holds the event, and
//! the sustained rate of changes delivered. Runs the real server in-process
//! over gRPC on SQLite, and on PostgreSQL when SCR_BENCH_POSTGRES_URL names
//! a server (a fresh database is made there).
//!
//! `cargo bench --bench event_latency` (add `-- --quick` for a short run).

mod common;

use scr_hub::api::pb;
use scr_hub::api::pb::customer_records_client::CustomerRecordsClient;
use scr_hub::api::pb::events_client::EventsClient;
use scr_hub::auth::Role;
use std::time::{Duration, Instant};
use tokio::sync::mpsc;
use tonic::transport::Channel;

const CALLERS: &[(&str, Role, Option<&str>)] = &[
    ("libraries", Role::Department, Some("libraries")),
    ("waste", Role::Department, Some("waste")),
    ("agent", Role::Agent, None),
    ("waste-feed", Role::Subscriber, Some("waste")),
];

fn authed<T>(token: &str, message: T) -> tonic::Request<T> {
    let mut request = tonic::Request::new(message);
    request
        .metadata_mut()
        .insert("authorization", format!("Bearer {token}").parse().unwrap());
    request
}

/// A distinct name for each number (names may not hold digits).
fn letters(mut n: usize) -> String {
    let mut out = String::new();
    loop {
        out.push((b'a' + (n % 26) as u8) as char);
        n /= 26;
        if n == 0 {
            return out;
        }
    }
}

/// Person `n`: a name, birthday and home of their own, so the matcher never
/// takes two of them for one.
fn person(system: &str, n: usize) -> pb::DepartmentalRecord {
    pb::DepartmentalRecord {
        system: system.into(),
        local_id: format!("{system}-{n}"),
        name: Some(pb::PersonName {
            given: format!("Zq{}", letters(n * 7 + 3)),
            middle: String::new(),
            family: format!("Xv{}", letters(n * 7919 % 100_003 + 1000)),
        }),
        date_of_birth: format!("{}-{:02}-{:02}", 1940 + n % 60, 1 + n / 60 % 12, 1 + n % 28),
        gender: pb::Gender::Unspecified.into(),
        address: Some(pb::Address {
            lines: vec![format!("{} Harborne Road", 1 + n)],
            town: "Birmingham".into(),
            postcode: format!("B{} {}DH", 1 + n % 30, n % 10),
            uprn: String::new(),
        }),
    }
}

fn change(customer_id: &str, round: usize, consent: bool) -> pb::ChangeAddressRequest {
    pb::ChangeAddressRequest {
        customer_id: customer_id.into(),
        new_address: Some(pb::Address {
            lines: vec![format!("{} Bristol Road", 1 + round)],
            town: "Birmingham".into(),
            postcode: "B29 6BD".into(),
            uprn: String::new(),
        }),
        effective_date: "2026-01-15".into(),
        consent_to_share: consent.then_some(pb::ConsentToShare {
            target: Some(pb::consent_to_share::Target::AllLinked(true)),
        }),
        evidence: consent.then(|| pb::ConsentEvidence {
            channel: "phone".into(),
            reference: "BENCH".into(),
            captured_by: String::new(),
        }),
        request_id: String::new(),
    }
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i]
}

/// Customers held by libraries and waste, with consent to tell waste.
async fn customers(channel: &Channel, count: usize) -> Vec<String> {
    let mut records = CustomerRecordsClient::new(channel.clone());
    let mut ids = Vec::with_capacity(count);
    for n in 0..count {
        let id = records
            .submit_record(authed(
                "libraries",
                pb::SubmitRecordRequest {
                    record: Some(person("libraries", n)),
                    request_id: String::new(),
                    minor_basis: None,
                },
            ))
            .await
            .unwrap()
            .into_inner()
            .customer_id;
        records
            .submit_record(authed(
                "waste",
                pb::SubmitRecordRequest {
                    record: Some(person("waste", n)),
                    request_id: String::new(),
                    minor_basis: None,
                },
            ))
            .await
            .unwrap();
        records
            .change_address(authed("agent", change(&id, 0, true)))
            .await
            .unwrap();
        assert!(!ids.contains(&id), "person {n} was matched to another");
        ids.push(id);
    }
    ids
}

/// Waste's address events as they arrive, with their arrival time.
async fn subscriber(channel: &Channel) -> mpsc::UnboundedReceiver<Instant> {
    let mut stream = EventsClient::new(channel.clone())
        .subscribe(authed(
            "waste-feed",
            pb::SubscribeRequest {
                system: "waste".into(),
                after_sequence: Some(0),
            },
        ))
        .await
        .unwrap()
        .into_inner();
    let (tx, rx) = mpsc::unbounded_channel();
    tokio::spawn(async move {
        while let Ok(Some(reply)) = stream.message().await {
            if reply.event.is_some_and(|e| e.r#type == "address_changed") {
                let _ = tx.send(Instant::now());
            }
        }
    });
    rx
}

async fn receive(arrivals: &mut mpsc::UnboundedReceiver<Instant>) -> Instant {
    tokio::time::timeout(Duration::from_secs(10), arrivals.recv())
        .await
        .expect("an event within 10 s")
        .expect("the stream stays open")
}

async fn run(label: &str, database_url: String, quick: bool) {
    let dir = tempfile::tempdir().unwrap();
    let (channel, stop) = common::start(database_url, dir.path(), CALLERS).await;
    let (people, rounds, burst) = if quick {
        (50, 200, 500)
    } else {
        (200, 2000, 5000)
    };
    let ids = customers(&channel, people).await;
    let records = CustomerRecordsClient::new(channel.clone());

    // Latency: one change at a time, each waited for (after the set-up's
    // own moves have drained).
    let mut arrivals = subscriber(&channel).await;
    for _ in 0..people {
        receive(&mut arrivals).await;
    }
    let mut latencies = Vec::with_capacity(rounds);
    for round in 0..rounds {
        let id = &ids[round % ids.len()];
        records
            .clone()
            .change_address(authed("agent", change(id, round + 1, false)))
            .await
            .unwrap();
        let returned = Instant::now();
        let arrived = receive(&mut arrivals).await;
        latencies.push(arrived.saturating_duration_since(returned));
    }
    latencies.sort();

    // Throughput: eight concurrent writers, until the subscriber has all.
    let started = Instant::now();
    let mut writers = Vec::new();
    for w in 0..8 {
        let records = records.clone();
        let ids = ids.clone();
        writers.push(tokio::spawn(async move {
            let mut records = records;
            for round in (w..burst).step_by(8) {
                let id = &ids[round % ids.len()];
                records
                    .change_address(authed("agent", change(id, rounds + round + 1, false)))
                    .await
                    .unwrap();
            }
        }));
    }
    for _ in 0..burst {
        receive(&mut arrivals).await;
    }
    let elapsed = started.elapsed();
    for writer in writers {
        writer.await.unwrap();
    }
    println!(
        "{label}: change-to-receipt latency over {rounds} changes: p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms; \
         sustained {:.0} events/s ({burst} changes, 8 writers, {:.2} s)",
        percentile(&latencies, 0.50).as_secs_f64() * 1e3,
        percentile(&latencies, 0.99).as_secs_f64() * 1e3,
        latencies.last().unwrap().as_secs_f64() * 1e3,
        burst as f64 / elapsed.as_secs_f64(),
        elapsed.as_secs_f64(),
    );
    let _ = stop.send(());
}

#[tokio::main]
async fn main() {
    let quick = std::env::args().any(|a| a == "--quick");
    let dir = tempfile::tempdir().unwrap();
    run(
        "sqlite",
        format!("sqlite://{}", dir.path().join("bench.db").display()),
        quick,
    )
    .await;
    if let Ok(base) = std::env::var("SCR_BENCH_POSTGRES_URL") {
        run("postgres", common::fresh_postgres(&base).await, quick).await;
    }
}
