//! Supervision enums and GraphQL types.

use std::collections::BTreeMap;

use async_graphql::{Context, ID, Object, SimpleObject};
use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::{
    access::View,
    loaders::{FindingsByInspection, ItemsByPlan, PlanById, ScoresByInspection},
};
use crate::{
    domains::{
        estate::{
            loaders::BuildingById,
            types::{Building, StaffRecord},
        },
        identity::loaders::UserById,
    },
    error::{AppError, AppResult},
    graphql::{ContextExt, loaders::ById, scalars::Date},
    text_enum,
};
use entity::{
    inspection, inspection_finding, inspection_plan, inspection_plan_item, inspection_score,
    staff_record, supervision_member,
};

text_enum! {
    /// A member's place in a supervision group.
    pub enum MemberRole {
        /// Chairs the group: schedules its inspections (staff or a resident of the building).
        Chair => "CHAIR",
        /// A staff member (an active staff record).
        Staff => "STAFF",
        /// A resident representative: a resident of the building, while they live there.
        Resident => "RESIDENT",
    }
}

text_enum! {
    /// The service area an inspection item belongs to.
    pub enum InspectionArea {
        /// Cleaning.
        Cleaning => "CLEANING",
        /// Security.
        Security => "SECURITY",
        /// Fire safety.
        FireSafety => "FIRE_SAFETY",
        /// Greening (gardens, planting).
        Greening => "GREENING",
        /// Facilities and equipment.
        Facilities => "FACILITIES",
        /// Customer service.
        CustomerService => "CUSTOMER_SERVICE",
    }
}

text_enum! {
    /// Whether the building's staff are told of an inspection in advance.
    pub enum InspectionKind {
        /// Announced: the building's staff see it (and are notified) from its scheduling.
        Scheduled => "SCHEDULED",
        /// Unannounced: invisible to the building's staff until it is completed.
        Unannounced => "UNANNOUNCED",
    }
}

text_enum! {
    /// Where an inspection stands.
    pub enum InspectionStatus {
        /// Scheduled, not begun.
        Planned => "PLANNED",
        /// The inspector has begun.
        InProgress => "IN_PROGRESS",
        /// Scored and completed (once; final).
        Completed => "COMPLETED",
        /// Called off before completion.
        Cancelled => "CANCELLED",
    }
}

text_enum! {
    /// How serious a finding is (it sets the rectification's default due date).
    pub enum FindingSeverity {
        /// Put right within 7 days.
        Minor => "MINOR",
        /// Put right within 3 days.
        Major => "MAJOR",
        /// Put right within 1 day.
        Critical => "CRITICAL",
    }
}

impl FindingSeverity {
    /// Days to put it right, unless the finding says otherwise.
    pub fn due_days(self) -> i64 {
        match self {
            FindingSeverity::Minor => 7,
            FindingSeverity::Major => 3,
            FindingSeverity::Critical => 1,
        }
    }
}

text_enum! {
    /// What happened on the supervision board.
    pub enum InspectionAction {
        /// An inspection was scheduled.
        Scheduled => "SCHEDULED",
        /// Its inspector began.
        Started => "STARTED",
        /// It was scored and completed, with its findings.
        Completed => "COMPLETED",
        /// It was called off.
        Cancelled => "CANCELLED",
    }
}

/// A member of a building's supervision group.
pub struct SupervisionMember {
    /// The row.
    pub model: supervision_member::Model,
    /// Whether it counts now (in term, and a representative still lives in the building).
    pub current: bool,
}

/// A member of a building's supervision group: chair, staff member or resident representative, with a term.
#[Object]
impl SupervisionMember {
    /// Id.
    async fn id(&self) -> ID {
        ID(self.model.id.to_string())
    }

    /// The building whose group it is.
    async fn building_id(&self) -> ID {
        ID(self.model.building_id.to_string())
    }

    /// Chair, staff member or resident representative.
    async fn role(&self) -> async_graphql::Result<MemberRole> {
        Ok(MemberRole::from_stored(&self.model.role)?)
    }

    /// The member's user id.
    async fn user_id(&self) -> ID {
        ID(self.model.user_id.to_string())
    }

    /// The member's name.
    async fn display_name(&self, ctx: &Context<'_>) -> async_graphql::Result<String> {
        let user = ctx
            .loaders()?
            .load_one::<UserById>(self.model.user_id)
            .await?
            .ok_or(AppError::NotFound("user"))?;
        Ok(user.display_name)
    }

