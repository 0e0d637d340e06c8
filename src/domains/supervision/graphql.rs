//! GraphQL surface of the supervision group and its inspections, including the board feed.

use async_graphql::{Context, ID, InputObject, Object, SimpleObject, Subscription};
use chrono::{DateTime, Utc};
use futures_util::{Stream, StreamExt};

use super::{
    access::{Supervision, View, relation},
    service::{
        CHANGED, Change, Completion, NewFinding, NewInspection, NewItem, NewMember, NewPlan,
        NewScore, SupervisionService,
    },
    types::{
        FindingSeverity, Inspection, InspectionAction, InspectionArea, InspectionFinding,
        InspectionKind, InspectionPlan, InspectionStatus, MemberRole, StaffInspectionResult,
        SupervisionEvent, SupervisionGroup, SupervisionMember, area_scores, staff_results,
    },
};
use crate::{
    error::{AppError, AppResult},
    events::{
        Topic,
        log::{parse_cursor, replay_then_live},
    },
    graphql::{
        ContextExt,
        checks::Checks,
        ids::{parse_id, parse_opt_id},
        pagination::{CountedConnection, PageRequest},
        scalars::Date,
        text::Text,
    },
};

/// Most items in a plan.
const MAX_ITEMS: usize = 50;
/// Most findings in one completion.
const MAX_FINDINGS: usize = 50;
/// Longest note, summary or corrective action.
const MAX_TEXT: usize = 4000;

/// Input of `addSupervisionMember`.
#[derive(InputObject)]
pub struct AddSupervisionMemberInput {
    /// The building whose group it is.
    pub building_id: ID,
    /// The member's user id.
    pub user_id: ID,
    /// `CHAIR` (staff or a resident of the building), `STAFF` (an active staff record) or
    /// `RESIDENT` (a resident of the building now).
    pub role: MemberRole,
    /// First day of the term (today when left out).
    pub term_from: Option<Date>,
    /// The first day the member no longer counts (open-ended when left out).
    pub term_until: Option<Date>,
}

/// Input of `endSupervisionMembership`.
#[derive(InputObject)]
pub struct EndSupervisionMembershipInput {
    /// The membership.
    pub id: ID,
    /// The first day the member no longer counts (today, at once, when left out).
    pub until: Option<Date>,
}

/// One item of a new plan.
#[derive(InputObject)]
pub struct InspectionPlanItemInput {
    /// Its area.
    pub area: InspectionArea,
    /// What is checked (1–200 characters).
    pub title: String,
    /// Its weight, 1–100; the plan's weights sum to 100.
    pub weight: i32,
}

/// Input of `createInspectionPlan`.
#[derive(InputObject)]
pub struct CreateInspectionPlanInput {
    /// Name (1–200 characters).
    pub name: String,
    /// The checklist, in order (1–50 items, weights summing to 100).
    pub items: Vec<InspectionPlanItemInput>,
    /// A plan this is a new version of: that version is retired (plans never change, so
    /// inspections keep what they were scored against).
    pub replaces_id: Option<ID>,
}

/// Input of `createInspection`.
#[derive(InputObject)]
pub struct CreateInspectionInput {
    /// The building.
    pub building_id: ID,
    /// The plan (a current version).
    pub plan_id: ID,
    /// `true`: announced (`SCHEDULED`, told to the building's staff now); `false`:
    /// `UNANNOUNCED` (hidden from them until completed).
    pub announced: bool,
    /// When it is to take place.
    pub scheduled_at: DateTime<Utc>,
    /// The inspector's user id, a current member of the building's group (you when left out).
    pub inspector_id: Option<ID>,
}

/// Input naming one inspection.
#[derive(InputObject)]
pub struct InspectionActionInput {
    /// The inspection.
    pub id: ID,
}

/// One item's score.
#[derive(InputObject)]
pub struct InspectionScoreInput {
    /// The plan item.
    pub item_id: ID,
    /// Points, from 0 to the item's weight.
    pub score: i32,
    /// A note.
    pub note: Option<String>,
}

