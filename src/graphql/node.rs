//! Relay global object identification: the `Node` interface, `node(id:)` and `nodes(ids:)`.
//!
//! Ids stay each row's raw UUID v7, so every id a client already holds works here. UUID v7 is
//! unique across tables in practice, and one statement (a `UNION ALL` over the registered
//! tables) finds which table an id is in. The object is then loaded through its type's own
//! access-checked path, so `node` answers exactly what that type's own query answers, except
//! that an object you may not see is `null` (as is an unknown id): the answer never tells
//! whether something you may not see exists.
//!
//! Registering a type (say `Notice`), in this file only:
//! 1. add a variant to [`NodeKind`] and a row to [`TABLES`] (its kind and its table);
//! 2. add the object type as a variant of [`Node`] (it must have an `id: ID!` field);
//! 3. add an arm to [`load`] calling the type's single-object, access-checked service method.
//!
//! The compiler points at a missing arm; a wrong table name fails every `node` test.

use std::collections::HashMap;

use async_graphql::{Context, ID, Interface, Object};
use futures_util::future::try_join_all;
use sea_orm::{
    ConnectionTrait,
    sea_query::{Expr, ExprTrait, Query, SelectStatement, UnionType},
};
use uuid::Uuid;

use crate::{
    domains::rectifications::{service::RectificationService, types::Rectification},
    domains::supervision::{
        service::SupervisionService,
        types::{Inspection, InspectionPlan},
    },
    domains::{
        catalogue::{
            service::CatalogueService,
            types::{CatalogueCategory, ServiceOffering},
        },
        complaints::{service::ComplaintService, types::Complaint},
        conduct::{service::ConductService, types::LedgerEntry},
        estate::{
            service::EstateService,
            types::{Building, HouseholdMember, Residency, StaffRecord, Unit},
        },
        identity::{service::load_user, types::User},
        notices::{board::NoticeBoard, types::Notice},
        qualifications::{
            service::QualificationService,
            types::{Qualification, StaffCertificate},
        },
        training::{
            service::TrainingService,
            types::{TrainingCourse, TrainingRecord, TrainingSession},
        },
        work_orders::{service::WorkOrderService, types::WorkOrder},
    },
    domains::{
        service_centres::{
            service::ServiceCentres,
            types::{Appointment, ServiceCentre},
        },
        volunteers::{service::VolunteerService, types::VolunteerOpportunity},
    },
    error::{AppError, AppResult},
    graphql::{ContextExt, ids::parse_id},
    notifications::{
        service::Inbox,
        subjects,
        types::{Notification, NotificationRow},
    },
};

/// Most ids one `nodes` call takes.
pub const MAX_NODES: usize = 100;

