//! The service's wire format: API versions, identifiers and timestamps, built here (not taken
//! from chat-core's client models, so that a shared bug could not hide).

use chat_core::Timestamp;
use serde_json::{json, Map, Value};

use super::errors::AcsError;

/// The identity API versions the emulator serves.
pub(crate) const IDENTITY_VERSIONS: [&str; 7] = [
    "2021-03-07",
    "2022-06-01",
    "2022-10-01",
    "2023-08-01",
    "2023-10-01",
    "2025-06-30",
    "2026-09-23",
];

/// The `api-supported-versions` header of chat responses.
pub(crate) const CHAT_SUPPORTED: &str = "2021-09-07, 2023-11-07, 2024-03-07, 2025-03-15";

/// The `api-supported-versions` header of identity responses.
pub(crate) const IDENTITY_SUPPORTED: &str =
    "2021-03-07, 2022-06-01, 2022-10-01, 2023-08-01, 2023-10-01, 2025-06-30, 2026-09-23";

/// A chat API version, ordered by date.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum ChatApi {
    V2021_09_07,
    V2023_11_07,
    V2024_03_07,
    V2025_03_15,
}

impl ChatApi {
    /// Reads the `api-version` value; unknown or missing is a 400 ACS error.
    pub(crate) fn from_query(value: Option<&str>) -> Result<Self, AcsError> {
        match value {
            Some("2021-09-07") => Ok(Self::V2021_09_07),
            Some("2023-11-07") => Ok(Self::V2023_11_07),
            Some("2024-03-07") => Ok(Self::V2024_03_07),
            Some("2025-03-15") => Ok(Self::V2025_03_15),
            Some(other) => Err(unsupported_version(other, CHAT_SUPPORTED)),
            None => Err(missing_version()),
        }
    }

    /// The version string.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Self::V2021_09_07 => "2021-09-07",
            Self::V2023_11_07 => "2023-11-07",
            Self::V2024_03_07 => "2024-03-07",
            Self::V2025_03_15 => "2025-03-15",
        }
    }

    /// Identifiers carry `kind` from 2023-11-07 on.
    pub(crate) fn has_identifier_kind(self) -> bool {
        self >= Self::V2023_11_07
    }

    /// `content.attachments` on text/html messages from 2023-11-07 on.
    pub(crate) fn has_attachments(self) -> bool {
        self >= Self::V2023_11_07
    }

    /// Thread/participant `metadata` and thread `retentionPolicy` only in 2025-03-15.
    pub(crate) fn has_thread_metadata(self) -> bool {
        self >= Self::V2025_03_15
    }
}

/// Checks an identity `api-version`.
pub(crate) fn check_identity_version(value: Option<&str>) -> Result<(), AcsError> {
    match value {
        Some(v) if IDENTITY_VERSIONS.contains(&v) => Ok(()),
        Some(other) => Err(unsupported_version(other, IDENTITY_SUPPORTED)),
        None => Err(missing_version()),
    }
}

fn unsupported_version(value: &str, supported: &str) -> AcsError {
    AcsError::new(
        400,
        "UnsupportedApiVersion",
        format!("The HTTP resource does not support the API version '{value}'. Supported versions: {supported}."),
    )
}

fn missing_version() -> AcsError {
    AcsError::new(
        400,
        "MissingApiVersionParameter",
        "The api-version query parameter (?api-version=) is required for all requests.",
    )
}

/// The service's timestamp form: UTC, 7 fractional digits.
pub(crate) fn time(t: Timestamp) -> Value {
    Value::String(t.to_rfc3339())
}

/// The identity service's timestamp form: 7 fractional digits and `+00:00`.
pub(crate) fn identity_time(t: Timestamp) -> String {
    let s = t.to_rfc3339();
    match s.strip_suffix('Z') {
        Some(rest) => format!("{rest}+00:00"),
        None => s,
    }
}

/// Renders a raw id as a `CommunicationIdentifierModel` for `api`.
pub(crate) fn identifier(raw_id: &str, api: ChatApi) -> Value {
    let (kind, nested): (&str, Option<(&str, Value)>) =
        if let Some(value) = raw_id.strip_prefix("4:") {
            (
                "phoneNumber",
                Some(("phoneNumber", json!({ "value": value }))),
            )
        } else if ["8:acs:", "8:spool:", "8:dod-acs:", "8:gcch-acs:"]
            .iter()
            .any(|p| raw_id.starts_with(p))
        {
            (
                "communicationUser",
                Some(("communicationUser", json!({ "id": raw_id }))),
            )
        } else if let Some((user, cloud, anonymous)) = teams_user(raw_id) {
            (
                "microsoftTeamsUser",
                Some((
                    "microsoftTeamsUser",
                    json!({ "userId": user, "isAnonymous": anonymous, "cloud": cloud }),
                )),
            )
        } else {
            ("unknown", None)
        };
    let mut map = Map::new();
    map.insert("rawId".to_owned(), Value::String(raw_id.to_owned()));
    if api.has_identifier_kind() {
        map.insert("kind".to_owned(), Value::String(kind.to_owned()));
    }
    if let Some((name, value)) = nested {
        map.insert(name.to_owned(), value);
    }
    Value::Object(map)
}

