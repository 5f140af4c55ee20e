//! Starts the real server on port 0 with a temporary data directory and
//! gives tests authenticated tonic clients. `TEST_LOG=1` prints the logs.

#[path = "../common/postgres.rs"]
pub mod postgres;

use scr_hub::api::pb;
use scr_hub::app::App;
use scr_hub::auth::{Caller, Role, token_hash};
use scr_hub::config::{LogFormat, Settings};
use scr_hub::hub::ConfiguredCaller;
use scr_hub::record::SystemCode;
use tokio::sync::oneshot;
use tonic::transport::Channel;

pub use pb::admin_client::AdminClient;
pub use pb::consents_client::ConsentsClient;
pub use pb::customer_records_client::CustomerRecordsClient;
pub use pb::events_client::EventsClient;
pub use pb::identity_client::IdentityClient;
pub use pb::match_review_client::MatchReviewClient;
pub use pb::search_client::SearchClient;

/// Test callers: (name, role, system). Each one's token is its name.
pub const CALLERS: &[(&str, Role, Option<&str>)] = &[
    ("libraries", Role::Department, Some("libraries")),
    ("waste", Role::Department, Some("waste")),
    ("council-tax", Role::Department, Some("council-tax")),
    ("leisure", Role::Department, Some("leisure")),
    ("agent", Role::Agent, None),
    ("case-worker", Role::Agent, None),
    ("steward", Role::Steward, None),
    ("dpo", Role::Dpo, None),
    ("admin", Role::Admin, None),
    ("libraries-feed", Role::Subscriber, Some("libraries")),
    ("waste-feed", Role::Subscriber, Some("waste")),
    ("council-tax-feed", Role::Subscriber, Some("council-tax")),
];

#[derive(Debug, Clone, Copy)]
pub enum Backend {
    Sqlite,
    Postgres,
}

pub struct TestApp {
    pub channel: Channel,
    pub data_dir: tempfile::TempDir,
    /// The database the server runs on (to inspect what it holds).
    pub database_url: String,
    shutdown: Option<oneshot::Sender<()>>,
    server: Option<tokio::task::JoinHandle<scr_hub::error::SetupResult<()>>>,
}

fn init_logs() {
    if std::env::var("TEST_LOG").is_ok() {
        let _ = scr_hub::telemetry::init(LogFormat::Pretty, None);
    }
}

pub fn configured_callers() -> Vec<ConfiguredCaller> {
    CALLERS
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
        .collect()
}

/// A server on SQLite with the test callers.
pub async fn spawn_app() -> TestApp {
    spawn_app_on(Backend::Sqlite)
        .await
        .expect("sqlite always runs")
}

/// A server on the backend, or `None` when PostgreSQL tests are off.
pub async fn spawn_app_on(backend: Backend) -> Option<TestApp> {
    let data_dir = tempfile::tempdir().unwrap();
    let database_url = match backend {
        Backend::Sqlite => format!("sqlite://{}", data_dir.path().join("scr.db").display()),
        Backend::Postgres => postgres::fresh_database().await?,
    };
    let settings = Settings {
        audit_keys: std::sync::Arc::new(scr_hub::audit::Keyring::generate()).into(),
        listen: "127.0.0.1:0".parse().unwrap(),
        data_dir: data_dir.path().to_owned(),
        database_url,
        log_format: LogFormat::Pretty,
        nats: None,
        callers: configured_callers(),
        privacy: Default::default(),
        otlp_endpoint: None,
        tls: None,
        health_listen: None,
    };
    Some(start(settings, data_dir).await)
}

/// Starts a server with exactly these settings (the data dir is kept alive).
pub async fn start(settings: Settings, data_dir: tempfile::TempDir) -> TestApp {
    init_logs();
    let database_url = settings.database_url.clone();
    let app = App::build(settings).await.expect("app builds");
    let addr = app.local_addr();
    let (tx, rx) = oneshot::channel::<()>();
    let server = tokio::spawn(app.run_until(async {
        let _ = rx.await;
    }));
    let channel = Channel::from_shared(format!("http://{addr}"))
        .unwrap()
        .connect()
        .await
        .expect("server accepts connections");
    TestApp {
        channel,
        data_dir,
        database_url,
        shutdown: Some(tx),
        server: Some(server),
    }
}

impl TestApp {
    pub fn records(&self) -> CustomerRecordsClient<Channel> {
        CustomerRecordsClient::new(self.channel.clone())
    }

    pub fn consents(&self) -> ConsentsClient<Channel> {
        ConsentsClient::new(self.channel.clone())
    }

    pub fn events(&self) -> EventsClient<Channel> {
        EventsClient::new(self.channel.clone())
    }

    pub fn search(&self) -> SearchClient<Channel> {
        SearchClient::new(self.channel.clone())
    }