    /// The member's staff record (staff members, and a chair who is staff).
    async fn staff(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<StaffRecord>> {
        let Some(id) = self.model.staff_id else {
            return Ok(None);
        };
        let record = ctx
            .loaders()?
            .load_one::<ById<staff_record::Entity>>(id)
            .await?;
        Ok(record.map(StaffRecord::try_from_model).transpose()?)
    }

    /// First day of the term.
    async fn term_from(&self) -> Date {
        Date(self.model.term_from)
    }

    /// The first day the member no longer counts; null: open-ended.
    async fn term_until(&self) -> Option<Date> {
        self.model.term_until.map(Date)
    }

    /// Whether the member counts now: within the term, and for a resident representative,
    /// still living in the building.
    async fn current(&self) -> bool {
        self.current
    }
}

/// A building's supervision group.
pub struct SupervisionGroup {
    /// The building.
    pub building_id: Uuid,
    /// Every membership, past and present, oldest first.
    pub members: Vec<SupervisionMember>,
}

/// A building's supervision group: its chair and members.
#[Object]
impl SupervisionGroup {
    /// The building.
    async fn building(&self, ctx: &Context<'_>) -> async_graphql::Result<Building> {
        let building = ctx
            .loaders()?
            .load_one::<BuildingById>(self.building_id)
            .await?
            .ok_or(AppError::NotFound("building"))?;
        Ok(building.into())
    }

    /// The current chair, if any.
    async fn chair(&self) -> Option<&SupervisionMember> {
        self.members
            .iter()
            .find(|m| m.current && m.model.role == MemberRole::Chair.as_str())
    }

    /// The members who count now; with `includePast`, every membership (ended terms, and
    /// representatives who moved out), oldest first.
    async fn members(&self, include_past: Option<bool>) -> Vec<&SupervisionMember> {
        let all = include_past.unwrap_or(false);
        self.members.iter().filter(|m| all || m.current).collect()
    }
}

/// An item of an inspection plan.
pub struct InspectionPlanItem(pub inspection_plan_item::Model);

/// One weighted item of an inspection plan's checklist.
#[Object]
impl InspectionPlanItem {
    /// Id (name it when scoring).
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }

    /// Order in the checklist, from 0.
    async fn position(&self) -> i32 {
        self.0.position
    }

    /// The area it belongs to.
    async fn area(&self) -> async_graphql::Result<InspectionArea> {
        Ok(InspectionArea::from_stored(&self.0.area)?)
    }

    /// What is checked.
    async fn title(&self) -> &str {
        &self.0.title
    }

    /// Its weight: the highest score it takes (a plan's weights sum to 100).
    async fn weight(&self) -> i32 {
        self.0.weight
    }
}

/// An inspection plan: a checklist of weighted items by area. Never changes once made; a
/// revision is a new version (`replaces`), which retires this one.
#[derive(Clone)]
pub struct InspectionPlan {
    id: ID,
    /// The row.
    pub model: inspection_plan::Model,
}

impl InspectionPlan {
    /// The plan of `model`.
    pub fn new(model: inspection_plan::Model) -> InspectionPlan {
        InspectionPlan {
            id: ID(model.id.to_string()),
            model,
        }
    }
}

/// An inspection plan: a checklist of weighted items by area (weights sum to 100). Never changes; a revision is a new version that retires this one.
#[Object]
impl InspectionPlan {
    /// Id.
    pub async fn id(&self) -> &ID {
        &self.id
    }

    /// Name.
    async fn name(&self) -> &str {
        &self.model.name
    }

    /// 1, or one more than the version it replaces.
    async fn version(&self) -> i32 {
        self.model.version
    }

    /// The version this one replaces.
    async fn replaces_id(&self) -> Option<ID> {
        self.model.replaces_id.map(|id| ID(id.to_string()))
    }

    /// Retired (replaced by a newer version): takes no new inspections.
    async fn retired(&self) -> bool {
        self.model.retired_at.is_some()
    }

    /// Made at.
    async fn created_at(&self) -> DateTime<Utc> {
        self.model.created_at
    }

