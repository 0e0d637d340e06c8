//! One keyset pagination helper for every Relay connection. Rows are ordered by their UUID v7
//! id (creation order); a cursor is the id of an edge, so pages stay stable while rows are
//! added, and no query ever uses OFFSET.

use async_graphql::{
    OutputType,
    connection::{Connection, Edge},
};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Select,
};
use uuid::Uuid;

use crate::error::{AppError, AppResult};

/// Largest page.
pub const MAX_PAGE: usize = 100;
/// Page size when the client gives neither `first` nor `last`.
pub const DEFAULT_PAGE: usize = 20;

/// Validated Relay arguments.
#[derive(Clone, Debug)]
pub struct PageRequest {
    after: Option<Uuid>,
    before: Option<Uuid>,
    size: usize,
    backward: bool,
}

fn cursor(field: &str, raw: Option<String>) -> AppResult<Option<Uuid>> {
    raw.map(|c| {
        Uuid::parse_str(&c).map_err(|_| AppError::bad_input(field, "is not a valid cursor"))
    })
    .transpose()
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

impl PageRequest {
    /// Checks `first`/`after`/`last`/`before`.
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
            after: cursor("after", after)?,
            before: cursor("before", before)?,
            size: first.or(last).unwrap_or(DEFAULT_PAGE),
            backward: last.is_some(),
        })
    }
}

/// One page of rows and whether more exist on either side.
pub struct Page<M> {
    /// The rows, in id order.
    pub items: Vec<M>,
    /// More rows after the last one.
    pub has_next: bool,
    /// More rows before the first one.
    pub has_previous: bool,
}

/// Runs `query` for one page, ordered by `id`.
pub async fn fetch_page<E, C>(
    db: &C,
    query: Select<E>,
    id: E::Column,
    page: &PageRequest,
) -> AppResult<Page<E::Model>>
where
    E: EntityTrait,
    E::Column: ColumnTrait,
    C: ConnectionTrait,
{
    let mut query = query;
    if let Some(after) = page.after {
        query = query.filter(id.gt(after));
    }
    if let Some(before) = page.before {
        query = query.filter(id.lt(before));
    }
    let query = if page.backward {
        query.order_by_desc(id)
    } else {
        query.order_by_asc(id)
    };
    let limit = u64::try_from(page.size).unwrap_or(0) + 1;
    let mut items = query.limit(limit).all(db).await?;
    let more = items.len() > page.size;
    items.truncate(page.size);
    if page.backward {
        items.reverse();
        Ok(Page {
            items,
            has_next: page.before.is_some(),
            has_previous: more,
        })
    } else {
        Ok(Page {
            items,
            has_next: more,
            has_previous: page.after.is_some(),
        })
    }
}

impl<M> Page<M> {
    /// Like [`Page::into_connection`], for node types whose conversion can fail.
    pub fn try_into_connection<N: OutputType>(
        self,
        id: impl Fn(&M) -> Uuid,
        node: impl Fn(M) -> AppResult<N>,
    ) -> AppResult<Connection<String, N>> {
        let mut connection = Connection::new(self.has_previous, self.has_next);
        for item in self.items {
            let cursor = id(&item).to_string();
            connection.edges.push(Edge::new(cursor, node(item)?));
        }
        Ok(connection)
    }

    /// The Relay connection, with `id` giving each row's cursor and `node` its GraphQL type.
    pub fn into_connection<N: OutputType>(
        self,
        id: impl Fn(&M) -> Uuid,
        node: impl Fn(M) -> N,
    ) -> Connection<String, N> {
        let mut connection = Connection::new(self.has_previous, self.has_next);
        connection.edges.extend(
            self.items
                .into_iter()
                .map(|item| Edge::new(id(&item).to_string(), node(item))),
        );
        connection
    }
}
