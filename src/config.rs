//! Settings, layered: defaults < TOML file (`--config`) < SCR_* environment <
//! command-line flags. clap resolves the last two; this module the rest.

use crate::auth::{Caller, Role, parse_cert_hash, parse_token_hash};
use crate::error::Context;
use crate::events::nats::NatsSettings;
use crate::hub::{ConfiguredCaller, PrivacySettings};
use crate::record::SystemCode;
use serde::Deserialize;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

pub const DEFAULT_LISTEN: &str = "127.0.0.1:50051";
pub const DEFAULT_DATA_DIR: &str = "./scr-data";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    Pretty,
    Json,
}

/// Values from flags or SCR_* variables; `None` means "not given".
#[derive(Debug, Default, Clone)]
pub struct Overrides {
    pub listen: Option<SocketAddr>,
    pub data_dir: Option<PathBuf>,
    pub database_url: Option<String>,
    pub log_format: Option<LogFormat>,
    pub nats_url: Option<String>,
    pub otlp_endpoint: Option<String>,
    pub tls_cert: Option<PathBuf>,
    pub tls_key: Option<PathBuf>,
    pub client_ca: Option<PathBuf>,
    pub health_listen: Option<SocketAddr>,
    pub audit_key_file: Option<PathBuf>,
}

/// The TOML file's shape.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileConfig {
    listen: Option<SocketAddr>,
    data_dir: Option<PathBuf>,
    database_url: Option<String>,
    log_format: Option<LogFormat>,
    nats_url: Option<String>,
    /// JetStream stream name and subject prefix (defaults: SCR_EVENTS, scr.events).
    nats_stream: Option<String>,
    nats_subject_prefix: Option<String>,
    /// Days an URGENT_MATTER exception for a minor lasts unless renewed.
    urgent_matter_days: Option<u32>,
    /// Years after a customer's last activity before disposal (default 6).
    retention_years: Option<u32>,
    /// OTLP/gRPC collector for spans and metrics (http://collector:4317).
    otlp_endpoint: Option<String>,
    /// PEM server certificate chain and private key: serve TLS only.
    tls_cert: Option<PathBuf>,
    tls_key: Option<PathBuf>,
    /// PEM CA bundle: clients must present a certificate it signed (mTLS).
    client_ca: Option<PathBuf>,
    /// A second, plaintext port serving only grpc.health.v1 (for probes
    /// that cannot speak TLS, such as Kubernetes' gRPC probes).
    health_listen: Option<SocketAddr>,
    /// A second TOML file holding only `[[callers]]` (e.g. a Kubernetes
    /// Secret), added to those in this file.
    callers_file: Option<PathBuf>,
    /// The key (hex) the audit chain is signed with; kept outside the
    /// database. Default: `<data_dir>/audit.key`, made on first use.
    audit_key_file: Option<PathBuf>,
    /// Earlier audit keys, kept so the entries they signed still verify.
    #[serde(default)]
    audit_retired_key_files: Vec<PathBuf>,
    #[serde(default)]
    callers: Vec<CallerConfig>,
    #[serde(default)]
    import: ImportConfig,
}

/// The shape of `callers_file`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct CallersFile {
    #[serde(default)]
    callers: Vec<CallerConfig>,
}

/// `[import.columns]`: field = "Header" overrides of the import's default
/// column names (see `scr_hub::import::FIELDS`).
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ImportConfig {
    #[serde(default)]
    columns: std::collections::BTreeMap<String, String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CallerConfig {
    name: String,
    role: String,
    system: Option<String>,
    token_sha256: Option<String>,
    /// SHA-256 of the caller's TLS client certificate (DER), for mTLS.
    client_cert_sha256: Option<String>,
}

/// Serving TLS; with `client_ca`, mutual TLS.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TlsSettings {
    pub cert: PathBuf,
    pub key: PathBuf,
    pub client_ca: Option<PathBuf>,
}

#[derive(Debug, Clone)]
pub struct Settings {
    pub listen: SocketAddr,
    pub data_dir: PathBuf,
    pub database_url: String,
    pub log_format: LogFormat,
    /// The JetStream bridge; `None` runs without it.
    pub nats: Option<NatsSettings>,
    pub callers: Vec<ConfiguredCaller>,
    pub privacy: PrivacySettings,
    /// Export spans and metrics over OTLP/gRPC here; `None` exports nothing.
    pub otlp_endpoint: Option<String>,
    /// `None` serves plaintext gRPC.
    pub tls: Option<TlsSettings>,
    /// Plaintext health-only listener; `None` serves health on `listen` only.
    pub health_listen: Option<SocketAddr>,
    /// The audit chain's keys (`audit_key_file`, `audit_retired_key_files`).
    pub audit_keys: AuditKeys,
}

