//! Timestamps as the service writes them: RFC 3339, with up to 7 (or more) fractional digits.

use std::fmt;
use std::time::{SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use time::format_description::well_known::Rfc3339;
use time::{OffsetDateTime, UtcOffset};

/// A point in time read from or sent to the service.
///
/// Parses any RFC 3339 form the service sends (`2020-06-06T05:55:41.6460000Z`,
/// `2023-10-10T21:39:39.3244584+00:00`, no fraction at all) and writes the service's own form:
/// UTC with 7 fractional digits.
///
/// It holds the instants RFC 3339 can write in UTC, the years 0000 to 9999: a text naming an
/// instant outside them (`9999-12-31T23:59:59-01:00`) does not parse, and a `SystemTime` or
/// `OffsetDateTime` outside them converts to the nearest end.
#[derive(Clone, Copy, Eq, Hash, Ord, PartialEq, PartialOrd)]
pub struct Timestamp(OffsetDateTime);

impl Timestamp {
    /// The Unix epoch, which the service uses as the default `shareHistoryTime`.
    pub const UNIX_EPOCH: Self = Self(OffsetDateTime::UNIX_EPOCH);

    /// The earliest timestamp: `0000-01-01T00:00:00Z`.
    pub const MIN: Self = Self(time::macros::datetime!(0000-01-01 0:00 UTC));

    /// The latest timestamp: `9999-12-31T23:59:59.999999999Z`.
    pub const MAX: Self = Self(time::macros::datetime!(9999-12-31 23:59:59.999_999_999 UTC));

    /// Reads an RFC 3339 timestamp; `None` for anything else, and for an instant outside the
    /// years 0000 to 9999 in UTC.
    pub fn parse(s: &str) -> Option<Self> {
        let t = OffsetDateTime::parse(s, &Rfc3339).ok()?;
        (Self::MIN.0..=Self::MAX.0)
            .contains(&t)
            .then(|| Self(t.to_offset(UtcOffset::UTC)))
    }

    /// The timestamp as a `time` value, in UTC.
    pub const fn as_offset_date_time(&self) -> OffsetDateTime {
        self.0
    }

    /// The timestamp as a `SystemTime`.
    pub fn to_system_time(self) -> SystemTime {
        SystemTime::from(self.0)
    }

    /// Seconds since the Unix epoch (negative before it).
    pub fn unix_seconds(self) -> i64 {
        self.0.unix_timestamp()
    }

    /// Whole milliseconds since the Unix epoch, as the service uses for message ids.
    pub fn unix_millis(self) -> i128 {
        self.0.unix_timestamp_nanos() / 1_000_000
    }

    /// The timestamp `secs` seconds after the Unix epoch, if representable.
    pub fn from_unix_seconds(secs: i64) -> Option<Self> {
        OffsetDateTime::from_unix_timestamp(secs)
            .ok()
            .filter(|t| (Self::MIN.0..=Self::MAX.0).contains(t))
            .map(Self)
    }

    /// Writes the service's form: `YYYY-MM-DDTHH:MM:SS.fffffffZ`.
    pub fn to_rfc3339(self) -> String {
        let t = self.0;
        format!(
            "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:07}Z",
            t.year(),
            u8::from(t.month()),
            t.day(),
            t.hour(),
            t.minute(),
            t.second(),
            t.nanosecond() / 100
        )
    }
}

impl From<SystemTime> for Timestamp {
    /// The same instant; outside the years 0000 to 9999, [`Timestamp::MIN`] or
    /// [`Timestamp::MAX`].
    fn from(t: SystemTime) -> Self {
        let (since_epoch, end) = match t.duration_since(UNIX_EPOCH) {
            Ok(after) => (time::Duration::try_from(after).ok(), Self::MAX),
            Err(before) => (
                time::Duration::try_from(before.duration()).ok().map(|d| -d),
                Self::MIN,
            ),
        };
        since_epoch
            .and_then(|d| OffsetDateTime::UNIX_EPOCH.checked_add(d))
            .map_or(end, Self::from)
    }
}

impl From<OffsetDateTime> for Timestamp {
    /// The same instant, in UTC; outside the years 0000 to 9999, [`Timestamp::MIN`] or
    /// [`Timestamp::MAX`].
    fn from(t: OffsetDateTime) -> Self {
        if t < Self::MIN.0 {
            Self::MIN
        } else if t > Self::MAX.0 {
            Self::MAX
        } else {
            Self(t.to_offset(UtcOffset::UTC))
        }
    }
}

impl From<Timestamp> for SystemTime {
    fn from(t: Timestamp) -> Self {
        t.to_system_time()
    }
}

impl fmt::Debug for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Timestamp({})", self.to_rfc3339())
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_rfc3339())
    }
}

