//! Communication identifiers: who a participant, sender or reader is.
//!
//! Every identifier keeps its raw id, the service's one-string form of it, exactly as it was
//! read or built: [`CommunicationIdentifier::from_raw_id`] followed by
//! [`CommunicationIdentifier::raw_id`] gives back the input for every string.
//!
//! | raw id prefix | kind |
//! |---|---|
//! | `4:` | [`PhoneNumberIdentifier`] (`4:anonymous` is anonymous; `_x` at the end is an asserted id) |
//! | `8:acs:`, `8:dod-acs:`, `8:gcch-acs:` with `resource_tenant_user` | [`TeamsExtensionUserIdentifier`] |
//! | `8:acs:`, `8:dod-acs:`, `8:gcch-acs:`, `8:spool:` otherwise | [`CommunicationUserIdentifier`] |
//! | `8:orgid:`, `8:dod:`, `8:gcch:`, `8:teamsvisitor:` | [`MicrosoftTeamsUserIdentifier`] |
//! | `28:orgid:`, `28:dod:`, `28:gcch:` | [`MicrosoftTeamsAppIdentifier`] |
//! | anything else | [`CommunicationIdentifier::Unknown`] |
//!
//! On the wire an identifier is a `CommunicationIdentifierModel`: `rawId` plus one object for its
//! kind (see the `Serialize` and `Deserialize` impls in this module).

mod kinds;
mod wire;

use std::fmt;

use crate::{ApiVersion, Error};

pub use kinds::{
    CommunicationCloudEnvironment, CommunicationUserIdentifier, MicrosoftTeamsAppIdentifier,
    MicrosoftTeamsUserIdentifier, PhoneNumberIdentifier, TeamsExtensionUserIdentifier,
};

const PHONE_PREFIX: &str = "4:";

/// Who a participant, message sender or reader is.
///
/// Equality compares every field, the raw id included. Serializes as the service's
/// `CommunicationIdentifierModel`: `rawId` plus exactly one kind object, never `kind`.
/// Deserializing reads `kind` when present and otherwise infers the kind from the nested object;
/// an unknown `kind`, or no nested object, gives [`CommunicationIdentifier::Unknown`] with the raw
/// id.
///
/// ```
/// use chat_core::identifier::{CommunicationCloudEnvironment, CommunicationIdentifier};
///
/// let id = CommunicationIdentifier::from_raw_id("8:gcch:45ab2481");
/// let CommunicationIdentifier::MicrosoftTeamsUser(user) = &id else { unreachable!() };
/// assert_eq!(user.user_id(), "45ab2481");
/// assert_eq!(user.cloud(), &CommunicationCloudEnvironment::Gcch);
/// assert_eq!(id.raw_id(), "8:gcch:45ab2481");
/// assert_eq!(
///     serde_json::to_string(&id).unwrap(),
///     r#"{"rawId":"8:gcch:45ab2481","microsoftTeamsUser":{"userId":"45ab2481","isAnonymous":false,"cloud":"gcch"}}"#
/// );
/// ```
#[derive(Clone, Debug, Eq, Hash, PartialEq)]
#[non_exhaustive]
pub enum CommunicationIdentifier {
    /// A user of an ACS resource (`8:acs:...`, `8:spool:...`).
    CommunicationUser(CommunicationUserIdentifier),
    /// A phone number (`4:...`).
    PhoneNumber(PhoneNumberIdentifier),
    /// A Microsoft Teams user (`8:orgid:...`, `8:teamsvisitor:...`, ...).
    MicrosoftTeamsUser(MicrosoftTeamsUserIdentifier),
    /// A Microsoft Teams application (`28:orgid:...`, ...); API 2024-03-07 or later.
    MicrosoftTeamsApp(MicrosoftTeamsAppIdentifier),
    /// A Teams Phone extension user (`8:acs:resource_tenant_user`); API 2025-03-15 or later.
    TeamsExtensionUser(TeamsExtensionUserIdentifier),
    /// An identifier of a kind this client does not know; its raw id.
    Unknown(String),
}

