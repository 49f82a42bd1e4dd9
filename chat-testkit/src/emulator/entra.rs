//! A test issuer of Microsoft Entra ID access tokens, which the emulator trusts on its identity
//! routes in place of an HMAC signature (`Authorization: Bearer <token>`), as the service trusts
//! Entra ID for a resource's identity API.
//!
//! Its tokens are JWTs shaped like Entra's v2 access tokens (`aud`, `iss`, `tid`, `oid`,
//! `iat`, `nbf`, `exp`) and signed HS256 with [`SIGNING_KEY`], a published test key: anyone can
//! mint a token the emulator accepts, which is the point (no Entra ID offline). The emulator
//! accepts a token when
//! - its header says `"alg": "HS256"` and `"kid": "`[`KEY_ID`]`"`, and the signature verifies;
//! - `aud` is [`AUDIENCE`] (`https://communication.azure.com`, what a credential asked for
//!   [`SCOPE`] returns) and `iss` is [`ISSUER`];
//! - `nbf`, when present, is not in the future and `exp` is in the future — by the real clock,
//!   whatever the emulator's own clock (Entra ID and the service keep real time).
//!
//! Anything else gets the service's 401 (`{"error": {"code": "Unauthorized", ...}}`). Chat
//! routes do not take these tokens: they want a user's token from the identity API.
//!
//! ```
//! use std::time::{Duration, SystemTime};
//!
//! use chat_testkit::emulator::entra::{self, TestToken};
//!
//! let expires = SystemTime::now() + Duration::from_secs(3600);
//! let token = entra::test_token(entra::AUDIENCE, expires); // accepted
//! let wrong = entra::test_token("https://storage.azure.com", expires); // 401
//! let forged = TestToken::new(entra::AUDIENCE, expires).sign_with(b"another key"); // 401
//! # let _ = (token, wrong, forged);
//! ```

use std::time::{SystemTime, UNIX_EPOCH};

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use serde_json::{json, Value};

use super::tokens::{self, TokenError};

/// The audience the emulator accepts: the ACS resource, as Entra ID names it in tokens.
pub const AUDIENCE: &str = "https://communication.azure.com";

/// The scope a client asks its token credential for (the Azure SDKs' convention: the resource
/// and `/.default`, here with the double slash they use).
pub const SCOPE: &str = "https://communication.azure.com//.default";

/// The tenant of the test issuer.
pub const TENANT_ID: &str = "00000000-0000-4000-8000-0000000e47a1";

/// The issuer (`iss`) the emulator accepts: Entra ID's v2 issuer for [`TENANT_ID`].
pub const ISSUER: &str =
    "https://login.microsoftonline.com/00000000-0000-4000-8000-0000000e47a1/v2.0";

/// The key id (`kid`) in the tokens' header.
pub const KEY_ID: &str = "chat-testkit-entra-test-issuer";

/// The HS256 key of the test issuer. Published on purpose: it is no secret.
pub const SIGNING_KEY: &[u8] = b"chat-testkit Entra ID test issuer; a published test key";

/// The object id (`oid`) of the test principal, unless set otherwise.
pub const OBJECT_ID: &str = "00000000-0000-4000-8000-00000000c11e";

/// A token of the test issuer for `audience`, valid from now until `expires` (a time in the
/// past gives an expired token).
pub fn test_token(audience: &str, expires: SystemTime) -> String {
    TestToken::new(audience, expires).sign()
}

/// The claims of a test token, to change before signing.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct TestToken {
    /// `aud`.
    pub audience: String,
    /// `iss` (default [`ISSUER`]).
    pub issuer: String,
    /// `oid` (default [`OBJECT_ID`]).
    pub object_id: String,
    /// `iat` and `nbf` (default: now).
    pub issued_at: SystemTime,
    /// `exp`.
    pub expires: SystemTime,
}

impl TestToken {
    /// The claims of a token for `audience` until `expires`, from the test issuer.
    pub fn new(audience: impl Into<String>, expires: SystemTime) -> Self {
        Self {
            audience: audience.into(),
            issuer: ISSUER.to_owned(),
            object_id: OBJECT_ID.to_owned(),
            issued_at: SystemTime::now(),
            expires,
        }
    }

    /// Sets `iss`.
    #[must_use]
    pub fn issuer(mut self, issuer: impl Into<String>) -> Self {
        self.issuer = issuer.into();
        self
    }

    /// Sets `oid`.
    #[must_use]
    pub fn object_id(mut self, object_id: impl Into<String>) -> Self {
        self.object_id = object_id.into();
        self
    }

    /// Sets `iat` and `nbf`.
    #[must_use]
    pub fn issued_at(mut self, at: SystemTime) -> Self {
        self.issued_at = at;
        self
    }

    /// The signed token.
    pub fn sign(&self) -> String {
        self.sign_with(SIGNING_KEY)
    }

    /// The token signed with another key (which the emulator refuses).
    pub fn sign_with(&self, key: &[u8]) -> String {
        let header = json!({"alg": "HS256", "typ": "JWT", "kid": KEY_ID});
        let issued_at = unix_seconds(self.issued_at);
        let payload = json!({
            "aud": self.audience,
            "iss": self.issuer,
            "tid": TENANT_ID,
            "oid": self.object_id,
            "sub": self.object_id,
            "iat": issued_at,
            "nbf": issued_at,
            "exp": unix_seconds(self.expires),
            "ver": "2.0",
        });
        tokens::hs256(
            key,
            &URL_SAFE_NO_PAD.encode(header.to_string()),
            &URL_SAFE_NO_PAD.encode(payload.to_string()),
        )
    }
}

