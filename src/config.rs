//! Settings, layered: defaults < TOML file (`--config`) < SCR_* environment <
//! command-line flags. clap resolves the last two; this module the rest.

use crate::auth::{Caller, Role, parse_token_hash};
use crate::events::nats::NatsSettings;
use crate::hub::{ConfiguredCaller, PrivacySettings};
use crate::record::SystemCode;
use anyhow::{Context, bail};
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
    #[serde(default)]
    callers: Vec<CallerConfig>,
    #[serde(default)]
    import: ImportConfig,
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
    token_sha256: String,
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
}

impl Settings {
    pub fn load(config_file: Option<&Path>, overrides: Overrides) -> anyhow::Result<Self> {
        let file = match config_file {
            Some(path) => {
                let text = std::fs::read_to_string(path)
                    .with_context(|| format!("reading config file {}", path.display()))?;
                toml::from_str::<FileConfig>(&text)
                    .with_context(|| format!("parsing config file {}", path.display()))?
            }
            None => FileConfig::default(),
        };
        let data_dir = overrides
            .data_dir
            .or(file.data_dir)
            .unwrap_or_else(|| PathBuf::from(DEFAULT_DATA_DIR));
        let database_url = overrides
            .database_url
            .or(file.database_url)
            .unwrap_or_else(|| format!("sqlite://{}", data_dir.join("scr.db").display()));
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
            privacy: privacy_settings(file.urgent_matter_days)?,
            data_dir,
        })
    }

    pub fn index_dir(&self) -> PathBuf {
        self.data_dir.join("index")
    }
}

/// `[import.columns]` of the TOML file (field -> header), empty without one.
/// Kept out of `Settings`: only the import command reads it.
pub fn import_columns(
    config_file: Option<&Path>,
) -> anyhow::Result<std::collections::BTreeMap<String, String>> {
    let Some(path) = config_file else {
        return Ok(Default::default());
    };
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("reading config file {}", path.display()))?;
    let file = toml::from_str::<FileConfig>(&text)
        .with_context(|| format!("parsing config file {}", path.display()))?;
    Ok(file.import.columns)
}

fn privacy_settings(urgent_matter_days: Option<u32>) -> anyhow::Result<PrivacySettings> {
    let mut privacy = PrivacySettings::default();
    if let Some(days) = urgent_matter_days {
        if days == 0 {
            bail!("urgent_matter_days must be at least 1");
        }
        privacy.minors.urgent_period = chrono::Duration::days(days.into());
    }
    Ok(privacy)
}

fn parse_callers(configs: Vec<CallerConfig>) -> anyhow::Result<Vec<ConfiguredCaller>> {
    let mut callers: Vec<ConfiguredCaller> = Vec::with_capacity(configs.len());
    for c in configs {
        let role = Role::from_code(&c.role)
            .with_context(|| format!("caller {}: unknown role {:?}", c.name, c.role))?;
        let system = c
            .system
            .as_deref()
            .map(SystemCode::parse)
            .transpose()
            .map_err(|e| anyhow::anyhow!("caller {}: system {e}", c.name))?;
        let caller = Caller::new(c.name.clone(), role, system)
            .map_err(|e| anyhow::anyhow!("caller {}: {e}", c.name))?;
        let token_sha256 = parse_token_hash(&c.token_sha256)
            .map_err(|e| anyhow::anyhow!("caller {}: {e}", c.name))?;
        if callers.iter().any(|k| k.caller.name == caller.name) {
            bail!("caller {} is configured twice", caller.name);
        }
        if callers.iter().any(|k| k.token_sha256 == token_sha256) {
            bail!("caller {} shares a token with another caller", caller.name);
        }
        callers.push(ConfiguredCaller {
            caller,
            token_sha256,
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
