//! Search benchmark on synthetic UK people (`src/search/synth.rs`): index
//! build time and size, then queries with typos, nicknames, swapped and
//! earlier names, UK dates and partial postcodes: p50/p99 latency,
//! queries/s and top-5 recall.
//!
//! cargo bench --bench search -- --size 1000000 [--queries 2000]

use scr_hub::search::SearchIndex;
use scr_hub::search::synth;
use std::time::{Duration, Instant};

fn arg(name: &str, default: usize) -> usize {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .and_then(|v| v.replace('_', "").parse().ok())
        .unwrap_or(default)
}

fn dir_size(path: &std::path::Path) -> u64 {
    std::fs::read_dir(path)
        .map(|entries| {
            entries
                .flatten()
                .filter_map(|e| e.metadata().ok())
                .filter(|m| m.is_file())
                .map(|m| m.len())
                .sum()
        })
        .unwrap_or(0)
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

fn main() -> anyhow::Result<()> {
    let size = arg("--size", 100_000);
    let n_queries = arg("--queries", 2_000);
    let threads = arg("--threads", 2);

    let start = Instant::now();
    let people = synth::people(size, 42);
    let generated = start.elapsed();

    let dir = tempfile::tempdir()?;
    let index = SearchIndex::open(dir.path())?;
    let start = Instant::now();
    synth::index_people(&index, &people, threads, 800_000_000)?;
    let built = start.elapsed();
    let bytes = dir_size(dir.path());

    let queries = synth::queries(&people, n_queries, 43);
    // Warm the page cache and the term dictionaries once.
    synth::run_queries(&index, &people, &queries[..queries.len().min(200)], 5)?;
    let start = Instant::now();
    let (ranks, mut times) = synth::run_queries(&index, &people, &queries, 5)?;
    let wall = start.elapsed();
    times.sort();
    let top1 = ranks.iter().filter(|r| **r == Some(1)).count();
    let top5 = ranks.iter().filter(|r| r.is_some()).count();

    println!("search benchmark: {size} people, {n_queries} queries, {threads} indexing threads");
    println!("  generate people      {:>8.1} s", generated.as_secs_f64());
    println!(
        "  index build          {:>8.1} s ({} docs)",
        built.as_secs_f64(),
        index.num_docs()
    );
    println!(
        "  index size           {:>8.1} MiB",
        bytes as f64 / (1 << 20) as f64
    );
    println!(
        "  latency p50          {:>8.2} ms",
        percentile(&times, 0.50).as_secs_f64() * 1e3
    );
    println!(
        "  latency p99          {:>8.2} ms",
        percentile(&times, 0.99).as_secs_f64() * 1e3
    );
    println!(
        "  latency max          {:>8.2} ms",
        times.last().map_or(0.0, |t| t.as_secs_f64() * 1e3)
    );
    println!(
        "  queries/s (1 thread) {:>8.0}",
        n_queries as f64 / wall.as_secs_f64()
    );
    println!(
        "  top-1 recall         {:>8.3}",
        top1 as f64 / n_queries as f64
    );
    println!(
        "  top-5 recall         {:>8.3}",
        top5 as f64 / n_queries as f64
    );
    Ok(())
}
