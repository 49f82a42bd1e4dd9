//! Timestamps as the service writes them: RFC 3339, with up to 7 (or more) fractional digits.

use std::fmt;
use std::time::SystemTime;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use time::format_description::well_known::Rfc3339;
use time::{OffsetDateTime, UtcOffset};

/// A point in time read from or sent to the service.
///
/// Parses any RFC 3339 form the service sends (`2020-06-06T05:55:41.6460000Z`,
/// `2023-10-10T21:39:39.3244584+00:00`, no fraction at all) and writes the service's own form:
/// UTC with 7 fractional digits.
#[derive(Clone, Copy, Eq, Hash, Ord, PartialEq, PartialOrd)]
pub struct Timestamp(OffsetDateTime);

impl Timestamp {
    /// The Unix epoch, which the service uses as the default `shareHistoryTime`.
    pub const UNIX_EPOCH: Self = Self(OffsetDateTime::UNIX_EPOCH);

    /// Reads an RFC 3339 timestamp.
    pub fn parse(s: &str) -> Option<Self> {
        OffsetDateTime::parse(s, &Rfc3339)
            .ok()
            .map(|t| Self(t.to_offset(UtcOffset::UTC)))
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
        OffsetDateTime::from_unix_timestamp(secs).ok().map(Self)
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
    fn from(t: SystemTime) -> Self {
        Self(OffsetDateTime::from(t))
    }
}

impl From<OffsetDateTime> for Timestamp {
    fn from(t: OffsetDateTime) -> Self {
        Self(t.to_offset(UtcOffset::UTC))
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

    #[test]
    fn serde_round_trip() {
        let t: Timestamp = serde_json::from_str("\"2020-06-06T05:55:41.6460000Z\"").unwrap();
        assert_eq!(
            serde_json::to_string(&t).unwrap(),
            "\"2020-06-06T05:55:41.6460000Z\""
        );
    }
}
