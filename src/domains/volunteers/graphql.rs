//! GraphQL surface of volunteers and the time bank.

use async_graphql::{Context, ID, InputObject, Object, SimpleObject};
use chrono::{DateTime, Utc};

use super::{
    service::{Attendance, NewOpportunity, ProfileInput, VolunteerService},
    types::{
        OpportunityKind, OpportunityStatus, TimeBankEntry, VolunteerHours, VolunteerOpportunity,
        VolunteerProfile, VolunteerSignUp, hours_text,
    },
};
use crate::graphql::{
    ContextExt,
    checks::Checks,
    ids::{parse_id, parse_opt_id},
    pagination::{CountedConnection, PageRequest},
    text::Text,
};

/// Most shifts one opportunity is created with.
const MAX_SHIFTS: usize = 50;
/// Most skills on a profile.
const MAX_SKILLS: usize = 20;
/// Most places in one shift.
const MAX_PLACES: i32 = 1000;
/// Most minutes given at once (a year of full days would be far more than anyone holds).
const MAX_DONATION: i32 = 100_000;

/// Input of `saveVolunteerProfile`.
#[derive(InputObject)]
pub struct SaveVolunteerProfileInput {
    /// Skills offered (at most 20, each 1–60 characters).
    pub skills: Vec<String>,
    /// When you are available, in your own words (up to 500 characters).
    pub availability: String,
}

/// Input of `verifyVolunteerProfile`.
#[derive(InputObject)]
pub struct VerifyVolunteerProfileInput {
    /// The profile.
    pub id: ID,
    /// Verified (true) or no longer (false).
    pub verified: bool,
}

/// A shift of a new opportunity.
#[derive(InputObject)]
pub struct VolunteerShiftInput {
    /// Starts at.
    pub starts_at: DateTime<Utc>,
    /// Ends at (after the start, within 24 hours).
    pub ends_at: DateTime<Utc>,
    /// Volunteers it takes (1–1000).
    pub places: i32,
}

/// Input of `createVolunteerOpportunity`.
#[derive(InputObject)]
pub struct CreateVolunteerOpportunityInput {
    /// Title (1–200 characters).
    pub title: String,
    /// What volunteers do (1–4000 characters).
    pub description: String,
    /// Kind of work.
    pub kind: OpportunityKind,
    /// The community activity it supports, if any.
    pub activity_id: Option<ID>,
    /// The catalogue category of the work; one whose work needs a certificate is refused.
    pub category_id: Option<ID>,
    /// Where (up to 200 characters).
    pub place: Option<String>,
    /// Its shifts (1–50).
    pub shifts: Vec<VolunteerShiftInput>,
}

/// Filter of `volunteerOpportunities`.
#[derive(InputObject, Default)]
pub struct VolunteerOpportunityFilter {
    /// Only this kind.
    pub kind: Option<OpportunityKind>,
    /// Only this status.
    pub status: Option<OpportunityStatus>,
}

/// Input naming a shift.
#[derive(InputObject)]
pub struct SignUpForVolunteerShiftInput {
    /// The shift.
    pub shift_id: ID,
}

/// Input naming a sign-up.
#[derive(InputObject)]
pub struct CancelVolunteerSignUpInput {
    /// The sign-up.
    pub id: ID,
}

/// Input of `verifyVolunteerAttendance`.
#[derive(InputObject)]
pub struct VerifyVolunteerAttendanceInput {
    /// The sign-up.
    pub sign_up_id: ID,
    /// Whether the volunteer came.
    pub attended: bool,
    /// Minutes to credit when they came (the shift's length when left out; at most that).
    pub minutes: Option<i32>,
}

/// Input of `donateVolunteerHours`.
#[derive(InputObject)]
pub struct DonateVolunteerHoursInput {
    /// The neighbour (a user who lives on the estate now).
    pub to_user_id: ID,
    /// Minutes to give (1–100000; never more than you hold).
    pub minutes: i32,
    /// A note for them (up to 500 characters).
    pub note: Option<String>,
}

/// Result of a profile change.
#[derive(SimpleObject)]
pub struct VolunteerProfilePayload {
    /// The profile after the change.
    pub profile: VolunteerProfile,
}

/// Result of `createVolunteerOpportunity`.
#[derive(SimpleObject)]
pub struct VolunteerOpportunityPayload {
    /// The opportunity, with its shifts.
    pub opportunity: VolunteerOpportunity,
}

