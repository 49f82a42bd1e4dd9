//! Stand-ins for the tokens a recording must not hold, in the shape clients expect.
//!
//! A scrubbed JWT becomes another JWT: header `{"alg":"none","typ":"JWT"}`, a payload with the
//! original's `exp` claim (when it had one) and a `scrubbed` claim, and the signature
//! [`STAND_IN_SIGNATURE`]. Clients that read a token's expiry keep working in playback — ours,
//! and Microsoft's Python SDK, which decodes the payload with the *standard* base64 alphabet (so
//! the payload is varied with a filler claim until its base64url form has no `-` or `_`).
//!
//! The `scrubbed` claim is 16 hex digits of the SHA-256 of the original: two different tokens
//! of a session stay different (a client may compare them) and one token gets the same stand-in
//! wherever it appears, while nothing of the original can be read back from it.
//!
//! Recordings are replayed long after they were made. [`renew_expired`] gives a stand-in that
//! has expired (or is about to) by the time of playback a far-future expiry, [`RENEWED_EXPIRY`],
//! and the `expiresOn` beside it too, so that a client that refuses expired tokens (ours does)
//! still runs the recorded session.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use chat_core::AccessToken;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

/// The signature part of every stand-in: base64url of `scrubbed`.
pub const STAND_IN_SIGNATURE: &str = "c2NydWJiZWQ";

/// The expiry [`renew_expired`] gives an expired stand-in: 2100-01-01T00:00:00Z.
pub const RENEWED_EXPIRY: u64 = 4_102_444_800;

/// A stand-in that expires within this margin of the playback time is renewed.
pub const RENEW_MARGIN: Duration = Duration::from_secs(10 * 60);

const HEADER: &str = r#"{"alg":"none","typ":"JWT"}"#;

/// The stand-in for `token`, which should look like a JWT. Its expiry is the original's `exp`
/// claim, read without checking anything else; none when the original has no readable one.
pub fn stand_in(token: &str) -> String {
    if is_stand_in(token) {
        return token.to_owned();
    }
    let digest = Sha256::digest(token.as_bytes());
    let id: String = digest.iter().take(8).map(|b| format!("{b:02x}")).collect();
    make(expiry(token), &id)
}

/// True for a token [`stand_in`] made.
pub fn is_stand_in(token: &str) -> bool {
    let mut parts = token.split('.');
    matches!(
        (parts.next(), parts.next(), parts.next(), parts.next()),
        (Some(_), Some(_), Some(STAND_IN_SIGNATURE), None)
    )
}

/// The `exp` claim of a JWT, in whole seconds since the Unix epoch (read as our clients read
/// it, [`AccessToken::from_jwt`]).
pub fn expiry(token: &str) -> Option<u64> {
    let expires_on = AccessToken::from_jwt(token).ok()?.expires_on();
    expires_on
        .duration_since(UNIX_EPOCH)
        .ok()
        .map(|d| d.as_secs())
}

/// Renews, in a JSON body, every stand-in that expires before `now` + [`RENEW_MARGIN`]: its
/// expiry becomes [`RENEWED_EXPIRY`], and a string `expiresOn` in the same object moves to
/// 2100-01-01T00:00:00 (its fractional digits and offset kept). Returns whether anything
/// changed. Original tokens (not stand-ins) are never touched.
pub fn renew_expired(body: &mut Value, now: SystemTime) -> bool {
    let horizon = now
        .checked_add(RENEW_MARGIN)
        .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
        .map_or(u64::MAX, |d| d.as_secs());
    renew(body, horizon)
}

fn renew(value: &mut Value, horizon: u64) -> bool {
    match value {
        Value::Object(map) => {
            let mut renewed_here = false;
            let mut changed = false;
            for v in map.values_mut() {
                if let Value::String(s) = v {
                    if let Some(renewed) = renewed(s, horizon) {
                        *s = renewed;
                        renewed_here = true;
                    }
                } else {
                    changed |= renew(v, horizon);
                }
            }
            if renewed_here {
                if let Some(Value::String(expires_on)) = map.get_mut("expiresOn") {
                    if let Some(later) = renewed_time(expires_on) {
                        *expires_on = later;
                    }
                }
            }
            changed || renewed_here
        }
        Value::Array(items) => items
            .iter_mut()
            .fold(false, |changed, v| renew(v, horizon) | changed),
        Value::String(s) => match renewed(s, horizon) {
            Some(renewed) => {
                *s = renewed;
                true
            }
            None => false,
        },
        _ => false,
    }
}

/// The renewed stand-in, when `token` is a stand-in that expires before `horizon`.
fn renewed(token: &str, horizon: u64) -> Option<String> {
    if !is_stand_in(token) || expiry(token).is_some_and(|exp| exp > horizon) {
        return None;
    }
    let id = URL_SAFE_NO_PAD
        .decode(token.split('.').nth(1)?)
        .ok()
        .and_then(|b| serde_json::from_slice::<Value>(&b).ok())
        .and_then(|claims| claims.get("scrubbed")?.as_str().map(str::to_owned))
        .unwrap_or_default();
    Some(make(Some(RENEWED_EXPIRY), &id))
}