impl CommunicationIdentifier {
    /// Reads a raw id. Never fails: a string no known prefix matches is
    /// [`CommunicationIdentifier::Unknown`], and `from_raw_id(s).raw_id() == s` for every `s`.
    pub fn from_raw_id(raw_id: &str) -> Self {
        if let Some(value) = raw_id.strip_prefix(PHONE_PREFIX) {
            return Self::PhoneNumber(PhoneNumberIdentifier::from_parts(
                value.to_owned(),
                None,
                None,
                raw_id.to_owned(),
            ));
        }
        let mut parts = raw_id.splitn(3, ':');
        let (Some(first), Some(second), Some(suffix)) = (parts.next(), parts.next(), parts.next())
        else {
            return Self::Unknown(raw_id.to_owned());
        };
        let raw = || raw_id.to_owned();
        let cloud = match second {
            "dod" | "dod-acs" => CommunicationCloudEnvironment::Dod,
            "gcch" | "gcch-acs" => CommunicationCloudEnvironment::Gcch,
            _ => CommunicationCloudEnvironment::Public,
        };
        match (first, second) {
            ("8", "teamsvisitor") => {
                Self::MicrosoftTeamsUser(MicrosoftTeamsUserIdentifier::from_parts(
                    suffix.into(),
                    true,
                    CommunicationCloudEnvironment::Public,
                    raw(),
                ))
            }
            ("8", "orgid" | "dod" | "gcch") => Self::MicrosoftTeamsUser(
                MicrosoftTeamsUserIdentifier::from_parts(suffix.into(), false, cloud, raw()),
            ),
            ("28", "orgid" | "dod" | "gcch") => Self::MicrosoftTeamsApp(
                MicrosoftTeamsAppIdentifier::from_parts(suffix.into(), cloud, raw()),
            ),
            ("8", "spool") => {
                Self::CommunicationUser(CommunicationUserIdentifier::from_parts(raw(), raw()))
            }
            ("8", "acs" | "dod-acs" | "gcch-acs") => {
                let mut segments = suffix.split('_');
                match (
                    segments.next(),
                    segments.next(),
                    segments.next(),
                    segments.next(),
                ) {
                    (Some(resource), Some(tenant), Some(user), None) => {
                        Self::TeamsExtensionUser(TeamsExtensionUserIdentifier::from_parts(
                            user.into(),
                            tenant.into(),
                            resource.into(),
                            cloud,
                            raw(),
                        ))
                    }
                    _ => Self::CommunicationUser(CommunicationUserIdentifier::from_parts(
                        raw(),
                        raw(),
                    )),
                }
            }
            _ => Self::Unknown(raw()),
        }
    }

    /// The raw id: the service's one-string form of the identifier.
    pub fn raw_id(&self) -> &str {
        match self {
            Self::CommunicationUser(i) => i.raw_id(),
            Self::PhoneNumber(i) => i.raw_id(),
            Self::MicrosoftTeamsUser(i) => i.raw_id(),
            Self::MicrosoftTeamsApp(i) => i.raw_id(),
            Self::TeamsExtensionUser(i) => i.raw_id(),
            Self::Unknown(raw) => raw,
        }
    }

    /// The kind as the service names it (`communicationUser`, `phoneNumber`,
    /// `microsoftTeamsUser`, `microsoftTeamsApp`, `teamsExtensionUser`, `unknown`).
    pub fn kind(&self) -> &'static str {
        match self {
            Self::CommunicationUser(_) => "communicationUser",
            Self::PhoneNumber(_) => "phoneNumber",
            Self::MicrosoftTeamsUser(_) => "microsoftTeamsUser",
            Self::MicrosoftTeamsApp(_) => "microsoftTeamsApp",
            Self::TeamsExtensionUser(_) => "teamsExtensionUser",
            Self::Unknown(_) => "unknown",
        }
    }

    /// A communication user with the given id (its raw id, e.g. `8:acs:<resource>_<user>`).
    pub fn communication_user(id: impl Into<String>) -> Self {
        Self::CommunicationUser(CommunicationUserIdentifier::new(id))
    }

    /// A phone number (usually E.164, e.g. `+14255550123`).
    pub fn phone_number(value: impl Into<String>) -> Self {
        Self::PhoneNumber(PhoneNumberIdentifier::new(value))
    }

    /// Refuses an identifier the pinned API version cannot carry in a request: Microsoft Teams
    /// apps need 2024-03-07, Teams Phone extension users 2025-03-15.
    pub fn check_supported(&self, version: ApiVersion) -> Result<(), Error> {
        match self {
            Self::MicrosoftTeamsApp(_) => {
                version.require("microsoftTeamsApp", ApiVersion::V2024_03_07)
            }
            Self::TeamsExtensionUser(_) => {
                version.require("teamsExtensionUser", ApiVersion::V2025_03_15)
            }
            _ => Ok(()),
        }
    }
}

impl fmt::Display for CommunicationIdentifier {
    /// Writes the raw id.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.raw_id())
    }
}

impl From<CommunicationUserIdentifier> for CommunicationIdentifier {
    fn from(i: CommunicationUserIdentifier) -> Self {
        Self::CommunicationUser(i)
    }
}

impl From<PhoneNumberIdentifier> for CommunicationIdentifier {
    fn from(i: PhoneNumberIdentifier) -> Self {
        Self::PhoneNumber(i)
    }
}

impl From<MicrosoftTeamsUserIdentifier> for CommunicationIdentifier {
    fn from(i: MicrosoftTeamsUserIdentifier) -> Self {
        Self::MicrosoftTeamsUser(i)
    }
}

impl From<MicrosoftTeamsAppIdentifier> for CommunicationIdentifier {
    fn from(i: MicrosoftTeamsAppIdentifier) -> Self {
        Self::MicrosoftTeamsApp(i)
    }
}

impl From<TeamsExtensionUserIdentifier> for CommunicationIdentifier {
    fn from(i: TeamsExtensionUserIdentifier) -> Self {
        Self::TeamsExtensionUser(i)
    }
}
