//! Parsed catalogue inputs: codes, prices, minute counts and the service-level table are checked
//! here, at the edge, so the catalogue service only ever sees valid values.

use std::collections::HashMap;

use super::types::Priority;
use crate::{
    error::{AppError, AppResult},
    graphql::text::{OptionalText, Text},
};

/// A category's display name.
pub type CategoryName = Text<100>;
/// An offering's display name.
pub type OfferingName = Text<100>;
/// What a category or offering covers (may be empty).
pub type Description = OptionalText<2000>;

/// Longest category code.
const CODE_MAX: usize = 40;
/// Most minutes any service-level target or warning may be: one year.
pub const MINUTES_MAX: i32 = 525_600;
/// Longest an offering may take: one day.
pub const DURATION_MAX: i32 = 1440;
/// Most bookings one slot takes.
pub const CAPACITY_MAX: i32 = 1000;

/// A category's stable code: 2–40 characters of `A–Z`, `0–9` and `_`, starting with a letter
/// (`PLUMBING`, `HOME_CLEANING`). Lower-case input is upper-cased.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CategoryCode(String);

impl CategoryCode {
    /// Trims, upper-cases and checks `raw`, or `BAD_USER_INPUT` on `field`.
    pub fn parse(field: &str, raw: &str) -> AppResult<CategoryCode> {
        let code = raw.trim().to_ascii_uppercase();
        let valid = (2..=CODE_MAX).contains(&code.len())
            && code.starts_with(|c: char| c.is_ascii_uppercase())
            && code
                .chars()
                .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_');
        if valid {
            Ok(CategoryCode(code))
        } else {
            Err(AppError::bad_input(
                field,
                format!(
                    "must be 2–{CODE_MAX} characters of A–Z, 0–9 and _, starting with a letter"
                ),
            ))
        }
    }

    /// The code.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl From<CategoryCode> for String {
    fn from(code: CategoryCode) -> String {
        code.0
    }
}

/// A non-negative amount with up to 8 integer digits and up to 2 decimals, stored with exactly
/// 2 decimals (`"120"` and `"120.0"` become `"120.00"`). Kept as text: the catalogue never does
/// arithmetic on prices, and text keeps the amount exact on both databases.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Price(String);

impl Price {
    /// Checks and normalises `raw`, or `BAD_USER_INPUT` on `field`.
    pub fn parse(field: &str, raw: &str) -> AppResult<Price> {
        let bad = || {
            AppError::bad_input(
                field,
                "must be a non-negative amount with up to 8 digits before the point and 2 after, \
                 like \"120.00\"",
            )
        };
        let raw = raw.trim();
        let (whole, fraction) = raw.split_once('.').unwrap_or((raw, ""));
        let digits = |s: &str| s.chars().all(|c| c.is_ascii_digit());
        if whole.is_empty()
            || whole.len() > 8
            || !digits(whole)
            || fraction.len() > 2
            || !digits(fraction)
            || (raw.contains('.') && fraction.is_empty())
        {
            return Err(bad());
        }
        // Leading zeros are dropped so "007.5" and "7.50" are the same price.
        let whole = whole.trim_start_matches('0');
        let whole = if whole.is_empty() { "0" } else { whole };
        Ok(Price(format!("{whole}.{fraction:0<2}")))
    }

    /// The amount, with two decimals.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl From<Price> for String {
    fn from(price: Price) -> String {
        price.0
    }
}

/// `value` when it lies in `min..=max`, or `BAD_USER_INPUT` on `field`.
pub fn bounded(field: &str, value: i32, min: i32, max: i32) -> AppResult<i32> {
    if (min..=max).contains(&value) {
        Ok(value)
    } else {
        Err(AppError::bad_input(
            field,
            format!("must be between {min} and {max}"),
        ))
    }
}

/// The service-level targets of one priority.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SlaTarget {
    /// The priority.
    pub priority: Priority,
    /// Minutes to the first response.
    pub response_minutes: i32,
    /// Minutes to resolution.
    pub resolution_minutes: i32,
}

/// A category's whole service-level table: one target for each of the four priorities, each
/// with a response of 1 minute or more that is no later than its resolution.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SlaTable(Vec<SlaTarget>);