/// Why a bearer token was refused; the `Display` is the 401's message.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Rejection {
    Malformed,
    UnknownKey,
    BadSignature,
    WrongAudience,
    WrongIssuer,
    NotYetValid,
    Expired,
}

impl std::fmt::Display for Rejection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Malformed => "The bearer token is malformed.",
            Self::UnknownKey => "The bearer token is not signed by a trusted issuer key.",
            Self::BadSignature => "The bearer token signature is invalid.",
            Self::WrongAudience => {
                "The bearer token's audience is not https://communication.azure.com."
            }
            Self::WrongIssuer => "The bearer token's issuer is not trusted.",
            Self::NotYetValid => "The bearer token is not valid yet.",
            Self::Expired => "The bearer token has expired.",
        })
    }
}

/// Checks a bearer token of the test issuer at `now`.
pub(crate) fn verify(token: &str, now: SystemTime) -> Result<(), Rejection> {
    let decode = |part: &str| -> Result<Value, Rejection> {
        URL_SAFE_NO_PAD
            .decode(part)
            .ok()
            .and_then(|b| serde_json::from_slice(&b).ok())
            .ok_or(Rejection::Malformed)
    };
    // The header first: a token of another issuer (say RS256) names a key this one lacks.
    let head = decode(token.split('.').next().unwrap_or_default())?;
    if head.get("alg").and_then(Value::as_str) != Some("HS256")
        || head.get("kid").and_then(Value::as_str) != Some(KEY_ID)
    {
        return Err(Rejection::UnknownKey);
    }
    let (_, payload) = tokens::verified_parts(SIGNING_KEY, token).map_err(|e| match e {
        TokenError::BadSignature => Rejection::BadSignature,
        _ => Rejection::Malformed,
    })?;
    let claims = decode(payload)?;
    let audience_ok = match claims.get("aud") {
        Some(Value::String(aud)) => aud == AUDIENCE,
        Some(Value::Array(auds)) => auds.iter().any(|a| a.as_str() == Some(AUDIENCE)),
        _ => false,
    };
    if !audience_ok {
        return Err(Rejection::WrongAudience);
    }
    if claims.get("iss").and_then(Value::as_str) != Some(ISSUER) {
        return Err(Rejection::WrongIssuer);
    }
    let now = unix_seconds(now);
    if claims
        .get("nbf")
        .and_then(Value::as_i64)
        .is_some_and(|nbf| nbf > now)
    {
        return Err(Rejection::NotYetValid);
    }
    match claims.get("exp").and_then(Value::as_i64) {
        Some(exp) if exp > now => Ok(()),
        Some(_) => Err(Rejection::Expired),
        None => Err(Rejection::Malformed),
    }
}

fn unix_seconds(t: SystemTime) -> i64 {
    match t.duration_since(UNIX_EPOCH) {
        Ok(d) => i64::try_from(d.as_secs()).unwrap_or(i64::MAX),
        Err(e) => -i64::try_from(e.duration().as_secs()).unwrap_or(i64::MAX),
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[test]
    fn accepts_the_test_issuer_for_acs_and_refuses_everything_else() {
        let now = SystemTime::now();
        let hour = Duration::from_secs(3600);
        assert_eq!(verify(&test_token(AUDIENCE, now + hour), now), Ok(()));
        let cases = [
            (
                test_token("https://storage.azure.com", now + hour),
                Rejection::WrongAudience,
            ),
            (
                test_token(AUDIENCE, now - Duration::from_secs(1)),
                Rejection::Expired,
            ),
            (
                TestToken::new(AUDIENCE, now + hour).sign_with(b"another key"),
                Rejection::BadSignature,
            ),
            (
                TestToken::new(AUDIENCE, now + hour)
                    .issuer("https://sts.windows.net/other/")
                    .sign(),
                Rejection::WrongIssuer,
            ),
            (
                TestToken::new(AUDIENCE, now + 2 * hour)
                    .issued_at(now + hour)
                    .sign(),
                Rejection::NotYetValid,
            ),
            ("a.b".to_owned(), Rejection::Malformed),
        ];
        for (token, why) in cases {
            assert_eq!(verify(&token, now), Err(why), "{token}");
        }
        // An RS256 header (a real Entra token) names a key the emulator does not have.
        let token = test_token(AUDIENCE, now + hour);
        let rs256 = URL_SAFE_NO_PAD.encode(r#"{"alg":"RS256","typ":"JWT","kid":"x"}"#);
        let (_, rest) = token.split_once('.').unwrap();
        assert_eq!(
            verify(&format!("{rs256}.{rest}"), now),
            Err(Rejection::UnknownKey)
        );
    }

    #[test]
    fn the_payload_reads_like_an_entra_access_token() {
        let expires = UNIX_EPOCH + Duration::from_secs(2_000_000_000);
        let token = TestToken::new(AUDIENCE, expires)
            .issued_at(UNIX_EPOCH + Duration::from_secs(1_999_996_400))
            .object_id("oid-1")
            .sign();
        let payload = token.split('.').nth(1).unwrap();
        let claims: Value =
            serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).unwrap()).unwrap();
        assert_eq!(
            claims,
            json!({"aud": AUDIENCE, "iss": ISSUER, "tid": TENANT_ID, "oid": "oid-1",
                   "sub": "oid-1", "iat": 1_999_996_400, "nbf": 1_999_996_400,
                   "exp": 2_000_000_000, "ver": "2.0"})
        );
        assert!(ISSUER.contains(TENANT_ID));
    }
}
