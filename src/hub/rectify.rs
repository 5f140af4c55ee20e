//! The right to rectification: the DPO replaces named facts of a person's
//! record, validated as a submission is, with the minors policy applied
//! again and consenting departments told of a corrected address.

use super::{Hub, parse_reason};
use crate::auth::Caller;
use crate::error::Result;
use crate::policy::minors;
use crate::policy::view::CustomerView;
use crate::policy::{Action, authorize};
use crate::record::{
    Address, BirthDate, CustomerId, Gender, PersonName, PreviousAddress, Violations,
};
use crate::store::{Change, Op};

/// The facts to replace; `None` keeps the one held. Name parts arrive raw:
/// they are validated together with the parts kept.
#[derive(Debug, Clone)]
pub struct Rectification {
    pub customer_id: CustomerId,
    pub given: Option<String>,
    pub middle: Option<String>,
    pub family: Option<String>,
    pub date_of_birth: Option<BirthDate>,
    pub gender: Option<Gender>,
    pub address: Option<Address>,
    pub reason: String,
}

impl Hub {
    /// Rectifies the record and returns it as now held.
    pub async fn rectify_customer(
        &self,
        caller: &Caller,
        cmd: Rectification,
    ) -> Result<(CustomerId, CustomerView)> {
        authorize(caller, Action::SubjectRights)?;
        let reason = parse_reason(&cmd.reason)?;
        let _guard = self.lock_keys(&[cmd.customer_id.as_str()]).await;
        let (customer, _) = self.current_customer(caller, &cmd.customer_id).await?;
        let held = &customer.person.name;
        let name = PersonName::parse(
            cmd.given.as_deref().unwrap_or(&held.given),
            cmd.middle
                .as_deref()
                .unwrap_or(held.middle.as_deref().unwrap_or("")),
            cmd.family.as_deref().unwrap_or(&held.family),
        );
        let mut person = customer.person.clone();
        match name {
            Ok(name) => person.name = name,
            Err(errors) => {
                let mut v = Violations::default();
                for (part, e) in errors {
                    v.push(&format!("customer.name.{part}"), e);
                }
                v.into_result()?;
            }
        }
        if let Some(dob) = cmd.date_of_birth {
            // A record held on a minor's exception stays restricted (the
            // sweep lifts it at 18); an adult's may not become a minor's.
            if customer.flags.minor_basis.is_none() {
                minors::require_adult(dob, self.clock.now())?;
            }
            person.date_of_birth = dob;
        }
        if let Some(gender) = cmd.gender {
            person.gender = gender;
        }
        if let Some(address) = &cmd.address {
            person.address = address.clone();
        }
        if person == customer.person {
            return self.view_of(caller, &customer.id).await;
        }
        let now = self.clock.now();
        let moved = person.address != customer.person.address;
        let mut change = Change::default();
        change.ops.push(Op::UpdateCustomer {
            id: customer.id.clone(),
            expected_version: customer.version,
            person: person.clone(),
            archived_address: moved.then(|| PreviousAddress {
                address: customer.person.address.clone(),
                until: now,
            }),
            at: now,
        });
        if moved {
            let history = self.store.consent_history(&customer.id).await?;
            let objected = self.objects_to_address_sharing(&customer.id).await?;
            let (events, _, _) = self.address_events(
                &customer,
                &person.address,
                self.clock.today(),
                &history,
                None,
                objected,
            );
            change.events.extend(events);
        }
        change.audit.push(self.audit(
            caller,
            "rectify_customer",
            Some(&customer.id),
            Some(&reason),
        ));
        self.store.apply(change).await?;
        tracing::info!(customer_id = %customer.id, address = moved, "customer rectified");
        self.view_of(caller, &customer.id).await
    }
}

/// Paths a rectification may name, as in `RectifyCustomerRequest.update_mask`.
pub const RECTIFIABLE_PATHS: &[&str] = &[
    "name.given",
    "name.middle",
    "name.family",
    "date_of_birth",
    "gender",
    "address",
];
