//! The rectification domain's enumerations.

use crate::text_enum;

text_enum! {
    /// What found the problem.
    pub enum RectificationSource {
        /// A resident's complaint.
        Complaint => "COMPLAINT",
        /// A supervision inspection's finding.
        Inspection => "INSPECTION",
        /// A work order rated 2 or less.
        LowRating => "LOW_RATING",
        /// A satisfaction survey.
        Survey => "SURVEY",
    }
}

text_enum! {
    /// Where a rectification stands.
    pub enum RectificationStatus {
        /// Opened, not yet started.
        Open => "OPEN",
        /// Being worked on (also after a rejected submission).
        InProgress => "IN_PROGRESS",
        /// Submitted with evidence, awaiting verification.
        Submitted => "SUBMITTED",
        /// Verified by someone other than the responsible person.
        Verified => "VERIFIED",
    }
}
