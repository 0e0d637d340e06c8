//! One keyset pagination helper for every Relay connection.
//!
//! A domain declares its order in one line — sort columns, each ascending or descending, ending
//! with the id as tiebreaker — and [`Keyset::fetch`] returns one page in either direction:
//!
//! ```ignore
//! Keyset::new().desc(notice::Column::Pinned).desc(notice::Column::Id)
//!     .fetch(db, query, &page).await?
//! ```
//!
//! Invariants:
//! - No OFFSET: a page is "the rows strictly after (or before) the cursor's sort values", so
//!   pages stay stable while rows are added or removed, and cost an index range scan.
//! - The order is total: the entity's primary key is appended as the last key when the
//!   declaration does not end with it, so rows with equal sort keys are never skipped or repeated.
//! - Cursors are opaque: base64url (no padding) of a JSON array of the row's sort values, id
//!   last. A cursor that does not decode, or whose values do not fit the order's columns, is
//!   `BAD_USER_INPUT` on `after`/`before`, never `INTERNAL`.
//! - NULL sorts after every value, in ascending and descending keys alike (`NULLS LAST`), on
//!   SQLite and PostgreSQL alike.
//! - Supported key types: bool, i16/i32/i64, strings (and text enums), `DateTime<Utc>`,
//!   `NaiveDate`, UUID. Another type is a programming error, reported as `INTERNAL`.
//! - Page size is capped at [`MAX_PAGE`]; `totalCount` is counted lazily, only when selected.

use std::{future::Future, pin::Pin, sync::Arc};

use async_graphql::{
    Object, OutputType, SchemaBuilder,
    connection::{Connection, Edge, EmptyFields, PageInfo},
};
use base64::Engine;
use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::{
    ColumnTrait, ColumnType, Condition, DatabaseConnection, DbErr, EntityTrait, IdenStatic,
    Iterable, ModelTrait, Order, PaginatorTrait, PrimaryKeyToColumn, QueryFilter, QueryOrder,
    QuerySelect, Select, Value, sea_query::NullOrdering,
};
use serde_json::Value as Json;
use uuid::Uuid;

use crate::error::{AppError, AppResult};

/// Largest page.
pub const MAX_PAGE: usize = 100;
/// Page size when the client gives neither `first` nor `last`.
pub const DEFAULT_PAGE: usize = 20;
/// Longest cursor accepted; real ones are far shorter.
const MAX_CURSOR_LEN: usize = 1024;

const BASE64: base64::engine::GeneralPurpose = base64::engine::general_purpose::URL_SAFE_NO_PAD;

/// Validated Relay arguments (`first`/`after`/`last`/`before`).
#[derive(Clone, Debug)]
pub struct PageRequest {
    after: Option<Vec<Json>>,
    before: Option<Vec<Json>>,
    size: usize,
    backward: bool,
}

fn size(field: &str, raw: Option<i32>) -> AppResult<Option<usize>> {
    raw.map(|n| match usize::try_from(n) {
        Ok(n) if n <= MAX_PAGE => Ok(n),
        _ => Err(AppError::bad_input(
            field,
            format!("must be between 0 and {MAX_PAGE}"),
        )),
    })
    .transpose()
}

fn bad_cursor(field: &str) -> AppError {
    AppError::bad_input(field, "is not a valid cursor")
}

/// The opaque cursor of a row's sort values.
pub fn encode_cursor(values: &[Json]) -> String {
    BASE64.encode(Json::Array(values.to_vec()).to_string())
}

/// The sort values inside a cursor, or `BAD_USER_INPUT` on `field`.
pub fn decode_cursor(field: &str, cursor: &str) -> AppResult<Vec<Json>> {
    if cursor.len() > MAX_CURSOR_LEN {
        return Err(bad_cursor(field));
    }
    let bytes = BASE64.decode(cursor).map_err(|_| bad_cursor(field))?;
    match serde_json::from_slice::<Json>(&bytes) {
        Ok(Json::Array(values)) if !values.is_empty() => Ok(values),
        _ => Err(bad_cursor(field)),
    }
}