fn teams_user(raw_id: &str) -> Option<(&str, &'static str, bool)> {
    [
        ("8:orgid:", "public", false),
        ("8:dod:", "dod", false),
        ("8:gcch:", "gcch", false),
        ("8:teamsvisitor:", "public", true),
    ]
    .iter()
    .find_map(|(prefix, cloud, anon)| raw_id.strip_prefix(prefix).map(|u| (u, *cloud, *anon)))
}

/// Reads the raw id of a request's `CommunicationIdentifierModel`: `rawId` if present, else
/// built from the one nested object.
pub(crate) fn raw_id_of(model: &Value) -> Result<String, AcsError> {
    let obj = model
        .as_object()
        .ok_or_else(|| AcsError::bad_request("The communication identifier must be an object."))?;
    if let Some(raw) = obj.get("rawId").and_then(Value::as_str) {
        if !raw.is_empty() {
            return Ok(raw.to_owned());
        }
    }
    let nested = |name: &str, field: &str| {
        obj.get(name)
            .and_then(|o| o.get(field))
            .and_then(Value::as_str)
            .map(str::to_owned)
    };
    if let Some(id) = nested("communicationUser", "id") {
        return Ok(id);
    }
    if let Some(value) = nested("phoneNumber", "value") {
        return Ok(format!("4:{value}"));
    }
    if let Some(user) = nested("microsoftTeamsUser", "userId") {
        return Ok(format!("8:orgid:{user}"));
    }
    Err(AcsError::bad_request(
        "The communication identifier has neither a rawId nor a known identifier object.",
    ))
}

/// Reads an optional `map<string,string>`; `None` when absent or null.
pub(crate) fn string_map(
    value: Option<&Value>,
    field: &str,
) -> Result<Option<Vec<(String, String)>>, AcsError> {
    match value {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Object(map)) => map
            .iter()
            .map(|(k, v)| match v {
                Value::String(s) => Ok((k.clone(), s.clone())),
                _ => Err(AcsError::bad_request(format!(
                    "The values of '{field}' must be strings."
                ))),
            })
            .collect::<Result<Vec<_>, _>>()
            .map(Some),
        Some(_) => Err(AcsError::bad_request(format!(
            "'{field}' must be an object."
        ))),
    }
}

/// Reads an optional RFC 3339 timestamp field.
pub(crate) fn opt_time(value: Option<&Value>, field: &str) -> Result<Option<Timestamp>, AcsError> {
    match value {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Timestamp::parse(s).map(Some).ok_or_else(|| {
            AcsError::bad_request(format!("'{field}' is not an RFC 3339 date-time."))
        }),
        Some(_) => Err(AcsError::bad_request(format!(
            "'{field}' must be a string."
        ))),
    }
}

/// Reads an optional string field.
pub(crate) fn opt_str(value: Option<&Value>, field: &str) -> Result<Option<String>, AcsError> {
    match value {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(AcsError::bad_request(format!(
            "'{field}' must be a string."
        ))),
    }
}

/// Parses a JSON request body; an empty body reads as `{}` when `empty_ok`.
pub(crate) fn body_json(body: &[u8], empty_ok: bool) -> Result<Value, AcsError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return if empty_ok {
            Ok(json!({}))
        } else {
            Err(AcsError::bad_request("A request body is required."))
        };
    }
    let value: Value = serde_json::from_slice(body)
        .map_err(|e| AcsError::bad_request(format!("The request body is not valid JSON: {e}")))?;
    if value.is_null() && empty_ok {
        return Ok(json!({}));
    }
    if !value.is_object() {
        return Err(AcsError::bad_request(
            "The request body must be a JSON object.",
        ));
    }
    Ok(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kind_appears_from_2023_11_07() {
        let raw = "8:acs:r_u";
        assert_eq!(
            identifier(raw, ChatApi::V2021_09_07),
            json!({"rawId": raw, "communicationUser": {"id": raw}})
        );
        assert_eq!(
            identifier(raw, ChatApi::V2023_11_07),
            json!({"rawId": raw, "kind": "communicationUser", "communicationUser": {"id": raw}})
        );
    }

    #[test]
    fn raw_id_is_read_from_nested_objects() {
        assert_eq!(
            raw_id_of(&json!({"communicationUser": {"id": "8:acs:a_b"}})).unwrap(),
            "8:acs:a_b"
        );
        assert_eq!(
            raw_id_of(&json!({"phoneNumber": {"value": "+1555"}})).unwrap(),
            "4:+1555"
        );
        assert!(raw_id_of(&json!({})).is_err());
    }

    #[test]
    fn identity_time_uses_an_offset() {
        let t = Timestamp::parse("2023-10-10T21:39:39.3244584Z").unwrap();
        assert_eq!(identity_time(t), "2023-10-10T21:39:39.3244584+00:00");
    }

    #[test]
    fn versions_parse_or_fail_with_400() {
        assert_eq!(
            ChatApi::from_query(Some("2025-03-15")).unwrap(),
            ChatApi::V2025_03_15
        );
        assert_eq!(
            ChatApi::from_query(Some("2020-01-01")).unwrap_err().status,
            400
        );
        assert_eq!(ChatApi::from_query(None).unwrap_err().status, 400);
        assert!(check_identity_version(Some("2023-10-01")).is_ok());
        assert!(check_identity_version(Some("2023-11-07")).is_err());
    }
}
