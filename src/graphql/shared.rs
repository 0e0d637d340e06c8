//! Shared subscriptions: what a domain declares so that many sockets running the same live
//! operation share one execution per event (the WebSocket side is `http::shared`).
//!
//! A subscription field is shareable when, for a given event, its payload is the same for every
//! subscriber the event is for: only *whether* a subscriber gets it depends on who they are. The
//! domain then gives, in a [`ShareableField`]:
//! - the selection that is known to read nothing of the viewer (a [`Shape`]; a document asking
//!   for anything else runs per socket, as before);
//! - where the events come from (`live`, `head`), the same log and topic as the unshared path;
//! - `judgement`, which decodes once per event what the per-subscriber rule needs, and whose
//!   [`Admits::admits`] is then asked for each member with their access as it is now.
//!
//! Its resolver honours three request data markers: [`SharedProbe`] (check the arguments and the
//! caller without touching the database, then yield nothing), [`SharedEvent`] (map exactly this
//! event, unjudged, for the whole group) and [`ResumeAfter`] (a member that fell behind goes on
//! alone from its last position).
//!
//! Invariants:
//! - A member receives exactly what the unshared resolver would have sent it: the same events,
//!   in the same order, each judged with the member's access when it is delivered.
//! - Only documents whose every field is listed in the field's [`Shape`] are shared; a field not
//!   listed (new, viewer-dependent, with arguments, behind a fragment) keeps a document unshared.

use std::sync::Arc;

use async_graphql::parser::types::{
    DocumentOperations, ExecutableDocument, OperationType, Selection, SelectionSet,
};
use futures_util::{future::BoxFuture, stream::BoxStream};
use uuid::Uuid;

use crate::{app::AppState, domains::estate::access::Scope, error::AppResult, events::log};

/// Request data: run the subscription's set-up and checks, then yield nothing.
pub struct SharedProbe;

/// Request data: map this one event for a shared group, without judging it.
pub struct SharedEvent(pub Arc<log::LoggedEvent>);

/// Request data: an unshared run that goes on after this position of the topic (a member that
/// fell behind its group).
pub struct ResumeAfter(pub i64);

/// The per-subscriber part of a shared event: whether one member may receive it.
pub trait Admits: Send + Sync {
    /// Whether the subscriber with `scope` (their access now) receives the event.
    fn admits<'a>(
        &'a self,
        state: &'a AppState,
        scope: &'a Scope,
    ) -> BoxFuture<'a, AppResult<bool>>;
}

/// The fields of one object type a shared document may select: name, and the shape of the
/// object it returns (`None` for a leaf). `__typename` is always allowed.
pub struct Shape {
    /// Allowed fields.
    pub fields: &'static [(&'static str, Option<&'static Shape>)],
}

/// The events a group maps: after the head, in order, live.
pub type LiveEvents = BoxStream<'static, AppResult<log::LoggedEvent>>;

/// A subscription root field whose payload does not depend on who receives it.
pub struct ShareableField {
    /// The root field's name.
    pub name: &'static str,
    /// What its payload may select.
    pub shape: &'static Shape,
    /// The topic's events from now on (as the unshared path reads them without a cursor).
    pub live: fn(AppState) -> BoxFuture<'static, AppResult<LiveEvents>>,
    /// The topic's last position committed.
    pub head: fn(AppState) -> BoxFuture<'static, AppResult<i64>>,
    /// Loads into the caches what judging will read for `user` (while joining, so that the
    /// first event fanned out to thousands finds it there).
    pub warm: fn(AppState, Uuid) -> BoxFuture<'static, AppResult<()>>,
    /// What deciding delivery needs, decoded once per event; `None` for an event no one gets.
    pub judgement: fn(&log::LoggedEvent) -> Option<Arc<dyn Admits>>,
}

/// Every shareable field of the schema.
static FIELDS: [&ShareableField; 1] = [&crate::domains::notices::graphql::SHARED_NOTICE_PUBLISHED];

/// Every shareable field of the schema.
pub fn fields() -> &'static [&'static ShareableField] {
    &FIELDS
}

/// Deepest nesting of a document considered for sharing (shareable shapes are shallow).
const MAX_NESTING: usize = 16;

