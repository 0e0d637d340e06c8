//! Resolving notification subjects: for a batch of rows, the subject objects the viewer may see,
//! one query per subject type. A domain that produces notifications adds its type here.

use std::collections::{HashMap, HashSet};

use sea_orm::{ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter, QuerySelect};
use uuid::Uuid;

use super::types::{NotificationRow, NotificationSubject, SubjectRef};
use crate::{
    app::AppState,
    domains::{
        estate::access::Scope,
        notices::{board::NoticeBoard, types::Notice},
        work_orders::types::WorkOrder,
    },
    error::AppResult,
    events::{Topic, outbox::Write},
};
use entity::{notice, notice_receipt, notification};

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
            crate::domains::work_orders::service::SUBJECT => {
                let orders = crate::domains::work_orders::service::WorkOrderService::new(state)
                    .visible_among(scope, ids)
                    .await?;
                for (model, rel) in orders {
                    let id = model.id;
                    if let Ok(order) = WorkOrder::try_from_model(model, rel.staff_view) {
                        found.insert(
                            (SubjectRef::WORK_ORDER.to_owned(), id),
                            NotificationSubject::WorkOrder(Box::new(order)),
                        );
                    }
                }
            }
            crate::domains::training::service::SUBJECT => {
                let records = crate::domains::training::service::TrainingService::new(state)
                    .records_among(scope, ids)
                    .await?;
                for model in records {
                    let id = model.id;
                    if let Ok(record) =
                        crate::domains::training::types::TrainingRecord::try_from_model(model)
                    {
                        found.insert(
                            (crate::domains::training::service::SUBJECT.to_owned(), id),
                            NotificationSubject::TrainingRecord(record),
                        );
                    }
                }
            }
            crate::domains::rectifications::service::RECTIFICATION_SUBJECT => {
                let now = state.clock.now();
                let models =
                    crate::domains::rectifications::service::RectificationService::new(state)
                        .visible_among(scope, ids)
                        .await?;
                for model in models {
                    let id = model.id;
                    if let Ok(rectification) =
                        crate::domains::rectifications::types::Rectification::try_from_model(
                            model, now,
                        )
                    {
                        found.insert(
                            (kind.to_owned(), id),
                            NotificationSubject::Rectification(Box::new(rectification)),
                        );
                    }
                }
            }
            crate::domains::complaints::service::SUBJECT => {
                let service = crate::domains::complaints::service::ComplaintService::new(state);
                let (now, window) = (state.clock.now(), service.reopen_window());
                for (model, rel) in service.visible_among(scope, ids).await? {
                    let id = model.id;
                    if let Ok(complaint) =
                        crate::domains::complaints::types::Complaint::try_from_model(
                            model,
                            (&rel).into(),
                            now,
                            window,
                        )
                    {
                        found.insert(
                            (crate::domains::complaints::service::SUBJECT.to_owned(), id),
                            NotificationSubject::Complaint(Box::new(complaint)),
                        );
                    }
                }
            }
            crate::domains::supervision::service::SUBJECT => {
                let inspections =
                    crate::domains::supervision::service::SupervisionService::new(state)
                        .visible_among(scope, ids)
                        .await?;
                for (model, rel) in inspections {
                    let id = model.id;
                    found.insert(
                        (crate::domains::supervision::service::SUBJECT.to_owned(), id),
                        NotificationSubject::Inspection(Box::new(
                            crate::domains::supervision::types::Inspection::new(model, rel.view),
                        )),
                    );
                }
            }
            crate::domains::activities::service::SUBJECT => {
                let now = state.clock.now();
                for (model, rel) in crate::domains::activities::service::ActivityService::new(state)
                    .visible_among(scope, ids)
                    .await?
                {
                    let id = model.id;
                    found.insert(
                        (crate::domains::activities::service::SUBJECT.to_owned(), id),
                        NotificationSubject::Activity(Box::new(
                            crate::domains::activities::types::Activity::new(model, rel, now),
                        )),
                    );
                }
            }
            crate::domains::qualifications::service::SUBJECT
            | crate::domains::conduct::service::POLICY_SUBJECT
            | crate::domains::conduct::service::LEDGER_SUBJECT => {
                staff_subjects(state, scope, kind, ids, &mut found).await?;
            }
            crate::domains::service_centres::service::SUBJECT => {
                use crate::domains::service_centres::{
                    service::{SUBJECT, ServiceCentres},
                    types::Appointment,
                };
                for model in ServiceCentres::new(state)
                    .appointments_among(scope, ids)
                    .await?
                {
                    let id = model.id;
                    if let Ok(appointment) = Appointment::try_from_model(model) {
                        found.insert(
                            (SUBJECT.to_owned(), id),
                            NotificationSubject::Appointment(Box::new(appointment)),
                        );
                    }
                }
            }
            crate::domains::volunteers::service::SIGN_UP_SUBJECT
            | crate::domains::volunteers::service::PROFILE_SUBJECT
            | crate::domains::volunteers::service::ENTRY_SUBJECT => {
                crate::domains::volunteers::service::VolunteerService::new(state)
                    .subjects_among(scope, kind, ids, &mut found)
                    .await?;
            }
            crate::domains::channels::service::SUBJECT => {
                let me = scope.require_user()?;
                let now = state.clock.now();
                for (model, names, rel) in
                    crate::domains::channels::service::ChannelService::new(state)
                        .messages_among(scope, ids)
                        .await?
                {
                    let id = model.id;
                    found.insert(
                        (crate::domains::channels::service::SUBJECT.to_owned(), id),
                        NotificationSubject::ChannelMessage(Box::new(
                            crate::domains::channels::types::ChannelMessage::new(
                                model,
                                &names,
                                crate::domains::channels::types::MessageView {
                                    me,
                                    moderates: rel.moderates,
                                    now,
                                },
                            ),
                        )),
                    );
                }
            }
            crate::domains::surveys::service::SUBJECT => {
                let now = state.clock.now();
                for (model, rel) in crate::domains::surveys::service::SurveyService::new(state)
                    .visible_among(scope, ids)
                    .await?
                {
                    let id = model.id;
                    found.insert(
                        (crate::domains::surveys::service::SUBJECT.to_owned(), id),
                        NotificationSubject::Survey(Box::new(
                            crate::domains::surveys::types::Survey::new(model, rel, now),
                        )),
                    );
                }
            }
            crate::domains::assessment::service::SUBJECT => {
                use crate::domains::assessment::{
                    service::{AssessmentService, SUBJECT},
                    types::AssessmentResult,
                };
                for model in AssessmentService::new(state)
                    .results_among(scope, ids)
                    .await?
                {
                    let id = model.id;
                    if let Ok(result) = AssessmentResult::try_from_model(model) {
                        found.insert(
                            (SUBJECT.to_owned(), id),
                            NotificationSubject::AssessmentResult(Box::new(result)),
                        );
                    }
                }
            }
            crate::domains::partners::perks::SUBJECT => {
                use crate::domains::partners::{
                    perks::{PerkService, SUBJECT},
                    types::PerkRedemption,
                };
                let now = state.clock.now();
                for (model, live, own, runs) in PerkService::new(state)
                    .redemptions_among(scope, ids)
                    .await?
                {
                    let id = model.id;
                    found.insert(
                        (SUBJECT.to_owned(), id),
                        NotificationSubject::PerkRedemption(Box::new(PerkRedemption::new(
                            model, live, now, own, runs,
                        ))),
                    );
                }
            }
            crate::domains::front_desk::service::PARCEL_SUBJECT
            | crate::domains::front_desk::service::VISITOR_SUBJECT => {
                use crate::domains::front_desk::{
                    service::{FrontDesk, PARCEL_SUBJECT},
                    types::{Parcel, VisitorPass},
                };
                let desk = FrontDesk::new(state);
                if kind == PARCEL_SUBJECT {
                    for (model, resident) in desk.parcels_among(scope, ids).await? {
                        let id = model.id;
                        if let Ok(parcel) = Parcel::try_from_model(model, resident) {
                            found.insert(
                                (kind.to_owned(), id),
                                NotificationSubject::Parcel(Box::new(parcel)),
                            );
                        }
                    }
                } else {
                    for (model, resident) in desk.passes_among(scope, ids).await? {
                        let id = model.id;
                        if let Ok(pass) = VisitorPass::try_from_model(model, resident) {
                            found.insert(
                                (kind.to_owned(), id),
                                NotificationSubject::VisitorPass(Box::new(pass)),
                            );
                        }
                    }
                }
            }
            crate::domains::patrols::service::SUBJECT => {
                let runs = crate::domains::patrols::service::PatrolService::new(state)
                    .runs_among(scope, ids)
                    .await?;
                for model in runs {
                    let id = model.id;
                    found.insert(
                        (crate::domains::patrols::service::SUBJECT.to_owned(), id),
                        NotificationSubject::PatrolRun(Box::new(
                            crate::domains::patrols::types::PatrolRun::new(model, None),
                        )),
                    );
                }
            }
            crate::domains::care::service::VISIT_SUBJECT => {
                use crate::domains::care::{
                    service::{CareService, VISIT_SUBJECT},
                    types::CareVisit,
                };
                for model in CareService::new(state).visits_among(scope, ids).await? {
                    let id = model.id;
                    if let Ok(visit) = CareVisit::try_from_model(model) {
                        found.insert(
                            (VISIT_SUBJECT.to_owned(), id),
                            NotificationSubject::CareVisit(Box::new(visit)),
                        );
                    }
                }
            }
            crate::domains::assets::service::SUBJECT => {
                use crate::domains::assets::{
                    service::{Assets, SUBJECT},
                    types::{Asset, FacilityOutage},
                };
                let service = Assets::new(state);
                let mut seen = HashSet::new();
                for model in service.visible_among(scope, ids.clone()).await? {
                    let id = model.id;
                    if let Ok(asset) = Asset::try_from_model(model) {
                        seen.insert(id);
                        found.insert(
                            (SUBJECT.to_owned(), id),
                            NotificationSubject::Asset(Box::new(asset)),
                        );
                    }
                }
                let rest: HashSet<Uuid> = ids.difference(&seen).copied().collect();
                if !rest.is_empty() {
                    for model in service.outages_among(scope, rest).await? {
                        let id = model.id;
                        if let Ok(outage) = FacilityOutage::try_from_model(model) {
                            found.insert(
                                (SUBJECT.to_owned(), id),
                                NotificationSubject::FacilityOutage(Box::new(outage)),
                            );
                        }
                    }
                }
            }
            crate::domains::assets::maintenance::OCCURRENCE_SUBJECT => {
                use crate::domains::assets::{
                    maintenance::{Maintenance, OCCURRENCE_SUBJECT},
                    types::MaintenanceOccurrence,
                };
                let now = state.clock.now();
                for (model, grace) in Maintenance::new(state)
                    .occurrences_among(scope, ids)
                    .await?
                {
                    let id = model.id;
                    if let Ok(occurrence) = MaintenanceOccurrence::try_from_model(model, grace, now)
                    {
                        found.insert(
                            (OCCURRENCE_SUBJECT.to_owned(), id),
                            NotificationSubject::MaintenanceOccurrence(Box::new(occurrence)),
                        );
                    }
                }
            }
            _ => {}
        }
    }
    Ok(found)
}

