//! A care plan's weekly schedule: weekdays as a bit set (bit 0 Monday … bit 6 Sunday), a start
//! time and a window length, between two dates; its occurrences in a span of time, and whether
//! two schedules overlap.

use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc};

use crate::domains::service_centres::types::Weekday;

/// Most occurrences one plan yields per look (a job run catches up over several runs).
pub const MAX_OCCURRENCES: usize = 500;

/// A schedule as checked.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Schedule {
    /// Weekdays, bit 0 Monday … bit 6 Sunday (never empty).
    pub days: i32,
    /// Start, minutes after midnight.
    pub start_minute: i32,
    /// Window length in minutes (the window ends by midnight).
    pub duration_minutes: i32,
    /// First day.
    pub starts_on: NaiveDate,
    /// Last day, if any.
    pub ends_on: Option<NaiveDate>,
}

/// The bit set of `days`.
pub fn day_bits(days: &[Weekday]) -> i32 {
    days.iter()
        .fold(0, |bits, d| bits | (1 << (d.number() - 1)))
}

/// The weekdays in `bits`, Monday first.
pub fn weekdays(bits: i32) -> Vec<Weekday> {
    (1..=7)
        .filter(|n| bits & (1 << (n - 1)) != 0)
        .map(Weekday::from_number)
        .collect()
}

impl Schedule {
    /// Whether the schedule has a visit on `date`.
    pub fn runs_on(&self, date: NaiveDate) -> bool {
        let bit = 1 << date.weekday().num_days_from_monday();
        self.days & bit != 0 && date >= self.starts_on && self.ends_on.is_none_or(|end| date <= end)
    }

    /// The start of the occurrence on `date` (whether or not it runs then).
    pub fn start_on(&self, date: NaiveDate) -> DateTime<Utc> {
        date.and_hms_opt(0, 0, 0).unwrap_or_default().and_utc()
            + Duration::minutes(i64::from(self.start_minute))
    }

    /// The window's length.
    pub fn window(&self) -> Duration {
        Duration::minutes(i64::from(self.duration_minutes))
    }

    /// Starts of the occurrences in `[from, to)`, oldest first, at most [`MAX_OCCURRENCES`].
    pub fn occurrences(&self, from: DateTime<Utc>, to: DateTime<Utc>) -> Vec<DateTime<Utc>> {
        let mut out = Vec::new();
        let mut date = from.date_naive();
        while date <= to.date_naive() && out.len() < MAX_OCCURRENCES {
            if self.runs_on(date) {
                let start = self.start_on(date);
                if start >= from && start < to {
                    out.push(start);
                }
            }
            let Some(next) = date.succ_opt() else { break };
            date = next;
        }
        out
    }

    /// Whether the two schedules share a weekday, their windows intersect, and their dates too.
    pub fn overlaps(&self, other: &Schedule) -> bool {
        let shared_day = self.days & other.days != 0;
        let times = self.start_minute < other.start_minute + other.duration_minutes
            && other.start_minute < self.start_minute + self.duration_minutes;
        let dates = self.ends_on.is_none_or(|end| other.starts_on <= end)
            && other.ends_on.is_none_or(|end| self.starts_on <= end);
        shared_day && times && dates
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    fn weekdays_1530() -> Schedule {
        Schedule {
            days: day_bits(&[
                Weekday::Monday,
                Weekday::Tuesday,
                Weekday::Wednesday,
                Weekday::Thursday,
                Weekday::Friday,
            ]),
            start_minute: 15 * 60 + 30,
            duration_minutes: 150,
            starts_on: date(2026, 11, 30),
            ends_on: Some(date(2026, 12, 6)),
        }
    }

    #[test]
    fn occurrences_follow_weekdays_and_dates() {
        let s = weekdays_1530();
        let from = date(2026, 11, 29).and_hms_opt(0, 0, 0).unwrap().and_utc();
        let to = date(2026, 12, 31).and_hms_opt(0, 0, 0).unwrap().and_utc();
        let found = s.occurrences(from, to);
        // Monday 30 November to Friday 4 December; the weekend and days after the end have none.
        assert_eq!(found.len(), 5);
        assert_eq!(found[0], s.start_on(date(2026, 11, 30)));
        assert_eq!(found[4], s.start_on(date(2026, 12, 4)));
        // A span starting after the day's start leaves that day out.
        let later = s.start_on(date(2026, 11, 30)) + Duration::minutes(1);
        assert_eq!(s.occurrences(later, to).len(), 4);
        assert_eq!(
            weekdays(s.days),
            vec![
                Weekday::Monday,
                Weekday::Tuesday,
                Weekday::Wednesday,
                Weekday::Thursday,
                Weekday::Friday
            ]
        );
    }

    #[test]
    fn overlaps_need_a_shared_day_time_and_date() {
        let a = weekdays_1530();
        let mut b = a;
        b.start_minute = 17 * 60;
        assert!(a.overlaps(&b));
        b.start_minute = 18 * 60;
        assert!(!a.overlaps(&b), "windows touching at 18:00 do not overlap");
        b.start_minute = 16 * 60;
        b.days = day_bits(&[Weekday::Saturday]);
        assert!(!a.overlaps(&b));
        b.days = a.days;
        b.starts_on = date(2026, 12, 7);
        b.ends_on = None;
        assert!(!a.overlaps(&b), "after the first plan ends");
    }
}