/// An object with a globally unique id, which `node(id:)` finds again.
#[derive(Interface)]
#[graphql(field(
    name = "id",
    ty = "&ID",
    desc = "Globally unique id (a UUID v7): `node(id:)` returns this object for it."
))]
pub enum Node {
    /// A user.
    User(User),
    /// A building.
    Building(Building),
    /// A unit.
    Unit(Unit),
    /// A residency.
    Residency(Residency),
    /// A household member.
    HouseholdMember(HouseholdMember),
    /// A staff record.
    StaffRecord(StaffRecord),
    /// A notice.
    Notice(Notice),
    /// A notification (its recipient only).
    Notification(Notification),
    /// A category of the service catalogue.
    CatalogueCategory(CatalogueCategory),
    /// An offering of the service catalogue.
    ServiceOffering(ServiceOffering),
    /// A work order.
    WorkOrder(Box<WorkOrder>),
    /// A qualification.
    Qualification(Qualification),
    /// A staff certificate.
    StaffCertificate(StaffCertificate),
    /// A reward or penalty of a staff member.
    LedgerEntry(LedgerEntry),
    /// A training course.
    TrainingCourse(TrainingCourse),
    /// A training session.
    TrainingSession(TrainingSession),
    /// A training record (for those who oversee its staff member).
    TrainingRecord(TrainingRecord),
    /// A rectification.
    Rectification(Box<Rectification>),
    /// A complaint, suggestion or praise.
    Complaint(Box<Complaint>),
    /// A supervision inspection (as `inspection(id:)`).
    Inspection(Box<Inspection>),
    /// An inspection plan.
    InspectionPlan(InspectionPlan),
    /// A community activity.
    Activity(Box<crate::domains::activities::types::Activity>),
    /// A sign-up for an activity (its resident, and those who check the activity in).
    ActivitySignUp(Box<crate::domains::activities::types::ActivitySignUp>),
    /// A call for volunteers.
    VolunteerOpportunity(VolunteerOpportunity),
    /// A service centre.
    ServiceCentre(ServiceCentre),
    /// An appointment at a service centre (its resident, staff at the centre, administrators).
    Appointment(Appointment),
    /// A group channel (its members and moderators).
    Channel(Box<crate::domains::channels::types::Channel>),
    /// A message of a group channel (its channel's members and moderators).
    ChannelMessage(Box<crate::domains::channels::types::ChannelMessage>),
    /// A satisfaction survey or poll.
    Survey(Box<crate::domains::surveys::types::Survey>),
    /// A staff assessment cycle (staff, supervisors, administrators).
    AssessmentCycle(Box<crate::domains::assessment::types::AssessmentCycle>),
    /// A staff member's assessment result (as `assessmentResults`).
    AssessmentResult(Box<crate::domains::assessment::types::AssessmentResult>),
    /// A partner (administrators, managers of buildings it serves, its merchants).
    Partner(Box<crate::domains::partners::types::Partner>),
    /// A perk (as `perk(id:)`).
    Perk(Box<crate::domains::partners::types::Perk>),
    /// A perk redemption (its resident, the partner's merchants, administrators).
    PerkRedemption(Box<crate::domains::partners::types::PerkRedemption>),
    /// A parcel at the front desk (the unit's residents, the building's front desk and
    /// managers, administrators).
    Parcel(Box<crate::domains::front_desk::types::Parcel>),
    /// A visitor pass (as `parcel`).
    VisitorPass(Box<crate::domains::front_desk::types::VisitorPass>),
    /// A patrol route (the building's staff of its post, managers, supervisors, administrators).
    PatrolRoute(Box<crate::domains::patrols::types::PatrolRoute>),
    /// A patrol run (as its route).
    PatrolRun(Box<crate::domains::patrols::types::PatrolRun>),
    /// A care plan (the household, the caregiver, the building's managers, administrators).
    CarePlan(Box<crate::domains::care::types::CarePlan>),
    /// A care visit (as its plan).
    CareVisit(Box<crate::domains::care::types::CareVisit>),
    /// A facility asset (as `asset(id:)`).
    Asset(Box<crate::domains::assets::types::Asset>),
    /// A preventive maintenance plan (as `maintenancePlan(id:)`).
    MaintenancePlan(Box<crate::domains::assets::types::MaintenancePlan>),
    /// A preventive maintenance occurrence (as `maintenanceOccurrence(id:)`).
    MaintenanceOccurrence(Box<crate::domains::assets::types::MaintenanceOccurrence>),
}