/// The id inside a cursor of a keyset that ends with a UUID id (every keyset does, unless the
/// entity's key is not a UUID), or `BAD_USER_INPUT` on `field`. For a cursor that must also
/// work elsewhere, such as a subscription's `after` taking a connection's cursor.
pub fn cursor_id(field: &str, cursor: &str) -> AppResult<Uuid> {
    decode_cursor(field, cursor)?
        .last()
        .and_then(Json::as_str)
        .and_then(|id| Uuid::parse_str(id).ok())
        .ok_or_else(|| bad_cursor(field))
}

impl PageRequest {
    /// Checks `first`/`after`/`last`/`before`: sizes within 0..=[`MAX_PAGE`], not both `first`
    /// and `last`, cursors that decode. `last` pages backward; otherwise the page runs forward
    /// ([`DEFAULT_PAGE`] rows when no size is given).
    pub fn parse(
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> AppResult<PageRequest> {
        let (first, last) = (size("first", first)?, size("last", last)?);
        if first.is_some() && last.is_some() {
            return Err(AppError::bad_input(
                "last",
                "give either first or last, not both",
            ));
        }
        Ok(PageRequest {
            after: after.map(|c| decode_cursor("after", &c)).transpose()?,
            before: before.map(|c| decode_cursor("before", &c)).transpose()?,
            size: first.or(last).unwrap_or(DEFAULT_PAGE),
            backward: last.is_some(),
        })
    }

    /// The first `size` rows (capped at [`MAX_PAGE`]), for callers inside the server.
    pub fn first(size: usize) -> PageRequest {
        PageRequest {
            after: None,
            before: None,
            size: size.min(MAX_PAGE),
            backward: false,
        }
    }

    /// The rows of this page size.
    pub fn size(&self) -> usize {
        self.size
    }

    /// Whether this is the list's first page forward (no cursor, not `last`).
    pub fn is_first_page(&self) -> bool {
        self.after.is_none() && self.before.is_none() && !self.backward
    }
}

/// The value types a sort key may have.
#[derive(Clone, Copy, Debug)]
enum Kind {
    Bool,
    SmallInt,
    Int,
    BigInt,
    Text,
    Timestamp,
    Date,
    Uuid,
}

fn kind_of(column_type: &ColumnType) -> Option<Kind> {
    Some(match column_type {
        ColumnType::Boolean => Kind::Bool,
        ColumnType::SmallInteger => Kind::SmallInt,
        ColumnType::Integer => Kind::Int,
        ColumnType::BigInteger => Kind::BigInt,
        ColumnType::Char(_) | ColumnType::String(_) | ColumnType::Text => Kind::Text,
        ColumnType::Enum { .. } => Kind::Text,
        ColumnType::TimestampWithTimeZone => Kind::Timestamp,
        ColumnType::Date => Kind::Date,
        ColumnType::Uuid => Kind::Uuid,
        _ => return None,
    })
}

/// A row value as it goes into a cursor; `None` for a type keysets do not support.
fn to_json(value: Value) -> Option<Json> {
    Some(match value {
        Value::Bool(v) => v.map_or(Json::Null, Json::from),
        Value::SmallInt(v) => v.map_or(Json::Null, Json::from),
        Value::Int(v) => v.map_or(Json::Null, Json::from),
        Value::BigInt(v) => v.map_or(Json::Null, Json::from),
        Value::String(v) => v.map_or(Json::Null, Json::from),
        Value::ChronoDateTimeUtc(v) => v.map_or(Json::Null, |t| {
            Json::from(t.to_rfc3339_opts(chrono::SecondsFormat::Nanos, true))
        }),
        Value::ChronoDate(v) => v.map_or(Json::Null, |d| Json::from(d.to_string())),
        Value::Uuid(v) => v.map_or(Json::Null, |u| Json::from(u.to_string())),
        _ => return None,
    })
}

/// A cursor value back as a typed SQL value (`Ok(None)` for NULL); `Err(())` when it does not
/// fit the column.
fn from_json(json: &Json, kind: Kind) -> Result<Option<Value>, ()> {
    if json.is_null() {
        return Ok(None);
    }
    let text = || json.as_str().ok_or(());
    let value = match kind {
        Kind::Bool => Value::from(json.as_bool().ok_or(())?),
        Kind::SmallInt => Value::from(
            json.as_i64()
                .and_then(|n| i16::try_from(n).ok())
                .ok_or(())?,
        ),
        Kind::Int => Value::from(
            json.as_i64()
                .and_then(|n| i32::try_from(n).ok())
                .ok_or(())?,
        ),
        Kind::BigInt => Value::from(json.as_i64().ok_or(())?),
        Kind::Text => Value::from(text()?.to_owned()),
        Kind::Timestamp => Value::from(
            DateTime::parse_from_rfc3339(text()?)
                .map_err(|_| ())?
                .with_timezone(&Utc),
        ),
        Kind::Date => Value::from(text()?.parse::<NaiveDate>().map_err(|_| ())?),
        Kind::Uuid => Value::from(Uuid::parse_str(text()?).map_err(|_| ())?),
    };
    Ok(Some(value))
}

/// Ascending or descending.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Dir {
    Asc,
    Desc,
}

