//! Notice and notification types.

use async_graphql::{Context, ID, SimpleObject};
use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::{audience::Audience, loaders::NoticeLoaders};
use crate::{
    auth::Role,
    domains::{
        estate::{
            loaders::{BuildingById, UnitById},
            types::{Building, Unit},
        },
        identity::{loaders::UserById, types::User},
    },
    error::AppResult,
    graphql::ContextExt,
    text_enum,
};
use entity::notice;

text_enum! {
    /// What a notice is about.
    pub enum NoticeKind {
        /// General information.
        General => "GENERAL",
        /// Planned maintenance.
        Maintenance => "MAINTENANCE",
        /// Water, power or lift outage.
        Outage => "OUTAGE",
        /// Safety.
        Safety => "SAFETY",
        /// Fire safety.
        Fire => "FIRE",
        /// Community activity.
        Activity => "ACTIVITY",
        /// Health.
        Health => "HEALTH",
        /// Rules and policies.
        Policy => "POLICY",
    }
}

text_enum! {
    /// How urgent a notice is.
    pub enum NoticePriority {
        /// Normal.
        Normal => "NORMAL",
        /// Important.
        Important => "IMPORTANT",
        /// Emergency: reaches everyone in the audience, even those who muted its kind.
        Emergency => "EMERGENCY",
    }
}

text_enum! {
    /// Where a notice stands.
    pub enum NoticeStatus {
        /// Being written; visible to publishers only.
        Draft => "DRAFT",
        /// Waiting for its publication time.
        Scheduled => "SCHEDULED",
        /// Published and current.
        Published => "PUBLISHED",
        /// Published, past its expiry time.
        Expired => "EXPIRED",
        /// Taken down.
        Withdrawn => "WITHDRAWN",
    }
}

/// A notice on the bulletin board.
#[derive(SimpleObject, Clone)]
#[graphql(complex)]
pub struct Notice {
    /// Id.
    pub id: ID,
    /// Title.
    pub title: String,
    /// Body (Markdown).
    pub body: String,
    /// Kind.
    pub kind: NoticeKind,
    /// Priority.
    pub priority: NoticePriority,
    /// Status (a published notice past `expiresAt` shows as `EXPIRED`).
    pub status: NoticeStatus,
    /// Publication time.
    pub publish_at: DateTime<Utc>,
    /// Expiry time.
    pub expires_at: Option<DateTime<Utc>>,
    /// Shown above the others.
    pub pinned: bool,
    /// Readers are asked to acknowledge it.
    pub requires_ack: bool,
    /// The notice id as a UUID.
    #[graphql(skip)]
    pub uuid: Uuid,
    /// The corrected notice's id.
    #[graphql(skip)]
    pub supersedes_uuid: Option<Uuid>,
    /// The author's id.
    #[graphql(skip)]
    pub author_id: Uuid,
}

impl Notice {
    /// From a model, judging expiry at `now`.
    pub fn try_from_model(model: notice::Model, now: DateTime<Utc>) -> AppResult<Notice> {
        let mut status = NoticeStatus::from_stored(&model.status)?;
        if status == NoticeStatus::Published && model.expires_at.is_some_and(|at| at <= now) {
            status = NoticeStatus::Expired;
        }
        Ok(Notice {
            id: ID(model.id.to_string()),
            title: model.title,
            body: model.body,
            kind: NoticeKind::from_stored(&model.kind)?,
            priority: NoticePriority::from_stored(&model.priority)?,
            status,
            publish_at: model.publish_at,
            expires_at: model.expires_at,
            pinned: model.pinned,
            requires_ack: model.requires_ack,
            uuid: model.id,
            supersedes_uuid: model.supersedes_id,
            author_id: model.author_id,
        })
    }
}

impl crate::graphql::plain::PlainFields for Notice {
    fn plain_field(&self, name: &str) -> Option<async_graphql::Value> {
        use crate::graphql::plain::plain;
        Some(match name {
            "id" => plain(&self.id),
            "title" => plain(&self.title),
            "body" => plain(&self.body),
            "kind" => plain(&self.kind),
            "priority" => plain(&self.priority),
            "status" => plain(&self.status),
            "publishAt" => plain(&self.publish_at),
            "expiresAt" => plain(&self.expires_at),
            "pinned" => plain(&self.pinned),
            "requiresAck" => plain(&self.requires_ack),
            _ => return None,
        })
    }
}

/// Who wrote a notice.
#[derive(SimpleObject)]
pub struct NoticeAuthor {
    /// Name shown to readers.
    pub display_name: String,
    /// The author's account: for administrators and the author themselves, null for others.
    pub user: Option<User>,
}