    /// The checklist, in order.
    async fn items(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<InspectionPlanItem>> {
        let mut items = ctx
            .loaders()?
            .load_one::<ItemsByPlan>(self.model.id)
            .await?
            .unwrap_or_default();
        items.sort_by_key(|i| i.position);
        Ok(items.into_iter().map(InspectionPlanItem).collect())
    }
}

/// One item's score in an inspection, with the item as it was scored.
pub struct InspectionItemScore(pub inspection_score::Model);

/// One item's score in a completed inspection, with the item as it was scored.
#[Object]
impl InspectionItemScore {
    /// The plan item.
    async fn item_id(&self) -> ID {
        ID(self.0.item_id.to_string())
    }

    /// Its position in the plan.
    async fn position(&self) -> i32 {
        self.0.position
    }

    /// Its area.
    async fn area(&self) -> async_graphql::Result<InspectionArea> {
        Ok(InspectionArea::from_stored(&self.0.area)?)
    }

    /// Its title.
    async fn title(&self) -> &str {
        &self.0.title
    }

    /// Its weight (the highest score).
    async fn weight(&self) -> i32 {
        self.0.weight
    }

    /// Points given, 0..weight.
    async fn score(&self) -> i32 {
        self.0.score
    }

    /// The inspector's note.
    async fn note(&self) -> Option<&str> {
        self.0.note.as_deref()
    }
}

/// One area's result in an inspection.
#[derive(SimpleObject, Clone)]
pub struct AreaScore {
    /// The area.
    pub area: InspectionArea,
    /// Points given to its items.
    pub score: i32,
    /// The weight of its items (the most it could get).
    pub weight: i32,
    /// `score` as a percentage of `weight`, rounded (0–100).
    pub percent: i32,
}

/// The area results of a set of scores, in area order.
pub fn area_scores(scores: &[inspection_score::Model]) -> AppResult<Vec<AreaScore>> {
    let mut areas: BTreeMap<usize, (InspectionArea, i32, i32)> = BTreeMap::new();
    for score in scores {
        let area = InspectionArea::from_stored(&score.area)?;
        let key = InspectionArea::ALL
            .iter()
            .position(|a| *a == area)
            .unwrap_or(usize::MAX);
        let entry = areas.entry(key).or_insert((area, 0, 0));
        entry.1 += score.score;
        entry.2 += score.weight;
    }
    Ok(areas
        .into_values()
        .map(|(area, score, weight)| AreaScore {
            area,
            score,
            weight,
            percent: if weight == 0 {
                0
            } else {
                (f64::from(score) * 100.0 / f64::from(weight)).round() as i32
            },
        })
        .collect())
}

/// A finding of an inspection.
pub struct InspectionFinding(pub inspection_finding::Model);

/// A finding of an inspection: what is wrong with one item, who answers for it, and the rectification (and work order) it opened.
#[Object]
impl InspectionFinding {
    /// Id.
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }

    /// The plan item it concerns.
    async fn item_id(&self) -> ID {
        ID(self.0.item_id.to_string())
    }

    /// The item's area.
    async fn area(&self) -> async_graphql::Result<InspectionArea> {
        Ok(InspectionArea::from_stored(&self.0.area)?)
    }

    /// How serious it is.
    async fn severity(&self) -> async_graphql::Result<FindingSeverity> {
        Ok(FindingSeverity::from_stored(&self.0.severity)?)
    }

    /// What was found.
    async fn note(&self) -> &str {
        &self.0.note
    }

