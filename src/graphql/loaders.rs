//! Per-request DataLoaders: every relation resolved per item goes through one, so a page of N
//! items with nested relations costs a constant number of statements.
//!
//! Domains declare their loaders in their own `loaders.rs`; nothing here names a domain's
//! tables. Most need no code at all:
//! - [`ById<E>`] loads `E::Model` by (UUID) primary key: `loaders.load_one::<ById<building::Entity>>(id)`;
//! - [`ByColumn<K>`] loads the rows whose foreign key ([`ColumnKey`] `K`) is each key, grouped;
//! - [`OneByColumn<K>`] the same for a unique column (one row per key).
//!
//! A loader with its own query (a join, a date filter, parsed values) implements
//! [`DomainLoader`]. [`Loaders`] makes each loader on first use in a request and keeps it for the
//! rest of it, so its cache and batching span the whole request.

use std::{
    any::{Any, TypeId},
    collections::HashMap,
    hash::Hash,
    marker::PhantomData,
    sync::{Arc, Mutex, PoisonError},
    time::Duration,
};

use async_graphql::dataloader::{DataLoader, HashMapCache, Loader};
use sea_orm::{
    ColumnTrait, DatabaseConnection, EntityTrait, Iterable, ModelTrait, PrimaryKeyToColumn,
    PrimaryKeyTrait, QueryFilter, QueryOrder, Value,
};
use uuid::Uuid;

use crate::{app::AppState, clock::Clock, domains::estate::access::Scope, error::LoadError};

/// A loader keyed by UUID that [`Loaders`] can make from the database connection and the
/// clock (for loaders with a time rule, such as current residencies).
pub trait DomainLoader: Loader<Uuid, Error = LoadError> {
    /// The loader over `db`, reading time from `clock`.
    fn new(db: DatabaseConnection, clock: &Clock) -> Self;
}

/// The loaders of one request (or one WebSocket operation), and the viewer's access scope.
pub struct Loaders {
    db: DatabaseConnection,
    clock: Clock,
    window: Duration,
    made: Mutex<HashMap<TypeId, Arc<dyn Any + Send + Sync>>>,
    /// The viewer's access scope, made on first use (see `ContextExt::scope`).
    pub scope: std::sync::OnceLock<Scope>,
    /// The notices domain's loaders (made with the scope, on first use).
    pub notices: tokio::sync::OnceCell<crate::domains::notices::loaders::NoticeLoaders>,
    /// The viewer's channel reaction counts (made on first use).
    pub channel_reactions: tokio::sync::OnceCell<
        DataLoader<crate::domains::channels::reactions::ReactionLoader, HashMapCache>,
    >,
}

impl Loaders {
    /// Fresh loaders over the state's database.
    pub fn new(state: &AppState) -> Loaders {
        let db = state.db.clone();
        let window = state.config.dataloader_window;
        Loaders {
            db,
            clock: state.clock.clone(),
            window,
            made: Mutex::new(HashMap::new()),
            scope: std::sync::OnceLock::new(),
            notices: tokio::sync::OnceCell::new(),
            channel_reactions: tokio::sync::OnceCell::new(),
        }
    }

    /// The request's loader of type `L`, made on first use.
    pub fn get<L: DomainLoader>(&self) -> Arc<DataLoader<L, HashMapCache>> {
        let mut made = self.made.lock().unwrap_or_else(PoisonError::into_inner);
        let entry = made
            .entry(TypeId::of::<L>())
            .or_insert_with(|| Arc::new(loader(L::new(self.db.clone(), &self.clock), self.window)));
        match Arc::clone(entry).downcast::<DataLoader<L, HashMapCache>>() {
            Ok(found) => found,
            // Unreachable: entries are keyed by their own type. Recover with a fresh loader.
            Err(_) => {
                let fresh = Arc::new(loader(L::new(self.db.clone(), &self.clock), self.window));
                *entry = fresh.clone();
                fresh
            }
        }
    }

    /// Loads `key` through the request's loader `L` (batched with the other keys asked for in
    /// the same window, cached for the rest of the request).
    pub async fn load_one<L: DomainLoader>(
        &self,
        key: Uuid,
    ) -> Result<Option<L::Value>, LoadError> {
        self.get::<L>().load_one(key).await
    }
}

/// A request-scoped loader that caches what it loaded, so a key asked for again (the same
/// building under many units) costs nothing. It gathers keys for `window` before querying:
/// async-graphql resolves a long list over several polling passes (the executor's fairness
/// yields between them), and keys registered after the window go into a second batch.
fn loader<T: Loader<Uuid>>(inner: T, window: Duration) -> DataLoader<T, HashMapCache> {
    DataLoader::with_cache(inner, tokio::spawn, HashMapCache::default()).delay(window)
}

/// Groups `rows` under their key, with an empty list for every key that has none.
pub fn group<K: Eq + Hash + Copy, R, V>(
    keys: &[K],
    rows: impl IntoIterator<Item = R>,
    split: impl Fn(R) -> (K, V),
) -> HashMap<K, Vec<V>> {
    let mut groups: HashMap<K, Vec<V>> = keys.iter().map(|k| (*k, Vec::new())).collect();
    for row in rows {
        let (key, value) = split(row);
        groups.entry(key).or_default().push(value);
    }
    groups
}

