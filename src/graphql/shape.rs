//! Responses shaped exactly as the GraphQL specification says, whatever order fields resolved in
//! and however a field failed.
//!
//! The executor resolves sibling fields concurrently and writes each result when it finishes, so
//! keys came back in completion order; and a field that failed was left out of its object (an
//! object whose every field failed became `null`), whatever the field's type said. After
//! execution this module walks the response along the operation's selection sets and the
//! schema's field types and
//! - orders every object's keys as the selection set orders them (fragments merged in place, as
//!   the specification's field collection does);
//! - gives a failed field `null` when its type allows it, and otherwise propagates the null to
//!   the nearest nullable parent (a list item, a list, an object, or `data` itself), so that a
//!   client's generated types, which trust `!`, hold.
//!
//! Only the errors' paths are read: a key missing without an error at its path was skipped
//! (`@skip`/`@include`) and stays missing.

use std::{cell::RefCell, collections::HashMap, rc::Rc};

use async_graphql::{
    Name, PathSegment, ServerError, Value,
    indexmap::IndexMap,
    parser::types::{
        BaseType, DocumentOperations, ExecutableDocument, OperationDefinition, OperationType,
        Selection, SelectionSet, Type, TypeKind, TypeSystemDefinition,
    },
};

/// The output types of a schema: for every object and interface, its fields' types.
#[derive(Debug, Default)]
pub struct ResponseShape {
    fields: HashMap<String, HashMap<String, Type>>,
    query: String,
    mutation: String,
    subscription: String,
}

impl ResponseShape {
    /// Reads the field types from the schema's SDL.
    pub fn from_sdl(sdl: &str) -> ResponseShape {
        let mut shape = ResponseShape {
            query: "Query".to_owned(),
            mutation: "Mutation".to_owned(),
            subscription: "Subscription".to_owned(),
            ..ResponseShape::default()
        };
        let Ok(document) = async_graphql::parser::parse_schema(sdl) else {
            tracing::error!("the schema's SDL does not parse; responses are not reshaped");
            return shape;
        };
        for definition in document.definitions {
            match definition {
                TypeSystemDefinition::Schema(schema) => {
                    let schema = schema.node;
                    if let Some(name) = schema.query {
                        shape.query = name.node.to_string();
                    }
                    if let Some(name) = schema.mutation {
                        shape.mutation = name.node.to_string();
                    }
                    if let Some(name) = schema.subscription {
                        shape.subscription = name.node.to_string();
                    }
                }
                TypeSystemDefinition::Type(ty) => {
                    let ty = ty.node;
                    let fields = match ty.kind {
                        TypeKind::Object(object) => object.fields,
                        TypeKind::Interface(interface) => interface.fields,
                        _ => continue,
                    };
                    shape.fields.insert(
                        ty.name.node.to_string(),
                        fields
                            .into_iter()
                            .map(|field| (field.node.name.node.to_string(), field.node.ty.node))
                            .collect(),
                    );
                }
                TypeSystemDefinition::Directive(_) => {}
            }
        }
        shape
    }

    /// Orders `data` by the selection and propagates the nulls of failed fields. `data` is left
    /// alone when the operation cannot be found in `document`.
    pub fn apply(
        &self,
        document: &ExecutableDocument,
        operation_name: Option<&str>,
        data: &mut Value,
        errors: &[ServerError],
    ) {
        let Some(operation) = operation(document, operation_name) else {
            return;
        };
        let root = match operation.ty {
            OperationType::Query => &self.query,
            OperationType::Mutation => &self.mutation,
            OperationType::Subscription => &self.subscription,
        };
        let walk = Walk {
            shape: self,
            document,
            failed: errors
                .iter()
                .filter(|err| !err.path.is_empty())
                .map(|err| err.path.as_slice())
                .collect(),
            memo: RefCell::default(),
        };
        let sets = [(&operation.selection_set.node, root.as_str())];
        let mut path = Vec::new();
        let mut map = match std::mem::take(data) {
            Value::Object(map) => map,
            // Every root field failed: the executor answered `null` for the whole object.
            Value::Null if !walk.failed.is_empty() => IndexMap::new(),
            other => {
                *data = other;
                return;
            }
        };
        *data = match walk.object(&mut map, &sets, &mut path) {
            Ok(()) => Value::Object(map),
            Err(NullField) => Value::Null,
        };
    }

    fn field_type(&self, parent: &str, field: &str) -> Option<&Type> {
        self.fields.get(parent)?.get(field)
    }
}