/// The types `node(id:)` resolves.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NodeKind {
    /// [`User`].
    User,
    /// [`Building`].
    Building,
    /// [`Unit`].
    Unit,
    /// [`Residency`].
    Residency,
    /// [`HouseholdMember`].
    HouseholdMember,
    /// [`StaffRecord`].
    StaffRecord,
    /// [`Notice`].
    Notice,
    /// [`Notification`].
    Notification,
    /// [`CatalogueCategory`].
    CatalogueCategory,
    /// [`ServiceOffering`].
    ServiceOffering,
    /// [`WorkOrder`].
    WorkOrder,
    /// [`Qualification`].
    Qualification,
    /// [`StaffCertificate`].
    StaffCertificate,
    /// [`LedgerEntry`].
    LedgerEntry,
    /// [`TrainingCourse`].
    TrainingCourse,
    /// [`TrainingSession`].
    TrainingSession,
    /// [`TrainingRecord`].
    TrainingRecord,
    /// [`Rectification`].
    Rectification,
    /// [`Complaint`].
    Complaint,
    /// [`Inspection`].
    Inspection,
    /// [`InspectionPlan`].
    InspectionPlan,
    /// An activity.
    Activity,
    /// An activity sign-up.
    ActivitySignUp,
    /// [`VolunteerOpportunity`].
    VolunteerOpportunity,
    /// [`ServiceCentre`].
    ServiceCentre,
    /// [`Appointment`].
    Appointment,
    /// A group channel.
    Channel,
    /// A channel message.
    ChannelMessage,
    /// A survey.
    Survey,
    /// An assessment cycle.
    AssessmentCycle,
    /// An assessment result.
    AssessmentResult,
    /// A partner.
    Partner,
    /// A perk.
    Perk,
    /// A perk redemption.
    PerkRedemption,
    /// A parcel.
    Parcel,
    /// A visitor pass.
    VisitorPass,
    /// A patrol route.
    PatrolRoute,
    /// A patrol run.
    PatrolRun,
    /// A care plan.
    CarePlan,
    /// A care visit.
    CareVisit,
    /// A facility asset.
    Asset,
    /// A maintenance plan.
    MaintenancePlan,
    /// A maintenance occurrence.
    MaintenanceOccurrence,
}

/// Where each kind's rows live; every table has a UUID primary key `id`.
pub const TABLES: &[(NodeKind, &str)] = &[
    (NodeKind::User, "user_account"),
    (NodeKind::Building, "building"),
    (NodeKind::Unit, "unit"),
    (NodeKind::Residency, "residency"),
    (NodeKind::HouseholdMember, "household_member"),
    (NodeKind::StaffRecord, "staff_record"),
    (NodeKind::Notice, "notice"),
    (NodeKind::Notification, "notification"),
    (NodeKind::CatalogueCategory, "service_category"),
    (NodeKind::ServiceOffering, "service_offering"),
    (NodeKind::WorkOrder, "work_order"),
    (NodeKind::Qualification, "qualification"),
    (NodeKind::StaffCertificate, "staff_certificate"),
    (NodeKind::LedgerEntry, "ledger_entry"),
    (NodeKind::TrainingCourse, "training_course"),
    (NodeKind::TrainingSession, "training_session"),
    (NodeKind::TrainingRecord, "training_record"),
    (NodeKind::Rectification, "rectification"),
    (NodeKind::Complaint, "complaint"),
    (NodeKind::Inspection, "inspection"),
    (NodeKind::InspectionPlan, "inspection_plan"),
    (NodeKind::Activity, "activity"),
    (NodeKind::ActivitySignUp, "activity_sign_up"),
    (NodeKind::VolunteerOpportunity, "volunteer_opportunity"),
    (NodeKind::ServiceCentre, "service_centre"),
    (NodeKind::Appointment, "appointment"),
    (NodeKind::Channel, "channel"),
    (NodeKind::ChannelMessage, "channel_message"),
    (NodeKind::Survey, "survey"),
    (NodeKind::AssessmentCycle, "assessment_cycle"),
    (NodeKind::AssessmentResult, "assessment_result"),
    (NodeKind::Partner, "partner"),
    (NodeKind::Perk, "perk"),
    (NodeKind::PerkRedemption, "perk_redemption"),
    (NodeKind::Parcel, "parcel"),
    (NodeKind::VisitorPass, "visitor_pass"),
    (NodeKind::PatrolRoute, "patrol_route"),
    (NodeKind::PatrolRun, "patrol_run"),
    (NodeKind::CarePlan, "care_plan"),
    (NodeKind::CareVisit, "care_visit"),
    (NodeKind::Asset, "asset"),
    (NodeKind::MaintenancePlan, "maintenance_plan"),
    (NodeKind::MaintenanceOccurrence, "maintenance_occurrence"),
];

