//! Persistence mechanics every domain service shares, so services keep only their rules:
//! [`find_or_not_found`] / [`one_or_not_found`] (a row or `NOT_FOUND` naming it),
//! [`replace_links`] (set a row's link rows in one call, inside the caller's transaction) and
//! [`apply_changes!`](crate::apply_changes) (an update's present fields onto an active model).

use std::{collections::HashSet, hash::Hash};

use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseTransaction, EntityTrait,
    PrimaryKeyTrait, QueryFilter, Select,
};
use uuid::Uuid;

use crate::error::{AppError, AppResult};

/// An entity clients look up: `NOUN` names it in `NOT_FOUND` errors ("staff record"). Each
/// domain declares the nouns of its entities next to its loaders.
pub trait Named: EntityTrait {
    /// What a client calls one row, lower case.
    const NOUN: &'static str;
}

/// The row with primary key `id`, or `NOT_FOUND` naming the entity.
pub async fn find_or_not_found<E, C>(db: &C, id: Uuid) -> AppResult<E::Model>
where
    E: Named,
    <E::PrimaryKey as PrimaryKeyTrait>::ValueType: From<Uuid>,
    C: ConnectionTrait,
{
    E::find_by_id(id)
        .one(db)
        .await?
        .ok_or(AppError::NotFound(E::NOUN))
}

/// The first row of `query` (typically already narrowed to what the viewer may see), or
/// `NOT_FOUND` naming the entity.
pub async fn one_or_not_found<E, C>(db: &C, query: Select<E>) -> AppResult<E::Model>
where
    E: Named,
    C: ConnectionTrait,
{
    query.one(db).await?.ok_or(AppError::NotFound(E::NOUN))
}

/// Makes the link rows of `owner_id` (rows of `E` whose `owner` column is `owner_id`) exactly
/// `items`, duplicates ignored: deletes the old set and inserts the new one in two statements,
/// inside the caller's transaction so readers never see a half-replaced set.
pub async fn replace_links<E, T, A>(
    txn: &DatabaseTransaction,
    owner: E::Column,
    owner_id: Uuid,
    items: impl IntoIterator<Item = T>,
    link: impl Fn(T) -> A,
) -> AppResult<()>
where
    E: EntityTrait<ActiveModel = A>,
    A: ActiveModelTrait<Entity = E> + Send,
    T: Eq + Hash,
{
    E::delete_many()
        .filter(owner.eq(owner_id))
        .exec(txn)
        .await?;
    let unique: HashSet<T> = items.into_iter().collect();
    if !unique.is_empty() {
        E::insert_many(unique.into_iter().map(link))
            .exec(txn)
            .await?;
    }
    Ok(())
}

/// Sets the fields of an active model whose change is present (`Some`), leaving the others
/// untouched; values go through `Into`, so `Text<N>` fills a `String` column:
///
/// ```ignore
/// apply_changes!(active, {
///     name: changes.name,
///     floor: changes.floor,
///     kind: changes.kind.map(|k| k.as_str().to_owned()),
///     birth_date: changes.birth_date, // Option<Option<NaiveDate>>: Some(None) clears it
/// });
/// ```
#[macro_export]
macro_rules! apply_changes {
    ($active:expr, { $($field:ident : $change:expr),* $(,)? }) => {
        $(
            if let Some(value) = $change {
                $active.$field = ::sea_orm::ActiveValue::Set(value.into());
            }
        )*
    };
}

#[cfg(test)]
mod tests {
    use chrono::Utc;
    use entity::building;
    use sea_orm::ActiveValue::{NotSet, Set, Unchanged};

    use crate::graphql::text::Text;

    #[test]
    fn only_present_changes_are_set() {
        let model = building::Model {
            id: uuid::Uuid::now_v7(),
            name: "A".into(),
            address: "1 Road".into(),
            service_centre_hours: String::new(),
            created_at: Utc::now(),
            updated_at: Utc::now(),
        };
        let mut active: building::ActiveModel = model.into();
        let name = Text::<100>::parse("name", " B ").ok();
        let hours: Option<String> = None;
        apply_changes!(active, { name: name, service_centre_hours: hours });
        assert_eq!(active.name, Set("B".to_owned()));
        assert!(matches!(active.service_centre_hours, Unchanged(_)));
        assert!(matches!(active.address, Unchanged(_)));
        let mut fresh = building::ActiveModel {
            address: NotSet,
            ..active
        };
        apply_changes!(fresh, { address: Some("2 Road") });
        assert_eq!(fresh.address, Set("2 Road".to_owned()));
    }
}
