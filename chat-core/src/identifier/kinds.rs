//! One type per identifier kind, and the cloud they live in.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// The cloud a Microsoft Teams user or app, or a Teams Phone extension user, belongs to.
#[derive(Clone, Debug, Default, Eq, Hash, PartialEq)]
#[non_exhaustive]
pub enum CommunicationCloudEnvironment {
    /// The public cloud (`public`), the default.
    #[default]
    Public,
    /// US Department of Defense (`dod`).
    Dod,
    /// US Government Community Cloud High (`gcch`).
    Gcch,
    /// A cloud this client does not know, as the service named it.
    Unknown(String),
}

impl CommunicationCloudEnvironment {
    /// Reads the service's name of a cloud; an unknown name is kept.
    pub fn parse(s: &str) -> Self {
        match s {
            "public" => Self::Public,
            "dod" => Self::Dod,
            "gcch" => Self::Gcch,
            other => Self::Unknown(other.to_owned()),
        }
    }

    /// The name the service uses.
    pub fn as_str(&self) -> &str {
        match self {
            Self::Public => "public",
            Self::Dod => "dod",
            Self::Gcch => "gcch",
            Self::Unknown(s) => s,
        }
    }
}

impl fmt::Display for CommunicationCloudEnvironment {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for CommunicationCloudEnvironment {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for CommunicationCloudEnvironment {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        Ok(Self::parse(&s))
    }
}

/// A user of an ACS resource, e.g. `8:acs:<resource>_<user>` as Identity creates them.
#[derive(Clone, Debug, Eq, Hash, PartialEq)]
#[non_exhaustive]
pub struct CommunicationUserIdentifier {
    id: String,
    raw_id: String,
}

impl CommunicationUserIdentifier {
    /// A user with this id; the id is also the raw id.
    pub fn new(id: impl Into<String>) -> Self {
        let id = id.into();
        Self {
            raw_id: id.clone(),
            id,
        }
    }

    pub(super) fn from_parts(id: String, raw_id: String) -> Self {
        Self { id, raw_id }
    }

    /// The user's id (normally the full `8:acs:...` string).
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The raw id.
    pub fn raw_id(&self) -> &str {
        &self.raw_id
    }
}

/// A phone number.
#[derive(Clone, Debug, Eq, Hash, PartialEq)]
#[non_exhaustive]
pub struct PhoneNumberIdentifier {
    value: String,
    is_anonymous: bool,
    asserted_id: Option<String>,
    raw_id: String,
}

impl PhoneNumberIdentifier {
    /// A phone number with this value (usually E.164). The value `anonymous` is an anonymous
    /// number; text after the last `_` is the asserted id. The raw id is `4:` + value.
    pub fn new(value: impl Into<String>) -> Self {
        let value = value.into();
        let raw_id = format!("4:{value}");
        Self::from_parts(value, None, None, raw_id)
    }

    /// Builds from the wire fields; what is missing is derived from `value` as [`Self::new`]
    /// does.
    pub(super) fn from_parts(
        value: String,
        is_anonymous: Option<bool>,
        asserted_id: Option<String>,
        raw_id: String,
    ) -> Self {
        let is_anonymous = is_anonymous.unwrap_or(value == "anonymous");
        let asserted_id = asserted_id.or_else(|| {
            if value == "anonymous" {
                return None;
            }
            value
                .rsplit_once('_')
                .map(|(_, a)| a)
                .filter(|a| !a.is_empty())
                .map(str::to_owned)
        });
        Self {
            value,
            is_anonymous,
            asserted_id,
            raw_id,
        }
    }

    /// The phone number as sent, asserted id suffix included.
    pub fn value(&self) -> &str {
        &self.value
    }

    /// True for an anonymous number.
    pub fn is_anonymous(&self) -> bool {
        self.is_anonymous
    }

    /// The asserted id, set when the same number joined more than once.
    pub fn asserted_id(&self) -> Option<&str> {
        self.asserted_id.as_deref()
    }

