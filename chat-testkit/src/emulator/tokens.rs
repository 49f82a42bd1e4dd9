//! User access tokens the emulator signs and verifies: HS256-style JWTs.
//!
//! `header.payload.signature`, each part base64url without padding. The payload carries `sub`
//! (the user's raw id), `acsScope` (comma-separated scopes), `iat`, `exp` (integer seconds) and
//! `jti` (a sequence number, used for revocation). The signature is HMAC-SHA256 over
//! `header.payload` with the emulator's access key.
//!
//! Microsoft's Python SDK decodes the payload with the *standard* base64 alphabet after
//! appending `==`; a payload whose base64url form holds `-` or `_` would fail there. A filler
//! claim `pad` is varied until the encoded payload has neither character, so every token parses
//! both ways.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use hmac::{Hmac, Mac};
use serde_json::{json, Value};
use sha2::Sha256;

const HEADER: &str = r#"{"alg":"HS256","typ":"JWT"}"#;

/// What a verified token says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Claims {
    pub(crate) user: String,
    pub(crate) scopes: Vec<String>,
    pub(crate) issued_at: i64,
    pub(crate) expires_at: i64,
    pub(crate) seq: u64,
}

/// Why a token was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TokenError {
    Malformed,
    BadSignature,
    Expired,
}

/// Signs a token for `claims` with `key`.
pub(crate) fn sign(key: &[u8], claims: &Claims, resource_id: &str) -> String {
    let header = URL_SAFE_NO_PAD.encode(HEADER);
    let mut pad = 0u32;
    let payload = loop {
        let body = json!({
            "sub": claims.user,
            "skypeid": claims.user.strip_prefix("8:").unwrap_or(&claims.user),
            "acsScope": claims.scopes.join(","),
            "resourceId": resource_id,
            "iat": claims.issued_at,
            "exp": claims.expires_at,
            "jti": claims.seq.to_string(),
            "pad": "x".repeat(pad as usize % 4) + &pad.to_string(),
        });
        let encoded = URL_SAFE_NO_PAD.encode(body.to_string());
        if !encoded.contains(['-', '_']) {
            break encoded;
        }
        pad += 1;
    };
    hs256(key, &header, &payload)
}

/// A JWT of the two base64url parts `header` and `payload`, signed HS256 with `key`.
pub(crate) fn hs256(key: &[u8], header: &str, payload: &str) -> String {
    let signing_input = format!("{header}.{payload}");
    let signature = URL_SAFE_NO_PAD.encode(mac(key, &signing_input));
    format!("{signing_input}.{signature}")
}

/// The header and payload (base64url) of `token`, once its HS256 signature with `key` checks.
pub(crate) fn verified_parts<'t>(
    key: &[u8],
    token: &'t str,
) -> Result<(&'t str, &'t str), TokenError> {
    let mut parts = token.split('.');
    let (Some(header), Some(payload), Some(signature), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(TokenError::Malformed);
    };
    let signature = URL_SAFE_NO_PAD
        .decode(signature)
        .map_err(|_| TokenError::Malformed)?;
    let mut m = Hmac::<Sha256>::new_from_slice(key).map_err(|_| TokenError::Malformed)?;
    m.update(format!("{header}.{payload}").as_bytes());
    m.verify_slice(&signature)
        .map_err(|_| TokenError::BadSignature)?;
    Ok((header, payload))
}

/// Verifies `token`'s signature and expiry (`now` in Unix seconds) and returns its claims.
pub(crate) fn verify(key: &[u8], token: &str, now: i64) -> Result<Claims, TokenError> {
    let (_, payload) = verified_parts(key, token)?;
    let payload: Value = URL_SAFE_NO_PAD
        .decode(payload)
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok())
        .ok_or(TokenError::Malformed)?;
    let user = payload
        .get("sub")
        .and_then(Value::as_str)
        .ok_or(TokenError::Malformed)?;
    let expires_at = payload
        .get("exp")
        .and_then(Value::as_i64)
        .ok_or(TokenError::Malformed)?;
    let issued_at = payload.get("iat").and_then(Value::as_i64).unwrap_or(0);
    let seq = payload
        .get("jti")
        .and_then(Value::as_str)
        .and_then(|s| s.parse().ok())
        .ok_or(TokenError::Malformed)?;
    let scopes = payload
        .get("acsScope")
        .and_then(Value::as_str)
        .unwrap_or("")
        .split(',')
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect();
    if expires_at <= now {
        return Err(TokenError::Expired);
    }
    Ok(Claims {
        user: user.to_owned(),
        scopes,
        issued_at,
        expires_at,
        seq,
    })
}

fn mac(key: &[u8], input: &str) -> Vec<u8> {
    // HMAC accepts keys of any length, so this cannot fail.
    let Ok(mut m) = Hmac::<Sha256>::new_from_slice(key) else {
        return Vec::new();
    };
    m.update(input.as_bytes());
    m.finalize().into_bytes().to_vec()
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::engine::general_purpose::STANDARD;

    fn claims(seq: u64) -> Claims {
        Claims {
            user: format!("8:acs:00000000-0000-0000-0000-000000000001_0000{seq:04}"),
            scopes: vec!["chat".into()],
            issued_at: 1_700_000_000,
            expires_at: 1_700_086_400,
            seq,
        }
    }

    #[test]
    fn round_trip_and_standard_alphabet_decoding() {
        for seq in 0..200 {
            let token = sign(b"key", &claims(seq), "res");
            let payload = token.split('.').nth(1).unwrap();
            assert!(!payload.contains(['-', '_']), "{payload}");
            // What the Python SDK does: standard alphabet, `==` appended.
            let decoded = STANDARD
                .decode(format!("{payload}=="))
                .or_else(|_| STANDARD.decode(format!("{payload}=")))
                .or_else(|_| STANDARD.decode(payload));
            assert!(decoded.is_ok());
            assert_eq!(verify(b"key", &token, 1_700_000_001).unwrap(), claims(seq));
        }
    }

    #[test]
    fn refuses_tampered_expired_and_malformed_tokens() {
        let token = sign(b"key", &claims(1), "res");
        assert_eq!(verify(b"other", &token, 0), Err(TokenError::BadSignature));
        assert_eq!(
            verify(b"key", &token, 1_700_086_400),
            Err(TokenError::Expired)
        );
        assert_eq!(verify(b"key", "abc", 0), Err(TokenError::Malformed));
    }
}
