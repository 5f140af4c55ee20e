//! The scr-hub command line.

use clap::{Parser, Subcommand};
use scr_hub::app::App;
use scr_hub::config::{LogFormat, Overrides, Settings};
use std::net::SocketAddr;
use std::path::PathBuf;

#[derive(Parser)]
#[command(name = "scr-hub", version, about = "Single Customer Record hub")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the gRPC service.
    Serve(ServeArgs),
    /// Generate a bearer token and print it with the SHA-256 to configure.
    Token,
    /// Re-estimate the match weights from the records held (EM) and store them.
    TrainWeights(StoreArgs),
    /// Rebuild the search index from the store (the service must be stopped:
    /// one writer per index directory).
    Reindex(StoreArgs),
    /// Initial load: import a departmental system's CSV extract through the
    /// same validation, minors' policy and matching as SubmitRecord.
    /// Resumable: run the same command again after an interruption.
    Import(ImportArgs),
    /// The audit log: `verify` recomputes its hash chain.
    Audit {
        #[command(subcommand)]
        command: AuditCommand,
    },
    /// Privacy policy tasks: `sweep` disposes of lapsed minors' exceptions
    /// and lifts restrictions at 18 (the service also runs it daily).
    Policy {
        #[command(subcommand)]
        command: PolicyCommand,
    },
    /// Retention: `run` disposes of customers inactive for `retention_years`
    /// (as an erasure), except under a legal hold.
    Retention {
        #[command(subcommand)]
        command: RetentionCommand,
    },
    /// Measure matching quality on the FEBRL benchmark (figures only).
    Evaluate {
        /// Directory holding dataset1.csv, dataset2.csv, dataset4a.csv, dataset4b.csv.
        #[arg(long, default_value = "../shared/data/febrl")]
        data: PathBuf,
        /// Total weight that links automatically [default: the engine's].
        #[arg(long)]
        link_threshold: Option<f64>,
        /// Total weight that opens a review task [default: the engine's].
        #[arg(long)]
        review_threshold: Option<f64>,
        /// Switch off the twins and parent/child rules, to measure their cost.
        #[arg(long)]
        no_hard_negatives: bool,
        /// Evaluate on N generated UK people (several departmental records
        /// each, with twins and parents and children) instead of FEBRL.
        #[arg(long, value_name = "N", conflicts_with = "city")]
        synthetic: Option<usize>,
        /// Evaluate on a generated city of N people (households, flats,
        /// moves, maiden names, eight departmental systems' records).
        #[arg(long, value_name = "N")]
        city: Option<usize>,
    },
}

#[derive(Subcommand)]
enum AuditCommand {
    /// Recompute the hash chain; exit status 1 if it is broken.
    Verify(StoreArgs),
    /// Once, after upgrading a store whose audit log predates audit keys:
    /// check its plain hash chain and seal it with the audit key.
    Seal(StoreArgs),
}

#[derive(Subcommand)]
enum PolicyCommand {
    /// Review every minor's record held on an exception, now.
    Sweep(StoreArgs),
}

#[derive(Subcommand)]
enum RetentionCommand {
    /// Dispose of every customer whose retention period has elapsed; prints
    /// counts and customer IDs only.
    Run {
        /// Report what would be disposed of, and change nothing.
        #[arg(long)]
        dry_run: bool,
        #[command(flatten)]
        store: StoreArgs,
    },
}