/// Loads one object of a known kind through its type's own access rules; `None` when the viewer
/// may not see it.
async fn load(ctx: &Context<'_>, kind: NodeKind, id: Uuid) -> AppResult<Option<Node>> {
    let scope = ctx.scope().await?;
    let estate = EstateService::new(ctx.state());
    Ok(match kind {
        // As `user(id:)`: yourself, or anyone for administrators.
        NodeKind::User => {
            if !scope.is_self_or_admin(id) {
                return Ok(None);
            }
            load_user(&ctx.state().db, id)
                .await?
                .map(|user| Node::User(user.into()))
        }
        NodeKind::Building => visible(estate.building(scope, id).await)?
            .map(|building| Node::Building(building.into())),
        NodeKind::Unit => visible(estate.unit(scope, id).await)?
            .map(Unit::try_from_model)
            .transpose()?
            .map(Node::Unit),
        NodeKind::Residency => visible(estate.residency(scope, id).await)?
            .map(|(residency, unit)| Residency::try_from_models(residency, unit))
            .transpose()?
            .map(Node::Residency),
        NodeKind::HouseholdMember => visible(estate.household_member(scope, id).await)?
            .map(HouseholdMember::try_from_model)
            .transpose()?
            .map(Node::HouseholdMember),
        NodeKind::StaffRecord => visible(estate.staff_record(scope, id).await)?
            .map(StaffRecord::try_from_model)
            .transpose()?
            .map(Node::StaffRecord),
        // As `notice(id:)`.
        NodeKind::Notice => visible(NoticeBoard::new(ctx.state()).notice(scope, id).await)?
            .map(|model| Notice::try_from_model(model, ctx.state().clock.now()))
            .transpose()?
            .map(Node::Notice),
        // Your own notifications only.
        NodeKind::Notification => {
            let me = scope.require_user()?;
            match Inbox::new(ctx.state()).one(me, id).await? {
                Some(row) => {
                    let row = NotificationRow::from(row);
                    let mut found =
                        subjects::resolve(ctx.state(), scope, std::slice::from_ref(&row)).await?;
                    let subject = found.remove(&(row.subject_type.clone(), row.subject_id));
                    Some(Node::Notification(Notification::from_row(row, subject)))
                }
                None => None,
            }
        }
        // As `serviceCategory(id:)` and `serviceOffering(id:)`.
        NodeKind::CatalogueCategory => {
            visible(CatalogueService::new(ctx.state()).category(scope, id).await)?
                .map(CatalogueCategory::try_from_model)
                .transpose()?
                .map(Node::CatalogueCategory)
        }
        NodeKind::ServiceOffering => {
            visible(CatalogueService::new(ctx.state()).offering(scope, id).await)?
                .map(ServiceOffering::try_from_model)
                .transpose()?
                .map(Node::ServiceOffering)
        }
        NodeKind::WorkOrder => visible(WorkOrderService::new(ctx.state()).get(scope, id).await)?
            .map(|(model, rel)| WorkOrder::try_from_model(model, rel.staff_view))
            .transpose()?
            .map(|order| Node::WorkOrder(Box::new(order))),
        // As `qualifications` and `certificate(id:)`.
        NodeKind::Qualification => visible(
            QualificationService::new(ctx.state())
                .qualification(scope, id)
                .await,
        )?
        .map(|model| Node::Qualification(model.into())),
        NodeKind::StaffCertificate => visible(
            QualificationService::new(ctx.state())
                .certificate(scope, id)
                .await,
        )?
        .map(|model| StaffCertificate::try_from_model(model, ctx.state().clock.today()))
        .transpose()?
        .map(Node::StaffCertificate),
        NodeKind::LedgerEntry => visible(ConductService::new(ctx.state()).entry(scope, id).await)?
            .map(LedgerEntry::try_from_model)
            .transpose()?
            .map(Node::LedgerEntry),
        // As the training lists: readers see courses and sessions, records under oversight.
        NodeKind::TrainingCourse => {
            visible(TrainingService::new(ctx.state()).course(scope, id).await)?
                .map(TrainingCourse::try_from_model)
                .transpose()?
                .map(Node::TrainingCourse)
        }
        NodeKind::TrainingSession => {
            visible(TrainingService::new(ctx.state()).session(scope, id).await)?
                .map(|model| Node::TrainingSession(TrainingSession::from(model)))
        }
        NodeKind::TrainingRecord => {
            visible(TrainingService::new(ctx.state()).record(scope, id).await)?
                .map(TrainingRecord::try_from_model)
                .transpose()?
                .map(Node::TrainingRecord)
        }
        // As `rectification(id:)`.
        NodeKind::Rectification => {
            visible(RectificationService::new(ctx.state()).get(scope, id).await)?
                .map(|(model, _)| Rectification::try_from_model(model, ctx.state().clock.now()))
                .transpose()?
                .map(|r| Node::Rectification(Box::new(r)))
        }
        // As `complaint(id:)`.
        NodeKind::Complaint => {
            let service = ComplaintService::new(ctx.state());
            visible(service.get(scope, id).await)?
                .map(|(model, rel)| {
                    Complaint::try_from_model(
                        model,
                        (&rel).into(),
                        ctx.state().clock.now(),
                        service.reopen_window(),
                    )
                })
                .transpose()?
                .map(|complaint| Node::Complaint(Box::new(complaint)))
        }
        // As `inspection(id:)`: unannounced ones stay null to the inspected until completed.
        NodeKind::Inspection => visible(SupervisionService::new(ctx.state()).get(scope, id).await)?
            .map(|(model, rel)| Node::Inspection(Box::new(Inspection::new(model, rel.view)))),
        NodeKind::InspectionPlan => {
            visible(SupervisionService::new(ctx.state()).plan(scope, id).await)?
                .map(|model| Node::InspectionPlan(InspectionPlan::new(model)))
        }
        // As `activity(id:)`, and a sign-up as its resident or check-in staff see it.
        NodeKind::Activity => {
            use crate::domains::activities::{service::ActivityService, types::Activity};
            visible(ActivityService::new(ctx.state()).get(scope, id).await)?.map(|(model, rel)| {
                Node::Activity(Box::new(Activity::new(model, rel, ctx.state().clock.now())))
            })
        }
        NodeKind::ActivitySignUp => {
            use crate::domains::activities::{service::ActivityService, types::ActivitySignUp};
            visible(ActivityService::new(ctx.state()).sign_up(scope, id).await)?.map(
                |(model, own, staff)| {
                    Node::ActivitySignUp(Box::new(ActivitySignUp::new(model, own, staff)))
                },
            )
        }
        // As `volunteerOpportunity(id:)`, `serviceCentre(id:)` and `appointment(id:)`.
        NodeKind::VolunteerOpportunity => visible(
            VolunteerService::new(ctx.state())
                .opportunity(scope, id)
                .await,
        )?
        .map(VolunteerOpportunity::try_from_model)
        .transpose()?
        .map(Node::VolunteerOpportunity),
        NodeKind::ServiceCentre => {
            visible(ServiceCentres::new(ctx.state()).centre(scope, id).await)?
                .map(|model| Node::ServiceCentre(model.into()))
        }
        NodeKind::Appointment => visible(
            ServiceCentres::new(ctx.state())
                .appointment(scope, id)
                .await,
        )?
        .map(Appointment::try_from_model)
        .transpose()?
        .map(Node::Appointment),
        // As `channel(id:)`: members and moderators only.
        NodeKind::Channel => {
            use crate::domains::channels::{service::ChannelService, types::Channel};
            let service = ChannelService::new(ctx.state());
            match visible(service.get(scope, id).await)? {
                Some((model, rel)) => {
                    let me = scope.require_user()?;
                    let read = service.read_numbers(me, [id]).await?;
                    let read = read.get(&id).copied().unwrap_or(0);
                    Some(Node::Channel(Box::new(Channel::new(model, rel, read))))
                }
                None => None,
            }
        }
        // As `survey(id:)`.
        NodeKind::Survey => {
            use crate::domains::surveys::{service::SurveyService, types::Survey};
            let service = SurveyService::new(ctx.state());
            match visible(service.get(scope, id).await)? {
                Some((model, rel)) => {
                    let mut mine = service.mine_among(scope, &[&model]).await?;
                    let mut survey = Survey::new(model, rel, ctx.state().clock.now());
                    survey.mine = mine.remove(&id);
                    Some(Node::Survey(Box::new(survey)))
                }
                None => None,
            }
        }
        NodeKind::ChannelMessage => {
            use crate::domains::channels::{
                service::ChannelService,
                types::{ChannelMessage, MessageView},
            };
            let me = scope.require_user()?;
            visible(ChannelService::new(ctx.state()).message(scope, id).await)?.map(
                |(model, names, rel)| {
                    Node::ChannelMessage(Box::new(ChannelMessage::new(
                        model,
                        &names,
                        MessageView {
                            me,
                            moderates: rel.moderates,
                            now: ctx.state().clock.now(),
                        },
                    )))
                },
            )
        }
        NodeKind::AssessmentCycle => {
            use crate::domains::assessment::{service::AssessmentService, types::AssessmentCycle};
            visible(AssessmentService::new(ctx.state()).cycle(scope, id).await)?
                .map(AssessmentCycle::try_from_model)
                .transpose()?
                .map(|cycle| Node::AssessmentCycle(Box::new(cycle)))
        }
        NodeKind::AssessmentResult => {
            use crate::domains::assessment::{service::AssessmentService, types::AssessmentResult};
            AssessmentService::new(ctx.state())
                .results_among(scope, std::iter::once(id).collect())
                .await?
                .into_iter()
                .next()
                .map(AssessmentResult::try_from_model)
                .transpose()?
                .map(|result| Node::AssessmentResult(Box::new(result)))
        }
        // As `partner(id:)`, `perk(id:)`, and a redemption as its resident, the partner's
        // merchants and administrators see it.
        NodeKind::Partner => {
            use crate::domains::partners::{service::PartnerService, types::Partner};
            visible(PartnerService::new(ctx.state()).get(scope, id).await)?.map(
                |(model, members)| {
                    Node::Partner(Box::new(Partner::new(
                        model,
                        ctx.state().clock.now(),
                        members,
                    )))
                },
            )
        }
        NodeKind::Perk => {
            use crate::domains::partners::{perks::PerkService, types::Perk};
            visible(PerkService::new(ctx.state()).get(scope, id).await)?.map(|(model, rel)| {
                Node::Perk(Box::new(Perk::new(
                    model,
                    ctx.state().clock.now(),
                    rel.runs,
                )))
            })
        }
        NodeKind::PerkRedemption => {
            use crate::domains::partners::{perks::PerkService, types::PerkRedemption};
            PerkService::new(ctx.state())
                .redemptions_among(scope, [id])
                .await?
                .into_iter()
                .next()
                .map(|(model, live, own, runs)| {
                    Node::PerkRedemption(Box::new(PerkRedemption::new(
                        model,
                        live,
                        ctx.state().clock.now(),
                        own,
                        runs,
                    )))
                })
        }
        // As `parcel(id:)` and `visitorPass(id:)`.
        NodeKind::Parcel => {
            use crate::domains::front_desk::{service::FrontDesk, types::Parcel};
            visible(FrontDesk::new(ctx.state()).parcel(scope, id).await)?
                .map(|(model, resident)| Parcel::try_from_model(model, resident))
                .transpose()?
                .map(|parcel| Node::Parcel(Box::new(parcel)))
        }
        NodeKind::VisitorPass => {
            use crate::domains::front_desk::{service::FrontDesk, types::VisitorPass};
            visible(FrontDesk::new(ctx.state()).visitor_pass(scope, id).await)?
                .map(|(model, resident)| VisitorPass::try_from_model(model, resident))
                .transpose()?
                .map(|pass| Node::VisitorPass(Box::new(pass)))
        }
        // As `patrolRoute(id:)` and `patrolRun(id:)`.
        NodeKind::PatrolRoute => {
            use crate::domains::patrols::{service::PatrolService, types::PatrolRoute};
            visible(PatrolService::new(ctx.state()).route(scope, id).await)?
                .map(|(model, checkpoints, codes)| PatrolRoute::new(model, checkpoints, codes))
                .transpose()?
                .map(|route| Node::PatrolRoute(Box::new(route)))
        }
        NodeKind::PatrolRun => {
            use crate::domains::patrols::{service::PatrolService, types::PatrolRun};
            visible(PatrolService::new(ctx.state()).run(scope, id).await)?
                .map(|model| Node::PatrolRun(Box::new(PatrolRun::new(model, None))))
        }
        // As `carePlan(id:)` and `careVisit(id:)`.
        NodeKind::CarePlan => {
            use crate::domains::care::{service::CareService, types::CarePlan};
            visible(CareService::new(ctx.state()).plan(scope, id).await)?
                .map(CarePlan::try_from_model)
                .transpose()?
                .map(|plan| Node::CarePlan(Box::new(plan)))
        }
        NodeKind::CareVisit => {
            use crate::domains::care::{service::CareService, types::CareVisit};
            visible(CareService::new(ctx.state()).visit(scope, id).await)?
                .map(CareVisit::try_from_model)
                .transpose()?
                .map(|visit| Node::CareVisit(Box::new(visit)))
        }
        NodeKind::Asset => {
            use crate::domains::assets::{service::Assets, types::Asset};
            visible(Assets::new(ctx.state()).get(scope, id).await)?
                .map(Asset::try_from_model)
                .transpose()?
                .map(|asset| Node::Asset(Box::new(asset)))
        }
        NodeKind::MaintenancePlan => {
            use crate::domains::assets::{maintenance::Maintenance, types::MaintenancePlan};
            visible(Maintenance::new(ctx.state()).plan(scope, id).await)?
                .map(MaintenancePlan::try_from_model)
                .transpose()?
                .map(|plan| Node::MaintenancePlan(Box::new(plan)))
        }
        NodeKind::MaintenanceOccurrence => {
            use crate::domains::assets::{maintenance::Maintenance, types::MaintenanceOccurrence};
            let now = ctx.state().clock.now();
            visible(Maintenance::new(ctx.state()).occurrence(scope, id).await)?
                .map(|(model, plan)| {
                    MaintenanceOccurrence::try_from_model(model, plan.grace_days, now)
                })
                .transpose()?
                .map(|o| Node::MaintenanceOccurrence(Box::new(o)))
        }
    })
}

