//! Reindex benchmark: what `scr-hub reindex` does, timed: the whole search
//! index rebuilt from a store holding N customers. The store is pre-loaded
//! with synthetic UK people (`scr_hub::synth`) straight through
//! `Store::apply` in batched changes: each customer with its own
//! department's record, a second department's record under a maiden name
//! where there is one (about 7%), and an earlier address where there is one
//! (about 30%). Matching keys are left out: the index does not read them.
//!
//! cargo bench --bench reindex -- --size 1000000 [--backend sqlite|postgres]
//!     [--batch 5000] [--keep DIR] [--read-alone] (PostgreSQL: SCR_BENCH_POSTGRES_URL names a server; a
//!     fresh database is made there)

// Only `fresh_postgres` is used here.
#[allow(dead_code)]
mod common;

use common::{arg, number};

use scr_hub::record::{Customer, DepartmentalRecord, Link, LocalId, PreviousAddress, SystemCode};
use scr_hub::search::SearchIndex;
use scr_hub::search::indexer::{REINDEX_MEMORY, REINDEX_THREADS, rebuild};
use scr_hub::store::{Change, CustomerPage, MatchIndex, Op, Store};
use scr_hub::synth::SynthPerson;
use std::sync::{Arc, Mutex};
use std::time::Instant;

fn link_op(p: &SynthPerson, system: &str, record: scr_hub::record::Person) -> Op {
    let now = chrono::Utc::now();
    let record = DepartmentalRecord {
        system: SystemCode::parse(system).expect("system code"),
        local_id: LocalId::parse(&format!("{system}-{}", p.id)).expect("local id"),
        person: record,
    };
    Op::InsertLink {
        customer_id: p.id.clone(),
        link: Link {
            system: record.system.clone(),
            local_id: record.local_id.clone(),
            linked_at: now,
            method: "new_customer".into(),
            confidence: 1.0,
        },
        record,
        matching: MatchIndex::default(),
    }
}

/// Every person as a customer with its links and history, `batch` to a
/// transaction.
async fn preload(
    store: &Arc<dyn Store>,
    people: &[SynthPerson],
    batch: usize,
) -> anyhow::Result<u64> {
    let mut links = 0;
    for chunk in people.chunks(batch) {
        let now = chrono::Utc::now();
        let mut change = Change::default();
        for p in chunk {
            change.ops.push(Op::InsertCustomer {
                customer: Customer::new(p.id.clone(), p.person.clone(), Default::default(), now),
            });
            change.ops.push(link_op(p, "council-tax", p.person.clone()));
            links += 1;
            if let Some(family) = &p.earlier_family {
                let mut maiden = p.person.clone();
                maiden.name.family = family.clone();
                maiden.address = p.previous_address.clone().unwrap_or(maiden.address);
                change.ops.push(link_op(p, "libraries", maiden));
                links += 1;
            }
            if let Some(address) = &p.previous_address {
                change.ops.push(Op::AddPreviousAddresses {
                    id: p.id.clone(),
                    addresses: vec![PreviousAddress {
                        address: address.clone(),
                        until: now,
                    }],
                });
            }
        }
        store.apply(change).await?;
    }
    Ok(links)
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let size = number("--size", 100_000);
    let batch = number("--batch", 5_000);
    let backend = arg("--backend").unwrap_or_else(|| "sqlite".into());
    let dir = tempfile::tempdir()?;
    // --keep DIR: the SQLite file goes there and stays, to inspect.
    let db_dir = arg("--keep").map_or_else(|| dir.path().to_owned(), Into::into);
    let url = match backend.as_str() {
        "sqlite" => format!("sqlite://{}", db_dir.join("bench.db").display()),
        "postgres" => {
            let base = std::env::var("SCR_BENCH_POSTGRES_URL")
                .map_err(|_| anyhow::anyhow!("set SCR_BENCH_POSTGRES_URL"))?;
            common::fresh_postgres(&base).await
        }
        other => anyhow::bail!("unknown backend {other}"),
    };

    let started = Instant::now();
    let people = scr_hub::synth::people(size, 42);
    let generated = started.elapsed();
    let store = scr_hub::store::open(
        &url,
        std::sync::Arc::new(scr_hub::audit::Keyring::generate()),
    )
    .await?;
    let started = Instant::now();
    let links = preload(&store, &people, batch).await?;
    let loaded = started.elapsed();
    drop(people);

    let index = Arc::new(SearchIndex::open(&dir.path().join("index"))?);
    let writer = index.writer(REINDEX_THREADS, REINDEX_MEMORY)?;
    let started = Instant::now();
    let (_, count) = rebuild(store.clone(), index.clone(), Arc::new(Mutex::new(writer))).await?;
    let rebuilt = started.elapsed();
    anyhow::ensure!(
        count as usize == size && index.num_docs() == count,
        "index incomplete"
    );

    // --read-alone: the store's share, the same pages read again by one
    // reader with nothing indexed.
    let started = Instant::now();
    let mut after = None;
    while std::env::args().any(|a| a == "--read-alone") {
        let page = CustomerPage::After {
            after: after.as_ref(),
            until: None,
            limit: 1000,
        };
        let sources = store.search_sources(page).await?;
        let Some(last) = sources.last() else { break };
        after = Some(last.customer.id.clone());
    }
    let read = started.elapsed();

    println!("reindex benchmark: {size} customers, {links} links, {backend}");
    println!("  generate people      {:>8.1} s", generated.as_secs_f64());
    println!("  pre-load store       {:>8.1} s", loaded.as_secs_f64());
    println!("  reindex from store   {:>8.1} s", rebuilt.as_secs_f64());
    println!(
        "  customers/s          {:>8.0}",
        count as f64 / rebuilt.as_secs_f64()
    );
    if std::env::args().any(|a| a == "--read-alone") {
        println!("  read, 1 reader alone {:>8.1} s", read.as_secs_f64());
    }
    Ok(())
}
