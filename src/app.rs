//! Building and running the service: `App::build` binds the listener and
//! opens the store and index; `run_until` serves until shutdown.

use crate::api;
use crate::auth::{Caller, Role, generate_token, token_hash};
use crate::clock::{Clock, SystemClock};
use crate::config::{Settings, TlsSettings};
use crate::error::Context;
use crate::hub::{ConfiguredCaller, Hub};
use crate::search::SearchIndex;
use crate::search::indexer::Indexer;
use std::future::Future;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use tokio::net::TcpListener;
use tonic::transport::{Certificate, Identity, ServerTlsConfig};

pub struct App {
    listener: TcpListener,
    hub: Arc<Hub>,
    search: Arc<SearchIndex>,
    /// The one task that owns the index writer and follows the outbox.
    indexer: Indexer,
    /// Background tasks that end with the service (e.g. the NATS bridge).
    tasks: Vec<tokio::task::JoinHandle<()>>,
    /// Read at build, so a missing or bad certificate fails the start.
    tls: Option<ServerTlsConfig>,
    /// The plaintext health-only listener, if configured.
    health_listener: Option<TcpListener>,
}

impl App {
    pub async fn build(settings: Settings) -> crate::error::SetupResult<Self> {
        Self::build_with_clock(settings, Arc::new(SystemClock)).await
    }

    pub async fn build_with_clock(
        settings: Settings,
        clock: Arc<dyn Clock>,
    ) -> crate::error::SetupResult<Self> {
        let tls = settings.tls.as_ref().map(tls_config).transpose()?;
        std::fs::create_dir_all(&settings.data_dir)
            .with_context(|| format!("creating data directory {}", settings.data_dir.display()))?;
        let mut callers = settings.callers.clone();
        if callers.is_empty() {
            callers.push(bootstrap_admin(&settings.data_dir)?);
        }
        let store = crate::store::open(&settings.database_url, settings.audit_keys.load()?)
            .await
            .context("opening the database")?;
        let search =
            Arc::new(SearchIndex::open(&settings.index_dir()).context("opening the search index")?);
        let indexer = Indexer::spawn(store.clone(), search.clone());
        let mut tasks = Vec::new();
        if let Some(nats) = &settings.nats {
            let bridge = crate::events::nats::start(store.clone(), nats.clone())
                .await
                .context("starting the NATS JetStream bridge")?;
            tasks.push(bridge);
        }
        let weights = store
            .latest_weights()
            .await
            .context("reading the match weights")?;
        let hub = Arc::new(
            Hub::new(store, clock, callers)
                .with_weights(weights.as_deref())
                .with_search(search.clone())
                .with_privacy(settings.privacy),
        );
        hub.note_audit_key()
            .await
            .context("recording the audit key in use")?;
        tasks.push(daily_sweep(hub.clone()));
        let listener = TcpListener::bind(settings.listen)
            .await
            .with_context(|| format!("binding {}", settings.listen))?;
        let health_listener = match settings.health_listen {
            Some(addr) => Some(
                TcpListener::bind(addr)
                    .await
                    .with_context(|| format!("binding {addr}"))?,
            ),
            None => None,
        };
        Ok(Self {
            health_listener,
            listener,
            hub,
            search,
            indexer,
            tasks,
            tls,
        })
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.listener
            .local_addr()
            .expect("bound listener has an address")
    }

    /// Where the plaintext health-only listener is bound, if any.
    pub fn health_addr(&self) -> Option<SocketAddr> {
        self.health_listener
            .as_ref()
            .and_then(|l| l.local_addr().ok())
    }

    pub fn hub(&self) -> &Arc<Hub> {
        &self.hub
    }