/// The object `id` names when it is one of `kinds` and the viewer may see it, exactly as
/// `node(id:)` answers (for references held by other objects, such as a channel message's).
pub async fn load_of(ctx: &Context<'_>, id: Uuid, kinds: &[NodeKind]) -> AppResult<Option<Node>> {
    match kinds_of(ctx, &[id]).await?.remove(&id) {
        Some(kind) if kinds.contains(&kind) => load(ctx, kind, id).await,
        _ => Ok(None),
    }
}

/// `NOT_FOUND` and `FORBIDDEN` from a type's own path become `None`: a node the viewer may not
/// see looks like one that does not exist.
fn visible<T>(result: AppResult<T>) -> AppResult<Option<T>> {
    match result {
        Ok(value) => Ok(Some(value)),
        Err(AppError::NotFound(_) | AppError::Forbidden(_)) => Ok(None),
        Err(err) => Err(err),
    }
}

/// `SELECT <kind index> AS kind, id FROM <table> WHERE id IN (…) UNION ALL …` over every
/// registered table.
fn kind_query(ids: &[Uuid]) -> Option<SelectStatement> {
    let mut selects = TABLES.iter().enumerate().map(|(index, (_, table))| {
        Query::select()
            .expr_as(Expr::val(index as i32), "kind")
            .column("id")
            .from(*table)
            .and_where(Expr::col("id").is_in(ids.iter().copied()))
            .to_owned()
    });
    let mut query = selects.next()?;
    query.unions(selects.map(|select| (UnionType::All, select)));
    Some(query)
}