/// One sort key of a keyset.
#[derive(Clone, Copy, Debug)]
struct Key<C> {
    column: C,
    dir: Dir,
    kind: Kind,
    nullable: bool,
}

/// Which side of a cursor a condition selects, in the keyset's order.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Side {
    Later,
    Earlier,
}

/// The order of a connection: sort keys, then the id. Declared once per connection, e.g.
/// `Keyset::new().desc(notice::Column::Pinned).desc(notice::Column::Id)`.
#[derive(Clone, Debug)]
pub struct Keyset<E: EntityTrait> {
    keys: Vec<(E::Column, Dir)>,
}

impl<E: EntityTrait> Default for Keyset<E> {
    fn default() -> Self {
        Keyset { keys: Vec::new() }
    }
}

impl<E> Keyset<E>
where
    E: EntityTrait,
    E::Model: Sync,
{
    /// An order by the primary key alone (ascending), until keys are added.
    pub fn new() -> Self {
        Self::default()
    }

    /// Then by `column`, ascending (NULL last).
    pub fn asc(mut self, column: E::Column) -> Self {
        self.keys.push((column, Dir::Asc));
        self
    }

    /// Then by `column`, descending (NULL last).
    pub fn desc(mut self, column: E::Column) -> Self {
        self.keys.push((column, Dir::Desc));
        self
    }

    /// The declared keys plus the primary-key columns not already among them, typed.
    fn resolved(&self) -> AppResult<Vec<Key<E::Column>>> {
        let mut columns = self.keys.clone();
        for pk in E::PrimaryKey::iter() {
            let column = pk.into_column();
            if !columns.iter().any(|(c, _)| c.as_str() == column.as_str()) {
                columns.push((column, Dir::Asc));
            }
        }
        columns
            .into_iter()
            .map(|(column, dir)| {
                let def = column.def();
                let kind = kind_of(def.get_column_type()).ok_or_else(|| {
                    AppError::internal(format!(
                        "column {} cannot be a keyset sort key",
                        column.as_str()
                    ))
                })?;
                Ok(Key {
                    column,
                    dir,
                    kind,
                    nullable: def.is_null(),
                })
            })
            .collect()
    }

    /// The cursor of `model` in this order.
    pub fn cursor(&self, model: &E::Model) -> AppResult<String> {
        Self::cursor_of(&self.resolved()?, model)
    }

    fn cursor_of(keys: &[Key<E::Column>], model: &E::Model) -> AppResult<String> {
        let values = keys
            .iter()
            .map(|key| {
                to_json(model.get(key.column)).ok_or_else(|| {
                    AppError::internal(format!(
                        "column {} has a value keysets do not support",
                        key.column.as_str()
                    ))
                })
            })
            .collect::<AppResult<Vec<_>>>()?;
        Ok(encode_cursor(&values))
    }

    fn decode(keys: &[Key<E::Column>], field: &str, raw: &[Json]) -> AppResult<Vec<Option<Value>>> {
        if raw.len() != keys.len() {
            return Err(bad_cursor(field));
        }
        keys.iter()
            .zip(raw)
            .map(|(key, json)| match from_json(json, key.kind) {
                Ok(None) if !key.nullable => Err(bad_cursor(field)),
                Ok(value) => Ok(value),
                Err(()) => Err(bad_cursor(field)),
            })
            .collect()
    }

    /// Rows on `side` of the position `values` (and the row at it, when `inclusive`).
    fn beyond(
        keys: &[Key<E::Column>],
        values: &[Option<Value>],
        side: Side,
        inclusive: bool,
    ) -> Condition {
        let equal = |key: &Key<E::Column>, value: &Option<Value>| match value {
            None => key.column.is_null(),
            Some(v) => key.column.eq(v.clone()),
        };
        let mut any = Condition::any();
        for (i, (key, value)) in keys.iter().zip(values).enumerate() {
            // Under NULLS LAST, NULL is later than every value in either direction.
            let strict = match (side, value) {
                (Side::Later, None) => None,
                (Side::Earlier, None) => Some(Condition::all().add(key.column.is_not_null())),
                (_, Some(v)) => {
                    let greater = (side == Side::Later) == (key.dir == Dir::Asc);
                    let compare = if greater {
                        key.column.gt(v.clone())
                    } else {
                        key.column.lt(v.clone())
                    };
                    let mut either = Condition::any().add(compare);
                    if side == Side::Later && key.nullable {
                        either = either.add(key.column.is_null());
                    }
                    Some(Condition::all().add(either))
                }
            };
            if let Some(strict) = strict {
                let mut branch = Condition::all();
                for (k, v) in keys.iter().zip(values).take(i) {
                    branch = branch.add(equal(k, v));
                }
                any = any.add(branch.add(strict));
            }
        }
        if inclusive {
            let mut same = Condition::all();
            for (k, v) in keys.iter().zip(values) {
                same = same.add(equal(k, v));
            }
            any = any.add(same);
        }
        any
    }

    /// One page of `query` in this order. `query` carries the list's filters and no order; the
    /// page's `total` counts it (without the cursors) when asked.
    ///
    /// Costs one statement, plus one `LIMIT 1` probe per cursor given (rows before `after`,
    /// rows from `before` on), so `hasPreviousPage` and `hasNextPage` are exact in both
    /// directions.
    pub async fn fetch(
        &self,
        db: &DatabaseConnection,
        query: Select<E>,
        page: &PageRequest,
    ) -> AppResult<Page<E::Model>>
    where
        Select<E>: Clone + Send + Sync + 'static,
    {
        let keys = self.resolved()?;
        let after = page
            .after
            .as_deref()
            .map(|raw| Self::decode(&keys, "after", raw))
            .transpose()?;
        let before = page
            .before
            .as_deref()
            .map(|raw| Self::decode(&keys, "before", raw))
            .transpose()?;
        let total = TotalCount::of(db, query.clone());

        let mut window = query.clone();
        if let Some(after) = &after {
            window = window.filter(Self::beyond(&keys, after, Side::Later, false));
        }
        if let Some(before) = &before {
            window = window.filter(Self::beyond(&keys, before, Side::Earlier, false));
        }
        for key in &keys {
            let ascending = (key.dir == Dir::Asc) != page.backward;
            let order = if ascending { Order::Asc } else { Order::Desc };
            window = if key.nullable {
                let nulls = if page.backward {
                    NullOrdering::First
                } else {
                    NullOrdering::Last
                };
                window.order_by_with_nulls(key.column, order, nulls)
            } else {
                window.order_by(key.column, order)
            };
        }
        let limit = u64::try_from(page.size)
            .unwrap_or(u64::MAX)
            .saturating_add(1);
        let mut items = window.limit(limit).all(db).await?;
        let more = items.len() > page.size;
        items.truncate(page.size);
        if page.backward {
            items.reverse();
        }

        // Rows beyond either cursor exist outside the window: before `after`, or from `before`
        // on. Each is one `LIMIT 1` probe, run only when that cursor was given.
        let beyond_after = match &after {
            Some(values) => {
                Self::exists(db, &query, Self::beyond(&keys, values, Side::Earlier, true)).await?
            }
            None => false,
        };
        let beyond_before = match &before {
            Some(values) => {
                Self::exists(db, &query, Self::beyond(&keys, values, Side::Later, true)).await?
            }
            None => false,
        };
        let (has_next, has_previous) = if page.backward {
            (beyond_before, more || beyond_after)
        } else {
            (more || beyond_before, beyond_after)
        };
        let cursors = items
            .iter()
            .map(|item| Self::cursor_of(&keys, item))
            .collect::<AppResult<_>>()?;
        Ok(Page {
            items,
            cursors,
            has_next,
            has_previous,
            total,
        })
    }
}