/// Result of a sign-up step.
#[derive(SimpleObject)]
pub struct VolunteerSignUpPayload {
    /// The sign-up after the step.
    pub sign_up: VolunteerSignUp,
}

/// Result of `donateVolunteerHours`.
#[derive(SimpleObject)]
pub struct DonateVolunteerHoursPayload {
    /// Your `DONATED` entry.
    pub entry: TimeBankEntry,
    /// Your balance after it, in minutes.
    pub balance_minutes: i32,
    /// The same in hours.
    pub balance_hours: String,
}

/// Volunteer queries.
#[derive(Default)]
pub struct VolunteerQuery;

#[Object]
impl VolunteerQuery {
    /// Your volunteer profile (null until you save one).
    async fn my_volunteer_profile(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Option<VolunteerProfile>> {
        let scope = ctx.scope().await?;
        let found = VolunteerService::new(ctx.state()).my_profile(scope).await?;
        Ok(found.map(VolunteerProfile::try_from_model).transpose()?)
    }

    /// Volunteer profiles, newest first (staff and administrators).
    async fn volunteer_profiles(
        &self,
        ctx: &Context<'_>,
        verified: Option<bool>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> async_graphql::Result<CountedConnection<VolunteerProfile>> {
        let page = PageRequest::parse(first, after, last, before)?;
        let scope = ctx.scope().await?;
        let page = VolunteerService::new(ctx.state())
            .profiles(scope, verified, &page)
            .await?;
        Ok(page.try_into_counted_connection(VolunteerProfile::try_from_model)?)
    }

    /// Calls for volunteers, newest first, with their shifts (everyone signed in).
    async fn volunteer_opportunities(
        &self,
        ctx: &Context<'_>,
        filter: Option<VolunteerOpportunityFilter>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> async_graphql::Result<CountedConnection<VolunteerOpportunity>> {
        let page = PageRequest::parse(first, after, last, before)?;
        let filter = filter.unwrap_or_default();
        let scope = ctx.scope().await?;
        let page = VolunteerService::new(ctx.state())
            .opportunities(scope, filter.kind, filter.status, &page)
            .await?;
        Ok(page.try_into_counted_connection(VolunteerOpportunity::try_from_model)?)
    }

    /// One opportunity.
    async fn volunteer_opportunity(
        &self,
        ctx: &Context<'_>,
        id: ID,
    ) -> async_graphql::Result<VolunteerOpportunity> {
        let id = parse_id("id", &id)?;
        let scope = ctx.scope().await?;
        let model = VolunteerService::new(ctx.state())
            .opportunity(scope, id)
            .await?;
        Ok(VolunteerOpportunity::try_from_model(model)?)
    }

    /// Your sign-ups, newest first.
    async fn my_volunteer_sign_ups(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> async_graphql::Result<CountedConnection<VolunteerSignUp>> {
        let page = PageRequest::parse(first, after, last, before)?;
        let scope = ctx.scope().await?;
        let page = VolunteerService::new(ctx.state())
            .my_sign_ups(scope, &page)
            .await?;
        Ok(page.try_into_counted_connection(VolunteerSignUp::try_from_model)?)
    }

    /// The sign-ups of one shift, in sign-up order (staff and administrators: for attendance).
    async fn volunteer_shift_sign_ups(
        &self,
        ctx: &Context<'_>,
        shift_id: ID,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> async_graphql::Result<CountedConnection<VolunteerSignUp>> {
        let page = PageRequest::parse(first, after, last, before)?;
        let shift_id = parse_id("shiftId", &shift_id)?;
        let scope = ctx.scope().await?;
        let page = VolunteerService::new(ctx.state())
            .shift_sign_ups(scope, shift_id, &page)
            .await?;
        Ok(page.try_into_counted_connection(VolunteerSignUp::try_from_model)?)
    }

    /// Your time bank: the balance and its history, newest first.
    async fn my_volunteer_hours(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> async_graphql::Result<VolunteerHours> {
        let page = PageRequest::parse(first, after, last, before)?;
        hours(ctx, None, page).await
    }

    /// A resident's time bank (administrators; yourself for anyone).
    async fn volunteer_hours(
        &self,
        ctx: &Context<'_>,
        user_id: ID,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> async_graphql::Result<VolunteerHours> {
        let page = PageRequest::parse(first, after, last, before)?;
        let user_id = parse_id("userId", &user_id)?;
        hours(ctx, Some(user_id), page).await
    }
}

async fn hours(
    ctx: &Context<'_>,
    user_id: Option<uuid::Uuid>,
    page: PageRequest,
) -> async_graphql::Result<VolunteerHours> {
    let scope = ctx.scope().await?;
    let (user_id, balance, page) = VolunteerService::new(ctx.state())
        .hours(scope, user_id, &page)
        .await?;
    Ok(VolunteerHours {
        user_id: ID(user_id.to_string()),
        balance_minutes: balance,
        balance_hours: hours_text(balance),
        history: page.try_into_counted_connection(TimeBankEntry::try_from_model)?,
    })
}

/// Volunteer mutations.
#[derive(Default)]
pub struct VolunteerMutation;

#[Object]
impl VolunteerMutation {
    /// Creates or replaces your volunteer profile (residents). Staff verify it.
    async fn save_volunteer_profile(
        &self,
        ctx: &Context<'_>,
        input: SaveVolunteerProfileInput,
    ) -> async_graphql::Result<VolunteerProfilePayload> {
        let mut check = Checks::new();
        check.rule(
            input.skills.len() <= MAX_SKILLS,
            "input.skills",
            "at most 20 skills",
        );
        let skills: Option<Vec<String>> = input
            .skills
            .iter()
            .map(|s| check.field(Text::<60>::parse("input.skills", s).map(Text::into_inner)))
            .collect();
        let availability = check.field(Text::<500>::parse(
            "input.availability",
            &input.availability,
        ));
        let profile = check.finish(|| {
            Some(ProfileInput {
                skills: skills?,
                availability: availability?.into_inner(),
            })
        })?;
        let scope = ctx.scope().await?;
        let model = VolunteerService::new(ctx.state())
            .save_profile(scope, profile)
            .await?;
        Ok(VolunteerProfilePayload {
            profile: VolunteerProfile::try_from_model(model)?,
        })
    }

    /// Verifies (or un-verifies) a volunteer profile (staff and administrators; not your own).
    async fn verify_volunteer_profile(
        &self,
        ctx: &Context<'_>,
        input: VerifyVolunteerProfileInput,
    ) -> async_graphql::Result<VolunteerProfilePayload> {
        let id = parse_id("input.id", &input.id)?;
        let scope = ctx.scope().await?;
        let model = VolunteerService::new(ctx.state())
            .verify_profile(scope, id, input.verified)
            .await?;
        Ok(VolunteerProfilePayload {
            profile: VolunteerProfile::try_from_model(model)?,
        })
    }

    /// Creates a call for volunteers with its shifts (staff and administrators). A category
    /// whose work needs a certificate is `BAD_USER_INPUT` on `input.categoryId`.
    async fn create_volunteer_opportunity(
        &self,
        ctx: &Context<'_>,
        input: CreateVolunteerOpportunityInput,
    ) -> async_graphql::Result<VolunteerOpportunityPayload> {
        let mut check = Checks::new();
        let title = check.field(Text::<200>::parse("input.title", &input.title));
        let description = check.field(Text::<4000>::parse("input.description", &input.description));
        let place = check.field(Text::<200>::parse_opt(
            "input.place",
            input.place.as_deref(),
        ));
        let activity_id = check.field(parse_opt_id("input.activityId", input.activity_id.as_ref()));
        let category_id = check.field(parse_opt_id("input.categoryId", input.category_id.as_ref()));
        check.rule(
            (1..=MAX_SHIFTS).contains(&input.shifts.len()),
            "input.shifts",
            "give 1 to 50 shifts",
        );
        for shift in &input.shifts {
            check.rule(
                shift.ends_at > shift.starts_at
                    && shift.ends_at - shift.starts_at <= chrono::Duration::hours(24),
                "input.shifts",
                "each shift ends after it starts, within 24 hours",
            );
            check.rule(
                (1..=MAX_PLACES).contains(&shift.places),
                "input.shifts",
                "each shift takes 1 to 1000 volunteers",
            );
        }
        let new = check.finish(|| {
            Some(NewOpportunity {
                title: title?.into_inner(),
                description: description?.into_inner(),
                kind: input.kind,
                activity_id: activity_id?,
                category_id: category_id?,
                place: place?.map(Text::into_inner),
                shifts: input
                    .shifts
                    .iter()
                    .map(|s| (s.starts_at, s.ends_at, s.places))
                    .collect(),
            })
        })?;
        let scope = ctx.scope().await?;
        let model = VolunteerService::new(ctx.state())
            .create_opportunity(scope, new)
            .await?;
        Ok(VolunteerOpportunityPayload {
            opportunity: VolunteerOpportunity::try_from_model(model)?,
        })
    }

    /// Signs you up for a shift (residents). A full shift, or signing up twice, is
    /// `CONFLICT` on `input.shiftId`; a started shift is `INVALID_STATE`.
    async fn sign_up_for_volunteer_shift(
        &self,
        ctx: &Context<'_>,
        input: SignUpForVolunteerShiftInput,
    ) -> async_graphql::Result<VolunteerSignUpPayload> {
        let shift_id = parse_id("input.shiftId", &input.shift_id)?;
        let scope = ctx.scope().await?;
        let model = VolunteerService::new(ctx.state())
            .sign_up(scope, shift_id)
            .await?;
        Ok(VolunteerSignUpPayload {
            sign_up: VolunteerSignUp::try_from_model(model)?,
        })
    }

    /// Cancels a sign-up before its shift starts (yours; staff and administrators any).
    async fn cancel_volunteer_sign_up(
        &self,
        ctx: &Context<'_>,
        input: CancelVolunteerSignUpInput,
    ) -> async_graphql::Result<VolunteerSignUpPayload> {
        let id = parse_id("input.id", &input.id)?;
        let scope = ctx.scope().await?;
        let model = VolunteerService::new(ctx.state())
            .cancel_sign_up(scope, id)
            .await?;
        Ok(VolunteerSignUpPayload {
            sign_up: VolunteerSignUp::try_from_model(model)?,
        })
    }

    /// Records whether a volunteer came (staff and administrators, once the shift started;
    /// never your own): attended sign-ups earn their minutes in the time bank. Once per sign-up.
    async fn verify_volunteer_attendance(
        &self,
        ctx: &Context<'_>,
        input: VerifyVolunteerAttendanceInput,
    ) -> async_graphql::Result<VolunteerSignUpPayload> {
        let mut check = Checks::new();
        let id = check.field(parse_id("input.signUpId", &input.sign_up_id));
        check.rule(
            input.minutes.is_none_or(|m| m > 0),
            "input.minutes",
            "must be above zero",
        );
        check.rule(
            input.attended || input.minutes.is_none(),
            "input.minutes",
            "only an attended sign-up earns minutes",
        );
        let id = check.finish(|| id)?;
        let scope = ctx.scope().await?;
        let model = VolunteerService::new(ctx.state())
            .verify_attendance(
                scope,
                id,
                Attendance {
                    attended: input.attended,
                    minutes: input.minutes,
                },
            )
            .await?;
        Ok(VolunteerSignUpPayload {
            sign_up: VolunteerSignUp::try_from_model(model)?,
        })
    }

    /// Gives time-bank minutes to a neighbour (residents): never more than you hold
    /// (`INVALID_STATE`, nothing written).
    async fn donate_volunteer_hours(
        &self,
        ctx: &Context<'_>,
        input: DonateVolunteerHoursInput,
    ) -> async_graphql::Result<DonateVolunteerHoursPayload> {
        let mut check = Checks::new();
        let to = check.field(parse_id("input.toUserId", &input.to_user_id));
        check.rule(
            (1..=MAX_DONATION).contains(&input.minutes),
            "input.minutes",
            "give 1 to 100000 minutes",
        );
        let note = check.field(Text::<500>::parse_opt("input.note", input.note.as_deref()));
        let (to, note) = check.finish(|| Some((to?, note?.map(Text::into_inner))))?;
        let scope = ctx.scope().await?;
        let model = VolunteerService::new(ctx.state())
            .donate(scope, to, input.minutes, note)
            .await?;
        let balance = model.balance_after;
        Ok(DonateVolunteerHoursPayload {
            entry: TimeBankEntry::try_from_model(model)?,
            balance_minutes: balance,
            balance_hours: hours_text(balance),
        })
    }
}
