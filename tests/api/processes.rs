//! The service as separate processes: a crash between commit and delivery,
//! the NATS JetStream bridge, and two replicas sharing one PostgreSQL.
//! The NATS parts run when SCR_TEST_NATS_URL names a JetStream server (CI
//! sets it); then an unreachable server fails the test.

use crate::helpers::*;
use scr_hub::api::pb;
use std::net::SocketAddr;
use std::path::Path;
use std::time::Duration;
use tokio::process::{Child, Command};
use tonic::transport::Channel;

const NATS_URL_VAR: &str = "SCR_TEST_NATS_URL";

/// The JetStream stream and subject prefix one test publishes to.
struct Nats {
    url: String,
    stream: String,
    prefix: String,
}

impl Nats {
    /// A stream of this test's own, made before the hub starts, with the
    /// shortest de-duplication window JetStream allows (100 ms), so a double
    /// delivery much apart in time would show.
    async fn fresh() -> Option<(Self, async_nats::jetstream::stream::Stream)> {
        let Ok(url) = std::env::var(NATS_URL_VAR) else {
            crate::helpers::postgres::skipped("NATS", NATS_URL_VAR);
            return None;
        };
        let tag = uuid::Uuid::new_v4().simple().to_string();
        let nats = Self {
            url,
            stream: format!("SCR_TEST_{tag}"),
            prefix: format!("scrtest.{tag}"),
        };
        let client = async_nats::connect(&nats.url)
            .await
            .unwrap_or_else(|e| panic!("{NATS_URL_VAR} is set but NATS is unreachable: {e}"));
        let js = async_nats::jetstream::new(client);
        let stream = js
            .create_stream(async_nats::jetstream::stream::Config {
                name: nats.stream.clone(),
                subjects: vec![format!("{}.>", nats.prefix)],
                duplicate_window: Duration::from_millis(100),
                max_age: Duration::from_secs(600),
                ..Default::default()
            })
            .await
            .unwrap();
        Some((nats, stream))
    }
}