impl<E> Keyset<E>
where
    E: EntityTrait,
    E::Model: Sync,
{
    async fn exists(
        db: &DatabaseConnection,
        query: &Select<E>,
        condition: Condition,
    ) -> AppResult<bool>
    where
        Select<E>: Clone,
    {
        Ok(query
            .clone()
            .filter(condition)
            .limit(1)
            .one(db)
            .await?
            .is_some())
    }
}

type CountFuture = Pin<Box<dyn Future<Output = Result<u64, DbErr>> + Send>>;

/// The size of a whole list (all pages), counted only when asked for: a connection exposes it
/// as `totalCount`.
#[derive(Clone)]
pub struct TotalCount(Arc<dyn Fn() -> CountFuture + Send + Sync>);

impl TotalCount {
    /// Counts the rows of `query` when asked.
    pub fn of<E>(db: &DatabaseConnection, query: Select<E>) -> TotalCount
    where
        E: EntityTrait,
        E::Model: Sync,
        Select<E>: Clone + Send + Sync + 'static,
    {
        let db = db.clone();
        TotalCount(Arc::new(move || {
            let (db, query) = (db.clone(), query.clone());
            Box::pin(async move { query.count(&db).await })
        }))
    }

    /// A known number.
    pub fn known(n: u64) -> TotalCount {
        TotalCount(Arc::new(move || Box::pin(async move { Ok(n) })))
    }

