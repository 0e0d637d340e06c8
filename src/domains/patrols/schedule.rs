//! A route's schedule: days of the week and either fixed start times or an interval within a
//! window (which may run past midnight, e.g. every 2 hours from 22:00 to 06:00). Times are UTC.
//! A window's run belongs to the day the window opens.

use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveTime, Utc, Weekday};
use serde::{Deserialize, Serialize};

use crate::error::{AppError, AppResult};

/// Most fixed start times in one schedule.
pub const MAX_START_TIMES: usize = 24;
/// The shortest interval between runs of a window, in minutes.
pub const MIN_INTERVAL: i32 = 15;
/// The longest interval, in minutes.
pub const MAX_INTERVAL: i32 = 720;

/// A window's interval.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Window {
    /// Opens at (`HH:MM`, UTC): the first run starts here.
    pub start: String,
    /// Closes at (`HH:MM`, UTC); at or before `start` means the next day. No run starts at or
    /// after it.
    pub end: String,
    /// Minutes between starts.
    pub interval: i32,
}

/// A schedule as stored (JSON in `patrol_route.schedule`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Schedule {
    /// Days (`MON` … `SUN`) on which runs start, or on which a window opens.
    pub days: Vec<String>,
    /// Fixed start times (`HH:MM`, UTC).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub start_times: Vec<String>,
    /// An interval within a window, instead of fixed times.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub window: Option<Window>,
}

/// `HH:MM` (24-hour) as a time of day, or `None`.
pub fn parse_time(raw: &str) -> Option<NaiveTime> {
    if raw.len() != 5 {
        return None;
    }
    NaiveTime::parse_from_str(raw, "%H:%M").ok()
}

/// The weekday named `MON` … `SUN`.
pub fn weekday(raw: &str) -> Option<Weekday> {
    Some(match raw {
        "MON" => Weekday::Mon,
        "TUE" => Weekday::Tue,
        "WED" => Weekday::Wed,
        "THU" => Weekday::Thu,
        "FRI" => Weekday::Fri,
        "SAT" => Weekday::Sat,
        "SUN" => Weekday::Sun,
        _ => return None,
    })
}

impl Schedule {
    /// Reads a stored schedule.
    pub fn from_stored(raw: &str) -> AppResult<Schedule> {
        serde_json::from_str(raw).map_err(AppError::internal)
    }

    /// The stored form.
    pub fn to_stored(&self) -> AppResult<String> {
        serde_json::to_string(self).map_err(AppError::internal)
    }

    /// The start times of one day that is a schedule day.
    fn starts_on(&self, date: NaiveDate) -> Vec<DateTime<Utc>> {
        let mut out = Vec::new();
        for raw in &self.start_times {
            if let Some(time) = parse_time(raw) {
                out.push(date.and_time(time).and_utc());
            }
        }
        if let Some(window) = &self.window
            && let (Some(start), Some(end)) = (parse_time(&window.start), parse_time(&window.end))
            && window.interval >= MIN_INTERVAL
        {
            let opens = date.and_time(start).and_utc();
            let mut closes = date.and_time(end).and_utc();
            if closes <= opens {
                closes += Duration::days(1);
            }
            let mut at = opens;
            while at < closes {
                out.push(at);
                at += Duration::minutes(i64::from(window.interval));
            }
        }
        out
    }

    /// Every scheduled start in `(from, to]`, in order, without duplicates.
    pub fn occurrences(&self, from: DateTime<Utc>, to: DateTime<Utc>) -> Vec<DateTime<Utc>> {
        let days: Vec<Weekday> = self.days.iter().filter_map(|d| weekday(d)).collect();
        let mut out = Vec::new();
        if to <= from {
            return out;
        }
        // A window opened the day before may still be running.
        let mut date = from.date_naive() - Duration::days(1);
        while date <= to.date_naive() {
            if days.contains(&date.weekday()) {
                out.extend(
                    self.starts_on(date)
                        .into_iter()
                        .filter(|at| *at > from && *at <= to),
                );
            }
            date += Duration::days(1);
        }
        out.sort();
        out.dedup();
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(raw: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(raw)
            .unwrap()
            .with_timezone(&Utc)
    }

    #[test]
    fn a_night_window_runs_past_midnight_and_stops_before_it_closes() {
        let schedule = Schedule {
            days: vec!["MON".to_owned()],
            start_times: vec![],
            window: Some(Window {
                start: "22:00".to_owned(),
                end: "06:00".to_owned(),
                interval: 120,
            }),
        };
        // 2026-11-30 is a Monday.
        let got = schedule.occurrences(at("2026-11-30T00:00:00Z"), at("2026-12-02T00:00:00Z"));
        assert_eq!(
            got,
            [
                at("2026-11-30T22:00:00Z"),
                at("2026-12-01T00:00:00Z"),
                at("2026-12-01T02:00:00Z"),
                at("2026-12-01T04:00:00Z"),
            ]
        );
    }

    #[test]
    fn fixed_times_only_on_their_days() {
        let schedule = Schedule {
            days: vec!["TUE".to_owned()],
            start_times: vec!["08:30".to_owned()],
            window: None,
        };
        let got = schedule.occurrences(at("2026-11-30T08:30:00Z"), at("2026-12-08T08:30:00Z"));
        assert_eq!(
            got,
            [at("2026-12-01T08:30:00Z"), at("2026-12-08T08:30:00Z")]
        );
    }
}
