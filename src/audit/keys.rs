//! The audit chain's keys. Entries are MACed (HMAC-SHA-256) with a key
//! held outside the database (a file, e.g. a mounted secret), so someone
//! who can write the database but does not hold the key cannot rewrite an
//! entry and recompute the chain. Each entry names its key by an ID derived
//! from the key, so keys can be rotated: the active key signs, retired ones
//! still verify what they signed.

use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};
use std::fmt;
use std::path::Path;

/// Shortest key accepted: 256 bits, HMAC-SHA-256's own strength.
const MIN_KEY_BYTES: usize = 32;

#[derive(Clone)]
pub struct AuditKey {
    id: String,
    secret: Vec<u8>,
}

impl AuditKey {
    /// A key from its secret bytes; its ID is derived, never chosen.
    pub fn from_secret(secret: Vec<u8>) -> Result<Self, String> {
        if secret.len() < MIN_KEY_BYTES {
            return Err(format!(
                "an audit key must be at least {MIN_KEY_BYTES} bytes"
            ));
        }
        let digest = Sha256::new()
            .chain_update(b"scr-hub audit key id\0")
            .chain_update(&secret)
            .finalize();
        Ok(Self {
            id: hex::encode(&digest[..8]),
            secret,
        })
    }

    /// A fresh random key.
    pub fn generate() -> Self {
        let secret: [u8; MIN_KEY_BYTES] = rand::random();
        Self::from_secret(secret.to_vec()).expect("long enough")
    }

    /// A key file holds the secret as hex (white space ignored).
    pub fn parse(text: &str) -> Result<Self, String> {
        let hex_text: String = text.split_whitespace().collect();
        let secret = hex::decode(&hex_text)
            .map_err(|_| "an audit key file holds the key as hex digits".to_string())?;
        Self::from_secret(secret)
    }

    pub fn read(path: &Path) -> crate::error::SetupResult<Self> {
        let text = std::fs::read_to_string(path).map_err(|e| {
            crate::error::SetupError::new(format!("reading audit key {}: {e}", path.display()))
        })?;
        Self::parse(&text).map_err(|e| {
            crate::error::SetupError::new(format!("audit key {}: {e}", path.display()))
        })
    }

    /// The file form of the key: hex and a newline.
    pub fn to_file(&self) -> String {
        format!("{}\n", hex::encode(&self.secret))
    }

    pub fn id(&self) -> &str {
        &self.id
    }

    /// HMAC-SHA-256 of `message` under this key, hex.
    pub fn mac(&self, message: &[u8]) -> String {
        let mut mac = Hmac::<Sha256>::new_from_slice(&self.secret).expect("any key length");
        mac.update(message);
        hex::encode(mac.finalize().into_bytes())
    }

    /// Whether `tag` is this key's MAC of `message` (compared in constant time).
    pub fn verify(&self, message: &[u8], tag: &str) -> bool {
        let Ok(tag) = hex::decode(tag) else {
            return false;
        };
        let mut mac = Hmac::<Sha256>::new_from_slice(&self.secret).expect("any key length");
        mac.update(message);
        mac.verify_slice(&tag).is_ok()
    }
}

impl fmt::Debug for AuditKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AuditKey").field("id", &self.id).finish()
    }
}

/// The key that signs new entries and those that signed earlier ones.
#[derive(Clone, Debug)]
pub struct Keyring {
    active: AuditKey,
    retired: Vec<AuditKey>,
}

impl Keyring {
    pub fn new(active: AuditKey, retired: Vec<AuditKey>) -> Self {
        Self { active, retired }
    }

    /// A keyring of one random key, held in memory only (tests, benches).
    pub fn generate() -> Self {
        Self::new(AuditKey::generate(), Vec::new())
    }

    pub fn active(&self) -> &AuditKey {
        &self.active
    }

    /// The key with this ID, active or retired.
    pub fn get(&self, id: &str) -> Option<&AuditKey> {
        std::iter::once(&self.active)
            .chain(&self.retired)
            .find(|k| k.id == id)
    }

    /// Reads the active key from `path`, writing a fresh one there first
    /// when `create` and the file does not exist (mode 0600), and the
    /// retired keys from `retired`.
    pub fn load(
        path: &Path,
        create: bool,
        retired: &[std::path::PathBuf],
    ) -> crate::error::SetupResult<Self> {
        if create && !path.exists() {
            write_private(path, &AuditKey::generate().to_file())?;
        }
        let active = AuditKey::read(path)?;
        let retired = retired
            .iter()
            .map(|p| AuditKey::read(p))
            .collect::<crate::error::SetupResult<Vec<_>>>()?;
        Ok(Self::new(active, retired))
    }
}

/// Writes a secret file readable by its owner only.
pub fn write_private(path: &Path, contents: &str) -> crate::error::SetupResult<()> {
    use std::io::Write;
    if let Some(dir) = path.parent()
        && !dir.as_os_str().is_empty()
    {
        std::fs::create_dir_all(dir)?;
    }
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options
        .open(path)
        .map_err(|e| crate::error::SetupError::new(format!("writing {}: {e}", path.display())))?;
    file.write_all(contents.as_bytes())?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_named_by_a_derived_id_and_round_trip_through_their_file() {
        let key = AuditKey::generate();
        let again = AuditKey::parse(&key.to_file()).unwrap();
        assert_eq!(key.id(), again.id());
        assert_eq!(key.id().len(), 16);
        assert_ne!(key.id(), AuditKey::generate().id());
        assert!(AuditKey::parse("abcd").is_err(), "too short");
        assert!(AuditKey::parse("not hex").is_err());
        assert!(!format!("{key:?}").contains(&hex::encode(&key.secret)));
    }

    #[test]
    fn macs_verify_only_under_their_key() {
        let a = AuditKey::generate();
        let b = AuditKey::generate();
        let tag = a.mac(b"entry");
        assert!(a.verify(b"entry", &tag));
        assert!(!a.verify(b"entrY", &tag));
        assert!(!b.verify(b"entry", &tag));
        let ring = Keyring::new(b.clone(), vec![a.clone()]);
        assert_eq!(ring.get(a.id()).unwrap().id(), a.id());
        assert_eq!(ring.active().id(), b.id());
        assert!(ring.get("0000000000000000").is_none());
    }
}