/// Where the audit chain's keys come from: files, read when the store is
/// opened (the default one made then if missing), or keys already held.
#[derive(Debug, Clone)]
pub enum AuditKeys {
    Files {
        active: PathBuf,
        /// Made on first use: the default path, never one the operator named.
        create: bool,
        retired: Vec<PathBuf>,
    },
    Held(std::sync::Arc<crate::audit::Keyring>),
}

impl AuditKeys {
    pub fn load(&self) -> crate::error::SetupResult<std::sync::Arc<crate::audit::Keyring>> {
        match self {
            AuditKeys::Files {
                active,
                create,
                retired,
            } => Ok(std::sync::Arc::new(crate::audit::Keyring::load(
                active, *create, retired,
            )?)),
            AuditKeys::Held(keys) => Ok(keys.clone()),
        }
    }
}

impl From<std::sync::Arc<crate::audit::Keyring>> for AuditKeys {
    fn from(keys: std::sync::Arc<crate::audit::Keyring>) -> Self {
        AuditKeys::Held(keys)
    }
}

impl Settings {
    pub fn load(
        config_file: Option<&Path>,
        overrides: Overrides,
    ) -> crate::error::SetupResult<Self> {
        let mut file = match config_file {
            Some(path) => {
                let text = std::fs::read_to_string(path)
                    .with_context(|| format!("reading config file {}", path.display()))?;
                toml::from_str::<FileConfig>(&text)
                    .with_context(|| format!("parsing config file {}", path.display()))?
            }
            None => FileConfig::default(),
        };
        if let Some(path) = &file.callers_file {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("reading callers file {}", path.display()))?;
            let extra = toml::from_str::<CallersFile>(&text)
                .with_context(|| format!("parsing callers file {}", path.display()))?;
            file.callers.extend(extra.callers);
        }
        let data_dir = overrides
            .data_dir
            .or(file.data_dir)
            .unwrap_or_else(|| PathBuf::from(DEFAULT_DATA_DIR));
        let database_url = overrides
            .database_url
            .or(file.database_url)
            .unwrap_or_else(|| format!("sqlite://{}", data_dir.join("scr.db").display()));
        // A key file named in the settings must exist (it is a secret the
        // operator provides); the default one is made on first use.
        let (active, create) = match overrides.audit_key_file.or(file.audit_key_file) {
            Some(path) => (path, false),
            None => (data_dir.join("audit.key"), true),
        };
        let audit_keys = AuditKeys::Files {
            active,
            create,
            retired: file.audit_retired_key_files,
        };
        let tls = tls_settings(
            overrides.tls_cert.or(file.tls_cert),
            overrides.tls_key.or(file.tls_key),
            overrides.client_ca.or(file.client_ca),
        )?;
        Ok(Self {
            listen: overrides
                .listen
                .or(file.listen)
                .unwrap_or_else(|| DEFAULT_LISTEN.parse().expect("default address")),
            database_url,
            log_format: overrides
                .log_format
                .or(file.log_format)
                .unwrap_or(LogFormat::Pretty),
            nats: overrides.nats_url.or(file.nats_url).map(|url| {
                let mut nats = NatsSettings::new(url);
                if let Some(stream) = file.nats_stream {
                    nats.stream = stream;
                }
                if let Some(prefix) = file.nats_subject_prefix {
                    nats.subject_prefix = prefix;
                }
                nats
            }),
            callers: parse_callers(file.callers)?,
            privacy: privacy_settings(file.urgent_matter_days, file.retention_years)?,
            otlp_endpoint: overrides.otlp_endpoint.or(file.otlp_endpoint),
            tls,
            health_listen: overrides.health_listen.or(file.health_listen),
            audit_keys,
            data_dir,
        })
    }

    pub fn index_dir(&self) -> PathBuf {
        self.data_dir.join("index")
    }
}

fn tls_settings(
    cert: Option<PathBuf>,
    key: Option<PathBuf>,
    client_ca: Option<PathBuf>,
) -> crate::error::SetupResult<Option<TlsSettings>> {
    match (cert, key) {
        (Some(cert), Some(key)) => Ok(Some(TlsSettings {
            cert,
            key,
            client_ca,
        })),
        (None, None) if client_ca.is_some() => Err(crate::error::SetupError::new(
            "client_ca needs tls_cert and tls_key",
        )),
        (None, None) => Ok(None),
        _ => Err(crate::error::SetupError::new(
            "tls_cert and tls_key go together",
        )),
    }
}

