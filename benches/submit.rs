//! Online matching benchmark: SubmitRecord over gRPC (the real server
//! in-process, TCP loopback) against a hub pre-loaded with N customers,
//! on SQLite or PostgreSQL. The pre-load writes synthetic UK people
//! (`scr_hub::synth`) straight through `Store::apply`, in batched changes
//! built as SubmitRecord builds them (the `Linker`'s matching index). Then
//! a few thousand new records arrive: half another system's noisy copy of
//! a pre-loaded person, half new people. Reports p50/p99 latency of one
//! caller at a time, how long its changes took to become searchable, and
//! records/s with several callers at once.
//!
//! cargo bench --bench submit -- --size 100000 [--records 2000]
//!     [--backend sqlite|postgres] (PostgreSQL: SCR_BENCH_POSTGRES_URL names
//!     a server; a fresh database is made there) [--keep DIR] (keeps the
//!     pre-loaded store in DIR and reuses it on the next run with DIR: a
//!     pre-load of 1M customers takes minutes) [--spans] (prints how long
//!     each traced call of the one-caller run took)

mod common;

use common::spans::{SpanTimes, ms, percentile};
use common::{arg, number};

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use scr_hub::api::pb;
use scr_hub::api::pb::customer_records_client::CustomerRecordsClient;
use scr_hub::auth::Role;
use scr_hub::hub::linkage::Linker;
use scr_hub::record::{
    Customer, CustomerId, DepartmentalRecord, Gender, Link, LocalId, SystemCode,
};
use scr_hub::store::{Change, Op};
use scr_hub::synth::views::{self, Population, SYSTEMS};
use std::time::{Duration, Instant};
use tonic::transport::Channel;

/// Submissions before the timed ones (connections, caches, statements).
const WARM: usize = 100;
/// Runs that may reuse one kept store, each with people of its own.
const KEPT_RUNS: usize = 20;

/// Person `i` as system `s` holds it, under a local ID of `tag`.
fn record(rng: &mut StdRng, pop: &Population, i: usize, s: usize, tag: &str) -> DepartmentalRecord {
    let system = SYSTEMS[s];
    DepartmentalRecord {
        system: SystemCode::parse(system).unwrap(),
        local_id: LocalId::parse(&format!("{system}-{tag}{i}")).unwrap(),
        person: views::keyed(rng, &pop.people[i], system),
    }
}

/// Customers 0..size, one record each, `batch` to a transaction.
async fn preload(
    url: &str,
    dir: &std::path::Path,
    pop: &Population,
    size: usize,
    batch: usize,
) -> anyhow::Result<()> {
    let store = scr_hub::store::open(url, common::audit_keys(dir)).await?;
    let linker = Linker::default();
    let mut rng = StdRng::seed_from_u64(7);
    let mut i = 0;
    while i < size {
        let now = chrono::Utc::now();
        let mut change = Change::default();
        for i in i..(i + batch).min(size) {
            let record = record(&mut rng, pop, i, i % SYSTEMS.len(), "");
            let id = CustomerId::generate();
            change.ops.push(Op::InsertCustomer {
                customer: Customer::new(id.clone(), record.person.clone(), Default::default(), now),
            });
            change.ops.push(Op::InsertLink {
                customer_id: id,
                link: Link {
                    system: record.system.clone(),
                    local_id: record.local_id.clone(),
                    linked_at: now,
                    method: "new_customer".into(),
                    confidence: 1.0,
                },
                matching: linker.index(&record.person),
                record,
            });
        }
        store.apply(change).await?;
        i += batch;
    }
    // As `scr-hub import` does after a load (PostgreSQL plans by them).
    store.refresh_statistics().await?;
    Ok(())
}