impl SlaTable {
    /// Checks `targets` (`field` names the list, e.g. `input.sla`), or `BAD_USER_INPUT` on the
    /// list or on the first faulty entry (`input.sla[2].resolutionMinutes`).
    pub fn parse(field: &str, targets: &[SlaTarget]) -> AppResult<SlaTable> {
        let mut seen: HashMap<Priority, usize> = HashMap::new();
        for (i, target) in targets.iter().enumerate() {
            let at = |name: &str| format!("{field}[{i}].{name}");
            if seen.insert(target.priority, i).is_some() {
                return Err(AppError::bad_input(
                    at("priority"),
                    format!("{} is given twice", target.priority.as_str()),
                ));
            }
            bounded(
                &at("responseMinutes"),
                target.response_minutes,
                1,
                MINUTES_MAX,
            )?;
            bounded(
                &at("resolutionMinutes"),
                target.resolution_minutes,
                1,
                MINUTES_MAX,
            )?;
            if target.resolution_minutes < target.response_minutes {
                return Err(AppError::bad_input(
                    at("resolutionMinutes"),
                    "must not be shorter than the response time",
                ));
            }
        }
        let missing: Vec<&str> = Priority::ALL
            .iter()
            .filter(|p| !seen.contains_key(p))
            .map(|p| p.as_str())
            .collect();
        if !missing.is_empty() {
            return Err(AppError::bad_input(
                field,
                format!(
                    "needs a target for every priority; missing: {}",
                    missing.join(", ")
                ),
            ));
        }
        let mut targets = targets.to_vec();
        targets.sort_by_key(|t| Priority::ALL.iter().position(|p| *p == t.priority));
        Ok(SlaTable(targets))
    }

    /// The targets, `LOW` to `EMERGENCY`.
    pub fn targets(&self) -> &[SlaTarget] {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field_of<T: std::fmt::Debug>(result: AppResult<T>) -> String {
        match result {
            Err(AppError::BadUserInput { field, .. }) => field,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn prices_have_up_to_eight_digits_and_two_decimals() {
        for (raw, stored) in [
            ("120.00", "120.00"),
            ("120", "120.00"),
            ("40.5", "40.50"),
            (" 0 ", "0.00"),
            ("007.5", "7.50"),
            ("99999999.99", "99999999.99"),
        ] {
            assert_eq!(Price::parse("p", raw).unwrap().as_str(), stored, "{raw}");
        }
        for bad in [
            "",
            "-1",
            "-0.01",
            "1.234",
            "123456789",
            "1e3",
            "1,00",
            "12.",
            ".5",
            "abc",
            "+1",
            "1 000",
            "NaN",
        ] {
            assert_eq!(
                field_of(Price::parse("input.price", bad)),
                "input.price",
                "{bad}"
            );
        }
    }

    #[test]
    fn codes_are_upper_case_words() {
        assert_eq!(
            CategoryCode::parse("c", " plumbing_2 ").unwrap().as_str(),
            "PLUMBING_2"
        );
        for bad in [
            "",
            "A",
            "2FAST",
            "HOME CLEANING",
            "A-B",
            "É_A",
            &"A".repeat(41),
        ] {
            assert_eq!(
                field_of(CategoryCode::parse("input.code", bad)),
                "input.code"
            );
        }
    }

    fn target(priority: Priority, response: i32, resolution: i32) -> SlaTarget {
        SlaTarget {
            priority,
            response_minutes: response,
            resolution_minutes: resolution,
        }
    }

    #[test]
    fn an_sla_table_names_every_priority_once() {
        let full = [
            target(Priority::Emergency, 10, 60),
            target(Priority::Low, 240, 4320),
            target(Priority::High, 30, 240),
            target(Priority::Normal, 120, 1440),
        ];
        let table = SlaTable::parse("input.sla", &full).unwrap();
        let order: Vec<_> = table.targets().iter().map(|t| t.priority).collect();
        assert_eq!(order, Priority::ALL);
        assert_eq!(
            field_of(SlaTable::parse("input.sla", &full[..3])),
            "input.sla"
        );
        let mut twice = full.to_vec();
        twice[3].priority = Priority::Low;
        assert_eq!(
            field_of(SlaTable::parse("input.sla", &twice)),
            "input.sla[3].priority"
        );
        let mut inverted = full.to_vec();
        inverted[1] = target(Priority::Low, 300, 200);
        assert_eq!(
            field_of(SlaTable::parse("input.sla", &inverted)),
            "input.sla[1].resolutionMinutes"
        );
        let mut zero = full.to_vec();
        zero[0] = target(Priority::Emergency, 0, 60);
        assert_eq!(
            field_of(SlaTable::parse("input.sla", &zero)),
            "input.sla[0].responseMinutes"
        );
    }
}
