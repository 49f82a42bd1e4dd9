//! The resource's access key, used to sign identity requests.

use std::fmt;

use base64::Engine as _;

use crate::Error;

/// The decoded access key of an ACS resource. `Debug` and `Display` never print it.
#[derive(Clone, Eq, PartialEq)]
pub struct AccessKey(Vec<u8>);

impl AccessKey {
    /// Reads a base64 access key, as the portal and connection strings give it.
    pub fn from_base64(key: &str) -> Result<Self, Error> {
        base64::engine::general_purpose::STANDARD
            .decode(key.trim())
            .map(Self)
            .map_err(|e| Error::InvalidCredential {
                reason: format!("the access key is not base64: {e}"),
            })
    }

    /// A key from raw bytes.
    pub fn from_bytes(key: impl Into<Vec<u8>>) -> Self {
        Self(key.into())
    }

    /// The key bytes.
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }
}

impl fmt::Debug for AccessKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("AccessKey([redacted])")
    }
}

impl fmt::Display for AccessKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}