/// `2100-01-01T00:00:00` followed by what `time` has after its seconds (fraction, offset).
fn renewed_time(time: &str) -> Option<String> {
    let rest = time.get(19..)?;
    let looks_like_time = time.len() > 19
        && time.as_bytes().get(10) == Some(&b'T')
        && (rest.ends_with('Z') || rest.ends_with("+00:00"));
    looks_like_time.then(|| format!("2100-01-01T00:00:00{rest}"))
}

fn make(exp: Option<u64>, id: &str) -> String {
    let header = URL_SAFE_NO_PAD.encode(HEADER);
    let mut filler = 0usize;
    let payload = loop {
        let mut claims = json!({ "scrubbed": id });
        if let Some(exp) = exp {
            claims["exp"] = json!(exp);
        }
        if filler > 0 {
            claims["pad"] = json!("x".repeat(filler));
        }
        let encoded = URL_SAFE_NO_PAD.encode(claims.to_string());
        if !encoded.contains(['-', '_']) || filler > 64 {
            break encoded;
        }
        filler += 1;
    };
    format!("{header}.{payload}.{STAND_IN_SIGNATURE}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::engine::general_purpose::STANDARD;

    fn jwt(claims: &str) -> String {
        format!(
            "eyJhbGciOiJIUzI1NiJ9.{}.c2VjcmV0LXNpZ25hdHVyZQ",
            URL_SAFE_NO_PAD.encode(claims)
        )
    }

    #[test]
    fn keeps_the_expiry_and_tells_tokens_apart() {
        let a = jwt(r#"{"sub":"8:acs:a","exp":1700000000}"#);
        let b = jwt(r#"{"sub":"8:acs:b","exp":1700000000}"#);
        let (fa, fb) = (stand_in(&a), stand_in(&b));
        assert_eq!(expiry(&fa), Some(1_700_000_000));
        assert_ne!(fa, fb);
        assert_eq!(stand_in(&a), fa, "one token, one stand-in");
        assert_eq!(stand_in(&fa), fa, "a stand-in is its own stand-in");
        let original_payload = a.split('.').nth(1).unwrap();
        assert!(
            !fa.contains("c2VjcmV0") && !fa.contains(original_payload),
            "{fa}"
        );
        assert!(is_stand_in(&fa) && !is_stand_in(&a));
        assert_eq!(expiry(&stand_in("not.a.jwt")), None);
    }

    #[test]
    fn payloads_decode_with_the_standard_alphabet_as_python_does() {
        for exp in 1_700_000_000u64..1_700_000_200 {
            let token = stand_in(&jwt(&format!(r#"{{"exp":{exp}}}"#)));
            let payload = token.split('.').nth(1).unwrap();
            assert!(!payload.contains(['-', '_']), "{payload}");
            let decoded = STANDARD
                .decode(format!("{payload}=="))
                .or_else(|_| STANDARD.decode(format!("{payload}=")))
                .or_else(|_| STANDARD.decode(payload))
                .unwrap();
            let claims: Value = serde_json::from_slice(&decoded).unwrap();
            assert_eq!(claims["exp"], exp);
        }
    }

    #[test]
    fn renews_expired_stand_ins_and_their_expires_on_only() {
        let old = stand_in(&jwt(r#"{"exp":1700000000}"#));
        let fresh = stand_in(&jwt(r#"{"exp":4000000000}"#));
        let original = jwt(r#"{"exp":1700000000}"#);
        let mut body = json!({
            "accessToken": {"token": old, "expiresOn": "2023-11-14T22:13:20.1234567+00:00"},
            "other": {"token": fresh, "expiresOn": "2096-10-02T07:06:40+00:00"},
            "theirs": {"token": original, "expiresOn": "2023-11-14T22:13:20Z"},
        });
        let now = UNIX_EPOCH + Duration::from_secs(1_800_000_000);
        assert!(renew_expired(&mut body, now));
        let renewed = body["accessToken"]["token"].as_str().unwrap();
        assert_eq!(expiry(renewed), Some(RENEWED_EXPIRY));
        assert_ne!(renewed, old);
        assert_eq!(
            body["accessToken"]["expiresOn"],
            "2100-01-01T00:00:00.1234567+00:00"
        );
        assert_eq!(body["other"]["token"], fresh);
        assert_eq!(body["other"]["expiresOn"], "2096-10-02T07:06:40+00:00");
        assert_eq!(body["theirs"]["token"], original);
        assert!(
            !renew_expired(&mut body, now),
            "renewing twice changes nothing"
        );
    }
}
