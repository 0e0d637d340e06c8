//! Resolving notification subjects: for a batch of rows, the subject objects the viewer may see,
//! one query per subject type. A domain that produces notifications adds its type here.

use std::collections::{HashMap, HashSet};

use uuid::Uuid;

use super::types::{NotificationRow, NotificationSubject, SubjectRef};
use crate::{
    app::AppState,
    domains::{
        estate::access::Scope,
        notices::{board::NoticeBoard, types::Notice},
    },
    error::AppResult,
};

/// The subjects of `rows` that `scope` may see, keyed by (subject type, id). Unknown types and
/// subjects the viewer may not see are simply absent.
pub async fn resolve(
    state: &AppState,
    scope: &Scope,
    rows: &[NotificationRow],
) -> AppResult<HashMap<(String, Uuid), NotificationSubject>> {
    let mut wanted: HashMap<&str, HashSet<Uuid>> = HashMap::new();
    for row in rows {
        wanted
            .entry(row.subject_type.as_str())
            .or_default()
            .insert(row.subject_id);
    }
    let mut found = HashMap::new();
    for (kind, ids) in wanted {
        // Each domain that produces notifications adds its arm.
        #[allow(clippy::single_match)]
        match kind {
            SubjectRef::NOTICE => {
                let now = state.clock.now();
                for (id, model) in NoticeBoard::new(state).visible_among(scope, ids).await? {
                    // A row this version cannot read is left out rather than failing the inbox.
                    if let Ok(notice) = Notice::try_from_model(model, now) {
                        found.insert(
                            (SubjectRef::NOTICE.to_owned(), id),
                            NotificationSubject::Notice(notice),
                        );
                    }
                }
            }
            _ => {}
        }
    }
    Ok(found)
}
