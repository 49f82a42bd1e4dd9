//! The chat API versions the core can pin.

use std::fmt;

use crate::Error;

/// A stable ACS Chat REST API version.
///
/// The newest is the default. Every request carries exactly one `api-version`, this one; fields
/// an older version lacks are refused before sending (see [`ApiVersion::require`]).
#[derive(Clone, Copy, Debug, Default, Eq, Hash, Ord, PartialEq, PartialOrd)]
#[non_exhaustive]
pub enum ApiVersion {
    /// `2021-09-07`: message metadata, typing sender display name.
    V2021_09_07,
    /// `2023-11-07`: received attachments, identifier `kind`.
    V2023_11_07,
    /// `2024-03-07`: `file` attachments, Microsoft Teams app identifiers.
    V2024_03_07,
    /// `2025-03-15`: thread and participant metadata, retention policies.
    #[default]
    V2025_03_15,
}

impl ApiVersion {
    /// Every version, oldest first.
    pub const ALL: [Self; 4] = [
        Self::V2021_09_07,
        Self::V2023_11_07,
        Self::V2024_03_07,
        Self::V2025_03_15,
    ];

    /// The version as the service spells it.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::V2021_09_07 => "2021-09-07",
            Self::V2023_11_07 => "2023-11-07",
            Self::V2024_03_07 => "2024-03-07",
            Self::V2025_03_15 => "2025-03-15",
        }
    }

    /// Reads a version string.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|v| v.as_str() == s)
    }

    /// Refuses `field` unless this version is `since` or newer.
    pub fn require(self, field: &'static str, since: Self) -> Result<(), Error> {
        if self >= since {
            Ok(())
        } else {
            Err(Error::UnsupportedByApiVersion {
                field,
                version: self,
                since,
            })
        }
    }
}

impl fmt::Display for ApiVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_what_it_prints() {
        for v in ApiVersion::ALL {
            assert_eq!(ApiVersion::parse(v.as_str()), Some(v));
        }
        assert_eq!(ApiVersion::parse("2099-01-01"), None);
    }

    #[test]
    fn require_refuses_older_versions() {
        assert!(ApiVersion::V2025_03_15
            .require("metadata", ApiVersion::V2025_03_15)
            .is_ok());
        let err = ApiVersion::V2023_11_07
            .require("metadata", ApiVersion::V2025_03_15)
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            "`metadata` needs api-version 2025-03-15 or later, but 2023-11-07 is pinned"
        );
    }
}
