//! Rectification rules and transactions.

use chrono::{DateTime, Utc};
use sea_orm::EntityTrait;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::types::{RectificationSource, RectificationStatus};
use crate::{
    error::{AppError, AppResult},
    events::{Topic, outbox::Write},
    notifications::{
        notifier::{Draft, Notifier},
        types::{NotificationCategory, NotificationPriority, SubjectRef},
    },
};
use entity::{rectification, rectification_entry, staff_record};

/// Notification subject type of a rectification.
pub const RECTIFICATION_SUBJECT: &str = "RECTIFICATION";

/// Event kind of every change on [`Topic::Rectifications`].
pub const CHANGED: &str = "RECTIFICATION_CHANGED";

/// The payload of a [`CHANGED`] event: the rectification after the step and the step's entry.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Change {
    /// The rectification as committed.
    pub rectification: rectification::Model,
    /// The timeline entry of the step.
    pub entry: rectification_entry::Model,
}

/// A rectification to open, already checked by its caller (who decides who may open one).
#[derive(Clone, Debug)]
pub struct NewRectification {
    /// The building it concerns.
    pub building_id: Uuid,
    /// What found the problem.
    pub source: RectificationSource,
    /// The complaint, inspection, work order or survey behind it.
    pub source_id: Option<Uuid>,
    /// The staff record responsible for it.
    pub responsible_staff_id: Uuid,
    /// What is wrong.
    pub problem: String,
    /// What is to be done, if already known.
    pub corrective_action: Option<String>,
    /// Due by.
    pub due_at: DateTime<Utc>,
    /// A work order opened for the work, if any.
    pub work_order_id: Option<Uuid>,
}

/// Opens a rectification inside `write` (the write of whatever found the problem): the row,
/// its first timeline entry, its live event and the responsible person's notification.
/// `opened_by` is `None` when the system opens it. A responsible staff record that does not
/// exist is `NOT_FOUND` on `input.responsibleStaffId`.
pub async fn open(
    write: &mut Write<'_>,
    opened_by: Option<Uuid>,
    new: NewRectification,
) -> AppResult<rectification::Model> {
    let responsible = staff_record::Entity::find_by_id(new.responsible_staff_id)
        .one(write.txn())
        .await?
        .ok_or_else(|| AppError::unknown_id("input.responsibleStaffId", "staff record"))?;
    let now = write.now();
    let model = rectification::Model {
        id: Uuid::now_v7(),
        building_id: new.building_id,
        source_kind: new.source.as_str().to_owned(),
        source_id: new.source_id,
        responsible_staff_id: new.responsible_staff_id,
        problem: new.problem,
        corrective_action: new.corrective_action,
        evidence: "[]".to_owned(),
        due_at: new.due_at,
        status: RectificationStatus::Open.as_str().to_owned(),
        work_order_id: new.work_order_id,
        opened_by,
        opened_at: now,
        submitted_at: None,
        verified_by: None,
        verified_at: None,
        overdue_at: None,
        version: 1,
        updated_at: now,
    };
    rectification::Entity::insert(rectification::ActiveModel::from(model.clone()))
        .exec_without_returning(write.txn())
        .await?;
    let entry = rectification_entry::Model {
        id: Uuid::now_v7(),
        rectification_id: model.id,
        actor_id: opened_by,
        action: "OPEN".to_owned(),
        from_status: None,
        to_status: model.status.clone(),
        note: None,
        at: now,
    };
    record(write, &model, entry).await?;
    Notifier::notify(
        write,
        [responsible.user_id],
        &Draft {
            category: NotificationCategory::Rectification,
            priority: NotificationPriority::Important,
            kind: "OPENED".to_owned(),
            title: "A rectification was assigned to you".to_owned(),
            text: model.problem.chars().take(200).collect(),
            subject: SubjectRef {
                kind: RECTIFICATION_SUBJECT,
                id: model.id,
            },
        },
    )
    .await?;
    Ok(model)
}

/// Writes a timeline entry and queues the live event, in `write`.
pub async fn record(
    write: &mut Write<'_>,
    rectification: &rectification::Model,
    entry: rectification_entry::Model,
) -> AppResult<()> {
    rectification_entry::Entity::insert(rectification_entry::ActiveModel::from(entry.clone()))
        .exec_without_returning(write.txn())
        .await?;
    let change = Change {
        rectification: rectification.clone(),
        entry,
    };
    write.event(
        Topic::Rectifications,
        CHANGED,
        serde_json::to_value(&change).map_err(AppError::internal)?,
    );
    Ok(())
}
