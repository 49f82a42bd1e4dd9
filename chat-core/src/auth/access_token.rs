//! A user access token and its expiry.

use std::fmt;
use std::time::SystemTime;

/// A user access token (the bearer token of chat calls) and the instant it expires.
///
/// `Debug` and `Display` never print the token.
#[derive(Clone, Eq, PartialEq)]
pub struct AccessToken {
    secret: String,
    expires_on: SystemTime,
}

impl AccessToken {
    /// A token whose expiry the caller knows.
    pub fn new(secret: impl Into<String>, expires_on: SystemTime) -> Self {
        Self {
            secret: secret.into(),
            expires_on,
        }
    }

    /// The token itself. Send it only to the configured endpoint.
    pub fn secret(&self) -> &str {
        &self.secret
    }

    /// When the token expires.
    pub fn expires_on(&self) -> SystemTime {
        self.expires_on
    }
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
