//! Opening hours: times of day as minutes after midnight (UTC, the estate's clock), the hours
//! of one date (a date's exception replaces its weekday), and the slot grid a booking must hit.

use chrono::{Datelike, NaiveDate};

use crate::error::{AppError, AppResult};
use entity::{service_centre_exception, service_centre_hours};

/// Minutes in a day: `24:00`, the latest closing time.
pub const DAY_END: i32 = 24 * 60;

/// Parses `"HH:MM"` (`00:00`–`24:00`) into minutes after midnight.
pub fn parse_time(field: &str, raw: &str) -> AppResult<i32> {
    let bad = || AppError::bad_input(field, format!("\"{raw}\" is not a time of day HH:MM"));
    let (h, m) = raw.split_once(':').ok_or_else(bad)?;
    if h.len() != 2 || m.len() != 2 {
        return Err(bad());
    }
    let (h, m): (i32, i32) = (h.parse().map_err(|_| bad())?, m.parse().map_err(|_| bad())?);
    let minutes = h * 60 + m;
    if !(0..60).contains(&m) || !(0..=DAY_END).contains(&minutes) {
        return Err(bad());
    }
    Ok(minutes)
}

/// Minutes after midnight as `"HH:MM"`.
pub fn format_time(minutes: i32) -> String {
    format!("{:02}:{:02}", minutes / 60, minutes % 60)
}

/// 1 (Monday) to 7 (Sunday).
pub fn weekday_number(date: NaiveDate) -> i32 {
    i32::try_from(date.weekday().number_from_monday()).unwrap_or(1)
}

/// The hours of `date` as (opens, closes, note): its exception when it has one (closed: `None`),
/// else its weekday's regular hours (none: closed).
pub fn hours_on(
    weekly: &[service_centre_hours::Model],
    exceptions: &[service_centre_exception::Model],
    date: NaiveDate,
) -> Option<(i32, i32)> {
    if let Some(exception) = exceptions.iter().find(|e| e.date == date) {
        return match (exception.opens, exception.closes) {
            (Some(opens), Some(closes)) => Some((opens, closes)),
            _ => None,
        };
    }
    let day = weekday_number(date);
    weekly
        .iter()
        .find(|h| h.weekday == day)
        .map(|h| (h.opens, h.closes))
}

/// The slot starts of a day open from `opens` to `closes` with slots of `length` minutes: every
/// `length` minutes from the opening, each slot ending by the closing.
pub fn slot_starts(opens: i32, closes: i32, length: i32) -> Vec<i32> {
    if length <= 0 {
        return Vec::new();
    }
    (0..)
        .map(|i| opens + i * length)
        .take_while(|start| start + length <= closes)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_parse_and_print_as_hh_mm() {
        assert_eq!(parse_time("t", "08:30").ok(), Some(510));
        assert_eq!(parse_time("t", "24:00").ok(), Some(DAY_END));
        for bad in ["8:30", "24:01", "12:60", "noon", "12-00", ""] {
            assert!(parse_time("t", bad).is_err(), "{bad}");
        }
        assert_eq!(format_time(510), "08:30");
    }

    #[test]
    fn an_exception_replaces_the_weekday_and_slots_fit_before_closing() {
        let centre = uuid::Uuid::nil();
        // 2026-12-01 is a Tuesday.
        let tuesday = NaiveDate::from_ymd_opt(2026, 12, 1).unwrap_or_default();
        let weekly = vec![service_centre_hours::Model {
            centre_id: centre,
            weekday: 2,
            opens: 540,
            closes: 600,
        }];
        assert_eq!(hours_on(&weekly, &[], tuesday), Some((540, 600)));
        assert_eq!(
            hours_on(&weekly, &[], tuesday.succ_opt().unwrap_or_default()),
            None
        );
        let closed = service_centre_exception::Model {
            centre_id: centre,
            date: tuesday,
            opens: None,
            closes: None,
            note: None,
        };
        assert_eq!(hours_on(&weekly, &[closed], tuesday), None);
        assert_eq!(slot_starts(540, 600, 25), vec![540, 565]);
    }
}