/// One finding.
#[derive(InputObject)]
pub struct InspectionFindingInput {
    /// The plan item it concerns.
    pub item_id: ID,
    /// What was found (1–4000 characters).
    pub note: String,
    /// How serious (sets the rectification's default due time: 7, 3 or 1 days).
    pub severity: FindingSeverity,
    /// The staff record responsible (active, serving the building).
    pub responsible_staff_id: ID,
    /// Whether it needs work: a work order is opened in `workCategoryId`.
    pub needs_work: bool,
    /// The work order's catalogue category (required with `needsWork`).
    pub work_category_id: Option<ID>,
    /// The rectification's due time.
    pub due_at: Option<DateTime<Utc>>,
    /// What is to be done, if known.
    pub corrective_action: Option<String>,
}

/// Input of `completeInspection`.
#[derive(InputObject)]
pub struct CompleteInspectionInput {
    /// The inspection.
    pub id: ID,
    /// Every item of the plan, scored once.
    pub scores: Vec<InspectionScoreInput>,
    /// Findings (at most 50); each opens a rectification.
    pub findings: Option<Vec<InspectionFindingInput>>,
    /// A summary.
    pub summary: Option<String>,
}

/// Filter of `inspections`.
#[derive(InputObject, Default)]
pub struct InspectionFilter {
    /// Only this building.
    pub building_id: Option<ID>,
    /// Only these statuses.
    pub statuses: Option<Vec<InspectionStatus>>,
    /// Only this kind.
    pub kind: Option<InspectionKind>,
}

/// Result of a membership change.
#[derive(SimpleObject)]
pub struct SupervisionMemberPayload {
    /// The membership.
    pub member: SupervisionMember,
}

/// Result of `createInspectionPlan`.
#[derive(SimpleObject)]
pub struct InspectionPlanPayload {
    /// The plan.
    pub plan: InspectionPlan,
}

/// Result of an inspection change.
#[derive(SimpleObject)]
pub struct InspectionPayload {
    /// The inspection after the change.
    pub inspection: Inspection,
}

fn text<const MAX: usize>(field: &str, raw: &str) -> AppResult<String> {
    Ok(Text::<MAX>::parse(field, raw)?.into_inner())
}

fn opt_text<const MAX: usize>(field: &str, raw: Option<&str>) -> AppResult<Option<String>> {
    Ok(Text::<MAX>::parse_opt(field, raw)?.map(Text::into_inner))
}

fn payload(model: entity::inspection::Model) -> InspectionPayload {
    InspectionPayload {
        inspection: Inspection::new(model, View::Full),
    }
}

/// Supervision queries.
#[derive(Default)]
pub struct SupervisionQuery;

#[Object]
impl SupervisionQuery {
    /// A building's supervision group: its chair and members (administrators, supervisors, its
    /// members, the building's staff and residents).
    async fn supervision_group(
        &self,
        ctx: &Context<'_>,
        building_id: ID,
    ) -> async_graphql::Result<SupervisionGroup> {
        let building = parse_id("buildingId", &building_id)?;
        let scope = ctx.scope().await?;
        Ok(SupervisionService::new(ctx.state())
            .group(scope, building)
            .await?)
    }

    /// Inspection plans, newest first (administrators, supervisors, group members, staff);
    /// current versions only unless `includeRetired`.
    async fn inspection_plans(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
        include_retired: Option<bool>,
    ) -> async_graphql::Result<CountedConnection<InspectionPlan>> {
        let page = PageRequest::parse(first, after, last, before)?;
        let scope = ctx.scope().await?;
        let page = SupervisionService::new(ctx.state())
            .plans(scope, include_retired.unwrap_or(false), &page)
            .await?;
        Ok(page.into_counted_connection(InspectionPlan::new))
    }

    /// One inspection plan.
    async fn inspection_plan(
        &self,
        ctx: &Context<'_>,
        id: ID,
    ) -> async_graphql::Result<InspectionPlan> {
        let id = parse_id("id", &id)?;
        let scope = ctx.scope().await?;
        Ok(InspectionPlan::new(
            SupervisionService::new(ctx.state()).plan(scope, id).await?,
        ))
    }