impl Serialize for Timestamp {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_rfc3339())
    }
}

impl<'de> Deserialize<'de> for Timestamp {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        Self::parse(&s).ok_or_else(|| serde::de::Error::custom(format!("not RFC 3339: {s}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_services_forms() {
        for (input, out) in [
            (
                "2020-06-06T05:55:41.6460000Z",
                "2020-06-06T05:55:41.6460000Z",
            ),
            (
                "2023-10-10T21:39:39.3244584+00:00",
                "2023-10-10T21:39:39.3244584Z",
            ),
            ("1970-01-01T00:00:00Z", "1970-01-01T00:00:00.0000000Z"),
            ("2021-01-01T02:00:00+02:00", "2021-01-01T00:00:00.0000000Z"),
            (
                "2022-05-03T22:48:37.7183177123Z",
                "2022-05-03T22:48:37.7183177Z",
            ),
        ] {
            let t = Timestamp::parse(input).unwrap_or_else(|| panic!("{input}"));
            assert_eq!(t.to_rfc3339(), out);
        }
        assert!(Timestamp::parse("yesterday").is_none());
    }

    /// Found while writing the fuzz targets (`response_models`, `text_parsers`): an offset that
    /// moves the instant past 9999 (or before 0000) in UTC panicked in the conversion to UTC,
    /// so any response with such a timestamp panicked the client.
    #[test]
    fn instants_beyond_the_years_0000_to_9999_do_not_parse() {
        for input in [
            "9999-12-31T23:59:59-23:59",
            "9999-12-31T23:30:00-01:00",
            "0000-01-01T00:00:00+00:01",
        ] {
            assert_eq!(Timestamp::parse(input), None, "{input}");
            let json = format!("{{\"t\": \"{input}\"}}");
            assert!(
                serde_json::from_str::<std::collections::BTreeMap<String, Timestamp>>(&json)
                    .is_err()
            );
        }
        let last = Timestamp::parse("9999-12-31T22:59:59.9999999-01:00").unwrap();
        assert_eq!(last.to_rfc3339(), "9999-12-31T23:59:59.9999999Z");
        let first = Timestamp::parse("0000-01-01T01:00:00+01:00").unwrap();
        assert_eq!(first, Timestamp::MIN);
        assert_eq!(Timestamp::from_unix_seconds(-62_167_219_201), None);
        assert_eq!(Timestamp::from_unix_seconds(253_402_300_800), None);
    }

    #[test]
    fn far_system_times_convert_to_the_nearest_end() {
        let year = std::time::Duration::from_secs(366 * 24 * 3600);
        let far_future = UNIX_EPOCH + year * 20_000;
        let far_past = UNIX_EPOCH - year * 20_000;
        assert_eq!(Timestamp::from(far_future), Timestamp::MAX);
        assert_eq!(Timestamp::from(far_past), Timestamp::MIN);
        assert_eq!(Timestamp::MAX.to_rfc3339(), "9999-12-31T23:59:59.9999999Z");
        assert_eq!(Timestamp::MIN.to_rfc3339(), "0000-01-01T00:00:00.0000000Z");
        let t = UNIX_EPOCH + std::time::Duration::from_millis(1_700_000_000_123);
        assert_eq!(Timestamp::from(t).unix_millis(), 1_700_000_000_123);
    }

    #[test]
    fn serde_round_trip() {
        let t: Timestamp = serde_json::from_str("\"2020-06-06T05:55:41.6460000Z\"").unwrap();
        assert_eq!(
            serde_json::to_string(&t).unwrap(),
            "\"2020-06-06T05:55:41.6460000Z\""
        );
    }
}