    /// Runs the count.
    pub async fn get(&self) -> AppResult<u64> {
        Ok((self.0)().await?)
    }
}

#[Object]
impl TotalCount {
    /// How many items the whole list has, across every page (with the same filter).
    async fn total_count(&self) -> async_graphql::Result<i64> {
        Ok(i64::try_from(self.get().await?).unwrap_or(i64::MAX))
    }
}

/// A connection with `totalCount`.
pub type CountedConnection<N> = Connection<String, N, TotalCount>;

/// Describes `PageInfo` and, for every node type listed in a connection, its `…Connection`
/// and `…Edge` types, which the GraphQL library generates without a description. A new
/// connection adds its node type here (a test fails on a type without a description).
pub fn describe<Q, M, S>(builder: SchemaBuilder<Q, M, S>) -> SchemaBuilder<Q, M, S> {
    macro_rules! connections {
        ($builder:ident; $($node:ty => $one:literal, $items:literal),* $(,)?) => {
            $builder
            $(
                .override_output_type_description::<CountedConnection<$node>>(concat!(
                    "One page of ", $items, ": `edges` (each with its cursor), `pageInfo` for ",
                    "the next or previous page, and `totalCount` of the whole filtered list."
                ))
                .override_output_type_description::<Edge<String, $node, EmptyFields>>(concat!(
                    $one, " in a page, with its opaque `cursor`: pass that as `after` or ",
                    "`before` to page on from this item."
                ))
            )*
        };
    }
    use crate::{
        domains::rectifications::types as rectifications,
        domains::supervision::types as supervision,
        domains::{
            catalogue::types as catalogue, complaints::types as complaints,
            conduct::types as conduct, estate::types as estate, identity::types as identity,
            notices::types as notices, qualifications::types as qualifications,
            training::types as training, work_orders::types as work_orders,
        },
        domains::{service_centres::types as service_centres, volunteers::types as volunteers},
        notifications::types as notifications,
    };
    connections!(builder;
        estate::Building => "A building", "buildings",
        estate::Unit => "A unit", "units",
        estate::Residency => "A residency", "residencies",
        estate::HouseholdMember => "A household member", "household members",
        estate::StaffRecord => "A staff record", "staff records",
        identity::User => "A user", "users",
        catalogue::CatalogueCategory => "A service category", "service categories",
        catalogue::ServiceSlot => "A service slot", "service slots",
        notices::Notice => "A notice", "notices",
        notifications::Notification => "A notification", "notifications",
        work_orders::WorkOrder => "A work order", "work orders",
        qualifications::Qualification => "A qualification", "qualifications",
        qualifications::StaffCertificate => "A staff certificate", "staff certificates",
        conduct::LedgerEntry => "A ledger entry", "ledger entries",
        training::TrainingCourse => "A training course", "training courses",
        training::TrainingSession => "A training session", "training sessions",
        training::TrainingRecord => "A training record", "training records",
        rectifications::Rectification => "A rectification", "rectifications",
        complaints::Complaint => "A complaint", "complaints",
        supervision::Inspection => "An inspection", "inspections",
        supervision::InspectionPlan => "An inspection plan", "inspection plans",
        crate::domains::activities::types::Activity => "An activity", "activities",
        crate::domains::activities::types::ActivitySignUp => "An activity sign-up", "activity sign-ups",
        crate::domains::activities::types::ActivityFeedback => "A piece of activity feedback", "activity feedback",
        volunteers::VolunteerProfile => "A volunteer profile", "volunteer profiles",
        volunteers::VolunteerOpportunity => "A volunteer opportunity", "volunteer opportunities",
        volunteers::VolunteerSignUp => "A volunteer sign-up", "volunteer sign-ups",
        volunteers::TimeBankEntry => "A time-bank entry", "time-bank entries",
        service_centres::ServiceCentre => "A service centre", "service centres",
        service_centres::Appointment => "An appointment", "appointments",
        crate::domains::channels::types::Channel => "A channel", "channels",
        crate::domains::channels::types::JoinableChannel => "A channel you may join", "channels you may join",
        crate::domains::channels::types::ChannelMessage => "A channel message", "channel messages",
        crate::domains::channels::types::ChannelModerationEntry => "A moderation action", "moderation actions",
        crate::domains::channels::types::ChannelReport => "A report of a message", "reports of messages",
        crate::domains::surveys::types::Survey => "A survey", "surveys",
        crate::domains::assessment::types::AssessmentCycle => "An assessment cycle", "assessment cycles",
        crate::domains::assessment::types::AssessmentResult => "An assessment result", "assessment results",
        crate::domains::partners::types::Partner => "A partner", "partners",
        crate::domains::partners::types::Perk => "A perk", "perks",
        crate::domains::partners::types::PerkRedemption => "A perk redemption", "perk redemptions",
        crate::domains::health::types::HealthConsent => "A health consent", "health consents",
        crate::domains::health::types::HealthAccessLogEntry => "A read of a health profile", "reads of a health profile",
        crate::domains::health::types::HealthExamResult => "An exam result", "exam results",
        crate::domains::health::types::HealthConsultationSlot => "A consultation slot", "consultation slots",
        crate::domains::health::types::HealthConsultation => "A health consultation", "health consultations",
        crate::domains::front_desk::types::Parcel => "A parcel", "parcels",
        crate::domains::front_desk::types::VisitorPass => "A visitor pass", "visitor passes",
        crate::domains::front_desk::types::VisitorBlacklistEntry => "A visitor blacklist entry", "visitor blacklist entries",
        crate::domains::patrols::types::PatrolRoute => "A patrol route", "patrol routes",
        crate::domains::patrols::types::PatrolRun => "A patrol run", "patrol runs",
        crate::domains::care::types::CarePlan => "A care plan", "care plans",
        crate::domains::care::types::CareVisit => "A care visit", "care visits",
        crate::domains::assets::types::Asset => "A facility asset", "facility assets",
        crate::domains::assets::types::AssetHistoryEntry => "An asset history entry", "asset history entries",
        crate::domains::assets::types::FacilityOutage => "A facility outage", "facility outages",
        crate::domains::assets::types::MaintenancePlan => "A maintenance plan", "maintenance plans",
        crate::domains::assets::types::MaintenanceOccurrence => "A maintenance occurrence", "maintenance occurrences",
    )
    .override_output_type_description::<PageInfo>(
        "Where a page of a connection sits in the whole list: whether more items exist after \
         it (`hasNextPage`) or before it (`hasPreviousPage`), exact in both directions, and the \
         cursors of its first and last edges (`startCursor`, `endCursor`; null on an empty \
         page) to page on from.",
    )
}