#[derive(clap::Args)]
struct ServeArgs {
    /// TOML configuration file.
    #[arg(long, env = "SCR_CONFIG")]
    config: Option<PathBuf>,
    /// Address to listen on [default: 127.0.0.1:50051].
    #[arg(long, env = "SCR_LISTEN")]
    listen: Option<SocketAddr>,
    /// Directory for the SQLite file, search index and admin token [default: ./scr-data].
    #[arg(long, env = "SCR_DATA_DIR")]
    data_dir: Option<PathBuf>,
    /// sqlite://FILE or postgres://… [default: sqlite://<data-dir>/scr.db].
    #[arg(long, env = "SCR_DATABASE_URL")]
    database_url: Option<String>,
    /// Log format [default: pretty].
    #[arg(long, env = "SCR_LOG_FORMAT", value_enum)]
    log_format: Option<LogFormat>,
    /// NATS server (nats://host:4222): publish change events to JetStream.
    #[arg(long, env = "SCR_NATS_URL")]
    nats_url: Option<String>,
    /// OTLP/gRPC collector (http://collector:4317): export spans and metrics.
    #[arg(long, env = "SCR_OTLP_ENDPOINT")]
    otlp_endpoint: Option<String>,
    /// PEM certificate chain: serve TLS only (with --tls-key).
    #[arg(long, env = "SCR_TLS_CERT", requires = "tls_key")]
    tls_cert: Option<PathBuf>,
    /// PEM private key of --tls-cert.
    #[arg(long, env = "SCR_TLS_KEY", requires = "tls_cert")]
    tls_key: Option<PathBuf>,
    /// PEM CA bundle: require client certificates it signed (mutual TLS).
    #[arg(long, env = "SCR_CLIENT_CA")]
    client_ca: Option<PathBuf>,
    /// Also serve grpc.health.v1 alone, in plaintext, here (for probes).
    #[arg(long, env = "SCR_HEALTH_LISTEN")]
    health_listen: Option<SocketAddr>,
    /// File holding the audit chain's key (hex) [default: <data-dir>/audit.key, made on first use].
    #[arg(long, env = "SCR_AUDIT_KEY_FILE")]
    audit_key_file: Option<PathBuf>,
}

#[derive(clap::Args)]
struct StoreArgs {
    /// TOML configuration file.
    #[arg(long, env = "SCR_CONFIG")]
    config: Option<PathBuf>,
    /// Directory holding the SQLite file [default: ./scr-data].
    #[arg(long, env = "SCR_DATA_DIR")]
    data_dir: Option<PathBuf>,
    /// sqlite://FILE or postgres://… [default: sqlite://<data-dir>/scr.db].
    #[arg(long, env = "SCR_DATABASE_URL")]
    database_url: Option<String>,
    /// File holding the audit chain's key (hex) [default: <data-dir>/audit.key].
    #[arg(long, env = "SCR_AUDIT_KEY_FILE")]
    audit_key_file: Option<PathBuf>,
}

#[derive(clap::Args)]
struct ImportArgs {
    #[command(flatten)]
    store: StoreArgs,
    /// The departmental system the rows come from (its system code).
    #[arg(long)]
    system: String,
    /// Text encoding of the file.
    #[arg(long, value_enum, default_value = "utf-8")]
    encoding: scr_hub::import::Encoding,
    /// Column mapping, field=Header (repeatable); overrides [import.columns].
    #[arg(long = "map", value_parser = scr_hub::import::parse_mapping)]
    map: Vec<(String, String)>,
    /// Rows planned and committed together, in one transaction.
    #[arg(long, default_value_t = 1000)]
    batch_rows: usize,
    /// Test hook: stop as if interrupted after this many rows.
    #[arg(long, hide = true)]
    stop_after: Option<u64>,
    /// Rows between checkpoints.
    #[arg(long, hide = true, default_value_t = 10_000)]
    checkpoint_rows: u64,
    /// The CSV file (header row required).
    file: PathBuf,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    match Cli::parse().command {
        Command::Serve(args) => serve(args).await,
        Command::Token => {
            let token = scr_hub::auth::generate_token();
            println!("token        = {token}");
            println!("token_sha256 = \"{}\"", scr_hub::auth::token_hash(&token));
            Ok(())
        }
        Command::TrainWeights(args) => train_weights(args).await,
        Command::Reindex(args) => reindex(args).await,
        Command::Import(args) => import(args).await,
        Command::Audit {
            command: AuditCommand::Verify(args),
        } => audit_verify(args).await,
        Command::Audit {
            command: AuditCommand::Seal(args),
        } => audit_seal(args).await,
        Command::Policy {
            command: PolicyCommand::Sweep(args),
        } => policy_sweep(args).await,
        Command::Retention {
            command: RetentionCommand::Run { dry_run, store },
        } => retention_run(store, dry_run).await,
        Command::Evaluate {
            data,
            link_threshold,
            review_threshold,
            no_hard_negatives,
            synthetic,
            city,
        } => {
            let defaults = scr_hub::evaluate::Thresholds::default();
            let thresholds = scr_hub::evaluate::Thresholds {
                link: link_threshold.unwrap_or(defaults.link),
                review: review_threshold.unwrap_or(defaults.review),
                hard_negatives: !no_hard_negatives,
            };
            if let Some(people) = city {
                print!(
                    "{}",
                    scr_hub::evaluate::city::run(people, thresholds)?.render()
                );
                return Ok(());
            }
            if let Some(people) = synthetic {
                let (rows, notes) = scr_hub::evaluate::synthetic::run(people, thresholds)?;
                print!("{}{notes}", scr_hub::evaluate::render(&rows));
                return Ok(());
            }
            let rows = scr_hub::evaluate::run(&data, thresholds)?;
            print!("{}", scr_hub::evaluate::render(&rows));
            Ok(())
        }
    }
}