    pub fn identity(&self) -> IdentityClient<Channel> {
        IdentityClient::new(self.channel.clone())
    }

    pub fn admin(&self) -> AdminClient<Channel> {
        AdminClient::new(self.channel.clone())
    }

    /// Stops the server and waits for it to finish in-flight calls.
    pub async fn stop(mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(server) = self.server.take() {
            server.await.unwrap().unwrap();
        }
    }
}

/// A request carrying `authorization: Bearer <token>`.
pub fn authed<T>(token: &str, message: T) -> tonic::Request<T> {
    let mut request = tonic::Request::new(message);
    request
        .metadata_mut()
        .insert("authorization", format!("Bearer {token}").parse().unwrap());
    request
}

pub fn record(system: &str, local_id: &str) -> pb::DepartmentalRecord {
    pb::DepartmentalRecord {
        system: system.into(),
        local_id: local_id.into(),
        name: Some(pb::PersonName {
            given: "Amelia".into(),
            middle: "Jane".into(),
            family: "Okafor".into(),
        }),
        date_of_birth: "1984-06-02".into(),
        gender: pb::Gender::Female.into(),
        address: Some(pb::Address {
            lines: vec!["14 Harborne Road".into()],
            town: "Birmingham".into(),
            postcode: "B15 3DH".into(),
            uprn: "100070123456".into(),
        }),
    }
}

pub fn submit(record: pb::DepartmentalRecord, request_id: &str) -> pb::SubmitRecordRequest {
    pb::SubmitRecordRequest {
        record: Some(record),
        request_id: request_id.into(),
        minor_basis: None,
    }
}

/// The BadRequest field names of an INVALID_ARGUMENT status.
pub fn violated_fields(status: &tonic::Status) -> Vec<String> {
    use tonic_types::StatusExt;
    status
        .get_details_bad_request()
        .map(|b| b.field_violations.into_iter().map(|v| v.field).collect())
        .unwrap_or_default()
}

pub use pb::audit_client::AuditClient;
pub use pb::subject_rights_client::SubjectRightsClient;

impl TestApp {
    pub fn subject_rights(&self) -> SubjectRightsClient<Channel> {
        SubjectRightsClient::new(self.channel.clone())
    }

    pub fn audit(&self) -> AuditClient<Channel> {
        AuditClient::new(self.channel.clone())
    }

    /// A connection to the server's SQLite file, to inspect what it holds.
    pub async fn sqlite(&self) -> sqlx::SqlitePool {
        let url = format!("sqlite://{}", self.data_dir.path().join("scr.db").display());
        sqlx::SqlitePool::connect(&url).await.unwrap()
    }
}

/// The google.rpc.ErrorInfo reason of a status, if any.
pub fn error_reason(status: &tonic::Status) -> Option<String> {
    use tonic_types::StatusExt;
    status.get_details_error_info().map(|i| i.reason)
}

/// A date of birth `years` ago today (UK calendar), less a week so the
/// person is safely that age whatever the hour.
pub fn born_years_ago(years: u32) -> String {
    let today = scr_hub::policy::minors::uk_today(chrono::Utc::now());
    let date = today - chrono::Months::new(12 * years) - chrono::Days::new(7);
    date.format("%Y-%m-%d").to_string()
}

/// A 12-year-old's record.
pub fn child(system: &str, local_id: &str) -> pb::DepartmentalRecord {
    pb::DepartmentalRecord {
        system: system.into(),
        local_id: local_id.into(),
        name: Some(pb::PersonName {
            given: "Tobiasz".into(),
            middle: String::new(),
            family: "Wojciechowski".into(),
        }),
        date_of_birth: born_years_ago(12),
        gender: pb::Gender::Male.into(),
        address: Some(pb::Address {
            lines: vec!["7 Quarrington Grove".into()],
            town: "Birmingham".into(),
            postcode: "B29 7QW".into(),
            uprn: String::new(),
        }),
    }
}

impl TestApp {
    /// A steward merges `merged` into `survivor`.
    pub async fn match_review_merge(&self, survivor: &str, merged: &str) {
        MatchReviewClient::new(self.channel.clone())
            .merge_customers(authed(
                "steward",
                pb::MergeCustomersRequest {
                    survivor_id: survivor.into(),
                    merged_id: merged.into(),
                    reason: "same person, confirmed by phone".into(),
                },
            ))
            .await
            .unwrap();
    }
}

/// A time as the API carries it.
pub fn timestamp(at: chrono::DateTime<chrono::Utc>) -> Option<prost_types::Timestamp> {
    Some(prost_types::Timestamp {
        seconds: at.timestamp(),
        nanos: at.timestamp_subsec_nanos() as i32,
    })
}
