//! The identity service: HMAC-checked requests; create user (with or without a token), issue
//! token, revoke tokens, delete user.
//!
//! Every identity request must carry `x-ms-date`, `x-ms-content-sha256` (base64 SHA-256 of the
//! body, checked) and `Authorization: HMAC-SHA256 SignedHeaders=x-ms-date;host;x-ms-content-sha256&Signature=<b64>`,
//! signed over `METHOD\npath-and-query\ndate;host;content-hash` with the emulator's access key,
//! where host is the request's `Host` header and path-and-query the request target as received.
//! With the real clock, `x-ms-date` must be within 15 minutes of now.

use std::time::{Duration, SystemTime};

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use hmac::{Hmac, Mac};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use super::errors::{AcsError, Handled, Reply};
use super::routes::Request;
use super::state::{Clock, State};
use super::wire;

const SCOPES: [&str; 5] = [
    "chat",
    "voip",
    "chat.join",
    "chat.join.limited",
    "voip.join",
];
const DEFAULT_MINUTES: u64 = 1440;
const MAX_CLOCK_SKEW: Duration = Duration::from_secs(15 * 60);

/// Checks the HMAC signature of an identity request (401 otherwise).
pub(crate) fn verify_hmac(key: &[u8], clock: &Clock, req: &Request) -> Result<(), AcsError> {
    let header = |name: &str| {
        req.header(name)
            .ok_or_else(|| AcsError::unauthorized(format!("The {name} header is required.")))
    };
    let authorization = header("authorization")?;
    let date = header("x-ms-date")?;
    let content_hash = header("x-ms-content-sha256")?;
    let host = header("host")?;
    let signature = authorization
        .strip_prefix("HMAC-SHA256 SignedHeaders=x-ms-date;host;x-ms-content-sha256&Signature=")
        .ok_or_else(|| {
            AcsError::unauthorized("The Authorization header is not an HMAC-SHA256 signature.")
        })?;
    if STANDARD.encode(Sha256::digest(&req.body)) != content_hash {
        return Err(AcsError::unauthorized(
            "x-ms-content-sha256 does not match the body.",
        ));
    }
    if matches!(clock, Clock::Real) {
        let sent = chat_core::http_date::parse(date)
            .ok_or_else(|| AcsError::unauthorized("x-ms-date is not an HTTP date."))?;
        let now = SystemTime::now();
        let skew = now
            .duration_since(sent)
            .or_else(|_| sent.duration_since(now))
            .unwrap_or_default();
        if skew > MAX_CLOCK_SKEW {
            return Err(AcsError::unauthorized(
                "x-ms-date is more than 15 minutes from now.",
            ));
        }
    }
    let string_to_sign = format!(
        "{}\n{}\n{date};{host};{content_hash}",
        req.method, req.target
    );
    let signature = STANDARD
        .decode(signature)
        .map_err(|_| AcsError::unauthorized("The signature is not base64."))?;
    let mut mac = Hmac::<Sha256>::new_from_slice(key)
        .map_err(|_| AcsError::unauthorized("The access key is unusable."))?;
    mac.update(string_to_sign.as_bytes());
    mac.verify_slice(&signature)
        .map_err(|_| AcsError::unauthorized("The HMAC signature does not match."))
}

/// `POST /identities`: 201 `{"identity": {"id"}, "accessToken"?}`.
pub(crate) fn create(state: &mut State, body: &[u8]) -> Handled {
    let body = wire::body_json(body, true)?;
    let scopes = scopes(body.get("createTokenWithScopes"), "createTokenWithScopes")?;
    let lifetime = lifetime(body.get("expiresInMinutes"))?;
    let id = state.create_user();
    let mut result = json!({ "identity": { "id": id } });
    if let Some(scopes) = scopes.filter(|s| !s.is_empty()) {
        let (token, expires_on) = state.issue_token(&id, &scopes, lifetime)?;
        result["accessToken"] =
            json!({ "token": token, "expiresOn": wire::identity_time(expires_on) });
    }
    Ok(Reply::json(201, &result))
}

/// `POST /identities/{id}/:issueAccessToken`: 200 `{"token", "expiresOn"}`.
pub(crate) fn issue(state: &mut State, id: &str, body: &[u8]) -> Handled {
    let body = wire::body_json(body, false)?;
    let scopes = scopes(body.get("scopes"), "scopes")?
        .filter(|s| !s.is_empty())
        .ok_or_else(|| {
            AcsError::bad_request("At least one scope is required.").with_target("scopes")
        })?;
    let lifetime = lifetime(body.get("expiresInMinutes"))?;
    let (token, expires_on) = state.issue_token(id, &scopes, lifetime)?;
    Ok(Reply::json(
        200,
        &json!({ "token": token, "expiresOn": wire::identity_time(expires_on) }),
    ))
}

/// `POST /identities/{id}/:revokeAccessTokens`: 204.
pub(crate) fn revoke(state: &mut State, id: &str) -> Handled {
    state.revoke_tokens(id)?;
    Ok(Reply::empty(204))
}

/// `DELETE /identities/{id}`: 204.
pub(crate) fn delete(state: &mut State, id: &str) -> Handled {
    state.delete_user(id)?;
    Ok(Reply::empty(204))
}

/// `POST /teamsUser/:exchangeAccessToken`: the emulator has no Microsoft Entra ID to check.
pub(crate) fn exchange_teams_token() -> Handled {
    Err(AcsError::unauthorized(
        "The emulator cannot verify Microsoft Entra ID tokens, so Teams token exchange always fails.",
    ))
}

fn scopes(value: Option<&Value>, field: &str) -> Result<Option<Vec<String>>, AcsError> {
    match value {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Array(items)) => items
            .iter()
            .map(|s| match s.as_str() {
                Some(s) if SCOPES.contains(&s) => Ok(s.to_owned()),
                _ => Err(AcsError::bad_request(format!("Unknown scope {s}.")).with_target(field)),
            })
            .collect::<Result<Vec<_>, _>>()
            .map(Some),
        Some(_) => {
            Err(AcsError::bad_request(format!("{field} must be an array.")).with_target(field))
        }
    }
}

fn lifetime(value: Option<&Value>) -> Result<Duration, AcsError> {
    let minutes = match value {
        None | Some(Value::Null) => DEFAULT_MINUTES,
        Some(v) => v
            .as_u64()
            .filter(|m| (60..=1440).contains(m))
            .ok_or_else(|| {
                AcsError::bad_request("expiresInMinutes must be an integer from 60 to 1440.")
                    .with_target("expiresInMinutes")
            })?,
    };
    Ok(Duration::from_secs(minutes * 60))
}