async fn serve(args: ServeArgs) -> anyhow::Result<()> {
    let overrides = Overrides {
        listen: args.listen,
        data_dir: args.data_dir,
        database_url: args.database_url,
        log_format: args.log_format,
        nats_url: args.nats_url,
        otlp_endpoint: args.otlp_endpoint,
        tls_cert: args.tls_cert,
        tls_key: args.tls_key,
        client_ca: args.client_ca,
        health_listen: args.health_listen,
        audit_key_file: args.audit_key_file,
    };
    let settings = Settings::load(args.config.as_deref(), overrides)?;
    let telemetry =
        scr_hub::telemetry::init(settings.log_format, settings.otlp_endpoint.as_deref())?;
    let app = App::build(settings).await?;
    let served = app.run_until(shutdown_signal()).await;
    // Flushing blocks on the exporters, which run on this runtime.
    let _ = tokio::task::spawn_blocking(move || telemetry.shutdown()).await;
    Ok(served?)
}

async fn train_weights(args: StoreArgs) -> anyhow::Result<()> {
    let (_, store) = open_store(args).await?;
    let summary = scr_hub::hub::train_weights(store.as_ref(), chrono::Utc::now()).await?;
    print!("{}", summary.render());
    if summary.pairs == 0 {
        println!("no candidate pairs: nothing saved, the defaults stay in force");
    } else {
        println!("saved; restart the service to match with them");
    }
    Ok(())
}

/// Loads the settings and opens the store they name, with logging set up.
async fn open_store(
    args: StoreArgs,
) -> anyhow::Result<(Settings, std::sync::Arc<dyn scr_hub::store::Store>)> {
    let overrides = Overrides {
        data_dir: args.data_dir,
        database_url: args.database_url,
        audit_key_file: args.audit_key_file,
        ..Overrides::default()
    };
    let settings = Settings::load(args.config.as_deref(), overrides)?;
    scr_hub::telemetry::init(settings.log_format, None)?;
    let store = scr_hub::store::open(&settings.database_url, settings.audit_keys.load()?).await?;
    Ok((settings, store))
}