    /// The raw id.
    pub fn raw_id(&self) -> &str {
        &self.raw_id
    }
}

/// A Microsoft Teams user.
#[derive(Clone, Debug, Eq, Hash, PartialEq)]
#[non_exhaustive]
pub struct MicrosoftTeamsUserIdentifier {
    user_id: String,
    is_anonymous: bool,
    cloud: CommunicationCloudEnvironment,
    raw_id: String,
}

impl MicrosoftTeamsUserIdentifier {
    /// A Teams user of the public cloud, not anonymous (raw id `8:orgid:<user_id>`).
    pub fn new(user_id: impl Into<String>) -> Self {
        Self::from_parts(
            user_id.into(),
            false,
            CommunicationCloudEnvironment::Public,
            String::new(),
        )
        .with_computed_raw_id()
    }

    /// Sets the cloud (and so the raw id's prefix).
    pub fn with_cloud(mut self, cloud: CommunicationCloudEnvironment) -> Self {
        self.cloud = cloud;
        self.with_computed_raw_id()
    }

    /// Marks the user anonymous, a Teams visitor (raw id `8:teamsvisitor:<user_id>`), or not.
    pub fn with_anonymous(mut self, is_anonymous: bool) -> Self {
        self.is_anonymous = is_anonymous;
        self.with_computed_raw_id()
    }

    pub(super) fn from_parts(
        user_id: String,
        is_anonymous: bool,
        cloud: CommunicationCloudEnvironment,
        raw_id: String,
    ) -> Self {
        Self {
            user_id,
            is_anonymous,
            cloud,
            raw_id,
        }
    }

    /// Keeps `raw` as the raw id, or computes it from the parts when there is none.
    pub(super) fn with_raw_id(mut self, raw: Option<String>) -> Self {
        match raw {
            Some(raw) => {
                self.raw_id = raw;
                self
            }
            None => self.with_computed_raw_id(),
        }
    }

    pub(super) fn with_computed_raw_id(mut self) -> Self {
        let prefix = match (&self.cloud, self.is_anonymous) {
            (_, true) => "8:teamsvisitor:",
            (CommunicationCloudEnvironment::Dod, false) => "8:dod:",
            (CommunicationCloudEnvironment::Gcch, false) => "8:gcch:",
            _ => "8:orgid:",
        };
        self.raw_id = format!("{prefix}{}", self.user_id);
        self
    }

    /// The user's id (the Entra ID object id, unless anonymous).
    pub fn user_id(&self) -> &str {
        &self.user_id
    }

    /// True for an anonymous Teams user (a visitor).
    pub fn is_anonymous(&self) -> bool {
        self.is_anonymous
    }

    /// The user's cloud.
    pub fn cloud(&self) -> &CommunicationCloudEnvironment {
        &self.cloud
    }

    /// The raw id.
    pub fn raw_id(&self) -> &str {
        &self.raw_id
    }
}

/// A Microsoft Teams application (a bot); API 2024-03-07 or later.
#[derive(Clone, Debug, Eq, Hash, PartialEq)]
#[non_exhaustive]
pub struct MicrosoftTeamsAppIdentifier {
    app_id: String,
    cloud: CommunicationCloudEnvironment,
    raw_id: String,
}

impl MicrosoftTeamsAppIdentifier {
    /// A Teams app of the public cloud (raw id `28:orgid:<app_id>`).
    pub fn new(app_id: impl Into<String>) -> Self {
        Self::from_parts(
            app_id.into(),
            CommunicationCloudEnvironment::Public,
            String::new(),
        )
        .with_computed_raw_id()
    }

    /// Sets the cloud (and so the raw id's prefix).
    pub fn with_cloud(mut self, cloud: CommunicationCloudEnvironment) -> Self {
        self.cloud = cloud;
        self.with_computed_raw_id()
    }

    pub(super) fn from_parts(
        app_id: String,
        cloud: CommunicationCloudEnvironment,
        raw_id: String,
    ) -> Self {
        Self {
            app_id,
            cloud,
            raw_id,
        }
    }