    /// Serves until `shutdown` completes, then lets in-flight calls finish.
    pub async fn run_until(
        mut self,
        shutdown: impl Future<Output = ()> + Send,
    ) -> crate::error::SetupResult<()> {
        let (routes, health) = api::routes(self.hub.clone())?;
        for name in api::SERVICE_NAMES {
            health
                .set_service_status(*name, tonic_health::ServingStatus::Serving)
                .await;
        }
        tracing::info!(
            addr = %self.local_addr(),
            indexed = self.search.num_docs(),
            tls = self.tls.is_some(),
            "scr-hub serving"
        );
        // Without TCP_NODELAY a streamed event can wait ~40 ms on Nagle's
        // algorithm and the peer's delayed ACK.
        let incoming = tonic::transport::server::TcpIncoming::from(self.listener)
            .with_nodelay(Some(true))
            .with_keepalive(Some(std::time::Duration::from_secs(60)));
        let hub = self.hub.clone();
        let (stopping, stopped) = tokio::sync::watch::channel(false);
        let reporter = health.clone();
        let shutdown = async move {
            shutdown.await;
            // Readiness fails first, so load balancers stop sending calls.
            for name in api::SERVICE_NAMES.iter().chain(&[""]) {
                reporter
                    .set_service_status(*name, tonic_health::ServingStatus::NotServing)
                    .await;
            }
            let _ = stopping.send(true);
            hub.close();
        };
        if let Some(listener) = self.health_listener {
            self.tasks
                .push(serve_health(listener, api::health_routes(&health), stopped));
        }
        let mut server = tonic::transport::Server::builder();
        if let Some(tls) = self.tls {
            server = server.tls_config(tls)?;
        }
        server
            .layer(api::TraceLayer)
            .layer(api::AuthLayer::new(self.hub.clone()))
            .layer(api::ScreenLayer)
            .add_routes(routes)
            .serve_with_incoming_shutdown(incoming, shutdown)
            .await?;
        for task in &self.tasks {
            task.abort();
        }
        self.indexer.stop().await;
        tracing::info!("scr-hub stopped");
        Ok(())
    }
}

/// The server identity and, for mutual TLS, the CA client certificates
/// must chain to. With a client CA, a client without a certificate cannot
/// complete the handshake at all.
fn tls_config(tls: &TlsSettings) -> crate::error::SetupResult<ServerTlsConfig> {
    let read =
        |path: &Path| std::fs::read(path).with_context(|| format!("reading {}", path.display()));
    let identity = Identity::from_pem(read(&tls.cert)?, read(&tls.key)?);
    let mut config = ServerTlsConfig::new().identity(identity);
    if let Some(ca) = &tls.client_ca {
        config = config.client_ca_root(Certificate::from_pem(read(ca)?));
    }
    Ok(config)
}

/// Serves health alone, in plaintext, until the service stops.
fn serve_health(
    listener: TcpListener,
    routes: tonic::service::Routes,
    mut stopped: tokio::sync::watch::Receiver<bool>,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let incoming = tonic::transport::server::TcpIncoming::from(listener);
        let until = async move {
            let _ = stopped.wait_for(|s| *s).await;
        };
        if let Err(e) = tonic::transport::Server::builder()
            .add_routes(routes)
            .serve_with_incoming_shutdown(incoming, until)
            .await
        {
            tracing::warn!(error = %e, "health listener failed");
        }
    })
}

/// Runs the minors sweep once a day (first an hour after start, so a
/// restart loop does not sweep repeatedly).
fn daily_sweep(hub: Arc<Hub>) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let day = std::time::Duration::from_secs(24 * 60 * 60);
        let mut ticks = tokio::time::interval_at(
            tokio::time::Instant::now() + std::time::Duration::from_secs(60 * 60),
            day,
        );
        loop {
            ticks.tick().await;
            if let Err(e) = hub.sweep_minors().await {
                tracing::warn!(error = %e, "minors sweep failed");
            }
        }
    })
}

/// With no callers configured, an admin token is generated once and kept in
/// `<data_dir>/admin.token` (mode 0600), so a new install can be operated.
fn bootstrap_admin(data_dir: &Path) -> crate::error::SetupResult<ConfiguredCaller> {
    let path = data_dir.join("admin.token");
    let token = match std::fs::read_to_string(&path) {
        Ok(existing) if !existing.trim().is_empty() => existing.trim().to_owned(),
        _ => {
            let token = generate_token();
            write_private(&path, &token)?;
            tracing::warn!(path = %path.display(), "no callers configured: generated an admin token");
            token
        }
    };
    tracing::info!(path = %path.display(), "admin token file in use");
    let caller =
        Caller::new("admin".into(), Role::Admin, None).map_err(crate::error::SetupError::new)?;
    Ok(ConfiguredCaller::with_token(caller, token_hash(&token)))
}

fn write_private(path: &Path, contents: &str) -> crate::error::SetupResult<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options
        .open(path)
        .with_context(|| format!("writing {}", path.display()))?;
    file.write_all(contents.as_bytes())?;
    file.write_all(b"\n")?;
    Ok(())
}
