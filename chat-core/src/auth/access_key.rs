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
            // The decoder's message would quote a byte of the key: say only what is wrong.
            .map_err(|_| Error::InvalidCredential {
                reason: "the access key is not valid base64".into(),
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_standard_base64_and_trims_spaces() {
        let key = AccessKey::from_base64(" c2VjcmV0LWtleQ== ").unwrap();
        assert_eq!(key.as_bytes(), b"secret-key");
        assert_eq!(key, AccessKey::from_bytes(b"secret-key".to_vec()));
    }

    #[test]
    fn refuses_bad_base64_without_quoting_it() {
        for bad in ["c2VjcmV0*", "c2Vj cmV0", "%%%%"] {
            let err = AccessKey::from_base64(bad).unwrap_err();
            assert_eq!(
                err,
                Error::InvalidCredential {
                    reason: "the access key is not valid base64".into()
                }
            );
        }
    }

    #[test]
    fn never_prints_the_key() {
        let key = AccessKey::from_bytes(b"secret-key".to_vec());
        assert_eq!(format!("{key:?}"), "AccessKey([redacted])");
        assert_eq!(key.to_string(), "[redacted]");
    }
}
