//! The privacy flags a customer carries: a minor's lawful basis (which makes
//! the record restricted), processing restriction and legal hold. The rules
//! that set and read them live in `policy`.

use super::SystemCode;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// The lawful exceptions under which the council holds a child's record
/// (the council's SCR notice, seeds/003).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BasisKind {
    /// A parent or guardian consented; the reference names the guardian.
    ParentalConsent,
    /// The child is a designated carer or acts for a named adult.
    DesignatedCarer,
    /// A 16- or 17-year-old served as an adult (e.g. a housing application).
    TreatedAsAdult,
    /// Urgent action where prior parental consent is impossible; lapses.
    UrgentMatter,
    /// Another statutory basis; the reference names the law.
    OtherStatutory,
}

impl BasisKind {
    pub fn as_str(self) -> &'static str {
        match self {
            BasisKind::ParentalConsent => "parental_consent",
            BasisKind::DesignatedCarer => "designated_carer",
            BasisKind::TreatedAsAdult => "treated_as_adult",
            BasisKind::UrgentMatter => "urgent_matter",
            BasisKind::OtherStatutory => "other_statutory",
        }
    }
}

/// The exception a minor's record is held on, as recorded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MinorBasis {
    pub kind: BasisKind,
    /// Guardian, case or legal reference (an ID, not a narrative).
    pub reference: String,
    /// The system that submitted the record: it may still see it.
    pub system: SystemCode,
    pub recorded_at: DateTime<Utc>,
    /// When the exception lapses (urgent matters), unless renewed.
    pub expires_at: Option<DateTime<Utc>>,
}

/// A legal hold (e.g. an Inquiries Act notice): erasure and disposal wait.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LegalHold {
    pub reference: String,
    pub placed_by: String,
    pub placed_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Flags {
    /// Set while the record is a minor's held on an exception: restricted.
    pub minor_basis: Option<MinorBasis>,
    /// Article 18 restriction: readable by the DPO only, never propagated.
    pub processing_restricted: bool,
    pub legal_hold: Option<LegalHold>,
}

impl Flags {
    /// Restricted on a minor's exception (need-to-know only).
    pub fn restricted(&self) -> bool {
        self.minor_basis.is_some()
    }
}

/// A DPO's grant letting one named caller see one restricted record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NeedToKnowGrant {
    pub customer_id: super::CustomerId,
    /// The caller's name (as configured or registered).
    pub grantee: String,
    pub reason: String,
    pub granted_by: String,
    pub granted_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub revoked_at: Option<DateTime<Utc>>,
}

impl NeedToKnowGrant {
    pub fn active(&self, now: DateTime<Utc>) -> bool {
        self.revoked_at.is_none() && now < self.expires_at
    }
}