    /// One inspection you may see (see the README's who-sees-what table).
    async fn inspection(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<Inspection> {
        let id = parse_id("id", &id)?;
        let scope = ctx.scope().await?;
        let (model, rel) = SupervisionService::new(ctx.state()).get(scope, id).await?;
        Ok(Inspection::new(model, rel.view))
    }

    /// The inspections you may see, newest first. Pages both ways (at most 100).
    async fn inspections(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
        filter: Option<InspectionFilter>,
    ) -> async_graphql::Result<CountedConnection<Inspection>> {
        let page = PageRequest::parse(first, after, last, before)?;
        let filter = filter.unwrap_or_default();
        let building = parse_opt_id("filter.buildingId", filter.building_id.as_ref())?;
        let scope = ctx.scope().await?;
        let page = SupervisionService::new(ctx.state())
            .list(scope, building, filter.statuses, filter.kind, &page)
            .await?;
        Ok(page.into_counted_connection(|(model, view)| Inspection::new(model, view)))
    }

    /// A staff member's inspection results, newest first: every completed inspection with
    /// findings they answer for, its total and area scores and their share (findings, points
    /// lost, areas, worst severity). For those who may read the staff member's records.
    async fn staff_inspection_results(
        &self,
        ctx: &Context<'_>,
        staff_id: ID,
    ) -> async_graphql::Result<Vec<StaffInspectionResult>> {
        let staff = parse_id("staffId", &staff_id)?;
        let scope = ctx.scope().await?;
        let rows = SupervisionService::new(ctx.state())
            .staff_results(scope, staff)
            .await?;
        let mut out = Vec::with_capacity(rows.len());
        for (model, findings, scores) in rows {
            let result = staff_results(&findings, &scores)?
                .into_iter()
                .next()
                .ok_or_else(|| AppError::internal("a staff result without findings"))?;
            out.push(StaffInspectionResult {
                total: model.total.unwrap_or(0),
                area_scores: area_scores(&scores)?,
                completed_at: model.completed_at.unwrap_or(model.updated_at),
                result,
                inspection: Inspection::new(model, View::Full),
            });
        }
        Ok(out)
    }
}

/// Supervision mutations.
#[derive(Default)]
pub struct SupervisionMutation;

#[Object]
impl SupervisionMutation {
    /// Appoints a member of a building's supervision group (administrators and supervisors).
    async fn add_supervision_member(
        &self,
        ctx: &Context<'_>,
        input: AddSupervisionMemberInput,
    ) -> async_graphql::Result<SupervisionMemberPayload> {
        let mut check = Checks::new();
        let building = check.field(parse_id("input.buildingId", &input.building_id));
        let user = check.field(parse_id("input.userId", &input.user_id));
        if let (Some(from), Some(until)) = (input.term_from, input.term_until) {
            check.rule(until > from, "input.termUntil", "must be after termFrom");
        }
        let new = check.finish(|| {
            Some(NewMember {
                building_id: building?,
                user_id: user?,
                role: input.role,
                term_from: input.term_from.map(|d| d.0),
                term_until: input.term_until.map(|d| d.0),
            })
        })?;
        let scope = ctx.scope().await?;
        if new.term_until.is_some_and(|until| until <= scope.today()) && new.term_from.is_none() {
            return Err(AppError::bad_input("input.termUntil", "must be after termFrom").into());
        }
        let model = SupervisionService::new(ctx.state())
            .add_member(scope, new)
            .await?;
        let today = scope.today();
        Ok(SupervisionMemberPayload {
            member: SupervisionMember {
                current: super::access::in_term(&model, today),
                model,
            },
        })
    }

    /// Ends a membership (administrators and supervisors): the member no longer counts from
    /// `until` (at once when left out).
    async fn end_supervision_membership(
        &self,
        ctx: &Context<'_>,
        input: EndSupervisionMembershipInput,
    ) -> async_graphql::Result<SupervisionMemberPayload> {
        let id = parse_id("input.id", &input.id)?;
        let scope = ctx.scope().await?;
        let model = SupervisionService::new(ctx.state())
            .end_member(scope, id, input.until.map(|d| d.0))
            .await?;
        let today = scope.today();
        Ok(SupervisionMemberPayload {
            member: SupervisionMember {
                current: super::access::in_term(&model, today),
                model,
            },
        })
    }