/// The operation a request runs, chosen as the executor chooses it.
fn operation<'d>(
    document: &'d ExecutableDocument,
    name: Option<&str>,
) -> Option<&'d OperationDefinition> {
    let operation = match (&document.operations, name) {
        (DocumentOperations::Single(operation), _) => operation,
        (DocumentOperations::Multiple(operations), Some(name)) => operations.get(name)?,
        (DocumentOperations::Multiple(operations), None) if operations.len() == 1 => {
            operations.values().next()?
        }
        (DocumentOperations::Multiple(_), None) => return None,
    };
    Some(&operation.node)
}

/// A null where the type forbids one: the enclosing value becomes null too.
struct NullField;

/// One selected response key, with every selection set that asks for something under it.
struct Collected<'d> {
    key: &'d str,
    /// The field's type, looked up on the type the selection was made on.
    ty: Option<&'d Type>,
    sub: Vec<(&'d SelectionSet, &'d str)>,
}

struct Walk<'d> {
    shape: &'d ResponseShape,
    document: &'d ExecutableDocument,
    failed: Vec<&'d [PathSegment]>,
    /// What [`Walk::collected`] collected for one selection set on one type: every object
    /// answering the same selection (each notice of a page under its edge) shares it.
    memo: RefCell<Vec<(MemoKey, Rc<Vec<Collected<'d>>>)>>,
}

/// A selection set and the type it is on, by address (and the type name's length).
type MemoKey = (usize, usize, usize);

