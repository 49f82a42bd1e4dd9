//! Reading the inputs of an operation from a recorded request: query parameters, body fields,
//! participants and identifiers, as the recorders wrote them.

use std::collections::BTreeMap;

use chat_core::identifier::CommunicationIdentifier;
use chat_core::identity::TokenScope;
use chat_core::participants::ChatParticipant;
use chat_core::threads::{CreateThread, RetentionPolicy};
use chat_core::{Endpoint, Timestamp};
use serde_json::Value;

use super::compare::{percent_decode, sanitized};
use super::format::{Entry, DEFAULT_BASE};
use super::route::RouteError;

/// The decoded query of a recorded request, its `api-version` apart.
pub(super) struct Query {
    pairs: Vec<(String, String)>,
    pub(super) api_version: Option<String>,
}

impl Query {
    pub(super) fn new(query: &str) -> Self {
        let mut pairs = Vec::new();
        let mut api_version = None;
        for part in query.split('&').filter(|p| !p.is_empty()) {
            let (k, v) = part.split_once('=').unwrap_or((part, ""));
            let (k, v) = (percent_decode(k), percent_decode(v));
            if k.eq_ignore_ascii_case("api-version") {
                api_version = Some(v);
            } else {
                pairs.push((k, v));
            }
        }
        Self { pairs, api_version }
    }

    fn get(&self, key: &str) -> Option<&str> {
        self.pairs
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    pub(super) fn has(&self, key: &str) -> bool {
        self.get(key).is_some()
    }

    pub(super) fn number(&self, key: &str) -> Result<Option<u32>, RouteError> {
        self.get(key)
            .map(|v| {
                v.parse()
                    .map_err(|_| RouteError::Input(format!("{key}={v} is not a count")))
            })
            .transpose()
    }

    /// `startTime` of a first page (RFC 3339). Continuation pages carry the service's own
    /// rendering, which the pager replays verbatim; it is not an input.
    pub(super) fn start_time(&self) -> Result<Option<Timestamp>, RouteError> {
        if self.has("syncState") {
            return Ok(None);
        }
        self.get("startTime")
            .map(|v| {
                time_input(v)
                    .ok_or_else(|| RouteError::Input(format!("startTime={v} is not RFC 3339")))
            })
            .transpose()
    }
}

/// A recorded time input: RFC 3339, or `sanitized` (a time the client read from its clock,
/// see [`super::client_values`]), which any time matches; the Unix epoch stands in for it.
fn time_input(value: &str) -> Option<Timestamp> {
    if sanitized(value) {
        Some(Timestamp::from(std::time::SystemTime::UNIX_EPOCH))
    } else {
        Timestamp::parse(value)
    }
}

pub(super) fn endpoint_of(uri: &str) -> Result<Endpoint, RouteError> {
    let base = match uri.split_once("://") {
        Some((scheme, rest)) => {
            let authority = rest.split(['/', '?']).next().unwrap_or("");
            format!("{scheme}://{authority}")
        }
        None => DEFAULT_BASE.to_owned(),
    };
    Endpoint::parse_allowing_loopback_http(&base)
        .map_err(|e| RouteError::Input(format!("endpoint {base}: {e}")))
}

pub(super) fn missing(field: &str) -> RouteError {
    RouteError::Input(format!("the body has no `{field}`"))
}

pub(super) fn string<'a>(body: &'a Value, key: &str) -> Option<&'a str> {
    body.get(key).and_then(Value::as_str)
}

pub(super) fn metadata(body: &Value) -> Result<Option<BTreeMap<String, String>>, RouteError> {
    match body.get("metadata") {
        None | Some(Value::Null) => Ok(None),
        Some(v) => serde_json::from_value(v.clone())
            .map(Some)
            .map_err(|e| RouteError::Input(format!("metadata: {e}"))),
    }
}

pub(super) fn retention_policy(body: &Value) -> Result<Option<RetentionPolicy>, RouteError> {
    match body.get("retentionPolicy") {
        None | Some(Value::Null) => Ok(None),
        Some(v) => serde_json::from_value(v.clone())
            .map(Some)
            .map_err(|e| RouteError::Input(format!("retentionPolicy: {e}"))),
    }
}

pub(super) fn create_thread(entry: &Entry, body: &Value) -> Result<CreateThread, RouteError> {
    let topic = string(body, "topic").ok_or_else(|| missing("topic"))?;
    let mut op = CreateThread::new(topic).participants(participants(body)?);
    if let Some(m) = metadata(body)? {
        op = op.metadata(m);
    }
    if let Some(p) = retention_policy(body)? {
        op = op.retention_policy(p);
    }
    if let Some(id) = entry.request_header("repeatability-request-id") {
        op = op.repeatability_request_id(id);
    }
    Ok(op)
}

/// The `participants` of a body; a sanitized list (the recorder hid it) reads as none.
pub(super) fn participants(body: &Value) -> Result<Vec<ChatParticipant>, RouteError> {
    let list = match body.get("participants") {
        None | Some(Value::Null) => return Ok(Vec::new()),
        Some(Value::String(s)) if sanitized(s) => return Ok(Vec::new()),
        Some(Value::Array(list)) => list,
        Some(other) => return Err(RouteError::Input(format!("participants: {other}"))),
    };
    list.iter()
        .map(|p| {
            let id = p
                .get("communicationIdentifier")
                .ok_or_else(|| missing("communicationIdentifier"))?;
            let mut participant = ChatParticipant::new(identifier(id)?);
            if let Some(name) = string(p, "displayName") {
                participant = participant.display_name(name);
            }
            if let Some(t) = string(p, "shareHistoryTime") {
                let t = time_input(t)
                    .ok_or_else(|| RouteError::Input(format!("shareHistoryTime {t}")))?;
                participant = participant.share_history_time(t);
            }
            if let Some(m) = metadata(p)? {
                participant = participant.metadata(m);
            }
            Ok(participant)
        })
        .collect()
}

/// An identifier model: from its `rawId` when there is one (the recorders sanitize the nested
/// ids, never the raw id), else as the wire model says.
pub(super) fn identifier(model: &Value) -> Result<CommunicationIdentifier, RouteError> {
    match string(model, "rawId") {
        Some(raw) if !sanitized(raw) => Ok(CommunicationIdentifier::from_raw_id(raw)),
        _ => serde_json::from_value(model.clone())
            .map_err(|e| RouteError::Input(format!("identifier {model}: {e}"))),
    }
}

pub(super) fn scopes(body: &Value, key: &str) -> Result<Vec<TokenScope>, RouteError> {
    match body.get(key) {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::Array(list)) => list
            .iter()
            .map(|s| {
                s.as_str()
                    .map(TokenScope::parse)
                    .ok_or_else(|| RouteError::Input(format!("scope {s}")))
            })
            .collect(),
        Some(other) => Err(RouteError::Input(format!("{key}: {other}"))),
    }
}

pub(super) fn expires_in_minutes(body: &Value) -> Result<Option<u32>, RouteError> {
    match body.get("expiresInMinutes") {
        None | Some(Value::Null) => Ok(None),
        Some(v) => v
            .as_u64()
            .and_then(|n| u32::try_from(n).ok())
            .map(Some)
            .ok_or_else(|| RouteError::Input(format!("expiresInMinutes {v}"))),
    }
}