    /// Makes an inspection plan (administrators and supervisors): weights of 1–100 summing to
    /// exactly 100. With `replacesId`, a new version that retires the old one.
    async fn create_inspection_plan(
        &self,
        ctx: &Context<'_>,
        input: CreateInspectionPlanInput,
    ) -> async_graphql::Result<InspectionPlanPayload> {
        let mut check = Checks::new();
        let name = check.field(text::<200>("input.name", &input.name));
        let replaces = check.field(parse_opt_id("input.replacesId", input.replaces_id.as_ref()));
        check.rule(
            (1..=MAX_ITEMS).contains(&input.items.len()),
            "input.items",
            "takes 1 to 50 items",
        );
        let mut items = Vec::with_capacity(input.items.len());
        for (i, item) in input.items.iter().enumerate() {
            let title = check.field(text::<200>(&format!("input.items[{i}].title"), &item.title));
            check.rule(
                (1..=100).contains(&item.weight),
                &format!("input.items[{i}].weight"),
                "must be between 1 and 100",
            );
            if let Some(title) = title {
                items.push(NewItem {
                    area: item.area,
                    title,
                    weight: item.weight,
                });
            }
        }
        let sum: i64 = input.items.iter().map(|i| i64::from(i.weight)).sum();
        check.rule(
            input.items.is_empty() || sum == 100,
            "input.items",
            &format!("weights must sum to 100 (they sum to {sum})"),
        );
        let new = check.finish(|| {
            Some(NewPlan {
                name: name?,
                items,
                replaces: replaces?,
            })
        })?;
        let scope = ctx.scope().await?;
        let plan = SupervisionService::new(ctx.state())
            .create_plan(scope, new)
            .await?;
        Ok(InspectionPlanPayload {
            plan: InspectionPlan::new(plan),
        })
    }

    /// Schedules an inspection (administrators, supervisors, the group's chair), announced or
    /// unannounced, with an inspector from the building's group.
    async fn create_inspection(
        &self,
        ctx: &Context<'_>,
        input: CreateInspectionInput,
    ) -> async_graphql::Result<InspectionPayload> {
        let mut check = Checks::new();
        let building = check.field(parse_id("input.buildingId", &input.building_id));
        let plan = check.field(parse_id("input.planId", &input.plan_id));
        let inspector = check.field(parse_opt_id(
            "input.inspectorId",
            input.inspector_id.as_ref(),
        ));
        let new = check.finish(|| {
            Some(NewInspection {
                building_id: building?,
                plan_id: plan?,
                announced: input.announced,
                scheduled_at: input.scheduled_at,
                inspector_id: inspector?,
            })
        })?;
        let scope = ctx.scope().await?;
        let model = SupervisionService::new(ctx.state())
            .create_inspection(scope, new)
            .await?;
        Ok(payload(model))
    }

    /// The inspector begins (optional: completing also begins).
    async fn start_inspection(
        &self,
        ctx: &Context<'_>,
        input: InspectionActionInput,
    ) -> async_graphql::Result<InspectionPayload> {
        let id = parse_id("input.id", &input.id)?;
        let scope = ctx.scope().await?;
        let model = SupervisionService::new(ctx.state())
            .start(scope, id)
            .await?;
        Ok(payload(model))
    }

    /// Calls an inspection off before completion (administrators, supervisors, the chair).
    async fn cancel_inspection(
        &self,
        ctx: &Context<'_>,
        input: InspectionActionInput,
    ) -> async_graphql::Result<InspectionPayload> {
        let id = parse_id("input.id", &input.id)?;
        let scope = ctx.scope().await?;
        let model = SupervisionService::new(ctx.state())
            .cancel(scope, id)
            .await?;
        Ok(payload(model))
    }

