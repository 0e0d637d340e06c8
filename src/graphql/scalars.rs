//! Scalars of our own, where async-graphql's built-in ones are not what an SPA should see.
//!
//! `DateTime` stays the library's (RFC 3339, UTC), with a description of ours ([`describe`]). `Date` replaces its `NaiveDate`: the name
//! says what the value is, and only the one ISO 8601 calendar-date form is accepted, so
//! `"30/11/2026"` or `"2026-2-3"` never reach a service with a guessed meaning.

use async_graphql::{InputValueError, InputValueResult, Scalar, ScalarType, SchemaBuilder, Value};
use chrono::{DateTime, NaiveDate, Utc};

/// A calendar date as an ISO 8601 string.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date(pub NaiveDate);

impl Date {
    /// Parses exactly `YYYY-MM-DD` naming a day that exists (`2026-02-30` does not).
    pub fn parse(raw: &str) -> Result<Date, String> {
        let bytes = raw.as_bytes();
        let shaped = bytes.len() == 10
            && bytes[4] == b'-'
            && bytes[7] == b'-'
            && bytes
                .iter()
                .enumerate()
                .all(|(i, b)| i == 4 || i == 7 || b.is_ascii_digit());
        if !shaped {
            return Err(format!(
                "\"{raw}\" is not a date in the form YYYY-MM-DD, e.g. \"2026-11-30\""
            ));
        }
        NaiveDate::parse_from_str(raw, "%Y-%m-%d")
            .map(Date)
            .map_err(|_| format!("\"{raw}\" is not a day of the calendar"))
    }
}

impl From<NaiveDate> for Date {
    fn from(date: NaiveDate) -> Self {
        Date(date)
    }
}

impl From<Date> for NaiveDate {
    fn from(date: Date) -> Self {
        date.0
    }
}

/// A calendar date in ISO 8601 form `YYYY-MM-DD`, e.g. "2026-11-30" (no time, no time zone).
#[Scalar(
    name = "Date",
    specified_by_url = "https://www.iso.org/iso-8601-date-and-time-format.html"
)]
impl ScalarType for Date {
    fn parse(value: Value) -> InputValueResult<Self> {
        match &value {
            Value::String(raw) => Date::parse(raw).map_err(InputValueError::custom),
            _ => Err(InputValueError::expected_type(value)),
        }
    }

    // Checked during validation too, so a bad date refuses the whole request before anything
    // runs (and the error names the argument), as a bad enum value does.
    fn is_valid(value: &Value) -> bool {
        matches!(value, Value::String(raw) if Date::parse(raw).is_ok())
    }

    fn to_value(&self) -> Value {
        Value::String(self.0.format("%Y-%m-%d").to_string())
    }
}

/// Describes the scalars the GraphQL library defines (its own descriptions name Rust types).
pub fn describe<Q, M, S>(builder: SchemaBuilder<Q, M, S>) -> SchemaBuilder<Q, M, S> {
    builder.override_output_type_description::<DateTime<Utc>>(
        "An instant in time as an RFC 3339 string. Answers are always in UTC with the offset \
         written out, e.g. \"2026-11-30T09:00:00+00:00\" (fractions of a second appear when not \
         zero); arguments may carry any offset (\"2026-11-30T09:00:00Z\", \
         \"2026-11-30T17:00:00+08:00\") and are read as that instant.",
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_iso_calendar_dates_parse() {
        assert_eq!(
            Date::parse("2026-11-30"),
            Ok(Date(
                NaiveDate::from_ymd_opt(2026, 11, 30).unwrap_or_default()
            ))
        );
        assert!(Date::parse("2028-02-29").is_ok());
        for bad in [
            "2026-02-30",
            "2027-02-29",
            "30/11/2026",
            "2026-1-05",
            "2026-11-30T00:00:00Z",
            "+2026-11-30",
            "2026-13-01",
            "",
        ] {
            assert!(Date::parse(bad).is_err(), "{bad}");
        }
        assert_eq!(
            Date(NaiveDate::from_ymd_opt(987, 1, 2).unwrap_or_default()).to_value(),
            Value::String("0987-01-02".to_owned())
        );
    }
}
