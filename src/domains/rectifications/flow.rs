//! The one transition table of rectifications. Every step goes through [`next`]; a pair the
//! table does not hold is `INVALID_STATE`, and nothing is written.

use super::types::{RectificationAction as A, RectificationStatus as S};
use crate::error::{AppError, AppResult};

/// (from, action, to): every legal step after the opening.
pub const TRANSITIONS: &[(S, A, S)] = &[
    (S::Open, A::Start, S::InProgress),
    (S::InProgress, A::Record, S::InProgress),
    (S::InProgress, A::Submit, S::Submitted),
    (S::Submitted, A::Verify, S::Verified),
    (S::Submitted, A::Reject, S::InProgress),
];

/// The status `action` leads to from `from`; `INVALID_STATE` when the table has no such step.
pub fn next(from: S, action: A) -> AppResult<S> {
    TRANSITIONS
        .iter()
        .find(|(f, a, _)| *f == from && *a == action)
        .map(|(_, _, to)| *to)
        .ok_or_else(|| {
            AppError::InvalidState(format!(
                "a rectification that is {} cannot be {}",
                from.as_str(),
                action.past_tense()
            ))
        })
}

/// The status that ends a rectification.
pub const TERMINAL: S = S::Verified;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_pair_is_listed_once_and_unknown_pairs_are_refused() {
        for (i, (from, action, _)) in TRANSITIONS.iter().enumerate() {
            assert!(
                !TRANSITIONS[i + 1..]
                    .iter()
                    .any(|(f, a, _)| f == from && a == action),
                "{from:?} {action:?} twice"
            );
        }
        assert_eq!(next(S::Submitted, A::Reject).unwrap(), S::InProgress);
        let err = next(S::Open, A::Verify).unwrap_err();
        assert_eq!(err.code(), crate::error::ErrorCode::InvalidState);
        assert!(next(S::Verified, A::Reject).is_err());
        assert!(next(S::Open, A::Submit).is_err());
    }

    #[test]
    fn only_the_verified_status_cannot_be_left() {
        for status in S::ALL {
            let leaves = TRANSITIONS.iter().any(|(from, _, _)| from == status);
            assert_eq!(leaves, *status != TERMINAL, "{status:?}");
        }
    }
}