    /// The staff member responsible.
    async fn responsible_staff(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Option<StaffRecord>> {
        let record = ctx
            .loaders()?
            .load_one::<ById<staff_record::Entity>>(self.0.responsible_staff_id)
            .await?;
        Ok(record.map(StaffRecord::try_from_model).transpose()?)
    }

    /// The responsible staff record's id.
    async fn responsible_staff_id(&self) -> ID {
        ID(self.0.responsible_staff_id.to_string())
    }

    /// Whether it needs work (a work order was opened).
    async fn needs_work(&self) -> bool {
        self.0.needs_work
    }

    /// The work order opened for it (see `workOrder(id:)`).
    async fn work_order_id(&self) -> Option<ID> {
        self.0.work_order_id.map(|id| ID(id.to_string()))
    }

    /// The rectification it opened (source `INSPECTION`).
    async fn rectification_id(&self) -> ID {
        ID(self.0.rectification_id.to_string())
    }

    /// Recorded at.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
}

/// One staff member's share of an inspection's findings: what feeds their record.
#[derive(SimpleObject, Clone)]
#[graphql(complex)]
pub struct StaffFindingResult {
    /// The staff record's id.
    pub staff_id: ID,
    /// Findings they are responsible for.
    pub findings: i32,
    /// Points the items of those findings lost (their weights less their scores, each item
    /// once).
    pub points_lost: i32,
    /// The areas of those findings.
    pub areas: Vec<InspectionArea>,
    /// The most serious of those findings.
    pub worst_severity: FindingSeverity,
}

#[async_graphql::ComplexObject]
impl StaffFindingResult {
    /// The staff record.
    async fn staff(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<StaffRecord>> {
        let id = Uuid::parse_str(self.staff_id.as_str()).map_err(AppError::internal)?;
        let record = ctx
            .loaders()?
            .load_one::<ById<staff_record::Entity>>(id)
            .await?;
        Ok(record.map(StaffRecord::try_from_model).transpose()?)
    }
}

/// Each responsible staff member's share of `findings`, scored by `scores`, in staff id order.
pub fn staff_results(
    findings: &[inspection_finding::Model],
    scores: &[inspection_score::Model],
) -> AppResult<Vec<StaffFindingResult>> {
    let mut by_staff: BTreeMap<Uuid, Vec<&inspection_finding::Model>> = BTreeMap::new();
    for finding in findings {
        by_staff
            .entry(finding.responsible_staff_id)
            .or_default()
            .push(finding);
    }
    let mut out = Vec::with_capacity(by_staff.len());
    for (staff, mine) in by_staff {
        let mut items: Vec<Uuid> = mine.iter().map(|f| f.item_id).collect();
        items.sort();
        items.dedup();
        let points_lost = scores
            .iter()
            .filter(|s| items.contains(&s.item_id))
            .map(|s| s.weight - s.score)
            .sum();
        let mut areas = Vec::new();
        let mut worst = FindingSeverity::Minor;
        for finding in &mine {
            let area = InspectionArea::from_stored(&finding.area)?;
            if !areas.contains(&area) {
                areas.push(area);
            }
            let severity = FindingSeverity::from_stored(&finding.severity)?;
            if severity.due_days() < worst.due_days() {
                worst = severity;
            }
        }
        out.push(StaffFindingResult {
            staff_id: ID(staff.to_string()),
            findings: i32::try_from(mine.len()).unwrap_or(i32::MAX),
            points_lost,
            areas,
            worst_severity: worst,
        });
    }
    Ok(out)
}

/// A supervision inspection, as the viewer may see it: residents of the building see completed
/// ones' building-level results only (`total`, `areaScores`); item scores, findings, staff
/// results, the summary and the inspector are null for them.
#[derive(Clone)]
pub struct Inspection {
    id: ID,
    /// The row.
    pub model: inspection::Model,
    /// How much the viewer sees.
    pub view: View,
}

impl Inspection {
    /// `model` as a viewer with `view` sees it.
    pub fn new(model: inspection::Model, view: View) -> Inspection {
        Inspection {
            id: ID(model.id.to_string()),
            model,
            view,
        }
    }

    fn full(&self) -> bool {
        self.view == View::Full
    }
}

/// A supervision inspection of a building against a plan, as you may see it: residents see completed ones' building-level results only (`total`, `areaScores`).
#[Object]
impl Inspection {
    /// Id.
    pub async fn id(&self) -> &ID {
        &self.id
    }

    /// The building inspected.
    async fn building(&self, ctx: &Context<'_>) -> async_graphql::Result<Building> {
        let building = ctx
            .loaders()?
            .load_one::<BuildingById>(self.model.building_id)
            .await?
            .ok_or(AppError::NotFound("building"))?;
        Ok(building.into())
    }