/// One page of rows, their cursors, and whether more exist on either side (a clone counts the
/// whole list afresh when asked, as the original does).
#[derive(Clone)]
pub struct Page<M> {
    /// The rows, in the keyset's order.
    pub items: Vec<M>,
    cursors: Vec<String>,
    /// More rows after the last one.
    pub has_next: bool,
    /// More rows before the first one.
    pub has_previous: bool,
    /// The size of the whole list, counted when asked.
    pub total: TotalCount,
}

impl<M> Page<M> {
    /// The rows with their cursors.
    pub fn edges(&self) -> impl Iterator<Item = (&str, &M)> {
        self.cursors.iter().map(String::as_str).zip(&self.items)
    }

    /// The page with every row converted (cursors stay with their rows).
    pub fn map<N>(self, f: impl FnMut(M) -> N) -> Page<N> {
        Page {
            items: self.items.into_iter().map(f).collect(),
            cursors: self.cursors,
            has_next: self.has_next,
            has_previous: self.has_previous,
            total: self.total,
        }
    }

    /// Like [`Page::map`], for conversions that can fail.
    pub fn try_map<N>(self, f: impl FnMut(M) -> AppResult<N>) -> AppResult<Page<N>> {
        Ok(Page {
            items: self.items.into_iter().map(f).collect::<AppResult<_>>()?,
            cursors: self.cursors,
            has_next: self.has_next,
            has_previous: self.has_previous,
            total: self.total,
        })
    }

