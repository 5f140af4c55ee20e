//! Caller authentication and the Admin operations on callers. Callers come
//! from the configuration file or are registered through the API; both are
//! known only by the SHA-256 of their token (or, configured ones, of their
//! TLS client certificate).

use super::Hub;
use crate::auth::{Caller, Role, generate_token, token_hash};
use crate::error::{Error, Result};
use crate::policy::{Action, authorize};
use crate::record::SystemCode;
use crate::store::{Change, Op, RegisteredCaller, StoreError};

#[derive(Debug, Clone)]
pub struct ConfiguredCaller {
    pub caller: Caller,
    pub token_sha256: Option<String>,
    /// Hex SHA-256 of the caller's DER client certificate (mTLS).
    pub client_cert_sha256: Option<String>,
}

impl ConfiguredCaller {
    /// A caller known by the SHA-256 of its bearer token.
    pub fn with_token(caller: Caller, token_sha256: String) -> Self {
        Self {
            caller,
            token_sha256: Some(token_sha256),
            client_cert_sha256: None,
        }
    }
}

/// Where a caller was defined, for listings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CallerSource {
    Config,
    Registered,
}

impl Hub {
    /// The caller holding this bearer token.
    pub async fn authenticate(&self, token: &str) -> Result<Caller> {
        let hash = token_hash(token);
        if let Some(found) = self
            .configured
            .iter()
            .find(|c| c.token_sha256.as_deref() == Some(hash.as_str()))
        {
            return Ok(found.caller.clone());
        }
        self.store
            .caller_by_token_hash(&hash)
            .await?
            .ok_or(Error::Unauthenticated)
    }

    /// The configured caller whose client certificate has this SHA-256
    /// fingerprint (lower-case hex of the DER).
    pub fn authenticate_certificate(&self, fingerprint: &str) -> Result<Caller> {
        self.configured
            .iter()
            .find(|c| c.client_cert_sha256.as_deref() == Some(fingerprint))
            .map(|c| c.caller.clone())
            .ok_or(Error::Unauthenticated)
    }

    /// Registers a caller and returns its token, which is not kept.
    pub async fn register_caller(
        &self,
        admin: &Caller,
        name: &str,
        role: Role,
        system: Option<SystemCode>,
    ) -> Result<String> {
        authorize(admin, Action::ManageCallers)?;
        let name = parse_caller_name(name)?;
        let caller = Caller::new(name, role, system).map_err(|e| Error::invalid("system", e))?;
        if self.configured.iter().any(|c| c.caller.name == caller.name) {
            return Err(Error::AlreadyExists(format!(
                "caller {} is configured",
                caller.name
            )));
        }
        let token = generate_token();
        let registered = RegisteredCaller {
            name: caller.name.clone(),
            role: caller.role,
            system: caller.system,
            created_at: self.clock.now(),
        };
        let mut change = Change::default();
        change.audit.push(self.audit(
            admin,
            "register_caller",
            None,
            Some(&format!("caller {} ({})", registered.name, registered.role)),
        ));
        change.ops.push(Op::InsertCaller {
            caller: registered.clone(),
            token_sha256: token_hash(&token),
        });
        match self.store.apply(change).await {
            Ok(_) => {
                tracing::info!(caller = %registered.name, role = %registered.role, "caller registered");
                Ok(token)
            }
            // Names are never reused, revoked ones included: an audit entry
            // under a name always means one credential.
            Err(StoreError::Conflict) => Err(Error::AlreadyExists(format!(
                "caller {} exists or existed",
                registered.name
            ))),
            Err(e) => Err(e.into()),
        }
    }

    pub async fn list_callers(
        &self,
        admin: &Caller,
    ) -> Result<Vec<(RegisteredCaller, CallerSource)>> {
        authorize(admin, Action::ManageCallers)?;
        let mut all: Vec<_> = self
            .configured
            .iter()
            .map(|c| {
                let r = RegisteredCaller {
                    name: c.caller.name.clone(),
                    role: c.caller.role,
                    system: c.caller.system.clone(),
                    created_at: chrono::DateTime::UNIX_EPOCH,
                };
                (r, CallerSource::Config)
            })
            .collect();
        for r in self.store.list_callers().await? {
            all.push((r, CallerSource::Registered));
        }
        Ok(all)
    }

    pub async fn revoke_caller(&self, admin: &Caller, name: &str) -> Result<()> {
        authorize(admin, Action::ManageCallers)?;
        let name = parse_caller_name(name)?;
        let name = name.as_str();
        if self.configured.iter().any(|c| c.caller.name == name) {
            return Err(Error::FailedPrecondition {
                reason: "CONFIGURED_CALLER",
                message: format!(
                    "caller {name} comes from the configuration file; remove it there"
                ),
            });
        }
        let now = self.clock.now();
        let mut change = Change::default();
        change.audit.push(self.audit(
            admin,
            "revoke_caller",
            None,
            Some(&format!("caller {name}")),
        ));
        change.ops.push(Op::RevokeCaller {
            name: name.to_owned(),
            at: now,
        });
        match self.store.apply(change).await {
            Ok(_) => {
                tracing::info!(caller = %name, "caller revoked");
                Ok(())
            }
            Err(StoreError::Conflict) => Err(Error::NotFound(format!("caller {name}"))),
            Err(e) => Err(e.into()),
        }
    }
}

fn parse_caller_name(raw: &str) -> Result<String> {
    let name = raw.trim();
    let valid = |c: char| c.is_ascii_alphanumeric() || "-_.".contains(c);
    if name.is_empty()
        || name.len() > crate::record::limits::CALLER_NAME
        || !name.chars().all(valid)
    {
        return Err(Error::invalid(
            "name",
            "must be 1-64 characters of A-Z, a-z, 0-9, '-', '_' or '.'",
        ));
    }
    Ok(name.to_owned())
}