/// The kind of each id that exists, in one statement.
async fn kinds_of(ctx: &Context<'_>, ids: &[Uuid]) -> AppResult<HashMap<Uuid, NodeKind>> {
    let Some(query) = kind_query(ids) else {
        return Ok(HashMap::new());
    };
    let rows = ctx.state().db.query_all(&query).await?;
    let mut kinds = HashMap::with_capacity(rows.len());
    for row in rows {
        let index: i32 = row.try_get("", "kind")?;
        let id: Uuid = row.try_get("", "id")?;
        let kind = usize::try_from(index)
            .ok()
            .and_then(|index| TABLES.get(index))
            .map(|(kind, _)| *kind)
            .ok_or_else(|| AppError::internal("node lookup returned an unknown kind"))?;
        kinds.insert(id, kind);
    }
    Ok(kinds)
}

/// The `node` and `nodes` root fields.
#[derive(Default)]
pub struct NodeQuery;

#[Object]
impl NodeQuery {
    /// The object with this id, if it exists and you may see it (the same rules as the object's
    /// own query); null otherwise.
    async fn node(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The id of any object that implements `Node`.")] id: ID,
    ) -> async_graphql::Result<Option<Node>> {
        ctx.require_user()?;
        let id = parse_id("id", &id)?;
        let Some(kind) = kinds_of(ctx, &[id]).await?.remove(&id) else {
            return Ok(None);
        };
        Ok(load(ctx, kind, id).await?)
    }

