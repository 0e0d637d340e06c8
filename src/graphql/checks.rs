//! Checking a whole input at once: every invalid field is reported in one response, each as a
//! `BAD_USER_INPUT` error naming its field, so a form can mark all of them after one round trip.
//!
//! A resolver (or a service, for rules that need no database) runs each field's parser through
//! one [`Checks`], then builds its domain value in [`Checks::finish`]:
//!
//! ```ignore
//! let mut check = Checks::new();
//! let email = check.field(Email::parse("input.email", &input.email));
//! let name = check.field(DisplayName::parse("input.displayName", &input.display_name));
//! check.rule(input.consent, "input.consent", "must be true");
//! let new = check.finish(|| Some(NewUser { email: email?, display_name: name? }))?;
//! ```
//!
//! Checks that need the database (a referenced object exists, a number is free) run after this,
//! in the service, once the format of every field is known to be right.

use crate::error::{AppError, AppResult, FieldProblem};

/// Collects the problems of one input's fields.
#[derive(Debug, Default)]
#[must_use = "a check reports nothing until `finish` is called"]
pub struct Checks {
    problems: Vec<FieldProblem>,
    /// The first error that was not about the input (a parser that had to ask something and
    /// failed); it wins over the problems.
    failure: Option<AppError>,
}

impl Checks {
    /// No problems yet.
    pub fn new() -> Self {
        Checks::default()
    }

    /// The parsed value of a field, or `None` with its problem recorded. Errors other than bad
    /// input are kept too and win in [`Checks::finish`] (they are not about the input).
    pub fn field<T>(&mut self, parsed: AppResult<T>) -> Option<T> {
        match parsed {
            Ok(value) => Some(value),
            Err(err) => {
                self.add(err);
                None
            }
        }
    }

    /// Records `message` on `field` unless `ok`: a rule across fields, or one without a parser.
    pub fn rule(&mut self, ok: bool, field: &str, message: &str) {
        if !ok {
            self.problems.push(FieldProblem {
                field: field.to_owned(),
                message: message.to_owned(),
            });
        }
    }

    /// Records a failed check's error.
    pub fn add(&mut self, err: AppError) {
        match err {
            AppError::BadUserInput { field, message } => {
                self.problems.push(FieldProblem { field, message });
            }
            AppError::Invalid(problems) => self.problems.extend(problems),
            other => {
                self.failure.get_or_insert(other);
            }
        }
    }

    /// Whether every field checked so far is valid.
    pub fn is_ok(&self) -> bool {
        self.problems.is_empty() && self.failure.is_none()
    }

    /// `BAD_USER_INPUT` with every problem, or the value `build` makes from the parsed fields
    /// (it returns `None` only when a field is missing, which means a problem was recorded).
    pub fn finish<T>(self, build: impl FnOnce() -> Option<T>) -> AppResult<T> {
        let Checks {
            mut problems,
            failure,
        } = self;
        if let Some(failure) = failure {
            return Err(failure);
        }
        match (problems.pop(), problems.is_empty()) {
            (None, _) => build().ok_or_else(|| AppError::internal("an input check lost a problem")),
            // One problem looks exactly like any single bad input.
            (Some(FieldProblem { field, message }), true) => {
                Err(AppError::BadUserInput { field, message })
            }
            (Some(last), false) => {
                problems.push(last);
                Err(AppError::Invalid(problems))
            }
        }
    }

    /// `BAD_USER_INPUT` with every problem so far, when there is one: for checks that have no
    /// value to build.
    pub fn done(self) -> AppResult<()> {
        self.finish(|| Some(()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(field: &str, ok: bool) -> AppResult<u8> {
        if ok {
            Ok(1)
        } else {
            Err(AppError::bad_input(field, format!("{field} is wrong")))
        }
    }

    #[test]
    fn every_problem_is_kept_in_order_and_one_stays_a_plain_bad_input() {
        let mut check = Checks::new();
        let a = check.field(parse("input.a", false));
        let b = check.field(parse("input.b", true));
        check.rule(false, "input.c", "c is wrong");
        match check.finish(|| Some(a? + b?)) {
            Err(AppError::Invalid(problems)) => assert_eq!(
                problems
                    .iter()
                    .map(|p| p.field.as_str())
                    .collect::<Vec<_>>(),
                ["input.a", "input.c"]
            ),
            other => panic!("{other:?}"),
        }
        let mut check = Checks::new();
        let a = check.field(parse("input.a", false));
        match check.finish(|| a) {
            Err(AppError::BadUserInput { field, .. }) => assert_eq!(field, "input.a"),
            other => panic!("{other:?}"),
        }
        let mut check = Checks::new();
        let a = check.field(parse("input.a", true));
        check.rule(true, "input.b", "fine");
        assert_eq!(check.finish(|| a).unwrap(), 1);
    }

    #[test]
    fn an_error_that_is_not_about_the_input_wins() {
        let mut check = Checks::new();
        check.rule(false, "input.a", "wrong");
        check.add(AppError::Unauthenticated);
        assert!(!check.is_ok());
        assert!(matches!(check.done(), Err(AppError::Unauthenticated)));
    }
}
