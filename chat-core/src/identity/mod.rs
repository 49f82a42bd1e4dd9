//! The Identity service: connection strings, the identity API versions, and the identity
//! operations (create user, issue and revoke tokens, delete user, exchange a Teams token).
//!
//! Identity requests are signed with the resource's access key ([`crate::Auth::AccessKey`], see
//! [`crate::auth::hmac`]). A whole flow, without I/O:
//!
//! ```
//! use chat_core::identity::{ConnectionString, CreateUser, IdentityContext, TokenScope};
//! use chat_core::{Auth, Call, CallConfig, CallPoll};
//!
//! let cs = ConnectionString::parse(
//!     "endpoint=https://contoso.communication.azure.com/;accesskey=c2VjcmV0",
//! )?;
//! let ctx = IdentityContext::new(cs.endpoint().clone());
//! let op = CreateUser::new().with_token([TokenScope::Chat], Some(60));
//! let config = CallConfig::new(Auth::AccessKey(cs.access_key().clone()));
//! let mut call = Call::new(op, ctx, config, "0f8fad5b-d9cb-469f-a165-70867728950e", 7)?;
//! let now = std::time::SystemTime::UNIX_EPOCH;
//! let CallPoll::Transmit(request) = call.poll(now) else { unreachable!() };
//! assert_eq!(request.uri().path(), "/identities");
//! assert!(request.headers()["authorization"].to_str()?.starts_with("HMAC-SHA256 "));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::{Endpoint, Error};

mod connection_string;
mod operations;

pub use connection_string::ConnectionString;
pub use operations::{
    CreateUser, CreateUserResult, DeleteUser, ExchangeTeamsToken, IssueToken, RevokeTokens,
    MAX_EXPIRES_IN_MINUTES, MIN_EXPIRES_IN_MINUTES,
};

/// A stable Identity REST API version. 2023-10-01 (the last hand-written specification, which
/// the official SDKs have long sent) is the default; the newer stable versions can be pinned.
/// All three have the same create, issue, revoke, delete and Teams-exchange operations.
#[derive(Clone, Copy, Debug, Default, Eq, Hash, Ord, PartialEq, PartialOrd)]
#[non_exhaustive]
pub enum IdentityApiVersion {
    /// `2023-10-01`.
    #[default]
    V2023_10_01,
    /// `2025-06-30`: the first TypeSpec version (adds Teams Phone extension operations).
    V2025_06_30,
    /// `2026-09-23`: the newest stable version.
    V2026_09_23,
}

impl IdentityApiVersion {
    /// Every version, oldest first.
    pub const ALL: [Self; 3] = [Self::V2023_10_01, Self::V2025_06_30, Self::V2026_09_23];

    /// The version as the service spells it.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::V2023_10_01 => "2023-10-01",
            Self::V2025_06_30 => "2025-06-30",
            Self::V2026_09_23 => "2026-09-23",
        }
    }

    /// Reads a version string.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|v| v.as_str() == s)
    }
}

impl fmt::Display for IdentityApiVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Where identity requests go, and which API version they pin.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct IdentityContext {
    /// The resource endpoint.
    pub endpoint: Endpoint,
    /// The pinned identity API version.
    pub api_version: IdentityApiVersion,
}

impl AsRef<Endpoint> for IdentityContext {
    fn as_ref(&self) -> &Endpoint {
        &self.endpoint
    }
}

impl IdentityContext {
    /// A context for `endpoint` pinning the default version (2023-10-01).
    pub fn new(endpoint: Endpoint) -> Self {
        Self {
            endpoint,
            api_version: IdentityApiVersion::default(),
        }
    }

    /// A context for a connection string's endpoint.
    pub fn from_connection_string(cs: &ConnectionString) -> Self {
        Self::new(cs.endpoint().clone())
    }

    /// Pins another API version.
    pub fn with_api_version(mut self, api_version: IdentityApiVersion) -> Self {
        self.api_version = api_version;
        self
    }

    /// The URI for `path` (segments already encoded) with the pinned `api-version`.
    pub fn uri(&self, path: &str) -> Result<http::Uri, Error> {
        self.endpoint
            .uri(path, &format!("api-version={}", self.api_version.as_str()))
    }
}

/// A scope of a user access token (`CommunicationIdentityTokenScope`, an extensible enum).
#[derive(Clone, Debug, Eq, Hash, PartialEq)]
#[non_exhaustive]
pub enum TokenScope {
    /// `chat`: full access to the chat APIs.
    Chat,
    /// `voip`: full access to the calling APIs.
    Voip,
    /// `chat.join`: chat without creating, deleting or updating threads.
    ChatJoin,
    /// `chat.join.limited`: as `chat.join`, without adding or removing participants.
    ChatJoinLimited,
    /// `voip.join`: calling without starting calls.
    VoipJoin,
    /// A scope this crate does not know, kept as sent.
    Unknown(String),
}

impl TokenScope {
    /// The scope as the service spells it.
    pub fn as_str(&self) -> &str {
        match self {
            Self::Chat => "chat",
            Self::Voip => "voip",
            Self::ChatJoin => "chat.join",
            Self::ChatJoinLimited => "chat.join.limited",
            Self::VoipJoin => "voip.join",
            Self::Unknown(s) => s,
        }
    }

    /// Reads a scope; unknown values are kept.
    pub fn parse(s: &str) -> Self {
        match s {
            "chat" => Self::Chat,
            "voip" => Self::Voip,
            "chat.join" => Self::ChatJoin,
            "chat.join.limited" => Self::ChatJoinLimited,
            "voip.join" => Self::VoipJoin,
            other => Self::Unknown(other.to_owned()),
        }
    }
}

impl fmt::Display for TokenScope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for TokenScope {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for TokenScope {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        String::deserialize(deserializer).map(|s| Self::parse(&s))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_parse_what_they_print_and_default_to_2023_10_01() {
        for v in IdentityApiVersion::ALL {
            assert_eq!(IdentityApiVersion::parse(v.as_str()), Some(v));
            assert_eq!(v.to_string(), v.as_str());
        }
        assert_eq!(IdentityApiVersion::default().as_str(), "2023-10-01");
        assert_eq!(IdentityApiVersion::parse("2022-10-01"), None);
    }

    #[test]
    fn scopes_round_trip_and_keep_unknown_values() {
        for s in [
            "chat",
            "voip",
            "chat.join",
            "chat.join.limited",
            "voip.join",
            "x.new",
        ] {
            let scope = TokenScope::parse(s);
            assert_eq!(scope.as_str(), s);
            let json = serde_json::to_string(&scope).unwrap();
            assert_eq!(serde_json::from_str::<TokenScope>(&json).unwrap(), scope);
        }
        assert_eq!(
            TokenScope::parse("x.new"),
            TokenScope::Unknown("x.new".into())
        );
    }

    #[test]
    fn uris_carry_the_pinned_version() {
        let ctx = IdentityContext::new(Endpoint::parse("https://a.example.com/").unwrap())
            .with_api_version(IdentityApiVersion::V2026_09_23);
        assert_eq!(
            ctx.uri("/identities").unwrap().to_string(),
            "https://a.example.com/identities?api-version=2026-09-23"
        );
    }
}