    /// Keeps `raw` as the raw id, or computes it from the parts when there is none.
    pub(super) fn with_raw_id(mut self, raw: Option<String>) -> Self {
        match raw {
            Some(raw) => {
                self.raw_id = raw;
                self
            }
            None => self.with_computed_raw_id(),
        }
    }

    pub(super) fn with_computed_raw_id(mut self) -> Self {
        let prefix = match self.cloud {
            CommunicationCloudEnvironment::Dod => "28:dod:",
            CommunicationCloudEnvironment::Gcch => "28:gcch:",
            _ => "28:orgid:",
        };
        self.raw_id = format!("{prefix}{}", self.app_id);
        self
    }

    /// The application's id.
    pub fn app_id(&self) -> &str {
        &self.app_id
    }

    /// The application's cloud.
    pub fn cloud(&self) -> &CommunicationCloudEnvironment {
        &self.cloud
    }

    /// The raw id.
    pub fn raw_id(&self) -> &str {
        &self.raw_id
    }
}

/// A Teams Phone user who extends their Teams Phone setup with an ACS resource; API 2025-03-15
/// or later.
#[derive(Clone, Debug, Eq, Hash, PartialEq)]
#[non_exhaustive]
pub struct TeamsExtensionUserIdentifier {
    user_id: String,
    tenant_id: String,
    resource_id: String,
    cloud: CommunicationCloudEnvironment,
    raw_id: String,
}

impl TeamsExtensionUserIdentifier {
    /// A Teams extension user of the public cloud (raw id
    /// `8:acs:<resource_id>_<tenant_id>_<user_id>`).
    pub fn new(
        user_id: impl Into<String>,
        tenant_id: impl Into<String>,
        resource_id: impl Into<String>,
    ) -> Self {
        Self::from_parts(
            user_id.into(),
            tenant_id.into(),
            resource_id.into(),
            CommunicationCloudEnvironment::Public,
            String::new(),
        )
        .with_computed_raw_id()
    }

    /// Sets the cloud (and so the raw id's prefix).
    pub fn with_cloud(mut self, cloud: CommunicationCloudEnvironment) -> Self {
        self.cloud = cloud;
        self.with_computed_raw_id()
    }

    pub(super) fn from_parts(
        user_id: String,
        tenant_id: String,
        resource_id: String,
        cloud: CommunicationCloudEnvironment,
        raw_id: String,
    ) -> Self {
        Self {
            user_id,
            tenant_id,
            resource_id,
            cloud,
            raw_id,
        }
    }

    /// Keeps `raw` as the raw id, or computes it from the parts when there is none.
    pub(super) fn with_raw_id(mut self, raw: Option<String>) -> Self {
        match raw {
            Some(raw) => {
                self.raw_id = raw;
                self
            }
            None => self.with_computed_raw_id(),
        }
    }

    pub(super) fn with_computed_raw_id(mut self) -> Self {
        let prefix = match self.cloud {
            CommunicationCloudEnvironment::Dod => "8:dod-acs:",
            CommunicationCloudEnvironment::Gcch => "8:gcch-acs:",
            _ => "8:acs:",
        };
        self.raw_id = format!(
            "{prefix}{}_{}_{}",
            self.resource_id, self.tenant_id, self.user_id
        );
        self
    }

    /// The user's Entra ID object id.
    pub fn user_id(&self) -> &str {
        &self.user_id
    }

    /// The user's tenant id.
    pub fn tenant_id(&self) -> &str {
        &self.tenant_id
    }

    /// The ACS resource id.
    pub fn resource_id(&self) -> &str {
        &self.resource_id
    }

    /// The user's cloud.
    pub fn cloud(&self) -> &CommunicationCloudEnvironment {
        &self.cloud
    }

    /// The raw id.
    pub fn raw_id(&self) -> &str {
        &self.raw_id
    }
}