    /// The plan it is scored against (null for residents, who see results only).
    async fn plan(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<InspectionPlan>> {
        if !self.full() {
            return Ok(None);
        }
        let plan = ctx
            .loaders()?
            .load_one::<PlanById>(self.model.plan_id)
            .await?
            .ok_or(AppError::NotFound("inspection plan"))?;
        Ok(Some(InspectionPlan::new(plan)))
    }

    /// Announced (`SCHEDULED`) or `UNANNOUNCED`.
    async fn kind(&self) -> async_graphql::Result<InspectionKind> {
        Ok(InspectionKind::from_stored(&self.model.kind)?)
    }

    /// Where it stands.
    async fn status(&self) -> async_graphql::Result<InspectionStatus> {
        Ok(InspectionStatus::from_stored(&self.model.status)?)
    }

    /// When it is to take place.
    async fn scheduled_at(&self) -> DateTime<Utc> {
        self.model.scheduled_at
    }

    /// When the inspector began.
    async fn started_at(&self) -> Option<DateTime<Utc>> {
        self.model.started_at
    }

    /// When it was completed.
    async fn completed_at(&self) -> Option<DateTime<Utc>> {
        self.model.completed_at
    }

    /// The inspector's user id (null for residents).
    async fn inspector_id(&self) -> Option<ID> {
        self.full().then(|| ID(self.model.inspector_id.to_string()))
    }

    /// The inspector's name (null for residents).
    async fn inspector_name(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<String>> {
        if !self.full() {
            return Ok(None);
        }
        let user = ctx
            .loaders()?
            .load_one::<UserById>(self.model.inspector_id)
            .await?;
        Ok(user.map(|u| u.display_name))
    }

    /// Total score, 0–100 (the sum of the item scores), once completed.
    async fn total(&self) -> Option<i32> {
        self.model.total
    }

    /// Each area's score, once completed, in area order.
    async fn area_scores(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<AreaScore>> {
        let scores = ctx
            .loaders()?
            .load_one::<ScoresByInspection>(self.model.id)
            .await?
            .unwrap_or_default();
        Ok(area_scores(&scores)?)
    }

    /// Every item's score, in plan order (null for residents).
    async fn scores(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Option<Vec<InspectionItemScore>>> {
        if !self.full() {
            return Ok(None);
        }
        let mut scores = ctx
            .loaders()?
            .load_one::<ScoresByInspection>(self.model.id)
            .await?
            .unwrap_or_default();
        scores.sort_by_key(|s| s.position);
        Ok(Some(scores.into_iter().map(InspectionItemScore).collect()))
    }

    /// The findings (null for residents).
    async fn findings(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Option<Vec<InspectionFinding>>> {
        if !self.full() {
            return Ok(None);
        }
        let findings = ctx
            .loaders()?
            .load_one::<FindingsByInspection>(self.model.id)
            .await?
            .unwrap_or_default();
        Ok(Some(findings.into_iter().map(InspectionFinding).collect()))
    }

    /// Each staff member responsible for findings, with their share (null for residents).
    async fn staff_results(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Option<Vec<StaffFindingResult>>> {
        if !self.full() {
            return Ok(None);
        }
        let loaders = ctx.loaders()?;
        let (findings, scores) = futures_util::try_join!(
            loaders.load_one::<FindingsByInspection>(self.model.id),
            loaders.load_one::<ScoresByInspection>(self.model.id),
        )?;
        Ok(Some(staff_results(
            &findings.unwrap_or_default(),
            &scores.unwrap_or_default(),
        )?))
    }

    /// The inspector's summary (null for residents).
    async fn summary(&self) -> Option<&str> {
        if self.full() {
            self.model.summary.as_deref()
        } else {
            None
        }
    }

    /// Raised by every change.
    async fn version(&self) -> i32 {
        self.model.version
    }

    /// Created at.
    async fn created_at(&self) -> DateTime<Utc> {
        self.model.created_at
    }
}

/// One completed inspection's result for one staff member: what the evaluation reads.
#[derive(SimpleObject)]
pub struct StaffInspectionResult {
    /// The inspection.
    pub inspection: Inspection,
    /// The inspection's total, 0–100.
    pub total: i32,
    /// The inspection's area scores.
    pub area_scores: Vec<AreaScore>,
    /// The staff member's share of its findings.
    pub result: StaffFindingResult,
    /// When it was completed.
    pub completed_at: DateTime<Utc>,
}

/// One event of the supervision board.
#[derive(SimpleObject)]
pub struct SupervisionEvent {
    /// Pass as `after` to resume from this event.
    pub cursor: String,
    /// What happened.
    pub action: InspectionAction,
    /// The inspection as it was after the change, as you may see it.
    pub inspection: Inspection,
    /// The findings recorded by a completion (empty otherwise, and for residents).
    pub findings: Vec<InspectionFinding>,
}
