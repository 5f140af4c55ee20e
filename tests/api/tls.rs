//! TLS and mutual TLS: certificates made on the fly with rcgen (a CA, a
//! server certificate for localhost/127.0.0.1, client certificates).

use crate::helpers::*;
use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair,
};
use scr_hub::api::pb;
use scr_hub::app::App;
use scr_hub::auth::{Caller, Role, cert_fingerprint, token_hash};
use scr_hub::config::{LogFormat, Settings, TlsSettings};
use scr_hub::hub::ConfiguredCaller;
use std::net::SocketAddr;
use tonic::Code;
use tonic::transport::{Certificate, Channel, ClientTlsConfig, Identity};

struct Pki {
    ca_pem: String,
    issuer: Issuer<'static, KeyPair>,
}

/// A PEM certificate and key, and the DER fingerprint the hub matches.
struct Leaf {
    cert: String,
    key: String,
    fingerprint: String,
}

impl Pki {
    fn new() -> Self {
        let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params
            .distinguished_name
            .push(DnType::CommonName, "scr-hub test CA");
        let key = KeyPair::generate().unwrap();
        let ca_pem = params.self_signed(&key).unwrap().pem();
        Self {
            ca_pem,
            issuer: Issuer::new(params, key),
        }
    }

    fn leaf(&self, names: &[&str], usage: ExtendedKeyUsagePurpose) -> Leaf {
        let names: Vec<String> = names.iter().map(|n| (*n).to_owned()).collect();
        let mut params = CertificateParams::new(names).unwrap();
        params.extended_key_usages = vec![usage];
        let key = KeyPair::generate().unwrap();
        let cert = params.signed_by(&key, &self.issuer).unwrap();
        Leaf {
            fingerprint: cert_fingerprint(cert.der()),
            cert: cert.pem(),
            key: key.serialize_pem(),
        }
    }

    fn client(&self, name: &str) -> Leaf {
        self.leaf(&[name], ExtendedKeyUsagePurpose::ClientAuth)
    }
}

struct Server {
    addr: SocketAddr,
    health: SocketAddr,
    stop: tokio::sync::oneshot::Sender<()>,
    _dir: tempfile::TempDir,
}

/// Serves TLS with a server certificate from `pki`; with `mutual`, client
/// certificates must chain to the same CA. `ops-admin` is known by `cert`.
async fn serve(pki: &Pki, mutual: bool, cert_caller: Option<&Leaf>) -> Server {
    let dir = tempfile::tempdir().unwrap();
    let server = pki.leaf(
        &["localhost", "127.0.0.1"],
        ExtendedKeyUsagePurpose::ServerAuth,
    );
    let write = |name: &str, text: &str| {
        let path = dir.path().join(name);
        std::fs::write(&path, text).unwrap();
        path
    };
    let tls = TlsSettings {
        cert: write("server.pem", &server.cert),
        key: write("server.key", &server.key),
        client_ca: mutual.then(|| write("ca.pem", &pki.ca_pem)),
    };
    let admin = Caller::new("admin".into(), Role::Admin, None).unwrap();
    let mut callers = vec![ConfiguredCaller::with_token(admin, token_hash("admin"))];
    if let Some(leaf) = cert_caller {
        callers.push(ConfiguredCaller {
            caller: Caller::new("ops-admin".into(), Role::Admin, None).unwrap(),
            token_sha256: None,
            client_cert_sha256: Some(leaf.fingerprint.clone()),
        });
    }
    let settings = Settings {
        audit_keys: std::sync::Arc::new(scr_hub::audit::Keyring::generate()).into(),
        listen: "127.0.0.1:0".parse().unwrap(),
        data_dir: dir.path().to_owned(),
        database_url: format!("sqlite://{}", dir.path().join("scr.db").display()),
        log_format: LogFormat::Pretty,
        nats: None,
        callers,
        privacy: Default::default(),
        otlp_endpoint: None,
        tls: Some(tls),
        health_listen: Some("127.0.0.1:0".parse().unwrap()),
    };
    let app = App::build(settings).await.expect("app builds");
    let addr = app.local_addr();
    let health = app.health_addr().expect("health listener");
    let (stop, rx) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(app.run_until(async {
        let _ = rx.await;
    }));
    Server {
        addr,
        health,
        stop,
        _dir: dir,
    }
}