    /// The Relay connection, `node` giving each row's GraphQL type.
    pub fn into_connection<N: OutputType>(self, node: impl FnMut(M) -> N) -> Connection<String, N> {
        let page = self.map(node);
        let mut connection = Connection::new(page.has_previous, page.has_next);
        connection.edges = page
            .cursors
            .into_iter()
            .zip(page.items)
            .map(|(cursor, node)| Edge::new(cursor, node))
            .collect();
        connection
    }

    /// Like [`Page::into_connection`], for node types whose conversion can fail.
    pub fn try_into_connection<N: OutputType>(
        self,
        node: impl FnMut(M) -> AppResult<N>,
    ) -> AppResult<Connection<String, N>> {
        Ok(self.try_map(node)?.into_connection(|n| n))
    }

    /// The Relay connection with `totalCount`.
    pub fn into_counted_connection<N: OutputType>(
        self,
        node: impl FnMut(M) -> N,
    ) -> CountedConnection<N> {
        let page = self.map(node);
        let mut connection =
            Connection::with_additional_fields(page.has_previous, page.has_next, page.total);
        connection.edges = page
            .cursors
            .into_iter()
            .zip(page.items)
            .map(|(cursor, node)| Edge::new(cursor, node))
            .collect();
        connection
    }

    /// Like [`Page::into_counted_connection`], for node types whose conversion can fail.
    pub fn try_into_counted_connection<N: OutputType>(
        self,
        node: impl FnMut(M) -> AppResult<N>,
    ) -> AppResult<CountedConnection<N>> {
        Ok(self.try_map(node)?.into_counted_connection(|n| n))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn cursors_round_trip_and_are_opaque() {
        let values = vec![
            json!(true),
            json!(-3),
            json!("a b"),
            json!(null),
            json!("0190f0c2-0000-7000-8000-000000000001"),
        ];
        let cursor = encode_cursor(&values);
        assert!(
            cursor
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_'),
            "{cursor}"
        );
        assert_eq!(decode_cursor("after", &cursor).unwrap(), values);
    }

    #[test]
    fn the_id_of_a_cursor_is_its_last_value() {
        let id = Uuid::now_v7();
        let cursor = encode_cursor(&[json!(true), json!(id.to_string())]);
        assert_eq!(cursor_id("after", &cursor).unwrap(), id);
        for bad in [
            encode_cursor(&[json!(id.to_string()), json!(1)]),
            "x".to_owned(),
        ] {
            assert!(matches!(
                cursor_id("after", &bad),
                Err(AppError::BadUserInput { field, .. }) if field == "after"
            ));
        }
    }

    #[test]
    fn malformed_cursors_are_bad_input_on_their_field() {
        let not_array = BASE64.encode("{\"a\":1}");
        let empty = BASE64.encode("[]");
        let long = "A".repeat(MAX_CURSOR_LEN + 4);
        for bad in ["", "!!", "not a cursor", "W10", &not_array, &empty, &long] {
            match decode_cursor("before", bad) {
                Err(AppError::BadUserInput { field, .. }) => assert_eq!(field, "before", "{bad}"),
                other => panic!("{bad}: {other:?}"),
            }
        }
    }

    #[test]
    fn values_decode_only_into_their_column_type() {
        let t = "2026-11-30T11:32:55.123456789Z";
        assert!(matches!(
            from_json(&json!(t), Kind::Timestamp),
            Ok(Some(Value::ChronoDateTimeUtc(Some(_))))
        ));
        assert!(matches!(
            from_json(&json!(7), Kind::Int),
            Ok(Some(Value::Int(Some(7))))
        ));
        assert!(matches!(from_json(&json!(null), Kind::Uuid), Ok(None)));
        for (bad, kind) in [
            (json!("x"), Kind::Bool),
            (json!(1), Kind::Bool),
            (json!(1.5), Kind::Int),
            (json!(4_000_000_000_i64), Kind::Int),
            (json!(70_000), Kind::SmallInt),
            (json!(1), Kind::Text),
            (json!("yesterday"), Kind::Timestamp),
            (json!("2026-13-01"), Kind::Date),
            (json!("not-a-uuid"), Kind::Uuid),
            (json!([1]), Kind::BigInt),
        ] {
            assert!(from_json(&bad, kind).is_err(), "{bad} as {kind:?}");
        }
    }

    #[test]
    fn timestamps_keep_their_nanoseconds_through_a_cursor() {
        let t: DateTime<Utc> = "2026-11-30T11:32:55.000000001Z".parse().unwrap();
        let json = to_json(Value::from(t)).unwrap();
        assert!(matches!(
            from_json(&json, Kind::Timestamp),
            Ok(Some(Value::ChronoDateTimeUtc(Some(back)))) if back == t
        ));
    }

    #[test]
    fn page_sizes_are_checked() {
        assert!(PageRequest::parse(Some(100), None, None, None).is_ok());
        for (first, last, field) in [
            (Some(101), None, "first"),
            (Some(-1), None, "first"),
            (None, Some(101), "last"),
            (None, Some(-5), "last"),
            (Some(1), Some(1), "last"),
        ] {
            match PageRequest::parse(first, None, last, None) {
                Err(AppError::BadUserInput { field: f, .. }) => assert_eq!(f, field),
                other => panic!("{first:?} {last:?}: {other:?}"),
            }
        }
        assert_eq!(
            PageRequest::parse(None, None, None, None).unwrap().size(),
            DEFAULT_PAGE
        );
    }

    #[test]
    fn a_keyset_appends_the_primary_key_once() {
        use entity::notice;
        let keys = Keyset::<notice::Entity>::new()
            .desc(notice::Column::Pinned)
            .desc(notice::Column::Id)
            .resolved()
            .unwrap();
        let names: Vec<_> = keys.iter().map(|k| (k.column.as_str(), k.dir)).collect();
        assert_eq!(names, [("pinned", Dir::Desc), ("id", Dir::Desc)]);
        let keys = Keyset::<notice::Entity>::new()
            .asc(notice::Column::ExpiresAt)
            .resolved()
            .unwrap();
        assert_eq!(keys.len(), 2);
        assert!(keys[0].nullable && !keys[1].nullable);
        assert_eq!(keys[1].column.as_str(), "id");
    }
}
