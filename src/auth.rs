//! Who is calling: roles, callers and bearer-token checks. Tokens are never
//! kept; only their SHA-256 hashes are, in the configuration or the store.

use crate::record::SystemCode;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Department,
    Agent,
    Subscriber,
    Steward,
    Dpo,
    Admin,
}

impl Role {
    pub const ALL: [Role; 6] = [
        Role::Department,
        Role::Agent,
        Role::Subscriber,
        Role::Steward,
        Role::Dpo,
        Role::Admin,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Department => "department",
            Role::Agent => "agent",
            Role::Subscriber => "subscriber",
            Role::Steward => "steward",
            Role::Dpo => "dpo",
            Role::Admin => "admin",
        }
    }

    pub fn from_code(code: &str) -> Option<Self> {
        Role::ALL.into_iter().find(|r| r.as_str() == code)
    }

    /// Department and subscriber callers act for exactly one system.
    pub fn needs_system(self) -> bool {
        matches!(self, Role::Department | Role::Subscriber)
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An authenticated caller, as placed in each request's extensions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    pub name: String,
    pub role: Role,
    pub system: Option<SystemCode>,
}

impl Caller {
    /// Checks the role/system pairing that every caller must satisfy.
    pub fn new(name: String, role: Role, system: Option<SystemCode>) -> Result<Self, String> {
        match (role.needs_system(), &system) {
            (true, None) => Err(format!("a {role} caller must name its system")),
            (false, Some(_)) => Err(format!("a {role} caller is not bound to a system")),
            _ => Ok(Self { name, role, system }),
        }
    }
}

/// Lower-case hex SHA-256 of a bearer token.
pub fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// A fresh random bearer token: 32 bytes, hex encoded.
pub fn generate_token() -> String {
    let bytes: [u8; 32] = rand::random();
    hex::encode(bytes)
}

/// Accepts a configured hash written in either case; rejects anything that is
/// not 64 hex digits so a plain token pasted by mistake is caught at start.
pub fn parse_token_hash(raw: &str) -> Result<String, String> {
    let hash = raw.trim().to_ascii_lowercase();
    if hash.len() == 64 && hash.bytes().all(|b| b.is_ascii_hexdigit()) {
        Ok(hash)
    } else {
        Err("token_sha256 must be 64 hex digits (the SHA-256 of the token)".into())
    }
}

/// The same check for a client certificate's SHA-256 fingerprint; colons
/// (as `openssl x509 -fingerprint -sha256` prints them) are accepted.
pub fn parse_cert_hash(raw: &str) -> Result<String, String> {
    let hash: String = raw.trim().replace(':', "").to_ascii_lowercase();
    if hash.len() == 64 && hash.bytes().all(|b| b.is_ascii_hexdigit()) {
        Ok(hash)
    } else {
        Err("client_cert_sha256 must be 64 hex digits (the SHA-256 of the DER certificate)".into())
    }
}

/// Lower-case hex SHA-256 of a DER certificate: how a client certificate
/// names its caller.
pub fn cert_fingerprint(der: &[u8]) -> String {
    hex::encode(Sha256::digest(der))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_tokens() {
        assert_eq!(
            token_hash("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert_eq!(generate_token().len(), 64);
    }

    #[test]
    fn department_callers_need_a_system() {
        let system = SystemCode::parse("libraries").ok();
        assert!(Caller::new("a".into(), Role::Department, None).is_err());
        assert!(Caller::new("a".into(), Role::Agent, system.clone()).is_err());
        assert!(Caller::new("a".into(), Role::Department, system).is_ok());
    }

    #[test]
    fn accepts_openssl_style_certificate_fingerprints() {
        let hash = token_hash("cert");
        let colons: Vec<String> = hash
            .as_bytes()
            .chunks(2)
            .map(|p| String::from_utf8_lossy(p).to_uppercase())
            .collect();
        assert_eq!(parse_cert_hash(&colons.join(":")).unwrap(), hash);
        assert!(parse_cert_hash("CN=crm").is_err());
    }

    #[test]
    fn rejects_plain_tokens_as_hashes() {
        assert!(parse_token_hash("secret").is_err());
        assert!(parse_token_hash(&token_hash("x").to_uppercase()).is_ok());
    }
}