async fn tls_channel(
    addr: SocketAddr,
    ca_pem: &str,
    identity: Option<&Leaf>,
) -> Result<Channel, tonic::transport::Error> {
    let mut tls = ClientTlsConfig::new()
        .ca_certificate(Certificate::from_pem(ca_pem))
        .domain_name("localhost");
    if let Some(leaf) = identity {
        tls = tls.identity(Identity::from_pem(&leaf.cert, &leaf.key));
    }
    Channel::from_shared(format!("https://{addr}"))
        .unwrap()
        .tls_config(tls)?
        .connect()
        .await
}

/// ListCallers as `token`, or with no token when `None`.
async fn list_callers(channel: Channel, token: Option<&str>) -> Result<Vec<String>, tonic::Status> {
    let message = pb::ListCallersRequest::default();
    let request = match token {
        Some(token) => authed(token, message),
        None => tonic::Request::new(message),
    };
    Ok(AdminClient::new(channel)
        .list_callers(request)
        .await?
        .into_inner()
        .callers
        .into_iter()
        .map(|c| c.name)
        .collect())
}

#[tokio::test]
async fn tls_serves_tls_only() {
    let pki = Pki::new();
    let server = serve(&pki, false, None).await;
    let channel = tls_channel(server.addr, &pki.ca_pem, None).await.unwrap();
    assert!(list_callers(channel, Some("admin")).await.is_ok());

    // Plaintext HTTP/2 against the TLS port fails, whether at connect or call.
    let plain = async {
        let channel = Channel::from_shared(format!("http://{}", server.addr))
            .unwrap()
            .connect()
            .await
            .map_err(|e| tonic::Status::unavailable(e.to_string()))?;
        list_callers(channel, Some("admin")).await
    };
    let plain = tokio::time::timeout(std::time::Duration::from_secs(10), plain)
        .await
        .expect("a plaintext client is refused promptly");
    assert!(plain.is_err(), "plaintext must not be served: {plain:?}");

    // Probes that cannot speak TLS use the plaintext health-only port.
    let channel = Channel::from_shared(format!("http://{}", server.health))
        .unwrap()
        .connect()
        .await
        .unwrap();
    let mut health = tonic_health::pb::health_client::HealthClient::new(channel.clone());
    let check = tonic_health::pb::HealthCheckRequest {
        service: "scr.v1.CustomerRecords".into(),
    };
    let serving = health.check(check).await.unwrap().into_inner().status;
    assert_eq!(
        serving,
        tonic_health::pb::health_check_response::ServingStatus::Serving as i32
    );
    let other = list_callers(channel, Some("admin")).await.unwrap_err();
    assert_eq!(other.code(), Code::Unimplemented, "health only");
    let _ = server.stop.send(());
}

#[tokio::test]
async fn a_configured_client_certificate_identifies_its_caller() {
    let pki = Pki::new();
    let known = pki.client("ops-admin");
    let server = serve(&pki, true, Some(&known)).await;

    // No bearer token: the certificate alone authenticates.
    let channel = tls_channel(server.addr, &pki.ca_pem, Some(&known))
        .await
        .unwrap();
    let names = list_callers(channel.clone(), None).await.unwrap();
    assert!(names.contains(&"ops-admin".to_owned()), "{names:?}");

    // A certificate the CA signed but no caller names: unauthenticated
    // without a token, and a token still works over it.
    let stranger = pki.client("stranger");
    let channel = tls_channel(server.addr, &pki.ca_pem, Some(&stranger))
        .await
        .unwrap();
    let status = list_callers(channel.clone(), None).await.unwrap_err();
    assert_eq!(status.code(), Code::Unauthenticated, "{status:?}");
    assert!(list_callers(channel, Some("admin")).await.is_ok());
    let _ = server.stop.send(());
}

#[tokio::test]
async fn with_a_client_ca_a_client_without_a_certificate_cannot_connect() {
    let pki = Pki::new();
    let server = serve(&pki, true, None).await;
    let attempt = async {
        let channel = tls_channel(server.addr, &pki.ca_pem, None)
            .await
            .map_err(|e| tonic::Status::unavailable(e.to_string()))?;
        list_callers(channel, Some("admin")).await
    };
    let result = tokio::time::timeout(std::time::Duration::from_secs(10), attempt)
        .await
        .expect("refused promptly");
    let status = result.expect_err("the handshake is refused without a certificate");
    assert_ne!(
        status.code(),
        Code::Unauthenticated,
        "refused at TLS, not by the hub"
    );
    let _ = server.stop.send(());
}