impl<'d> Walk<'d> {
    /// The response keys `sets` select, in the specification's order (first appearance, with
    /// fragments expanded where they stand).
    fn collect(&self, sets: &[(&'d SelectionSet, &'d str)]) -> Vec<Collected<'d>> {
        let mut out: Vec<Collected<'d>> = Vec::new();
        for (set, parent) in sets {
            self.collect_set(set, parent, &mut out, 0);
        }
        out
    }

    fn collect_set(
        &self,
        set: &'d SelectionSet,
        parent: &'d str,
        out: &mut Vec<Collected<'d>>,
        depth: usize,
    ) {
        // Fragment cycles are refused by validation; the bound only guards this walk.
        if depth > 64 {
            return;
        }
        for item in &set.items {
            match &item.node {
                Selection::Field(field) => {
                    let field = &field.node;
                    let key = field.response_key().node.as_str();
                    let name = field.name.node.as_str();
                    let ty = if name == "__typename" {
                        None
                    } else {
                        self.shape.field_type(parent, name)
                    };
                    let named = ty.map_or("", named_type);
                    let index = match out.iter().position(|c| c.key == key) {
                        Some(index) => index,
                        None => {
                            out.push(Collected {
                                key,
                                ty,
                                sub: Vec::new(),
                            });
                            out.len() - 1
                        }
                    };
                    if !field.selection_set.node.items.is_empty() {
                        out[index].sub.push((&field.selection_set.node, named));
                    }
                }
                Selection::FragmentSpread(spread) => {
                    if let Some(fragment) =
                        self.document.fragments.get(&spread.node.fragment_name.node)
                    {
                        let on = fragment.node.type_condition.node.on.node.as_str();
                        self.collect_set(&fragment.node.selection_set.node, on, out, depth + 1);
                    }
                }
                Selection::InlineFragment(fragment) => {
                    let on = fragment
                        .node
                        .type_condition
                        .as_ref()
                        .map_or(parent, |condition| condition.node.on.node.as_str());
                    self.collect_set(&fragment.node.selection_set.node, on, out, depth + 1);
                }
            }
        }
    }

    /// [`Walk::collect`], once per request for a single selection set on a type.
    fn collected(&self, sets: &[(&'d SelectionSet, &'d str)]) -> Rc<Vec<Collected<'d>>> {
        let [(set, parent)] = sets else {
            return Rc::new(self.collect(sets));
        };
        let key = (
            std::ptr::from_ref::<SelectionSet>(set) as usize,
            parent.as_ptr() as usize,
            parent.len(),
        );
        if let Some((_, fields)) = self.memo.borrow().iter().find(|(k, _)| *k == key) {
            return fields.clone();
        }
        let fields = Rc::new(self.collect(sets));
        self.memo.borrow_mut().push((key, fields.clone()));
        fields
    }

    fn failed_at(&self, path: &[PathSegment]) -> bool {
        self.failed.contains(&path)
    }

    fn failed_under(&self, path: &[PathSegment]) -> bool {
        self.failed
            .iter()
            .any(|failed| failed.len() > path.len() && failed.starts_with(path))
    }

    /// Rebuilds `map` in selection order; `Err` when a non-null field in it is null.
    fn object(
        &self,
        map: &mut IndexMap<Name, Value>,
        sets: &[(&'d SelectionSet, &'d str)],
        path: &mut Vec<PathSegment>,
    ) -> Result<(), NullField> {
        let fields = self.collected(sets);
        self.object_of(map, &fields, path)
    }

    /// [`Walk::object`] with its selection collected already (once for every item of a list).
    fn object_of(
        &self,
        map: &mut IndexMap<Name, Value>,
        fields: &[Collected<'d>],
        path: &mut Vec<PathSegment>,
    ) -> Result<(), NullField> {
        // Paths are only read to find failed fields.
        let tracking = !self.failed.is_empty();
        if !tracking
            && map.len() == fields.len()
            && map
                .keys()
                .zip(fields)
                .all(|(key, field)| key.as_str() == field.key)
        {
            // In order, nothing missing: only what is under the fields may need work.
            for (value, field) in map.values_mut().zip(fields) {
                self.complete(value, field.ty, &field.sub, path)?;
            }
            return Ok(());
        }
        let mut old = std::mem::take(map);
        for field in fields {
            if tracking {
                path.push(PathSegment::Field(field.key.to_owned()));
            }
            let value = match old.shift_remove(field.key) {
                Some(mut value) => match self.complete(&mut value, field.ty, &field.sub, path) {
                    Ok(()) => Some(value),
                    Err(NullField) => {
                        if tracking {
                            path.pop();
                        }
                        return Err(NullField);
                    }
                },
                // Left out because it failed: null, if its type allows.
                None if tracking && (self.failed_at(path) || self.failed_under(path)) => {
                    if field.ty.is_some_and(|ty| !ty.nullable) {
                        path.pop();
                        return Err(NullField);
                    }
                    Some(Value::Null)
                }
                // Skipped by a directive.
                None => None,
            };
            if tracking {
                path.pop();
            }
            if let Some(value) = value {
                map.insert(Name::new(field.key), value);
            }
        }
        // Nothing should remain; keep whatever does rather than lose it.
        map.extend(old);
        Ok(())
    }

    /// Completes the value of a field of type `ty`; `Err` when it ends up null and `ty`
    /// forbids that.
    fn complete(
        &self,
        value: &mut Value,
        ty: Option<&'d Type>,
        sub: &[(&'d SelectionSet, &'d str)],
        path: &mut Vec<PathSegment>,
    ) -> Result<(), NullField> {
        let non_null = ty.is_some_and(|ty| !ty.nullable);
        match value {
            Value::Null if !sub.is_empty() && (non_null || self.failed_under(path)) => {
                // The executor answers `null` for an object whose fields all failed or were
                // all skipped; rebuild it from what the selection says.
                let mut map = IndexMap::new();
                if self.object(&mut map, sub, path).is_ok() {
                    *value = Value::Object(map);
                }
            }
            Value::List(items) => {
                let item_ty = match ty.map(|ty| &ty.base) {
                    Some(BaseType::List(item)) => Some(&**item),
                    _ => None,
                };
                let mut failed = false;
                // The items share their selection: collected once.
                let fields = (!sub.is_empty()).then(|| self.collected(sub));
                for (index, item) in items.iter_mut().enumerate() {
                    path.push(PathSegment::Index(index));
                    let done = match (&mut *item, &fields) {
                        (Value::Object(map), Some(fields)) => {
                            if self.object_of(map, fields, path).is_err() {
                                // As `complete` does: the item is null, which its type may
                                // forbid.
                                *item = Value::Null;
                                if item_ty.is_some_and(|ty| !ty.nullable) {
                                    Err(NullField)
                                } else {
                                    Ok(())
                                }
                            } else {
                                Ok(())
                            }
                        }
                        _ => self.complete(item, item_ty, sub, path),
                    };
                    path.pop();
                    if done.is_err() {
                        failed = true;
                        break;
                    }
                }
                if failed {
                    *value = Value::Null;
                }
            }
            Value::Object(map) if !sub.is_empty() => {
                let nulled = self.object(map, sub, path).is_err();
                if nulled {
                    *value = Value::Null;
                }
            }
            _ => {}
        }
        if non_null && *value == Value::Null {
            Err(NullField)
        } else {
            Ok(())
        }
    }
}

/// The named type under any list and non-null wrappers.
fn named_type(ty: &Type) -> &str {
    match &ty.base {
        BaseType::Named(name) => name.as_str(),
        BaseType::List(item) => named_type(item),
    }
}

#[cfg(test)]
mod tests {
    use async_graphql::{PathSegment, ServerError, Value};
    use serde_json::json;

    use super::ResponseShape;

    const SDL: &str = r#"
        type Query { viewer: User  notice(id: ID!): Notice!  notices: [Notice!]!  maybe: Notice }
        type User { id: ID!  name: String  roles: [String!]! }
        type Notice { id: ID!  title: String!  body: String  author: User! }
    "#;

