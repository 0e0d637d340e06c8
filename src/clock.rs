//! The clock every time rule reads: expiry, scheduling, residencies current "today", and later
//! SLA deadlines, certificate expiry, training recurrence and survey windows.
//!
//! Production runs on the system clock. Tests build the server with an adjustable clock and move
//! it forward instead of sleeping; it keeps ticking with real time from wherever it was set, so
//! timestamps stay ordered like the UUID v7 ids written alongside them.

use std::sync::{
    Arc,
    atomic::{AtomicI64, Ordering},
};

use chrono::{DateTime, Duration, NaiveDate, SubsecRound, Utc};

/// A clock shared by the whole process. Cheap to clone; clones share the offset.
#[derive(Clone, Debug, Default)]
pub struct Clock {
    /// Milliseconds added to the system time (zero in production).
    offset_ms: Arc<AtomicI64>,
}

impl Clock {
    /// The system clock.
    pub fn system() -> Clock {
        Clock::default()
    }

    /// The current instant, to the microsecond: the precision PostgreSQL stores, so a time
    /// handed back from memory equals the same time read back from the database.
    pub fn now(&self) -> DateTime<Utc> {
        let now = Utc::now() + Duration::milliseconds(self.offset_ms.load(Ordering::Acquire));
        now.trunc_subsecs(6)
    }

    /// Today's date (UTC), as residencies and other date rules see it.
    pub fn today(&self) -> NaiveDate {
        self.now().date_naive()
    }

    /// Moves the clock forward (or back, with a negative duration). For tests and tools.
    pub fn advance(&self, by: Duration) {
        self.offset_ms
            .fetch_add(by.num_milliseconds(), Ordering::AcqRel);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn advancing_moves_every_clone() {
        let clock = Clock::system();
        let twin = clock.clone();
        let before = twin.now();
        clock.advance(Duration::days(2));
        let after = twin.now();
        assert!(after - before >= Duration::days(2));
        assert!(after - before < Duration::days(2) + Duration::seconds(5));
        assert!(twin.today() > before.date_naive());
        assert_eq!(after.timestamp_subsec_nanos() % 1000, 0, "microseconds");
    }
}