/// The staff-professionalism subjects among `ids` the viewer may see: certificates and ledger
/// entries of the staff they oversee, policy versions for anyone with a staff record or
/// oversight (one statement each).
async fn staff_subjects(
    state: &AppState,
    scope: &Scope,
    kind: &str,
    ids: HashSet<Uuid>,
    found: &mut HashMap<(String, Uuid), NotificationSubject>,
) -> AppResult<()> {
    use crate::domains::{
        conduct::{
            service::{LEDGER_SUBJECT, POLICY_SUBJECT},
            types::{LedgerEntry, PolicyVersion},
        },
        estate::access::StaffOversight,
        qualifications::types::StaffCertificate,
    };
    use entity::{ledger_entry, policy_version, staff_certificate};
    let oversight = scope.facet::<StaffOversight>().await?;
    let key = |id: Uuid| (kind.to_owned(), id);
    match kind {
        POLICY_SUBJECT => {
            if !oversight.all && oversight.own.is_none() {
                return Ok(());
            }
            for model in policy_version::Entity::find()
                .filter(policy_version::Column::Id.is_in(ids))
                .all(&state.db)
                .await?
            {
                let id = model.id;
                if let Ok(version) = PolicyVersion::try_from_model(model) {
                    found.insert(
                        key(id),
                        NotificationSubject::PolicyVersion(Box::new(version)),
                    );
                }
            }
        }
        LEDGER_SUBJECT => {
            for model in ledger_entry::Entity::find()
                .filter(ledger_entry::Column::Id.is_in(ids))
                .all(&state.db)
                .await?
            {
                if !oversight.sees(model.staff_id) {
                    continue;
                }
                let id = model.id;
                if let Ok(entry) = LedgerEntry::try_from_model(model) {
                    found.insert(key(id), NotificationSubject::LedgerEntry(Box::new(entry)));
                }
            }
        }
        _ => {
            let today = state.clock.today();
            for model in staff_certificate::Entity::find()
                .filter(staff_certificate::Column::Id.is_in(ids))
                .all(&state.db)
                .await?
            {
                if !oversight.sees(model.staff_id) {
                    continue;
                }
                let id = model.id;
                if let Ok(certificate) = StaffCertificate::try_from_model(model, today) {
                    found.insert(
                        key(id),
                        NotificationSubject::StaffCertificate(Box::new(certificate)),
                    );
                }
            }
        }
    }
    Ok(())
}