    fn run(query: &str, data: serde_json::Value, failed: &[&[PathSegment]]) -> serde_json::Value {
        let shape = ResponseShape::from_sdl(SDL);
        let document = async_graphql::parser::parse_query(query).unwrap();
        let mut data = Value::from_json(data).unwrap();
        let errors: Vec<ServerError> = failed
            .iter()
            .map(|path| {
                let mut err = ServerError::new("failed", None);
                err.path = path.to_vec();
                err
            })
            .collect();
        shape.apply(&document, None, &mut data, &errors);
        // Keys in order, as text: the order is what is checked.
        serde_json::to_value(&data).unwrap()
    }

    fn field(name: &str) -> PathSegment {
        PathSegment::Field(name.to_owned())
    }

    #[test]
    fn keys_follow_the_selection_with_fragments_in_place() {
        let out = run(
            "{ notices { title ...F id } viewer { roles name } } fragment F on Notice { body title }",
            json!({ "viewer": { "name": "a", "roles": [] }, "notices": [{ "id": "1", "body": null, "title": "t" }] }),
            &[],
        );
        assert_eq!(
            out.to_string(),
            r#"{"notices":[{"title":"t","body":null,"id":"1"}],"viewer":{"roles":[],"name":"a"}}"#
        );
    }

    #[test]
    fn every_item_of_a_list_is_ordered_whether_or_not_it_came_in_order() {
        let out = run(
            "{ notices { id author { id name } title } }",
            json!({ "notices": [
                { "id": "1", "author": { "id": "u", "name": "a" }, "title": "in order" },
                { "title": "out of order", "id": "2", "author": { "name": "b", "id": "v" } },
                { "id": "3", "author": { "name": "c", "id": "w" }, "title": "only below" },
            ] }),
            &[],
        );
        assert_eq!(
            out.to_string(),
            concat!(
                r#"{"notices":[{"id":"1","author":{"id":"u","name":"a"},"title":"in order"},"#,
                r#"{"id":"2","author":{"id":"v","name":"b"},"title":"out of order"},"#,
                r#"{"id":"3","author":{"id":"w","name":"c"},"title":"only below"}]}"#
            )
        );
    }

    #[test]
    fn a_failed_nullable_field_is_null_and_a_failed_non_null_root_field_nulls_data() {
        let out = run(
            "{ viewer { id name } maybe { id } }",
            json!({ "viewer": { "id": "u" } }),
            &[&[field("viewer"), field("name")], &[field("maybe")]],
        );
        assert_eq!(
            out.to_string(),
            r#"{"viewer":{"id":"u","name":null},"maybe":null}"#
        );
        let out = run(
            "{ viewer { id } notice(id: 1) { id } }",
            json!({ "viewer": { "id": "u" } }),
            &[&[field("notice")]],
        );
        assert_eq!(out, json!(null));
    }

    #[test]
    fn a_null_propagates_to_the_nearest_nullable_parent() {
        // Notice.author is non-null; its failure nulls the notice, and `maybe` is nullable.
        let out = run(
            "{ maybe { id author { id } } viewer { id } }",
            json!({ "maybe": { "id": "n" }, "viewer": { "id": "u" } }),
            &[&[field("maybe"), field("author")]],
        );
        assert_eq!(out.to_string(), r#"{"maybe":null,"viewer":{"id":"u"}}"#);
        // In a list of non-null items the list goes, and `notices: [Notice!]!` takes data.
        let out = run(
            "{ notices { id title } }",
            json!({ "notices": [{ "id": "1", "title": "t" }, { "id": "2" }] }),
            &[&[field("notices"), PathSegment::Index(1), field("title")]],
        );
        assert_eq!(out, json!(null));
    }

    #[test]
    fn an_object_the_executor_nulled_is_rebuilt() {
        // Every selected field of `viewer` failed and `name` is nullable: `{"name": null}`.
        let out = run(
            "{ viewer { name } }",
            json!({ "viewer": null }),
            &[&[field("viewer"), field("name")]],
        );
        assert_eq!(out, json!({ "viewer": { "name": null } }));
        // A non-null object whose only field was skipped is `{}`, not null.
        let out = run(
            "{ notice(id: 1) { id @skip(if: true) } }",
            json!({ "notice": null }),
            &[],
        );
        assert_eq!(out, json!({ "notice": {} }));
        // A nullable field that resolved to null stays null.
        let out = run("{ maybe { id } }", json!({ "maybe": null }), &[]);
        assert_eq!(out, json!({ "maybe": null }));
    }

    #[test]
    fn a_skipped_field_stays_missing() {
        let out = run(
            "query($s: Boolean!) { viewer { id name @skip(if: $s) } }",
            json!({ "viewer": { "id": "u" } }),
            &[],
        );
        assert_eq!(out, json!({ "viewer": { "id": "u" } }));
    }
}
