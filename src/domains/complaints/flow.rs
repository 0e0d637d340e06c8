//! The one transition table of complaints. Every step goes through [`next`]; a pair the table
//! does not hold is `INVALID_STATE`, and nothing is written. Steps that keep the status
//! (`ASSIGN`, `RATE`) are listed too, so that "the wrong state" is judged in one place; notes
//! (`NOTE`) may be added in any state and are not steps of the flow.

use super::types::{ComplaintAction as A, ComplaintStatus as S};
use crate::error::{AppError, AppResult};

/// (from, action, to): every legal step.
pub const TRANSITIONS: &[(S, A, S)] = &[
    (S::Submitted, A::Assign, S::Submitted),
    (S::Submitted, A::Acknowledge, S::Acknowledged),
    (S::Acknowledged, A::Assign, S::Acknowledged),
    (S::Acknowledged, A::Investigate, S::Investigating),
    (S::Investigating, A::Assign, S::Investigating),
    (S::Investigating, A::Rectify, S::Rectifying),
    (S::Investigating, A::Reply, S::Replied),
    (S::Rectifying, A::Assign, S::Rectifying),
    (S::Rectifying, A::Reply, S::Replied),
    (S::Replied, A::Close, S::Closed),
    (S::Replied, A::Reopen, S::Investigating),
    (S::Replied, A::Appeal, S::Appealed),
    (S::Replied, A::Rate, S::Replied),
    (S::Closed, A::Reopen, S::Investigating),
    (S::Closed, A::Appeal, S::Appealed),
    (S::Closed, A::Rate, S::Closed),
    (S::Appealed, A::Reply, S::Replied),
];

/// The status `action` leads to from `from`; `INVALID_STATE` when the table has no such step.
pub fn next(from: S, action: A) -> AppResult<S> {
    TRANSITIONS
        .iter()
        .find(|(f, a, _)| *f == from && *a == action)
        .map(|(_, _, to)| *to)
        .ok_or_else(|| {
            AppError::InvalidState(format!(
                "a complaint that is {} cannot be {}",
                from.as_str(),
                action.past_tense()
            ))
        })
}

/// Statuses in which the complaint is still being handled (the deadlines run).
pub const OPEN: &[S] = &[
    S::Submitted,
    S::Acknowledged,
    S::Investigating,
    S::Rectifying,
    S::Appealed,
];

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
        assert_eq!(next(S::Replied, A::Reopen).unwrap(), S::Investigating);
        let err = next(S::Submitted, A::Reply).unwrap_err();
        assert_eq!(err.code(), crate::error::ErrorCode::InvalidState);
        assert!(next(S::Investigating, A::Rate).is_err());
    }

    #[test]
    fn every_status_can_be_left_and_every_status_is_reached() {
        for status in S::ALL {
            assert!(
                TRANSITIONS
                    .iter()
                    .any(|(from, _, to)| from == status && to != status),
                "{status:?} has no way on"
            );
            assert!(
                *status == S::Submitted || TRANSITIONS.iter().any(|(_, _, to)| to == status),
                "{status:?} is never reached"
            );
        }
    }
}
