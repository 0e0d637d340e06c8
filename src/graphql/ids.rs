//! `ID` arguments parsed into UUIDs at the edge: a malformed id is `BAD_USER_INPUT` on the
//! field that carried it, so services only ever see UUIDs. The other half of the rule lives in
//! the services: a well-formed id naming nothing the viewer may see is `NOT_FOUND` (inside an
//! input, on its field: `AppError::unknown_id`, `AppError::on_field`).

use async_graphql::ID;
use uuid::Uuid;

use crate::error::{AppError, AppResult};

/// Parses an `ID` argument into a UUID, or `BAD_USER_INPUT` on `field`.
pub fn parse_id(field: &str, id: &ID) -> AppResult<Uuid> {
    Uuid::parse_str(id.as_str()).map_err(|_| AppError::bad_input(field, "is not a valid id"))
}

/// Parses a list of `ID`s; the first malformed one fails the whole list on `field`.
pub fn parse_ids(field: &str, ids: &[ID]) -> AppResult<Vec<Uuid>> {
    ids.iter().map(|id| parse_id(field, id)).collect()
}

/// Parses an optional `ID` (a filter's, typically).
pub fn parse_opt_id(field: &str, id: Option<&ID>) -> AppResult<Option<Uuid>> {
    id.map(|id| parse_id(field, id)).transpose()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_parse_or_name_their_field() {
        let good = Uuid::now_v7();
        assert_eq!(parse_id("id", &ID(good.to_string())).unwrap(), good);
        assert_eq!(
            parse_ids("input.ids", &[ID(good.to_string()), ID(good.to_string())]).unwrap(),
            vec![good, good]
        );
        assert_eq!(parse_opt_id("filter.unitId", None).unwrap(), None);
        for (result, field) in [
            (parse_id("id", &ID("nope".into())).map(|_| ()), "id"),
            (
                parse_ids("input.ids", &[ID(good.to_string()), ID("x".into())]).map(|_| ()),
                "input.ids",
            ),
            (
                parse_opt_id("filter.unitId", Some(&ID(String::new()))).map(|_| ()),
                "filter.unitId",
            ),
        ] {
            match result {
                Err(AppError::BadUserInput { field: f, .. }) => assert_eq!(f, field),
                other => panic!("{other:?}"),
            }
        }
    }
}
