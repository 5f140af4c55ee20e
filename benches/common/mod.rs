//! What the benchmarks share: the real server started in-process on a
//! loopback port, and a fresh PostgreSQL database.

#[allow(dead_code)] // only some benchmarks take --spans
pub mod spans;

use scr_hub::app::App;
use scr_hub::auth::{Caller, Role, token_hash};
use scr_hub::config::{LogFormat, Settings};
use scr_hub::hub::ConfiguredCaller;
use scr_hub::record::SystemCode;
use tonic::transport::Channel;

/// Starts the service on `database_url` with these callers (each one's
/// bearer token is its name); dropping or firing the sender stops it.
pub async fn start(
    database_url: String,
    dir: &std::path::Path,
    callers: &[(&str, Role, Option<&str>)],
) -> (Channel, tokio::sync::oneshot::Sender<()>) {
    let callers = callers
        .iter()
        .map(|(name, role, system)| {
            ConfiguredCaller::with_token(
                Caller::new(
                    (*name).into(),
                    *role,
                    system.map(|s| SystemCode::parse(s).unwrap()),
                )
                .unwrap(),
                token_hash(name),
            )
        })
        .collect();
    let settings = Settings {
        audit_keys: audit_keys(dir).into(),
        listen: "127.0.0.1:0".parse().unwrap(),
        data_dir: dir.to_owned(),
        database_url,
        log_format: LogFormat::Pretty,
        nats: None,
        callers,
        privacy: Default::default(),
        otlp_endpoint: None,
        tls: None,
        health_listen: None,
    };
    let app = App::build(settings).await.expect("app builds");
    let addr = app.local_addr();
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(app.run_until(async {
        let _ = rx.await;
    }));
    let channel = Channel::from_shared(format!("http://{addr}"))
        .unwrap()
        .connect()
        .await
        .unwrap();
    (channel, tx)
}

/// The audit key of a bench's data directory, made on first use: a store
/// kept for another run (`--keep`) must be opened with the key that
/// sealed its audit log.
pub fn audit_keys(dir: &std::path::Path) -> std::sync::Arc<scr_hub::audit::Keyring> {
    std::sync::Arc::new(
        scr_hub::audit::Keyring::load(&dir.join("audit.key"), true, &[])
            .expect("the bench's audit key"),
    )
}

/// A new, empty database on the server `base` names.
pub async fn fresh_postgres(base: &str) -> String {
    use sqlx::Connection;
    let mut conn = sqlx::PgConnection::connect(base).await.unwrap();
    let name = format!("scr_bench_{}", uuid::Uuid::new_v4().simple());
    sqlx::query(&format!("CREATE DATABASE {name}"))
        .execute(&mut conn)
        .await
        .unwrap();
    let (prefix, _) = base.rsplit_once('/').unwrap();
    format!("{prefix}/{name}")
}

/// The value after `--name` on the command line.
#[allow(dead_code)] // not every benchmark takes options
pub fn arg(name: &str) -> Option<String> {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .cloned()
}

/// A count option (`1_000_000` allowed), or `default`.
#[allow(dead_code)]
pub fn number(name: &str, default: usize) -> usize {
    arg(name)
        .and_then(|v| v.replace('_', "").parse().ok())
        .unwrap_or(default)
}