/// Gives the subjects of notifications a user just read the same read state (one transaction,
/// inside `write`): a notice gets the user's receipt, and its publishers' counts move. Each
/// producing domain with a read state of its own adds its arm.
pub async fn on_read(
    write: &mut Write<'_>,
    user_id: Uuid,
    read: &[notification::Model],
) -> AppResult<()> {
    let notices: HashSet<Uuid> = read
        .iter()
        .filter(|n| n.subject_type == SubjectRef::NOTICE)
        .map(|n| n.subject_id)
        .collect();
    if notices.is_empty() {
        return Ok(());
    }
    let now = write.now();
    // Only notices that still exist (a notification outlives nothing, but be safe).
    let existing: Vec<Uuid> = notice::Entity::find()
        .select_only()
        .column(notice::Column::Id)
        .filter(notice::Column::Id.is_in(notices))
        .into_tuple()
        .all(write.txn())
        .await?;
    if existing.is_empty() {
        return Ok(());
    }
    notice_receipt::Entity::insert_many(existing.iter().map(|id| notice_receipt::ActiveModel {
        notice_id: Set(*id),
        user_id: Set(user_id),
        read_at: Set(Some(now)),
        acknowledged_at: Set(None),
    }))
    .on_conflict_do_nothing_on([
        notice_receipt::Column::NoticeId,
        notice_receipt::Column::UserId,
    ])
    .exec_without_returning(write.txn())
    .await?;
    for id in existing {
        write.signal(Topic::NoticeReceipts(id));
    }
    Ok(())
}
