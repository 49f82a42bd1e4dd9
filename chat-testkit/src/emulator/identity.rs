//! The identity service: requests authenticated by an HMAC signature or by a bearer token of
//! the Entra ID test issuer ([`super::entra`]); create user (with or without a token), issue
//! token, revoke tokens, delete user.
//!
//! An HMAC-signed request must carry `x-ms-date`, `x-ms-content-sha256` (base64 SHA-256 of the
//! body, checked) and `Authorization: HMAC-SHA256 SignedHeaders=x-ms-date;host;x-ms-content-sha256&Signature=<b64>`,
//! signed over `METHOD\npath-and-query\ndate;host;content-hash` with the emulator's access key,
//! where host is the request's `Host` header and path-and-query the request target as received.
//! With the real clock, `x-ms-date` must be within 15 minutes of now. A signature over the
//! percent-decoded target is accepted too (Microsoft's async Python clients sign that way). A
//! request with `Authorization: Bearer` is checked as [`super::entra`] says instead.

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

/// Authenticates an identity request: `Authorization: Bearer` with a token of the Entra ID test
/// issuer, or else an HMAC signature (401 otherwise).
pub(crate) fn authenticate(key: &[u8], clock: &Clock, req: &Request) -> Result<(), AcsError> {
    match req.header("authorization").and_then(bearer_token) {
        Some(token) => super::entra::verify(token, SystemTime::now())
            .map_err(|why| AcsError::unauthorized(why.to_string())),
        None => verify_hmac(key, clock, req),
    }
}

/// The token of a `Bearer` authorization (scheme in any case).
fn bearer_token(authorization: &str) -> Option<&str> {
    let (scheme, token) = authorization.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then_some(token.trim())
}

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
    let signature = STANDARD
        .decode(signature)
        .map_err(|_| AcsError::unauthorized("The signature is not base64."))?;
    // The request target as received; Python's async clients sign it percent-decoded.
    let decoded = super::routes::percent_decode(&req.target);
    let matches = |target: &str| {
        let string_to_sign = format!("{}\n{target}\n{date};{host};{content_hash}", req.method);
        Hmac::<Sha256>::new_from_slice(key).is_ok_and(|mut mac| {
            mac.update(string_to_sign.as_bytes());
            mac.verify_slice(&signature).is_ok()
        })
    };
    if matches(&req.target) || (decoded != req.target && matches(&decoded)) {
        Ok(())
    } else {
        Err(AcsError::unauthorized("The HMAC signature does not match."))
    }
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::emulator::routes::Query;

    fn signed(target: &str, signed_target: &str, key: &[u8]) -> Request {
        let hash = STANDARD.encode(Sha256::digest(b""));
        let date = "Sun, 22 Nov 2026 21:14:18 GMT";
        let host = "127.0.0.1:8080";
        let mut mac = Hmac::<Sha256>::new_from_slice(key).unwrap();
        mac.update(format!("POST\n{signed_target}\n{date};{host};{hash}").as_bytes());
        let signature = STANDARD.encode(mac.finalize().into_bytes());
        let auth = format!(
            "HMAC-SHA256 SignedHeaders=x-ms-date;host;x-ms-content-sha256&Signature={signature}"
        );
        Request {
            method: "POST".into(),
            target: target.into(),
            path: target.split('?').next().unwrap().into(),
            query: Query::default(),
            headers: vec![
                ("authorization".into(), auth),
                ("x-ms-date".into(), date.into()),
                ("x-ms-content-sha256".into(), hash),
                ("host".into(), host.into()),
            ],
            body: Vec::new(),
            base: format!("http://{host}"),
        }
    }

    #[test]
    fn accepts_the_target_as_sent_or_decoded_and_nothing_else() {
        let clock = Clock::Fixed {
            start: SystemTime::UNIX_EPOCH,
            ticks: 0,
        };
        let target = "/identities/8%3Aacs%3Ar_u/:revokeAccessTokens?api-version=2023-10-01";
        assert!(verify_hmac(b"key", &clock, &signed(target, target, b"key")).is_ok());
        let decoded = "/identities/8:acs:r_u/:revokeAccessTokens?api-version=2023-10-01";
        assert!(verify_hmac(b"key", &clock, &signed(target, decoded, b"key")).is_ok());
        assert_eq!(
            verify_hmac(b"other", &clock, &signed(target, target, b"key"))
                .unwrap_err()
                .status,
            401
        );
        let other = "/identities/8%3Aacs%3Ar_v/:revokeAccessTokens?api-version=2023-10-01";
        assert!(verify_hmac(b"key", &clock, &signed(target, other, b"key")).is_err());
    }
}