    /// Scores and completes an inspection, once (its inspector): every item scored from 0 to
    /// its weight, the total their sum (0–100). Each finding opens a rectification (source
    /// `INSPECTION`) and, when it needs work, a work order, in the same transaction. A second
    /// completion is `INVALID_STATE` and writes nothing.
    async fn complete_inspection(
        &self,
        ctx: &Context<'_>,
        input: CompleteInspectionInput,
    ) -> async_graphql::Result<InspectionPayload> {
        let mut check = Checks::new();
        let id = check.field(parse_id("input.id", &input.id));
        let summary = check.field(opt_text::<MAX_TEXT>(
            "input.summary",
            input.summary.as_deref(),
        ));
        let mut scores = Vec::with_capacity(input.scores.len());
        check.rule(
            input.scores.len() <= MAX_ITEMS,
            "input.scores",
            "takes at most 50 scores",
        );
        for (i, score) in input.scores.iter().enumerate() {
            let item = check.field(parse_id(
                &format!("input.scores[{i}].itemId"),
                &score.item_id,
            ));
            let note = check.field(opt_text::<MAX_TEXT>(
                &format!("input.scores[{i}].note"),
                score.note.as_deref(),
            ));
            if let (Some(item_id), Some(note)) = (item, note) {
                scores.push(NewScore {
                    item_id,
                    score: score.score,
                    note,
                });
            }
        }
        let raw_findings = input.findings.unwrap_or_default();
        check.rule(
            raw_findings.len() <= MAX_FINDINGS,
            "input.findings",
            "takes at most 50 findings",
        );
        let mut findings = Vec::with_capacity(raw_findings.len());
        for (i, finding) in raw_findings.iter().enumerate() {
            let at = |field: &str| format!("input.findings[{i}].{field}");
            let item = check.field(parse_id(&at("itemId"), &finding.item_id));
            let note = check.field(text::<MAX_TEXT>(&at("note"), &finding.note));
            let staff = check.field(parse_id(
                &at("responsibleStaffId"),
                &finding.responsible_staff_id,
            ));
            let category = check.field(parse_opt_id(
                &at("workCategoryId"),
                finding.work_category_id.as_ref(),
            ));
            let action = check.field(opt_text::<MAX_TEXT>(
                &at("correctiveAction"),
                finding.corrective_action.as_deref(),
            ));
            if let (Some(item_id), Some(note), Some(staff), Some(category), Some(action)) =
                (item, note, staff, category, action)
            {
                findings.push(NewFinding {
                    item_id,
                    note,
                    severity: finding.severity,
                    responsible_staff_id: staff,
                    needs_work: finding.needs_work,
                    work_category_id: category,
                    due_at: finding.due_at,
                    corrective_action: action,
                });
            }
        }
        let completion = check.finish(|| {
            Some(Completion {
                id: id?,
                scores,
                findings,
                summary: summary?,
            })
        })?;
        let scope = ctx.scope().await?;
        let model = SupervisionService::new(ctx.state())
            .complete(scope, completion)
            .await?;
        Ok(payload(model))
    }
}

/// Supervision subscriptions.
#[derive(Default)]
pub struct SupervisionSubscription;

#[Subscription]
impl SupervisionSubscription {
    /// A building's supervision board, live: inspections scheduled, started, completed (with
    /// their findings) and cancelled. With `after` (a cursor from an earlier event) the events
    /// since then come first, in order, with no gap and no duplicate. Each event is judged by
    /// the inspection as it was when it happened and your access now: an unannounced
    /// inspection reaches the building's staff only with its completion, residents get
    /// completed results only.
    async fn supervision_board(
        &self,
        ctx: &Context<'_>,
        building_id: ID,
        after: Option<String>,
    ) -> async_graphql::Result<impl Stream<Item = async_graphql::Result<SupervisionEvent>> + use<>>
    {
        let building = parse_id("buildingId", &building_id)?;
        let me = ctx.require_user()?.id;
        let after = after.map(|c| parse_cursor("after", &c)).transpose()?;
        let state = ctx.state().clone();
        {
            // Following a board needs the right to see the group now.
            let scope = state.scopes.get(&state, me).await?;
            SupervisionService::new(&state)
                .group(&scope, building)
                .await?;
        }
        let events =
            replay_then_live(state.db.clone(), &state.bus, Topic::Supervision, after).await?;
        Ok(events.filter_map(move |event| {
            let state = state.clone();
            async move {
                let result: AppResult<Option<SupervisionEvent>> = async {
                    let event = event?;
                    if event.kind != CHANGED {
                        return Ok(None);
                    }
                    let cursor = event.cursor();
                    let change: Change =
                        serde_json::from_value(event.payload).map_err(AppError::internal)?;
                    if change.inspection.building_id != building {
                        return Ok(None);
                    }
                    let scope = state.scopes.get(&state, me).await?;
                    let facet = scope.facet::<Supervision>().await?;
                    let view = relation(&facet, &change.inspection).view;
                    if view == View::None {
                        return Ok(None);
                    }
                    let findings = if view == View::Full {
                        change.findings.into_iter().map(InspectionFinding).collect()
                    } else {
                        Vec::new()
                    };
                    Ok(Some(SupervisionEvent {
                        cursor,
                        action: InspectionAction::from_stored(&change.action)?,
                        inspection: Inspection::new(change.inspection, view),
                        findings,
                    }))
                }
                .await;
                result.map_err(Into::into).transpose()
            }
        }))
    }
}