fn to_pb(r: &DepartmentalRecord) -> pb::SubmitRecordRequest {
    let p = &r.person;
    pb::SubmitRecordRequest {
        record: Some(pb::DepartmentalRecord {
            system: r.system.to_string(),
            local_id: r.local_id.as_str().into(),
            name: Some(pb::PersonName {
                given: p.name.given.clone(),
                middle: p.name.middle.clone().unwrap_or_default(),
                family: p.name.family.clone(),
            }),
            date_of_birth: p.date_of_birth.date().to_string(),
            gender: match p.gender {
                Gender::Female => pb::Gender::Female,
                Gender::Male => pb::Gender::Male,
                Gender::Other => pb::Gender::Other,
                Gender::Unspecified => pb::Gender::Unspecified,
            }
            .into(),
            address: Some(pb::Address {
                lines: p.address.lines.clone(),
                town: p.address.town.clone().unwrap_or_default(),
                postcode: p.address.postcode.as_str().into(),
                uprn: p
                    .address
                    .uprn
                    .as_ref()
                    .map(|u| u.as_str().to_owned())
                    .unwrap_or_default(),
            }),
        }),
        request_id: String::new(),
        minor_basis: None,
    }
}

/// New arrivals: even ones another system's copy of a pre-loaded person,
/// odd ones new people (numbered from `first_new`).
fn arrivals(
    rng: &mut StdRng,
    pop: &Population,
    (size, first_new): (usize, usize),
    n: usize,
    tag: &str,
) -> Vec<pb::SubmitRecordRequest> {
    (0..n)
        .map(|j| {
            let r = if j % 2 == 0 {
                let i = rng.random_range(0..size);
                let s = (i + 1 + rng.random_range(0..SYSTEMS.len() - 1)) % SYSTEMS.len();
                record(rng, pop, i, s, tag)
            } else {
                let i = first_new + j / 2;
                record(rng, pop, i, i % SYSTEMS.len(), tag)
            };
            to_pb(&r)
        })
        .collect()
}

fn authed<T>(token: &str, message: T) -> tonic::Request<T> {
    let mut request = tonic::Request::new(message);
    request
        .metadata_mut()
        .insert("authorization", format!("Bearer {token}").parse().unwrap());
    request
}

async fn submit(client: &mut CustomerRecordsClient<Channel>, req: pb::SubmitRecordRequest) -> i32 {
    let system = req.record.as_ref().unwrap().system.clone();
    client
        .submit_record(authed(&system, req))
        .await
        .unwrap()
        .into_inner()
        .outcome
}

/// The store a run uses: fresh, or kept in a directory across runs (the
/// database URL and how many runs have used it in `kept.json` there).
struct Kept {
    url: String,
    /// Earlier runs on this store; 0 means it still needs its pre-load.
    run: usize,
    file: Option<std::path::PathBuf>,
    backend: String,
    size: usize,
}

impl Kept {
    async fn open(
        dir: &std::path::Path,
        keep: bool,
        backend: &str,
        size: usize,
    ) -> anyhow::Result<Self> {
        let file = dir.join("kept.json");
        if keep && file.exists() {
            let kept: serde_json::Value = serde_json::from_slice(&std::fs::read(&file)?)?;
            anyhow::ensure!(
                kept["backend"] == backend && kept["size"] == size,
                "{} holds another store ({kept})",
                dir.display()
            );
            return Ok(Self {
                url: kept["url"].as_str().unwrap_or_default().to_owned(),
                run: kept["runs"].as_u64().unwrap_or(0) as usize,
                file: Some(file),
                backend: backend.into(),
                size,
            });
        }
        let url = match backend {
            "sqlite" => format!("sqlite://{}", dir.join("bench.db").display()),
            "postgres" => {
                let base = std::env::var("SCR_BENCH_POSTGRES_URL")
                    .map_err(|_| anyhow::anyhow!("set SCR_BENCH_POSTGRES_URL"))?;
                common::fresh_postgres(&base).await
            }
            other => anyhow::bail!("unknown backend {other}"),
        };
        Ok(Self {
            url,
            run: 0,
            file: keep.then_some(file),
            backend: backend.into(),
            size,
        })
    }

    /// Counts this run, once its pre-load (if any) is in.
    fn used(&self) -> anyhow::Result<()> {
        if let Some(file) = &self.file {
            let kept = serde_json::json!({
                "url": self.url,
                "backend": self.backend,
                "size": self.size,
                "runs": self.run + 1,
            });
            std::fs::write(file, kept.to_string())?;
        }
        Ok(())
    }
}

