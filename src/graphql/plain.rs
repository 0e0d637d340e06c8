//! Objects made only of stored values, answered without the executor's per-field machinery.
//!
//! async-graphql resolves every field of every object as a boxed future polled through a
//! `FuturesUnordered` of its own, even a field that only copies a string out of the object.
//! On a page that lists notices that machinery is most of the request's cost: ten notices of
//! seven fields are seventy futures for seventy copies. [`Plain`] wraps such an object: when
//! every selection on it is a plain field (one that [`PlainFields::plain_field`] answers: no
//! arguments, nothing to load, nothing that can fail), with no fragments and no directives, the
//! object's answer is built in one synchronous pass, in selection order. Anything else (a
//! field that loads, a fragment, `@skip`) runs through the derived resolver as before, so the
//! answer is the same either way; `plain_and_derived_answers_match` in the notices tests checks
//! that field by field.
//!
//! The wrapper keeps the wrapped type's GraphQL name and registration, so the schema does not
//! change. Fields answered here skip the guardrails' per-field hook, which only gives errors
//! their codes and spends the cooperative budget: a plain field neither fails nor waits.

use std::borrow::Cow;

use async_graphql::{
    ContextSelectionSet, InputType, Name, OutputType, Positioned, ServerResult, Value,
    indexmap::IndexMap,
    parser::types::{Field, Selection},
    registry::Registry,
};

/// An object some of whose fields are stored values.
pub trait PlainFields: OutputType {
    /// The value of field `name` when it is a plain field of this object, exactly as its derived
    /// resolver would answer it; `None` for any other field (one that loads, takes arguments or
    /// may fail), which sends the whole object through the derived resolver.
    fn plain_field(&self, name: &str) -> Option<Value>;
}

/// The value a plain field answers: what the derived resolver of a field of this type gives.
/// Scalars, enums, lists and options of them answer their input form (async-graphql resolves a
/// scalar or an enum to exactly that).
pub fn plain<T: InputType>(value: &T) -> Value {
    value.to_value()
}

/// `T` with the plain fast path; the same GraphQL type as `T`.
#[derive(Clone)]
pub struct Plain<T>(pub T);

impl<T> std::ops::Deref for Plain<T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.0
    }
}

/// The object's answer when every selection on it is a plain field; `None` otherwise.
fn plain_object<T: PlainFields>(object: &T, ctx: &ContextSelectionSet<'_>) -> Option<Value> {
    let items = &ctx.item.node.items;
    let mut map: IndexMap<Name, Value> = IndexMap::with_capacity(items.len());
    for selection in items {
        let Selection::Field(field) = &selection.node else {
            return None;
        };
        let field = &field.node;
        if !field.directives.is_empty() || !field.arguments.is_empty() {
            return None;
        }
        let name = field.name.node.as_str();
        let value = match name {
            "__typename" => Value::String(object.introspection_type_name().into_owned()),
            _ => object.plain_field(name)?,
        };
        // A field selected twice under one key (validation made sure they are the same field)
        // keeps its first place, as the executor's merge does.
        map.entry(field.response_key().node.clone())
            .or_insert(value);
    }
    Some(Value::Object(map))
}

impl<T: PlainFields> OutputType for Plain<T> {
    fn type_name() -> Cow<'static, str> {
        T::type_name()
    }

    fn qualified_type_name() -> String {
        T::qualified_type_name()
    }

    fn introspection_type_name(&self) -> Cow<'static, str> {
        self.0.introspection_type_name()
    }

    fn create_type_info(registry: &mut Registry) -> String {
        T::create_type_info(registry)
    }

    async fn resolve(
        &self,
        ctx: &ContextSelectionSet<'_>,
        field: &Positioned<Field>,
    ) -> ServerResult<Value> {
        match plain_object(&self.0, ctx) {
            Some(value) => Ok(value),
            None => self.0.resolve(ctx, field).await,
        }
    }
}
