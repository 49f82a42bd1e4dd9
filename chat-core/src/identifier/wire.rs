//! The wire form, `CommunicationIdentifierModel`, through private wire structs (no
//! `serde_json::Value`).
//!
//! Requests carry `rawId` plus exactly one kind object and never `kind`. Responses are read
//! leniently: `kind` when present, else the one nested object present; an unknown `kind`, a known
//! `kind` without its object, no object, or several objects without a `kind` give
//! [`CommunicationIdentifier::Unknown`] keeping `rawId`. A missing `rawId` is computed from the
//! nested object. The nested object is trusted over the `rawId` text.

use serde::ser::SerializeStruct;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::{
    CommunicationCloudEnvironment, CommunicationIdentifier, CommunicationUserIdentifier,
    MicrosoftTeamsAppIdentifier, MicrosoftTeamsUserIdentifier, PhoneNumberIdentifier,
    TeamsExtensionUserIdentifier,
};

#[derive(Serialize)]
struct UserOut<'a> {
    id: &'a str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PhoneOut<'a> {
    value: &'a str,
    #[serde(skip_serializing_if = "is_false")]
    is_anonymous: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    asserted_id: Option<&'a str>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct TeamsUserOut<'a> {
    user_id: &'a str,
    is_anonymous: bool,
    cloud: &'a CommunicationCloudEnvironment,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct TeamsAppOut<'a> {
    app_id: &'a str,
    cloud: &'a CommunicationCloudEnvironment,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ExtensionOut<'a> {
    user_id: &'a str,
    tenant_id: &'a str,
    resource_id: &'a str,
    cloud: &'a CommunicationCloudEnvironment,
}

fn is_false(b: &bool) -> bool {
    !*b
}

impl Serialize for CommunicationIdentifier {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let fields = if matches!(self, Self::Unknown(_)) {
            1
        } else {
            2
        };
        let mut st = s.serialize_struct("CommunicationIdentifierModel", fields)?;
        st.serialize_field("rawId", self.raw_id())?;
        match self {
            Self::CommunicationUser(u) => {
                st.serialize_field("communicationUser", &UserOut { id: u.id() })?;
            }
            Self::PhoneNumber(p) => st.serialize_field(
                "phoneNumber",
                &PhoneOut {
                    value: p.value(),
                    is_anonymous: p.is_anonymous(),
                    asserted_id: p.asserted_id(),
                },
            )?,
            Self::MicrosoftTeamsUser(t) => st.serialize_field(
                "microsoftTeamsUser",
                &TeamsUserOut {
                    user_id: t.user_id(),
                    is_anonymous: t.is_anonymous(),
                    cloud: t.cloud(),
                },
            )?,
            Self::MicrosoftTeamsApp(a) => st.serialize_field(
                "microsoftTeamsApp",
                &TeamsAppOut {
                    app_id: a.app_id(),
                    cloud: a.cloud(),
                },
            )?,
            Self::TeamsExtensionUser(e) => st.serialize_field(
                "teamsExtensionUser",
                &ExtensionOut {
                    user_id: e.user_id(),
                    tenant_id: e.tenant_id(),
                    resource_id: e.resource_id(),
                    cloud: e.cloud(),
                },
            )?,
            Self::Unknown(_) => {}
        }
        st.end()
    }
}

#[derive(Clone, Copy, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
enum Kind {
    CommunicationUser,
    PhoneNumber,
    MicrosoftTeamsUser,
    MicrosoftTeamsApp,
    TeamsExtensionUser,
    #[serde(other)]
    Unknown,
}

#[derive(Deserialize)]
struct UserIn {
    id: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct PhoneIn {
    value: String,
    is_anonymous: Option<bool>,
    asserted_id: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct TeamsUserIn {
    user_id: String,
    is_anonymous: Option<bool>,
    cloud: Option<CommunicationCloudEnvironment>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct TeamsAppIn {
    app_id: String,
    cloud: Option<CommunicationCloudEnvironment>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ExtensionIn {
    user_id: String,
    tenant_id: String,
    resource_id: String,
    cloud: Option<CommunicationCloudEnvironment>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ModelIn {
    kind: Option<Kind>,
    raw_id: Option<String>,
    communication_user: Option<UserIn>,
    phone_number: Option<PhoneIn>,
    microsoft_teams_user: Option<TeamsUserIn>,
    microsoft_teams_app: Option<TeamsAppIn>,
    teams_extension_user: Option<ExtensionIn>,
}

impl ModelIn {
    /// The kind named, or the one kind object present.
    fn kind(&self) -> Kind {
        if let Some(kind) = self.kind {
            return kind;
        }
        let present = [
            (self.communication_user.is_some(), Kind::CommunicationUser),
            (self.phone_number.is_some(), Kind::PhoneNumber),
            (
                self.microsoft_teams_user.is_some(),
                Kind::MicrosoftTeamsUser,
            ),
            (self.microsoft_teams_app.is_some(), Kind::MicrosoftTeamsApp),
            (
                self.teams_extension_user.is_some(),
                Kind::TeamsExtensionUser,
            ),
        ];
        let mut found = present.iter().filter(|(p, _)| *p).map(|(_, k)| *k);
        match (found.next(), found.next()) {
            (Some(kind), None) => kind,
            _ => Kind::Unknown,
        }
    }

    fn into_identifier(self) -> CommunicationIdentifier {
        use CommunicationIdentifier as I;
        let kind = self.kind();
        let raw = self.raw_id;
        let unknown = |raw: Option<String>| I::Unknown(raw.unwrap_or_default());
        match kind {
            Kind::CommunicationUser => match self.communication_user {
                Some(u) => {
                    let raw = raw.unwrap_or_else(|| u.id.clone());
                    I::CommunicationUser(CommunicationUserIdentifier::from_parts(u.id, raw))
                }
                None => unknown(raw),
            },
            Kind::PhoneNumber => match self.phone_number {
                Some(p) => {
                    let raw = raw.unwrap_or_else(|| format!("4:{}", p.value));
                    I::PhoneNumber(PhoneNumberIdentifier::from_parts(
                        p.value,
                        p.is_anonymous,
                        p.asserted_id,
                        raw,
                    ))
                }
                None => unknown(raw),
            },
            Kind::MicrosoftTeamsUser => match self.microsoft_teams_user {
                Some(t) => {
                    let id = MicrosoftTeamsUserIdentifier::from_parts(
                        t.user_id,
                        t.is_anonymous.unwrap_or(false),
                        t.cloud.unwrap_or_default(),
                        String::new(),
                    );
                    I::MicrosoftTeamsUser(id.with_raw_id(raw))
                }
                None => unknown(raw),
            },
            Kind::MicrosoftTeamsApp => match self.microsoft_teams_app {
                Some(a) => {
                    let id = MicrosoftTeamsAppIdentifier::from_parts(
                        a.app_id,
                        a.cloud.unwrap_or_default(),
                        String::new(),
                    );
                    I::MicrosoftTeamsApp(id.with_raw_id(raw))
                }
                None => unknown(raw),
            },
            Kind::TeamsExtensionUser => match self.teams_extension_user {
                Some(e) => {
                    let id = TeamsExtensionUserIdentifier::from_parts(
                        e.user_id,
                        e.tenant_id,
                        e.resource_id,
                        e.cloud.unwrap_or_default(),
                        String::new(),
                    );
                    I::TeamsExtensionUser(id.with_raw_id(raw))
                }
                None => unknown(raw),
            },
            Kind::Unknown => unknown(raw),
        }
    }
}

impl<'de> Deserialize<'de> for CommunicationIdentifier {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        ModelIn::deserialize(d).map(ModelIn::into_identifier)
    }
}
