//! Anonymous equalities statistics for the DPO: the store's raw counts,
//! made publishable by `policy::equalities`.

use super::Hub;
use crate::auth::Caller;
use crate::error::{Error, Result};
use crate::policy::equalities::{Cell, tables};
use crate::policy::{Action, authorize};
use crate::record::{BirthDate, Gender};
use crate::store::Change;

impl Hub {
    pub async fn equalities_counts(&self, caller: &Caller, by_system: bool) -> Result<Vec<Cell>> {
        authorize(caller, Action::Statistics)?;
        let raw = self.store.equalities_counts(by_system).await?;
        let mut rows = Vec::with_capacity(raw.len());
        for r in raw {
            let gender = Gender::from_code(&r.gender)
                .ok_or_else(|| Error::Internal("stored gender is not valid".into()))?;
            let count = u64::try_from(r.count).unwrap_or(0);
            rows.push((
                r.system,
                gender,
                BirthDate::from_stored(r.date_of_birth),
                count,
            ));
        }
        let cells = tables(&rows, self.clock.today());
        // No one in particular is looked at, but the query itself is kept.
        let mut change = Change::default();
        change.audit.push(self.audit(
            caller,
            "equalities_counts",
            None,
            Some(if by_system { "by system" } else { "whole hub" }),
        ));
        self.store.apply(change).await?;
        tracing::info!(cells = cells.len(), by_system, "equalities counts");
        Ok(cells)
    }
}
