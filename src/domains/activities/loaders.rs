//! Activity DataLoaders: audiences, waitlists, members, feedback of a page, one statement each.

use std::collections::HashMap;

use async_graphql::dataloader::Loader;
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use uuid::Uuid;

use super::types::{ActivityFeedbackSummary, ActivitySignUpStatus};
use crate::{
    clock::Clock,
    error::LoadError,
    graphql::loaders::{ByColumn, ColumnKey, DomainLoader, group},
    store::Named,
};
use entity::{
    activity, activity_audience, activity_feedback, activity_sign_up, activity_sign_up_member,
    household_member,
};

impl Named for activity::Entity {
    const NOUN: &'static str = "activity";
}

/// An audience row's activity.
pub struct AudienceActivity;
impl ColumnKey for AudienceActivity {
    type Entity = activity_audience::Entity;
    const COLUMN: activity_audience::Column = activity_audience::Column::ActivityId;
}
/// Each activity's audience rows.
pub type AudienceByActivity = ByColumn<AudienceActivity>;

/// Each sign-up's feedback, `None` for those without (every key gets an answer, so a primed
/// page is never asked for again).
pub struct FeedbackBySignUp(DatabaseConnection);

impl DomainLoader for FeedbackBySignUp {
    fn new(db: DatabaseConnection, _clock: &Clock) -> Self {
        FeedbackBySignUp(db)
    }
}

impl Loader<Uuid> for FeedbackBySignUp {
    type Value = Option<activity_feedback::Model>;
    type Error = LoadError;

    async fn load(
        &self,
        keys: &[Uuid],
    ) -> Result<HashMap<Uuid, Option<activity_feedback::Model>>, LoadError> {
        let mut out: HashMap<Uuid, Option<activity_feedback::Model>> =
            keys.iter().map(|k| (*k, None)).collect();
        for row in activity_feedback::Entity::find()
            .filter(activity_feedback::Column::SignUpId.is_in(keys.iter().copied()))
            .all(&self.0)
            .await?
        {
            out.insert(row.sign_up_id, Some(row));
        }
        Ok(out)
    }
}

/// Each activity's waitlist: the waiting sign-ups' ids, first in line first.
pub struct WaitlistByActivity(DatabaseConnection);

impl DomainLoader for WaitlistByActivity {
    fn new(db: DatabaseConnection, _clock: &Clock) -> Self {
        WaitlistByActivity(db)
    }
}

impl Loader<Uuid> for WaitlistByActivity {
    type Value = Vec<Uuid>;
    type Error = LoadError;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Vec<Uuid>>, LoadError> {
        let rows: Vec<(Uuid, Uuid)> = activity_sign_up::Entity::find()
            .select_only()
            .column(activity_sign_up::Column::ActivityId)
            .column(activity_sign_up::Column::Id)
            .filter(activity_sign_up::Column::ActivityId.is_in(keys.iter().copied()))
            .filter(activity_sign_up::Column::Status.eq(ActivitySignUpStatus::Waitlisted.as_str()))
            .order_by_asc(activity_sign_up::Column::WaitlistSeq)
            .into_tuple()
            .all(&self.0)
            .await?;
        Ok(group(keys, rows, |pair| pair))
    }
}

/// Each sign-up's household members.
pub struct MembersBySignUp(DatabaseConnection);

impl DomainLoader for MembersBySignUp {
    fn new(db: DatabaseConnection, _clock: &Clock) -> Self {
        MembersBySignUp(db)
    }
}

impl Loader<Uuid> for MembersBySignUp {
    type Value = Vec<household_member::Model>;
    type Error = LoadError;

    async fn load(
        &self,
        keys: &[Uuid],
    ) -> Result<HashMap<Uuid, Vec<household_member::Model>>, LoadError> {
        let rows = activity_sign_up_member::Entity::find()
            .find_also_related(household_member::Entity)
            .filter(activity_sign_up_member::Column::SignUpId.is_in(keys.iter().copied()))
            .order_by_asc(activity_sign_up_member::Column::Id)
            .all(&self.0)
            .await?;
        Ok(group(
            keys,
            rows.into_iter()
                .filter_map(|(link, member)| member.map(|m| (link.sign_up_id, m))),
            |pair| pair,
        ))
    }
}

/// Each activity's feedback in numbers.
pub struct FeedbackSummaryLoader(DatabaseConnection);

impl DomainLoader for FeedbackSummaryLoader {
    fn new(db: DatabaseConnection, _clock: &Clock) -> Self {
        FeedbackSummaryLoader(db)
    }
}

impl Loader<Uuid> for FeedbackSummaryLoader {
    type Value = ActivityFeedbackSummary;
    type Error = LoadError;

    async fn load(
        &self,
        keys: &[Uuid],
    ) -> Result<HashMap<Uuid, ActivityFeedbackSummary>, LoadError> {
        let rows: Vec<(Uuid, i32, i64)> = activity_feedback::Entity::find()
            .select_only()
            .column(activity_feedback::Column::ActivityId)
            .column(activity_feedback::Column::Rating)
            .column_as(activity_feedback::Column::Id.count(), "n")
            .filter(activity_feedback::Column::ActivityId.is_in(keys.iter().copied()))
            .group_by(activity_feedback::Column::ActivityId)
            .group_by(activity_feedback::Column::Rating)
            .into_tuple()
            .all(&self.0)
            .await?;
        let mut out: HashMap<Uuid, ActivityFeedbackSummary> = keys
            .iter()
            .map(|k| {
                (
                    *k,
                    ActivityFeedbackSummary {
                        ratings: vec![0; 5],
                        ..Default::default()
                    },
                )
            })
            .collect();
        let mut sums: HashMap<Uuid, i64> = HashMap::new();
        for (activity, rating, n) in rows {
            let Some(summary) = out.get_mut(&activity) else {
                continue;
            };
            let n32 = i32::try_from(n).unwrap_or(i32::MAX);
            if let Some(slot) = usize::try_from(rating - 1)
                .ok()
                .and_then(|i| summary.ratings.get_mut(i))
            {
                *slot += n32;
            }
            summary.count += n32;
            *sums.entry(activity).or_default() += i64::from(rating) * n;
        }
        for (activity, summary) in &mut out {
            if summary.count > 0 {
                let sum = sums.get(activity).copied().unwrap_or(0) as f64;
                summary.average_rating =
                    Some((sum / f64::from(summary.count) * 100.0).round() / 100.0);
            }
        }
        Ok(out)
    }
}