/// The shareable field `query` (with `operation_name`) runs, if it is a subscription of one such
/// root field, with no arguments or directives, selecting only what the field's shape allows. A
/// document that does not parse is not shareable (the unshared path reports its errors).
pub fn shareable(query: &str, operation_name: Option<&str>) -> Option<&'static ShareableField> {
    // Cheap refusal before parsing: most documents name no shareable field.
    let candidates: Vec<_> = fields()
        .iter()
        .copied()
        .filter(|field| query.contains(field.name))
        .collect();
    // The parser recurses: a document nested deeper than any shareable one is left to the
    // unshared path, whose guardrails refuse it before parsing.
    if candidates.is_empty() || super::guardrails::nesting_depth(query, MAX_NESTING) > MAX_NESTING {
        return None;
    }
    let document = async_graphql::parser::parse_query(query).ok()?;
    shareable_in(&document, operation_name, &candidates)
}

fn shareable_in(
    document: &ExecutableDocument,
    operation_name: Option<&str>,
    candidates: &[&'static ShareableField],
) -> Option<&'static ShareableField> {
    let operation = match (&document.operations, operation_name) {
        (DocumentOperations::Single(operation), None) => operation,
        (DocumentOperations::Multiple(operations), Some(name)) => operations.get(name)?,
        _ => return None,
    };
    let operation = &operation.node;
    if operation.ty != OperationType::Subscription || !operation.directives.is_empty() {
        return None;
    }
    let [root] = operation.selection_set.node.items.as_slice() else {
        return None;
    };
    let Selection::Field(root) = &root.node else {
        return None;
    };
    let root = &root.node;
    if !root.arguments.is_empty() || !root.directives.is_empty() {
        return None;
    }
    let field = candidates
        .iter()
        .copied()
        .find(|field| root.name.node.as_str() == field.name)?;
    fits(&root.selection_set.node, field.shape).then_some(field)
}

/// Whether every selection of `set` is a plain field `shape` allows, recursively.
fn fits(set: &SelectionSet, shape: &Shape) -> bool {
    set.items.iter().all(|selection| {
        let Selection::Field(field) = &selection.node else {
            return false;
        };
        let field = &field.node;
        if !field.arguments.is_empty() || !field.directives.is_empty() {
            return false;
        }
        let name = field.name.node.as_str();
        if name == "__typename" {
            return field.selection_set.node.items.is_empty();
        }
        match shape.fields.iter().find(|(allowed, _)| *allowed == name) {
            Some((_, None)) => field.selection_set.node.items.is_empty(),
            Some((_, Some(child))) => {
                !field.selection_set.node.items.is_empty() && fits(&field.selection_set.node, child)
            }
            None => false,
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOTICE: &str = "noticePublished";

    fn field(query: &str, operation_name: Option<&str>) -> Option<&'static str> {
        shareable(query, operation_name).map(|field| field.name)
    }

    #[test]
    fn a_plain_selection_of_allowed_fields_is_shared() {
        let query = "subscription { noticePublished { cursor kind noticeId __typename notice { id title kind priority publishAt pinned requiresAck } } }";
        assert_eq!(field(query, None), Some(NOTICE));
        let named =
            "subscription Board { board: noticePublished { cursor } } query Other { __typename }";
        assert_eq!(field(named, Some("Board")), Some(NOTICE));
    }

    #[test]
    fn anything_that_may_depend_on_the_viewer_or_the_subscriber_is_not_shared() {
        for query in [
            // A cursor: the replay is the subscriber's own.
            "subscription { noticePublished(after: \"x\") { cursor } }",
            // A field that reads the viewer, or one not listed.
            "subscription { noticePublished { notice { viewerReceipt { readAt } } } }",
            "subscription { noticePublished { notice { author { name } } } }",
            // Fragments, directives, two root fields, a query.
            "subscription { noticePublished { ... on NoticeEvent { cursor } } }",
            "subscription { noticePublished { cursor @include(if: true) } }",
            "subscription { noticePublished { cursor } ping }",
            "query { noticePublished { cursor } }",
            // A leaf selected as an object, an object without its selection.
            "subscription { noticePublished { notice } }",
            "subscription { noticePublished { cursor { x } } }",
            // Not GraphQL.
            "subscription { noticePublished {",
        ] {
            assert_eq!(field(query, None), None, "{query}");
        }
        // Nested past any shareable shape: not even parsed (the parser recurses).
        let deep = format!(
            "subscription {{ noticePublished {}{} }}",
            "{ notice ".repeat(100_000),
            "}".repeat(100_000)
        );
        assert_eq!(field(&deep, None), None);
        // Several operations without a name to choose one.
        let two = "subscription A { noticePublished { cursor } } subscription B { noticePublished { kind } }";
        assert_eq!(field(two, None), None);
        assert_eq!(field(two, Some("C")), None);
    }
}