struct Server {
    child: Child,
    channel: Channel,
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// One audit key per database, as replicas of one deployment share theirs.
fn audit_key_file(database_url: &str) -> std::path::PathBuf {
    use sha2::Digest;
    let name = hex::encode(&sha2::Sha256::digest(database_url.as_bytes())[..8]);
    let path = std::env::temp_dir().join(format!("scr-test-audit-{name}.key"));
    if !path.exists() {
        let key = scr_hub::audit::AuditKey::generate().to_file();
        // Another replica may write it first; either key is then the one.
        let _ = scr_hub::audit::write_private(&path, &key);
    }
    path
}

/// Runs `scr-hub serve` on `dir` and waits until it answers.
async fn serve(dir: &Path, database_url: &str, nats: Option<&Nats>) -> Server {
    let mut config = String::new();
    if let Some(nats) = nats {
        config.push_str(&format!(
            "nats_url = \"{}\"\nnats_stream = \"{}\"\nnats_subject_prefix = \"{}\"\n",
            nats.url, nats.stream, nats.prefix
        ));
    }
    for (name, role, system) in CALLERS {
        config.push_str(&format!(
            "[[callers]]\nname = \"{name}\"\nrole = \"{role}\"\ntoken_sha256 = \"{}\"\n",
            scr_hub::auth::token_hash(name)
        ));
        if let Some(system) = system {
            config.push_str(&format!("system = \"{system}\"\n"));
        }
    }
    let config_path = dir.join(format!("scr-{}.toml", uuid::Uuid::new_v4().simple()));
    std::fs::write(&config_path, config).unwrap();
    let addr: SocketAddr = format!("127.0.0.1:{}", free_port()).parse().unwrap();
    let quiet = std::env::var("TEST_LOG").is_err();
    let mut command = Command::new(env!("CARGO_BIN_EXE_scr-hub"));
    command
        .arg("serve")
        .arg("--config")
        .arg(&config_path)
        .arg("--listen")
        .arg(addr.to_string())
        .arg("--data-dir")
        .arg(dir)
        .arg("--database-url")
        .arg(database_url)
        .arg("--audit-key-file")
        .arg(audit_key_file(database_url))
        .kill_on_drop(true);
    if quiet {
        command
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null());
    }
    let child = command.spawn().expect("scr-hub starts");
    let endpoint = Channel::from_shared(format!("http://{addr}")).unwrap();
    for _ in 0..300 {
        if let Ok(channel) = endpoint.connect().await {
            return Server { child, channel };
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("scr-hub did not start listening on {addr}");
}

impl Server {
    fn records(&self) -> CustomerRecordsClient<Channel> {
        CustomerRecordsClient::new(self.channel.clone())
    }

    fn events(&self) -> EventsClient<Channel> {
        EventsClient::new(self.channel.clone())
    }

    /// SIGKILL: no shutdown code runs.
    async fn kill(mut self) {
        self.child.kill().await.unwrap();
    }
}

async fn submit_to(server: &Server, r: pb::DepartmentalRecord) -> String {
    let system = r.system.clone();
    server
        .records()
        .submit_record(authed(&system, submit(r, "")))
        .await
        .unwrap()
        .into_inner()
        .customer_id
}

/// Waits until the stream holds `count` messages, then a moment more so a
/// late duplicate would show, and returns them.
async fn stream_messages(
    stream: &mut async_nats::jetstream::stream::Stream,
    count: u64,
) -> Vec<async_nats::jetstream::message::StreamMessage> {
    for _ in 0..200 {
        if stream.info().await.unwrap().state.messages >= count {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    let state = stream.info().await.unwrap().state.clone();
    let mut messages = Vec::new();
    for seq in state.first_sequence..=state.last_sequence {
        if let Ok(message) = stream.get_raw_message(seq).await {
            messages.push(message);
        }
    }
    messages
}

fn database_url(dir: &Path) -> String {
    format!("sqlite://{}", dir.join("scr.db").display())
}

async fn a_crash_after_commit_loses_no_event(database_url: String) {
    let dir = tempfile::tempdir().unwrap();
    let server = serve(dir.path(), &database_url, None).await;
    let id = submit_to(&server, record("libraries", "L-1")).await;
    submit_to(&server, record("waste", "W-1")).await;
    let answer = server
        .records()
        .change_address(authed(
            "agent",
            pb::ChangeAddressRequest {
                customer_id: id.clone(),
                new_address: Some(pb::Address {
                    lines: vec!["3 Selly Park Road".into()],
                    town: "Birmingham".into(),
                    postcode: "B29 7PN".into(),
                    uprn: String::new(),
                }),
                effective_date: "2026-01-15".into(),
                consent_to_share: Some(pb::ConsentToShare {
                    target: Some(pb::consent_to_share::Target::AllLinked(true)),
                }),
                evidence: Some(pb::ConsentEvidence {
                    channel: "phone".into(),
                    reference: "CALL-7".into(),
                    captured_by: String::new(),
                }),
                request_id: String::new(),
            },
        ))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(answer.notified_systems, ["libraries", "waste"]);
    // Committed, never delivered: nobody subscribed and no bridge ran.
    server.kill().await;

    let nats = Nats::fresh().await;
    let server = serve(dir.path(), &database_url, nats.as_ref().map(|(n, _)| n)).await;
    let mut events = server
        .events()
        .subscribe(authed(
            "waste-feed",
            pb::SubscribeRequest {
                system: "waste".into(),
                after_sequence: None,
            },
        ))
        .await
        .unwrap()
        .into_inner();
    let mut types = Vec::new();
    let mut moved_id = String::new();
    for _ in 0..2 {
        let event = tokio::time::timeout(Duration::from_secs(10), events.message())
            .await
            .unwrap()
            .unwrap()
            .unwrap()
            .event
            .unwrap();
        if event.r#type == "address_changed" {
            moved_id = event.id.clone();
        }
        types.push(event.r#type);
    }
    assert_eq!(types, ["record_linked", "address_changed"]);

    // The bridge publishes the backlog after the restart: two links, two
    // moves, each once, with the event ID for JetStream de-duplication.
    let Some((nats, mut stream)) = nats else {
        server.kill().await;
        return;
    };
    let messages = stream_messages(&mut stream, 4).await;
    let mut subjects: Vec<String> = messages.iter().map(|m| m.subject.to_string()).collect();
    subjects.sort();
    let p = &nats.prefix;
    assert_eq!(
        subjects,
        [
            format!("{p}.libraries.address_changed"),
            format!("{p}.libraries.record_linked"),
            format!("{p}.waste.address_changed"),
            format!("{p}.waste.record_linked"),
        ]
    );
    assert!(
        messages.iter().any(|m| {
            m.headers.get("Nats-Msg-Id").map(|v| v.as_str()) == Some(moved_id.as_str())
        })
    );
    server.kill().await;
}

#[tokio::test]
async fn a_crash_after_commit_loses_no_event_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    a_crash_after_commit_loses_no_event(database_url(dir.path())).await;
}

#[tokio::test]
async fn a_crash_after_commit_loses_no_event_on_postgres() {
    if let Some(url) = postgres::fresh_database().await {
        a_crash_after_commit_loses_no_event(url).await;
    }
}

#[tokio::test]
async fn two_replicas_deliver_each_event_once() {
    let Some(url) = postgres::fresh_database().await else {
        return;
    };
    let Some((nats, mut stream)) = Nats::fresh().await else {
        return;
    };
    let dirs = [tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap()];
    let a = serve(dirs[0].path(), &url, Some(&nats)).await;
    let b = serve(dirs[1].path(), &url, Some(&nats)).await;

    // A subscriber on replica B hears what is written through replica A.
    let mut events = b
        .events()
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
    const PEOPLE: usize = 24;
    for n in 0..PEOPLE {
        let server = if n % 2 == 0 { &a } else { &b };
        let mut r = record("waste", &format!("W-{n}"));
        let name = r.name.as_mut().unwrap();
        name.given = format!("Given{}", (b'a' + n as u8) as char);
        name.family = format!("Family{}", (b'a' + n as u8) as char);
        r.date_of_birth = format!("19{}-03-1{}", 50 + n, n % 10);
        submit_to(server, r).await;
    }
    let mut seen = std::collections::BTreeSet::new();
    while seen.len() < PEOPLE {
        let event = tokio::time::timeout(Duration::from_secs(10), events.message())
            .await
            .expect("every replica's events reach the subscriber")
            .unwrap()
            .unwrap()
            .event
            .unwrap();
        assert!(seen.insert(event.id), "delivered twice on one stream");
    }

    let messages = stream_messages(&mut stream, PEOPLE as u64).await;
    let ids: std::collections::BTreeSet<String> = messages
        .iter()
        .filter_map(|m| m.headers.get("Nats-Msg-Id").map(|v| v.to_string()))
        .collect();
    assert_eq!(messages.len(), PEOPLE, "each event published once");
    assert_eq!(ids, seen);
    a.kill().await;
    b.kill().await;
}