/// The UUID in a column of a model (`None` when NULL or not a UUID column).
fn uuid_of<M: ModelTrait>(model: &M, column: <M::Entity as EntityTrait>::Column) -> Option<Uuid> {
    match model.get(column) {
        Value::Uuid(id) => id,
        _ => None,
    }
}

/// The single primary-key column of `E`.
fn primary_column<E: EntityTrait>() -> Option<E::Column> {
    E::PrimaryKey::iter().next().map(|pk| pk.into_column())
}

/// Rows of `E` by their UUID primary key.
pub struct ById<E>(DatabaseConnection, PhantomData<fn() -> E>);

impl<E> DomainLoader for ById<E>
where
    E: EntityTrait,
    E::PrimaryKey: PrimaryKeyTrait<ValueType = Uuid>,
    E::Model: Clone + Send + Sync,
{
    fn new(db: DatabaseConnection, _clock: &Clock) -> Self {
        ById(db, PhantomData)
    }
}

impl<E> Loader<Uuid> for ById<E>
where
    E: EntityTrait,
    E::PrimaryKey: PrimaryKeyTrait<ValueType = Uuid>,
    E::Model: Clone + Send + Sync,
{
    type Value = E::Model;
    type Error = LoadError;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, E::Model>, LoadError> {
        let Some(id) = primary_column::<E>() else {
            return Ok(HashMap::new());
        };
        let rows = E::find()
            .filter(id.is_in(keys.iter().copied()))
            .all(&self.0)
            .await?;
        Ok(rows
            .into_iter()
            .filter_map(|row| uuid_of(&row, id).map(|key| (key, row)))
            .collect())
    }
}

/// A UUID foreign-key column rows are grouped by (rows whose column is NULL are left out),
/// declared once as a marker type:
///
/// ```ignore
/// /// Household members by their unit.
/// pub struct MemberUnit;
/// impl ColumnKey for MemberUnit {
///     type Entity = household_member::Entity;
///     const COLUMN: household_member::Column = household_member::Column::UnitId;
/// }
/// pub type HouseholdByUnit = ByColumn<MemberUnit>;
/// ```
pub trait ColumnKey: 'static {
    /// The entity whose rows are loaded.
    type Entity: EntityTrait;
    /// The column holding the key.
    const COLUMN: <Self::Entity as EntityTrait>::Column;
}

/// The rows whose [`ColumnKey`] column is each key, in primary-key order (an empty list for a
/// key without rows).
pub struct ByColumn<K>(DatabaseConnection, PhantomData<fn() -> K>);

impl<K> DomainLoader for ByColumn<K>
where
    K: ColumnKey,
    <K::Entity as EntityTrait>::Model: Clone + Send + Sync,
{
    fn new(db: DatabaseConnection, _clock: &Clock) -> Self {
        ByColumn(db, PhantomData)
    }
}

async fn rows_by_column<K: ColumnKey>(
    db: &DatabaseConnection,
    keys: &[Uuid],
) -> Result<Vec<(Uuid, <K::Entity as EntityTrait>::Model)>, LoadError>
where
    <K::Entity as EntityTrait>::Model: Send + Sync,
{
    let mut query = K::Entity::find().filter(K::COLUMN.is_in(keys.iter().copied()));
    if let Some(id) = primary_column::<K::Entity>() {
        query = query.order_by_asc(id);
    }
    let rows = query.all(db).await?;
    Ok(rows
        .into_iter()
        .filter_map(|row| uuid_of(&row, K::COLUMN).map(|key| (key, row)))
        .collect())
}

impl<K> Loader<Uuid> for ByColumn<K>
where
    K: ColumnKey,
    <K::Entity as EntityTrait>::Model: Clone + Send + Sync,
{
    type Value = Vec<<K::Entity as EntityTrait>::Model>;
    type Error = LoadError;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, LoadError> {
        let rows = rows_by_column::<K>(&self.0, keys).await?;
        Ok(group(keys, rows, |pair| pair))
    }
}

/// The row whose unique [`ColumnKey`] column is each key (the first, should there be more).
pub struct OneByColumn<K>(DatabaseConnection, PhantomData<fn() -> K>);

impl<K> DomainLoader for OneByColumn<K>
where
    K: ColumnKey,
    <K::Entity as EntityTrait>::Model: Clone + Send + Sync,
{
    fn new(db: DatabaseConnection, _clock: &Clock) -> Self {
        OneByColumn(db, PhantomData)
    }
}

impl<K> Loader<Uuid> for OneByColumn<K>
where
    K: ColumnKey,
    <K::Entity as EntityTrait>::Model: Clone + Send + Sync,
{
    type Value = <K::Entity as EntityTrait>::Model;
    type Error = LoadError;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, LoadError> {
        let mut found = HashMap::new();
        for (key, row) in rows_by_column::<K>(&self.0, keys).await? {
            found.entry(key).or_insert(row);
        }
        Ok(found)
    }
}