/// The viewer's own receipt of a notice.
#[derive(SimpleObject)]
pub struct NoticeViewerReceipt {
    /// When you first read it.
    pub read_at: Option<DateTime<Utc>>,
    /// When you acknowledged it (null while it still needs your acknowledgement).
    pub acknowledged_at: Option<DateTime<Utc>>,
}

/// A floor of a building, in an audience.
#[derive(SimpleObject)]
pub struct NoticeAudienceFloor {
    /// The building.
    pub building: Option<Building>,
    /// The floor.
    pub floor: i32,
}

/// Who a notice is for, as its publishers see it.
#[derive(SimpleObject)]
pub struct NoticeAudience {
    /// The whole estate.
    pub estate: bool,
    /// Everyone living in or serving these buildings.
    pub buildings: Vec<Building>,
    /// Everyone living on these floors.
    pub floors: Vec<NoticeAudienceFloor>,
    /// Everyone living in these units.
    pub units: Vec<Unit>,
    /// Everyone holding these roles.
    pub roles: Vec<Role>,
}

impl NoticeAudience {
    /// The audience as its publishers see it: buildings and units loaded in batches, sorted by
    /// name and number (shared by every owner of the audience model).
    pub async fn view(ctx: &Context<'_>, audience: &Audience) -> async_graphql::Result<Self> {
        let loaders = ctx.loaders()?;
        let mut building_ids = audience.building_ids.clone();
        building_ids.extend(audience.floors.iter().map(|(b, _)| *b));
        let found = loaders
            .get::<BuildingById>()
            .load_many(building_ids)
            .await?;
        let building = |id: &Uuid| found.get(id).cloned().map(Building::from);
        let mut buildings: Vec<Building> =
            audience.building_ids.iter().filter_map(building).collect();
        buildings.sort_by(|a, b| a.name.cmp(&b.name));
        let units = loaders
            .get::<UnitById>()
            .load_many(audience.unit_ids.iter().copied())
            .await?;
        let mut units: Vec<Unit> = audience
            .unit_ids
            .iter()
            .filter_map(|id| units.get(id).cloned())
            .map(Unit::try_from_model)
            .collect::<AppResult<_>>()?;
        units.sort_by(|a, b| a.number.cmp(&b.number));
        Ok(NoticeAudience {
            estate: audience.estate,
            buildings,
            floors: audience
                .floors
                .iter()
                .map(|(b, f)| NoticeAudienceFloor {
                    building: building(b),
                    floor: *f,
                })
                .collect(),
            units,
            roles: audience.roles.clone(),
        })
    }
}

#[async_graphql::ComplexObject]
impl Notice {
    /// The notice this one corrects, when you may see it.
    async fn supersedes(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Notice>> {
        let Some(old) = self.supersedes_uuid else {
            return Ok(None);
        };
        let loaders = NoticeLoaders::of(ctx).await?;
        let model = loaders.visible.load_one(old).await?;
        let now = ctx.state().clock.now();
        Ok(model.map(|m| Notice::try_from_model(m, now)).transpose()?)
    }

    /// The newest notice that corrects this one, when you may see it (this one stays visible,
    /// linked).
    async fn superseded_by(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Notice>> {
        let loaders = NoticeLoaders::of(ctx).await?;
        let model = loaders.superseding.load_one(self.uuid).await?;
        let now = ctx.state().clock.now();
        Ok(model.map(|m| Notice::try_from_model(m, now)).transpose()?)
    }

    /// Who wrote it.
    async fn author(&self, ctx: &Context<'_>) -> async_graphql::Result<NoticeAuthor> {
        let scope = ctx.scope().await?;
        let user = ctx.loaders()?.load_one::<UserById>(self.author_id).await?;
        let display_name = user
            .as_ref()
            .map_or_else(|| "(former user)".to_owned(), |u| u.display_name.clone());
        let may_see = scope.is_self_or_admin(self.author_id);
        Ok(NoticeAuthor {
            display_name,
            user: user.filter(|_| may_see).map(User::from),
        })
    }

    /// Who it is for: shown to publishers (administrators and managers), null for readers.
    async fn audience(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<NoticeAudience>> {
        let loaders = NoticeLoaders::of(ctx).await?;
        if !loaders.publisher {
            return Ok(None);
        }
        let audience = loaders
            .audiences
            .load_one(self.uuid)
            .await?
            .unwrap_or_default();
        Ok(Some(NoticeAudience::view(ctx, &audience).await?))
    }

    /// Your receipt: when you read and acknowledged it; null while you have not read it.
    async fn viewer_receipt(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Option<NoticeViewerReceipt>> {
        let loaders = NoticeLoaders::of(ctx).await?;
        Ok(loaders
            .receipts
            .load_one(self.uuid)
            .await?
            .map(|r| NoticeViewerReceipt {
                read_at: r.read_at,
                acknowledged_at: r.acknowledged_at,
            }))
    }
}