/// `[import.columns]` of the TOML file (field -> header), empty without one.
/// Kept out of `Settings`: only the import command reads it.
pub fn import_columns(
    config_file: Option<&Path>,
) -> crate::error::SetupResult<std::collections::BTreeMap<String, String>> {
    let Some(path) = config_file else {
        return Ok(Default::default());
    };
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("reading config file {}", path.display()))?;
    let file = toml::from_str::<FileConfig>(&text)
        .with_context(|| format!("parsing config file {}", path.display()))?;
    Ok(file.import.columns)
}

fn privacy_settings(
    urgent_matter_days: Option<u32>,
    retention_years: Option<u32>,
) -> crate::error::SetupResult<PrivacySettings> {
    let mut privacy = PrivacySettings::default();
    if let Some(days) = urgent_matter_days {
        if days == 0 {
            return Err(crate::error::SetupError::new(
                "urgent_matter_days must be at least 1",
            ));
        }
        privacy.minors.urgent_period = chrono::Duration::days(days.into());
    }
    if let Some(years) = retention_years {
        if !(1..=100).contains(&years) {
            return Err(crate::error::SetupError::new(
                "retention_years must be between 1 and 100",
            ));
        }
        privacy.retention.years = years;
    }
    Ok(privacy)
}

fn parse_callers(configs: Vec<CallerConfig>) -> crate::error::SetupResult<Vec<ConfiguredCaller>> {
    let mut callers: Vec<ConfiguredCaller> = Vec::with_capacity(configs.len());
    for c in configs {
        let role = Role::from_code(&c.role)
            .with_context(|| format!("caller {}: unknown role {:?}", c.name, c.role))?;
        let system = c
            .system
            .as_deref()
            .map(SystemCode::parse)
            .transpose()
            .map_err(|e| crate::error::SetupError::new(format!("caller {}: system {e}", c.name)))?;
        let caller = Caller::new(c.name.clone(), role, system)
            .map_err(|e| crate::error::SetupError::new(format!("caller {}: {e}", c.name)))?;
        let token_sha256 = c
            .token_sha256
            .as_deref()
            .map(parse_token_hash)
            .transpose()
            .map_err(|e| crate::error::SetupError::new(format!("caller {}: {e}", c.name)))?;
        let client_cert_sha256 = c
            .client_cert_sha256
            .as_deref()
            .map(parse_cert_hash)
            .transpose()
            .map_err(|e| crate::error::SetupError::new(format!("caller {}: {e}", c.name)))?;
        if token_sha256.is_none() && client_cert_sha256.is_none() {
            return Err(crate::error::SetupError::new(format!(
                "caller {} needs token_sha256 or client_cert_sha256",
                caller.name
            )));
        }
        if callers.iter().any(|k| k.caller.name == caller.name) {
            return Err(crate::error::SetupError::new(format!(
                "caller {} is configured twice",
                caller.name
            )));
        }
        if token_sha256.is_some() && callers.iter().any(|k| k.token_sha256 == token_sha256) {
            return Err(crate::error::SetupError::new(format!(
                "caller {} shares a token with another caller",
                caller.name
            )));
        }
        if client_cert_sha256.is_some()
            && callers
                .iter()
                .any(|k| k.client_cert_sha256 == client_cert_sha256)
        {
            return Err(crate::error::SetupError::new(format!(
                "caller {} shares a client certificate with another caller",
                caller.name
            )));
        }
        callers.push(ConfiguredCaller {
            caller,
            token_sha256,
            client_cert_sha256,
        });
    }
    Ok(callers)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::token_hash;

    #[test]
    fn defaults_then_file_then_overrides() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("scr.toml");
        let hash = token_hash("t");
        std::fs::write(
            &path,
            format!(
                "listen = \"127.0.0.1:6000\"\ndata_dir = \"/var/scr\"\n\n[[callers]]\nname = \"lib\"\nrole = \"department\"\nsystem = \"libraries\"\ntoken_sha256 = \"{hash}\"\n"
            ),
        )
        .unwrap();
        let defaults = Settings::load(None, Overrides::default()).unwrap();
        assert_eq!(defaults.listen.to_string(), DEFAULT_LISTEN);
        assert_eq!(defaults.database_url, "sqlite://./scr-data/scr.db");

        let file = Settings::load(Some(&path), Overrides::default()).unwrap();
        assert_eq!(file.listen.port(), 6000);
        assert_eq!(file.database_url, "sqlite:///var/scr/scr.db");
        assert_eq!(file.callers[0].caller.role, Role::Department);

        let flags = Overrides {
            listen: Some("127.0.0.1:7000".parse().unwrap()),
            ..Overrides::default()
        };
        assert_eq!(
            Settings::load(Some(&path), flags).unwrap().listen.port(),
            7000
        );
    }

    #[test]
    fn the_shipped_example_loads() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("deploy/scr-hub.example.toml");
        let settings = Settings::load(Some(&path), Overrides::default()).unwrap();
        assert_eq!(settings.callers.len(), 2);
        assert_eq!(settings.log_format, LogFormat::Json);
    }

    #[test]
    fn tls_and_certificate_callers() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("scr.toml");
        let fp = token_hash("cert");
        std::fs::write(
            &path,
            format!(
                "tls_cert = \"/tls/cert.pem\"\ntls_key = \"/tls/key.pem\"\nclient_ca = \"/tls/ca.pem\"\notlp_endpoint = \"http://otel:4317\"\n\n[[callers]]\nname = \"crm\"\nrole = \"agent\"\nclient_cert_sha256 = \"{fp}\"\n"
            ),
        )
        .unwrap();
        let settings = Settings::load(Some(&path), Overrides::default()).unwrap();
        let tls = settings.tls.unwrap();
        assert_eq!(tls.client_ca.as_deref(), Some(Path::new("/tls/ca.pem")));
        assert_eq!(settings.otlp_endpoint.as_deref(), Some("http://otel:4317"));
        assert_eq!(
            settings.callers[0].client_cert_sha256.as_deref(),
            Some(fp.as_str())
        );
        assert_eq!(settings.callers[0].token_sha256, None);

        let callers = dir.path().join("callers.toml");
        let hash = token_hash("t");
        std::fs::write(
            &callers,
            format!("[[callers]]\nname = \"dpo\"\nrole = \"dpo\"\ntoken_sha256 = \"{hash}\"\n"),
        )
        .unwrap();
        std::fs::write(&path, format!("callers_file = \"{}\"\n", callers.display())).unwrap();
        let settings = Settings::load(Some(&path), Overrides::default()).unwrap();
        assert_eq!(settings.callers[0].caller.name, "dpo");

        std::fs::write(&path, "tls_cert = \"/tls/cert.pem\"\n").unwrap();
        assert!(Settings::load(Some(&path), Overrides::default()).is_err());
        std::fs::write(&path, "[[callers]]\nname = \"x\"\nrole = \"agent\"\n").unwrap();
        assert!(Settings::load(Some(&path), Overrides::default()).is_err());
    }

    /// The Kubernetes ConfigMap's TOML and the Secret's callers load.
    #[test]
    fn the_kubernetes_config_loads() {
        let k8s = Path::new(env!("CARGO_MANIFEST_DIR")).join("deploy/k8s");
        let block = |file: &str, key: &str| {
            let text = std::fs::read_to_string(k8s.join(file)).unwrap();
            let start = text.find(&format!("{key}: |\n")).unwrap() + key.len() + 3;
            let lines = text[start..].lines();
            let body: Vec<&str> = lines
                .take_while(|l| l.is_empty() || l.starts_with("    "))
                .map(|l| l.get(4..).unwrap_or(""))
                .collect();
            body.join("\n")
        };
        let dir = tempfile::tempdir().unwrap();
        let callers = dir.path().join("callers.toml");
        std::fs::write(&callers, block("secret.yaml", "callers.toml")).unwrap();
        let config = block("configmap.yaml", "scr-hub.toml").replace(
            "/etc/scr-hub/callers/callers.toml",
            &callers.display().to_string(),
        );
        let path = dir.path().join("scr-hub.toml");
        std::fs::write(&path, config).unwrap();
        let settings = Settings::load(Some(&path), Overrides::default()).unwrap();
        assert_eq!(settings.callers.len(), 3);
        match &settings.audit_keys {
            AuditKeys::Files { active, create, .. } => {
                assert_eq!(active, Path::new("/etc/scr-hub/audit/audit.key"));
                assert!(!create, "a key the operator names is never made");
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(settings.health_listen.map(|a| a.port()), Some(8081));
    }

    #[test]
    fn reads_import_columns() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("scr.toml");
        std::fs::write(&path, "[import.columns]\nlocal_id = \"Borrower No\"\n").unwrap();
        let columns = import_columns(Some(&path)).unwrap();
        assert_eq!(columns["local_id"], "Borrower No");
        assert!(Settings::load(Some(&path), Overrides::default()).is_ok());
        assert!(import_columns(None).unwrap().is_empty());
    }

    #[test]
    fn rejects_bad_callers() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("scr.toml");
        std::fs::write(
            &path,
            "[[callers]]\nname = \"x\"\nrole = \"agent\"\ntoken_sha256 = \"plain\"\n",
        )
        .unwrap();
        assert!(Settings::load(Some(&path), Overrides::default()).is_err());
        std::fs::write(
            &path,
            "[[callers]]\nname = \"x\"\nrole = \"department\"\ntoken_sha256 = \"\"\n",
        )
        .unwrap();
        assert!(Settings::load(Some(&path), Overrides::default()).is_err());
    }
}
