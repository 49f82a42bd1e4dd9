//! A user access token and its expiry, read from the JWT `exp` claim or given by the caller.

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::alphabet;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use base64::Engine as _;

use crate::Error;

/// A user access token (the bearer token of chat calls) and the instant it expires.
///
/// `Debug` and `Display` never print the token.
///
/// ```
/// use chat_core::AccessToken;
/// // header.payload.signature, payload = {"exp":1700000000}
/// let jwt = "eyJhbGciOiJub25lIn0.eyJleHAiOjE3MDAwMDAwMDB9.c2ln";
/// let token = AccessToken::from_jwt(jwt).unwrap();
/// assert_eq!(
///     token.expires_on(),
///     std::time::UNIX_EPOCH + std::time::Duration::from_secs(1_700_000_000)
/// );
/// assert_eq!(format!("{token}"), "[redacted]");
/// ```
///
/// Cloning is cheap (the secret is shared): a call holds its own clone while it runs.
#[derive(Clone, Eq, PartialEq)]
pub struct AccessToken {
    secret: Arc<str>,
    expires_on: SystemTime,
}

impl AccessToken {
    /// A token whose expiry the caller knows. This is the only way to use a token that is not a
    /// JWT (an opaque token, or the `"sanitized"` tokens of recordings).
    pub fn new(secret: impl Into<String>, expires_on: SystemTime) -> Self {
        Self {
            secret: Arc::from(secret.into()),
            expires_on,
        }
    }

    /// Reads a JWT (`header.payload.signature`) and takes the expiry from its numeric `exp`
    /// claim (seconds since the Unix epoch, integer or fractional).
    ///
    /// The payload is base64url with or without `=` padding; the standard alphabet (`+`, `/`) is
    /// tolerated too. The signature is not checked: the service checks it. Errors never quote the
    /// token.
    pub fn from_jwt(secret: impl Into<String>) -> Result<Self, Error> {
        let secret = secret.into();
        let expires_on = jwt_expiry(&secret)?;
        Ok(Self {
            secret: Arc::from(secret),
            expires_on,
        })
    }

    /// The token itself. Send it only to the configured endpoint.
    pub fn secret(&self) -> &str {
        &self.secret
    }

    /// When the token expires.
    pub fn expires_on(&self) -> SystemTime {
        self.expires_on
    }

    /// True when the token has expired at `now`.
    pub fn is_expired(&self, now: SystemTime) -> bool {
        now >= self.expires_on
    }
}

fn invalid(reason: &str) -> Error {
    Error::InvalidCredential {
        reason: format!("the token is not a JWT with an `exp` claim: {reason}"),
    }
}

/// Decodes base64url or base64, with or without padding.
fn decode_segment(segment: &str) -> Result<Vec<u8>, Error> {
    let config = GeneralPurposeConfig::new()
        .with_decode_padding_mode(DecodePaddingMode::Indifferent)
        .with_decode_allow_trailing_bits(true);
    // Map the standard alphabet onto the URL-safe one, so both (and a mix) decode.
    let normalized: String = segment
        .trim()
        .chars()
        .map(|c| match c {
            '+' => '-',
            '/' => '_',
            c => c,
        })
        .collect();
    GeneralPurpose::new(&alphabet::URL_SAFE, config)
        .decode(normalized)
        .map_err(|_| invalid("the payload is not base64url"))
}

/// The `exp` claim of a JWT as a `SystemTime`.
pub(crate) fn jwt_expiry(jwt: &str) -> Result<SystemTime, Error> {
    let mut parts = jwt.trim().split('.');
    let (Some(_header), Some(payload)) = (parts.next(), parts.next()) else {
        return Err(invalid("it has no `.`-separated payload"));
    };
    let payload = decode_segment(payload)?;
    let claims: serde_json::Value =
        serde_json::from_slice(&payload).map_err(|_| invalid("the payload is not JSON"))?;
    let exp = claims
        .get("exp")
        .and_then(serde_json::Value::as_f64)
        .ok_or_else(|| invalid("the payload has no numeric `exp`"))?;
    if !exp.is_finite() || exp < 0.0 {
        return Err(invalid("`exp` is out of range"));
    }
    Duration::try_from_secs_f64(exp)
        .ok()
        .and_then(|d| UNIX_EPOCH.checked_add(d))
        .ok_or_else(|| invalid("`exp` is out of range"))
}

impl fmt::Debug for AccessToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AccessToken")
            .field("secret", &"[redacted]")
            .field("expires_on", &crate::Timestamp::from(self.expires_on))
            .finish()
    }
}

impl fmt::Display for AccessToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn jwt(payload_b64: &str) -> String {
        format!("eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.{payload_b64}.c2lnbmF0dXJl")
    }

    #[test]
    fn reads_a_float_exp_with_padding_as_in_the_js_recordings() {
        // {"exp":1651535310.998}, padded, from recording_successfully_adds_participants.json.
        let t = AccessToken::from_jwt(jwt("eyJleHAiOjE2NTE1MzUzMTAuOTk4fQ==")).unwrap();
        let secs = t.expires_on().duration_since(UNIX_EPOCH).unwrap();
        assert_eq!(secs.as_secs(), 1_651_535_310);
        assert!((secs.subsec_millis() as i32 - 998).abs() <= 1);
        // The same payload without padding.
        let u = AccessToken::from_jwt(jwt("eyJleHAiOjE2NTE1MzUzMTAuOTk4fQ")).unwrap();
        assert_eq!(t.expires_on(), u.expires_on());
    }

    #[test]
    fn refuses_tokens_without_a_usable_exp_and_never_quotes_them() {
        for bad in [
            "sanitized",
            "a.%%%.c",
            "a.bm90IGpzb24.c",                 // "not json"
            "a.eyJzdWIiOiJ4In0.c",             // {"sub":"x"}
            "a.eyJleHAiOiIxNzAwMDAwMDAwIn0.c", // {"exp":"1700000000"}
            "a.eyJleHAiOi0xfQ.c",              // {"exp":-1}
            "a.eyJleHAiOjFlMzAwfQ.c",          // {"exp":1e300}
        ] {
            let err = AccessToken::from_jwt(bad).unwrap_err();
            assert!(matches!(err, Error::InvalidCredential { .. }), "{bad}");
            assert!(!err.to_string().contains(bad), "{err}");
        }
    }

    #[test]
    fn is_expired_at_and_after_expiry() {
        let t = AccessToken::new("x", UNIX_EPOCH + Duration::from_secs(10));
        assert!(!t.is_expired(UNIX_EPOCH + Duration::from_secs(9)));
        assert!(t.is_expired(UNIX_EPOCH + Duration::from_secs(10)));
    }
}