    /// The objects with these ids (at most 100), in the order asked, each null where `node`
    /// would be null.
    async fn nodes(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Ids of objects that implement `Node`; duplicates allowed.")] ids: Vec<ID>,
    ) -> async_graphql::Result<Vec<Option<Node>>> {
        ctx.require_user()?;
        if ids.len() > MAX_NODES {
            return Err(
                AppError::bad_input("ids", format!("takes at most {MAX_NODES} ids")).into(),
            );
        }
        let ids = ids
            .iter()
            .map(|id| parse_id("ids", id))
            .collect::<AppResult<Vec<_>>>()?;
        let kinds = kinds_of(ctx, &ids).await?;
        let nodes = try_join_all(ids.iter().map(|id| async {
            match kinds.get(id) {
                Some(kind) => load(ctx, *kind, *id).await,
                None => Ok(None),
            }
        }))
        .await?;
        Ok(nodes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_lookup_is_one_statement_over_every_table() {
        let query = kind_query(&[Uuid::nil()])
            .map(|q| q.to_string(sea_orm::sea_query::PostgresQueryBuilder));
        let sql = query.unwrap_or_default();
        assert_eq!(sql.matches("UNION ALL").count(), TABLES.len() - 1, "{sql}");
        for (_, table) in TABLES {
            assert!(sql.contains(&format!("FROM \"{table}\"")), "{sql}");
        }
    }
}