async fn reindex(args: StoreArgs) -> anyhow::Result<()> {
    use anyhow::Context;
    let (settings, store) = open_store(args).await?;
    let index = std::sync::Arc::new(scr_hub::search::SearchIndex::open(&settings.index_dir())?);
    let writer = index
        .writer(
            scr_hub::search::indexer::REINDEX_THREADS,
            scr_hub::search::indexer::REINDEX_MEMORY,
        )
        .context("taking the index writer (stop the service first)")?;
    let started = std::time::Instant::now();
    let writer = std::sync::Arc::new(std::sync::Mutex::new(writer));
    let (seq, count) = scr_hub::search::indexer::rebuild(store, index, writer).await?;
    println!(
        "indexed {count} customers up to outbox sequence {seq} in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

async fn audit_verify(args: StoreArgs) -> anyhow::Result<()> {
    let (_, store) = open_store(args).await?;
    let v = scr_hub::hub::verify_audit_log(store.as_ref()).await?;
    println!(
        "entries checked: {} ({} signed with an audit key)",
        v.checked, v.keyed
    );
    if v.unchained > 0 {
        println!("entries from before the chain: {}", v.unchained);
    }
    match v.problem {
        None => {
            println!("audit log intact");
            Ok(())
        }
        Some(p) => {
            println!("audit log BROKEN at sequence {}: {}", p.seq, p.description);
            std::process::exit(1);
        }
    }
}

async fn audit_seal(args: StoreArgs) -> anyhow::Result<()> {
    let (_, store) = open_store(args).await?;
    let hub = scr_hub::hub::Hub::new(
        store,
        std::sync::Arc::new(scr_hub::clock::SystemClock),
        Vec::new(),
    );
    let v = hub.seal_audit_log().await?;
    println!(
        "audit log sealed: {} entries checked, intact: {}",
        v.checked,
        v.intact()
    );
    Ok(())
}

async fn policy_sweep(args: StoreArgs) -> anyhow::Result<()> {
    let (settings, store) = open_store(args).await?;
    let hub = scr_hub::hub::Hub::new(
        store,
        std::sync::Arc::new(scr_hub::clock::SystemClock),
        Vec::new(),
    )
    .with_privacy(settings.privacy);
    let report = hub.sweep_minors().await?;
    println!("records reviewed: {}", report.reviewed);
    for id in &report.reached_adulthood {
        println!("reached 18, restriction lifted: {id}");
    }
    for id in &report.disposed {
        println!("exception lapsed, disposed of: {id}");
    }
    for id in &report.held {
        println!("exception lapsed, kept under a legal hold: {id}");
    }
    Ok(())
}

async fn retention_run(args: StoreArgs, dry_run: bool) -> anyhow::Result<()> {
    let (settings, store) = open_store(args).await?;
    let years = settings.privacy.retention.years;
    let hub = scr_hub::hub::Hub::new(
        store,
        std::sync::Arc::new(scr_hub::clock::SystemClock),
        Vec::new(),
    )
    .with_privacy(settings.privacy);
    let report = hub.run_retention(dry_run).await?;
    let verb = if dry_run {
        "would dispose of"
    } else {
        "disposed of"
    };
    println!("retention period: {years} years");
    println!("customers reviewed: {}", report.reviewed);
    println!("{verb}: {}", report.disposed.len());
    for id in &report.disposed {
        println!("  {id}");
    }
    println!("due but under a legal hold: {}", report.held.len());
    for id in &report.held {
        println!("  {id}");
    }
    Ok(())
}

async fn import(args: ImportArgs) -> anyhow::Result<()> {
    use scr_hub::clock::Clock;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, Ordering};
    // No log subscriber: the hub's per-record lines would drown the
    // progress, and the summary says what happened.
    let overrides = Overrides {
        data_dir: args.store.data_dir,
        database_url: args.store.database_url,
        audit_key_file: args.store.audit_key_file,
        ..Overrides::default()
    };
    let settings = Settings::load(args.store.config.as_deref(), overrides)?;
    let columns = scr_hub::config::import_columns(args.store.config.as_deref())?;
    let system = scr_hub::record::SystemCode::parse(&args.system)
        .map_err(|e| anyhow::anyhow!("--system {e}"))?;
    if let Some(dir) = settings
        .database_url
        .strip_prefix("sqlite://")
        .and_then(|f| std::path::Path::new(f).parent())
    {
        std::fs::create_dir_all(dir)?;
    }
    let store = scr_hub::store::open(&settings.database_url, settings.audit_keys.load()?).await?;
    let weights = store.latest_weights().await?;
    let clock = Arc::new(scr_hub::clock::SystemClock);
    let hub = Arc::new(
        scr_hub::hub::Hub::new(store, clock.clone(), Vec::new())
            .with_weights(weights.as_deref())
            .with_privacy(settings.privacy),
    );
    let mut opts = scr_hub::import::ImportOptions::new(system, args.file, clock.today());
    opts.encoding = args.encoding;
    opts.columns = columns;
    opts.columns.extend(args.map);
    opts.batch_rows = args.batch_rows.max(1);
    opts.stop_after = args.stop_after;
    opts.checkpoint_rows = args.checkpoint_rows.max(1);
    let interrupt = Arc::new(AtomicBool::new(false));
    let flag = interrupt.clone();
    tokio::spawn(async move {
        shutdown_signal().await;
        eprintln!("interrupted: finishing the rows in flight and saving the checkpoint");
        flag.store(true, Ordering::Relaxed);
    });
    let summary = scr_hub::import::run(hub, opts, interrupt).await?;
    print!("{}", summary.render());
    if summary.interrupted {
        std::process::exit(130);
    }
    Ok(())
}

/// Resolves on SIGINT or SIGTERM.
async fn shutdown_signal() {
    let interrupt = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
            .expect("installing the SIGTERM handler");
        tokio::select! {
            _ = interrupt => {},
            _ = term.recv() => {},
        }
    }
    #[cfg(not(unix))]
    let _ = interrupt.await;
    tracing::info!("shutdown requested");
}