/// Waits until the search indexer has caught up with the outbox, so that
/// its start-up rebuild does not share the two cores with the measurement.
async fn indexed(url: &str, dir: &std::path::Path) -> anyhow::Result<Duration> {
    let started = Instant::now();
    let store = scr_hub::store::open(url, common::audit_keys(dir)).await?;
    let head = store.outbox_head().await?;
    let index = scr_hub::search::SearchIndex::open(&dir.join("index"))?;
    while index.committed_seq()?.unwrap_or(0) < head {
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    Ok(started.elapsed())
}

/// The newest outbox sequence, read on a connection of the bench's own
/// (a second store would run a second SQLite checkpointer).
enum Head {
    Sqlite(sqlx::SqlitePool),
    Postgres(sqlx::PgPool),
}

impl Head {
    const SQL: &str = "SELECT COALESCE(MAX(seq), 0) FROM outbox";

    async fn open(url: &str) -> anyhow::Result<Self> {
        Ok(if url.starts_with("sqlite:") {
            let options = <sqlx::sqlite::SqliteConnectOptions as std::str::FromStr>::from_str(url)?
                .read_only(true);
            Self::Sqlite(
                sqlx::sqlite::SqlitePoolOptions::new()
                    .max_connections(1)
                    .connect_with(options)
                    .await?,
            )
        } else {
            Self::Postgres(
                sqlx::postgres::PgPoolOptions::new()
                    .max_connections(1)
                    .connect(url)
                    .await?,
            )
        })
    }

    async fn read(&self) -> sqlx::Result<i64> {
        match self {
            Self::Sqlite(pool) => sqlx::query_scalar(Self::SQL).fetch_one(pool).await,
            Self::Postgres(pool) => sqlx::query_scalar(Self::SQL).fetch_one(pool).await,
        }
    }
}

/// How long after a change the search index has committed it, sampled
/// every 20 ms until `stop`: the outbox head is noted, and the wait ends
/// when the index's commit reaches it. (The server reloads its reader right
/// after that commit.)
async fn index_freshness(
    url: String,
    dir: std::path::PathBuf,
    mut stop: tokio::sync::watch::Receiver<bool>,
) -> anyhow::Result<Vec<Duration>> {
    let head = Head::open(&url).await?;
    let index = scr_hub::search::SearchIndex::open(&dir.join("index"))?;
    let mut waiting: std::collections::VecDeque<(Instant, i64)> = Default::default();
    let mut lags = Vec::new();
    let mut tick = tokio::time::interval(Duration::from_millis(20));
    while !*stop.borrow() || !waiting.is_empty() {
        tokio::select! {
            _ = tick.tick() => {}
            _ = stop.changed() => {}
        }
        if !*stop.borrow() {
            let seq = head.read().await?;
            if waiting.back().is_none_or(|(_, last)| *last < seq) {
                waiting.push_back((Instant::now(), seq));
            }
        }
        let committed = index.committed_seq()?.unwrap_or(0);
        while let Some((at, _)) = waiting.front().filter(|(_, seq)| *seq <= committed) {
            lags.push(at.elapsed());
            waiting.pop_front();
        }
    }
    lags.sort();
    Ok(lags)
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let size = number("--size", 100_000);
    let n = number("--records", 2_000);
    let batch = number("--batch", 2_000);
    let writers = number("--writers", 4);
    let backend = arg("--backend").unwrap_or_else(|| "sqlite".into());
    let temp = tempfile::tempdir()?;
    let kept = arg("--keep").map(std::path::PathBuf::from);
    let dir = kept.clone().unwrap_or_else(|| temp.path().to_owned());
    std::fs::create_dir_all(&dir)?;
    let store = Kept::open(&dir, kept.is_some(), &backend, size).await?;
    anyhow::ensure!(
        store.run < KEPT_RUNS,
        "{} has been used {KEPT_RUNS} times",
        dir.display()
    );
    let url = store.url.clone();

    let started = Instant::now();
    let pop = views::population(size + KEPT_RUNS * (WARM + 2 * n), 42);
    let generated = started.elapsed();
    let started = Instant::now();
    if store.run == 0 {
        preload(&url, &dir, &pop, size, batch).await?;
    }
    let loaded = started.elapsed();
    store.used()?;
    // Each run of a kept store submits people and IDs of its own.
    let first = size + store.run * (WARM + 2 * n);
    let tag = |t: &str| format!("{t}{}-", store.run);
    let show_spans = std::env::args().any(|a| a == "--spans");
    let spans = if show_spans {
        SpanTimes::install()?
    } else {
        SpanTimes::default()
    };
    let callers: Vec<(&str, Role, Option<&str>)> = SYSTEMS
        .iter()
        .map(|system| (*system, Role::Department, Some(*system)))
        .collect();
    let (channel, stop) = common::start(url.clone(), &dir, &callers).await;
    let caught_up = indexed(&url, &dir).await?;
    let mut rng = StdRng::seed_from_u64(9 + store.run as u64);
    let warm = arrivals(&mut rng, &pop, (size, first), WARM, &tag("w"));
    let timed = arrivals(&mut rng, &pop, (size, first + WARM), n, &tag("t"));
    let burst = arrivals(&mut rng, &pop, (size, first + WARM + n), n, &tag("b"));
    let mut client = CustomerRecordsClient::new(channel.clone());
    for req in warm {
        submit(&mut client, req).await;
    }
    spans.take();

    // Latency: one caller, one record at a time.
    let (stop_watch, watching) = tokio::sync::watch::channel(false);
    let freshness = tokio::spawn(index_freshness(url.clone(), dir.clone(), watching));
    let mut times = Vec::with_capacity(n);
    let mut outcomes = [0usize; 8];
    let started = Instant::now();
    for req in timed {
        let t = Instant::now();
        let outcome = submit(&mut client, req).await;
        times.push(t.elapsed());
        outcomes[outcome.clamp(0, 7) as usize] += 1;
    }
    let sequential = started.elapsed();
    times.sort();
    let _ = stop_watch.send(true);
    let freshness = freshness.await??;
    let spans_of_timed = spans.take();

    // Throughput: several callers at once.
    let started = Instant::now();
    let mut tasks = Vec::new();
    let mut lanes: Vec<Vec<pb::SubmitRecordRequest>> = (0..writers).map(|_| Vec::new()).collect();
    for (k, req) in burst.into_iter().enumerate() {
        lanes[k % writers].push(req);
    }
    for lane in lanes {
        let mut client = client.clone();
        tasks.push(tokio::spawn(async move {
            for req in lane {
                submit(&mut client, req).await;
            }
        }));
    }
    for t in tasks {
        t.await?;
    }
    let concurrent = started.elapsed();
    let _ = stop.send(());

    println!(
        "submit benchmark: {backend}, {size} customers pre-loaded, {n} records timed{}",
        if store.run > 0 {
            format!(" (kept store, run {})", store.run + 1)
        } else {
            String::new()
        }
    );
    println!(
        "  generate people        {:>8.1} s",
        generated.as_secs_f64()
    );
    println!(
        "  pre-load               {:>8.1} s ({:.0} records/s, {batch} per transaction)",
        loaded.as_secs_f64(),
        size as f64 / loaded.as_secs_f64()
    );
    println!(
        "  search index caught up {:>8.1} s after start",
        caught_up.as_secs_f64()
    );
    println!(
        "  latency p50            {:>8.2} ms",
        ms(percentile(&times, 0.50))
    );
    println!(
        "  latency p99            {:>8.2} ms",
        ms(percentile(&times, 0.99))
    );
    println!(
        "  latency max            {:>8.2} ms",
        ms(*times.last().unwrap())
    );
    if let Some(last) = freshness.last() {
        println!(
            "  searchable after       {:>8.0} ms p50, {:.0} ms max ({} samples)",
            ms(percentile(&freshness, 0.50)),
            ms(*last),
            freshness.len()
        );
    }
    println!(
        "  records/s, 1 caller    {:>8.0}",
        n as f64 / sequential.as_secs_f64()
    );
    println!(
        "  records/s, {writers} callers   {:>8.0}",
        n as f64 / concurrent.as_secs_f64()
    );
    println!(
        "  outcomes (proto enum value: count) {:?}",
        outcomes
            .iter()
            .enumerate()
            .filter(|(_, c)| **c > 0)
            .collect::<Vec<_>>()
    );
    if show_spans {
        spans_of_timed.report();
    }
    Ok(())
}
