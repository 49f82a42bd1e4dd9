//! IMF-fixdate (`Sun, 22 Nov 2026 20:00:00 GMT`): written for `x-ms-date`, read from
//! `Retry-After`.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use time::{Date, Month, PrimitiveDateTime, Time};

const DAYS: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// Formats `t` as an IMF-fixdate, in UTC, to the second (a time outside the years 0000 to 9999
/// as the nearest end of them).
pub fn format(t: SystemTime) -> String {
    let t = crate::Timestamp::from(t).as_offset_date_time();
    let day = DAYS
        .get(usize::from(t.weekday().number_days_from_monday()))
        .copied()
        .unwrap_or("Mon");
    let month = MONTHS
        .get(usize::from(u8::from(t.month())).saturating_sub(1))
        .copied()
        .unwrap_or("Jan");
    format!(
        "{day}, {:02} {month} {:04} {:02}:{:02}:{:02} GMT",
        t.day(),
        t.year(),
        t.hour(),
        t.minute(),
        t.second()
    )
}

/// Reads an IMF-fixdate. Returns `None` for anything else.
pub fn parse(s: &str) -> Option<SystemTime> {
    let mut parts = s.split_ascii_whitespace();
    let _weekday = parts.next()?.strip_suffix(',')?;
    let day: u8 = parts.next()?.parse().ok()?;
    let month_name = parts.next()?;
    let month_index = MONTHS
        .iter()
        .position(|m| m.eq_ignore_ascii_case(month_name))?;
    let month = Month::try_from(u8::try_from(month_index + 1).ok()?).ok()?;
    let year: i32 = parts.next()?.parse().ok()?;
    let mut hms = parts.next()?.split(':');
    let hour: u8 = hms.next()?.parse().ok()?;
    let minute: u8 = hms.next()?.parse().ok()?;
    let second: u8 = hms.next()?.parse().ok()?;
    if hms.next().is_some() || parts.next()? != "GMT" || parts.next().is_some() {
        return None;
    }
    let date = Date::from_calendar_date(year, month, day).ok()?;
    let time = Time::from_hms(hour, minute, second).ok()?;
    let secs = PrimitiveDateTime::new(date, time)
        .assume_utc()
        .unix_timestamp();
    Some(UNIX_EPOCH + Duration::from_secs(u64::try_from(secs).ok()?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_and_reads_back() {
        let t = UNIX_EPOCH + Duration::from_secs(1_795_377_600); // 2026-11-22 20:00:00 UTC
        assert_eq!(format(t), "Sun, 22 Nov 2026 20:00:00 GMT");
        assert_eq!(parse("Sun, 22 Nov 2026 20:00:00 GMT"), Some(t));
    }

    #[test]
    fn refuses_other_forms() {
        assert_eq!(parse("22 Nov 2026"), None);
        assert_eq!(parse("Sun, 22 Nov 2026 20:00:00 PST"), None);
        assert_eq!(parse("Sun, 32 Nov 2026 20:00:00 GMT"), None);
        assert_eq!(parse(""), None);
    }
}
