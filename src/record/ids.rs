//! Identifiers: the hub's own customer IDs and departmental system codes/IDs.

use serde::{Deserialize, Serialize};
use std::fmt;

/// An opaque, stable customer ID (a random UUID: it reveals nothing).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct CustomerId(String);

impl CustomerId {
    pub fn generate() -> Self {
        Self(uuid::Uuid::new_v4().to_string())
    }

    pub fn parse(raw: &str) -> Result<Self, String> {
        let id = uuid::Uuid::parse_str(raw.trim()).map_err(|_| "must be a customer ID (UUID)")?;
        Ok(Self(id.hyphenated().to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for CustomerId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A departmental system's code, e.g. `libraries` or `council-tax`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct SystemCode(String);

impl SystemCode {
    pub fn parse(raw: &str) -> Result<Self, String> {
        let code = raw.trim();
        let valid_char =
            |c: char| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_';
        if code.is_empty() {
            return Err("is required".into());
        }
        if code.len() > super::limits::SYSTEM_CODE || !code.chars().all(valid_char) {
            return Err("must be 1-32 characters of a-z, 0-9, '-' or '_'".into());
        }
        Ok(Self(code.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for SystemCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A person's ID inside one departmental system.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct LocalId(String);

impl LocalId {
    pub fn parse(raw: &str) -> Result<Self, String> {
        let id = raw.trim();
        if id.is_empty() {
            return Err("is required".into());
        }
        if id.chars().count() > super::limits::LOCAL_ID
            || id.chars().any(super::limits::is_forbidden)
        {
            return Err("must be at most 64 printable characters".into());
        }
        Ok(Self(id.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for LocalId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}
