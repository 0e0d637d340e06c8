//! Conduct DataLoaders: the nouns its entities are named by in `NOT_FOUND` errors. A ledger
//! entry's staff record loads through the generic `ById<staff_record::Entity>`.

use crate::store::Named;
use entity::{ledger_entry, policy_version};

impl Named for ledger_entry::Entity {
    const NOUN: &'static str = "ledger entry";
}

impl Named for policy_version::Entity {
    const NOUN: &'static str = "policy version";
}
