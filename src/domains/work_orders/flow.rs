//! The one transition table of work orders. Every status change goes through [`next`]; a pair
//! the table does not hold is `INVALID_STATE`, and nothing is written.

use super::types::{WorkOrderAction as A, WorkOrderStatus as S};
use crate::error::{AppError, AppResult};

/// (from, action, to): every legal status change.
pub const TRANSITIONS: &[(S, A, S)] = &[
    (S::Submitted, A::Assign, S::Assigned),
    (S::Submitted, A::AutoAssign, S::Assigned),
    (S::Submitted, A::Grab, S::Accepted),
    (S::Submitted, A::Reject, S::Rejected),
    (S::Submitted, A::Cancel, S::Cancelled),
    (S::Assigned, A::Assign, S::Assigned),
    (S::Assigned, A::Accept, S::Accepted),
    (S::Assigned, A::Return, S::Submitted),
    (S::Assigned, A::Transfer, S::Assigned),
    (S::Assigned, A::Reject, S::Rejected),
    (S::Assigned, A::Cancel, S::Cancelled),
    (S::Accepted, A::Start, S::InProgress),
    (S::Accepted, A::Hold, S::OnHold),
    (S::Accepted, A::Return, S::Submitted),
    (S::Accepted, A::Transfer, S::Assigned),
    (S::Accepted, A::Cancel, S::Cancelled),
    (S::InProgress, A::Hold, S::OnHold),
    (S::InProgress, A::Resolve, S::Resolved),
    (S::InProgress, A::Transfer, S::Assigned),
    (S::InProgress, A::Cancel, S::Cancelled),
    (S::OnHold, A::Resume, S::InProgress),
    (S::OnHold, A::Cancel, S::Cancelled),
    (S::Resolved, A::Reopen, S::Assigned),
    (S::Resolved, A::Close, S::Closed),
];

/// The status `action` leads to from `from`; `INVALID_STATE` when the table has no such step.
pub fn next(from: S, action: A) -> AppResult<S> {
    TRANSITIONS
        .iter()
        .find(|(f, a, _)| *f == from && *a == action)
        .map(|(_, _, to)| *to)
        .ok_or_else(|| {
            AppError::InvalidState(format!(
                "a work order that is {} cannot be {}",
                from.as_str(),
                action.past_tense()
            ))
        })
}

/// Statuses in which the requester may still cancel (before work starts).
pub const REQUESTER_MAY_CANCEL: &[S] = &[S::Submitted, S::Assigned, S::Accepted];

/// Statuses that end an order.
pub const TERMINAL: &[S] = &[S::Closed, S::Cancelled, S::Rejected];

/// Statuses that count as open for a staff member's open-order limit.
pub const OPEN: &[S] = &[S::Assigned, S::Accepted, S::InProgress, S::OnHold];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn terminal_statuses_have_no_way_out() {
        for (from, _, _) in TRANSITIONS {
            assert!(!TERMINAL.contains(from), "{from:?} is terminal");
        }
    }

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
        assert_eq!(next(S::Submitted, A::Grab).unwrap(), S::Accepted);
        let err = next(S::Closed, A::Reopen).unwrap_err();
        assert_eq!(err.code(), crate::error::ErrorCode::InvalidState);
        assert!(next(S::InProgress, A::Accept).is_err());
        assert!(next(S::Resolved, A::Cancel).is_err());
    }

    #[test]
    fn every_status_but_the_terminal_ones_can_be_left() {
        for status in S::ALL {
            let leaves = TRANSITIONS.iter().any(|(from, _, _)| from == status);
            assert_eq!(leaves, !TERMINAL.contains(status), "{status:?}");
        }
    }
}
