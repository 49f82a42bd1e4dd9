//! `endpoint=https://...;accesskey=...` connection strings.

use std::fmt;

use crate::{AccessKey, Endpoint, Error};

/// A resource connection string: the endpoint and the access key.
///
/// Keys are case-insensitive and may come in any order; a trailing `;` and spaces around parts
/// are allowed; unknown keys are refused. `Debug` and `Display` never print the key.
///
/// ```
/// use chat_core::identity::ConnectionString;
/// let cs = ConnectionString::parse(
///     "AccessKey=c2VjcmV0;Endpoint=https://contoso.communication.azure.com/",
/// )?;
/// assert_eq!(cs.endpoint().as_str(), "https://contoso.communication.azure.com");
/// assert_eq!(cs.access_key().as_bytes(), b"secret");
/// assert_eq!(
///     cs.to_string(),
///     "endpoint=https://contoso.communication.azure.com/;accesskey=[redacted]"
/// );
/// # Ok::<(), chat_core::Error>(())
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct ConnectionString {
    endpoint: Endpoint,
    access_key: AccessKey,
}

impl ConnectionString {
    /// Reads a connection string with an `https://` endpoint.
    pub fn parse(s: &str) -> Result<Self, Error> {
        Self::parse_inner(s, false)
    }

    /// Reads a connection string whose endpoint may also be `http://` to a loopback host (the
    /// local emulator), as [`Endpoint::parse_allowing_loopback_http`] allows.
    pub fn parse_allowing_loopback_http(s: &str) -> Result<Self, Error> {
        Self::parse_inner(s, true)
    }

    /// Builds one from its parts.
    pub fn new(endpoint: Endpoint, access_key: AccessKey) -> Self {
        Self {
            endpoint,
            access_key,
        }
    }

    fn parse_inner(s: &str, allow_loopback_http: bool) -> Result<Self, Error> {
        let invalid = |reason: String| Error::connection_string(s, reason);
        let mut endpoint = None;
        let mut access_key = None;
        for (index, part) in s.split(';').enumerate() {
            let part = part.trim();
            if part.is_empty() {
                continue;
            }
            // Only the first `=` separates: base64 keys end in `=` padding.
            let Some((key, value)) = part.split_once('=') else {
                return Err(invalid(format!("part {} is not `key=value`", index + 1)));
            };
            let (key, value) = (key.trim(), value.trim());
            let slot = if key.eq_ignore_ascii_case("endpoint") {
                &mut endpoint
            } else if key.eq_ignore_ascii_case("accesskey") {
                &mut access_key
            } else if key.len() <= 24 && key.bytes().all(|b| b.is_ascii_alphabetic()) {
                return Err(invalid(format!(
                    "unknown key `{key}` in part {} (expected `endpoint` and `accesskey`)",
                    index + 1
                )));
            } else {
                // Not a key name: perhaps a key without its name. Do not quote it.
                return Err(invalid(format!(
                    "part {} has no `endpoint=` or `accesskey=` name",
                    index + 1
                )));
            };
            if slot.replace(value).is_some() {
                return Err(invalid(format!(
                    "`{}` is given twice",
                    key.to_ascii_lowercase()
                )));
            }
        }
        let endpoint = endpoint
            .filter(|e| !e.is_empty())
            .ok_or_else(|| invalid("the `endpoint` is missing".into()))?;
        let access_key = access_key
            .filter(|k| !k.is_empty())
            .ok_or_else(|| invalid("the `accesskey` is missing".into()))?;
        let endpoint = if allow_loopback_http {
            Endpoint::parse_allowing_loopback_http(endpoint)
        } else {
            Endpoint::parse(endpoint)
        }
        .map_err(|e| match e {
            Error::InvalidInput { reason, .. } => invalid(format!("bad `endpoint`: {reason}")),
            other => invalid(format!("bad `endpoint`: {other}")),
        })?;
        // The base64 error would quote a byte of the key: say only that it is not base64.
        let access_key = AccessKey::from_base64(access_key)
            .map_err(|_| invalid("the `accesskey` is not valid base64".into()))?;
        Ok(Self {
            endpoint,
            access_key,
        })
    }

    /// The resource endpoint.
    pub fn endpoint(&self) -> &Endpoint {
        &self.endpoint
    }

    /// The access key.
    pub fn access_key(&self) -> &AccessKey {
        &self.access_key
    }
}

impl fmt::Debug for ConnectionString {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ConnectionString")
            .field("endpoint", &self.endpoint)
            .field("access_key", &self.access_key)
            .finish()
    }
}

impl fmt::Display for ConnectionString {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "endpoint={}/;accesskey=[redacted]", self.endpoint)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &str = "cnVzdC1hY3MtY2hhdC10ZXN0LWFjY2Vzcy1rZXktMDEyMzQ1Njc4OQ==";

    fn reason(s: &str) -> String {
        match ConnectionString::parse(s).unwrap_err() {
            Error::ConnectionString { reason, .. } => reason,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn reads_parts_in_any_order_and_any_case() {
        for s in [
            format!("endpoint=https://a.example.com/;accesskey={KEY}"),
            format!("AccessKey={KEY};ENDPOINT=https://a.example.com"),
            format!(" endpoint = https://a.example.com/ ; accessKey = {KEY} ;"),
        ] {
            let cs = ConnectionString::parse(&s).unwrap();
            assert_eq!(cs.endpoint().as_str(), "https://a.example.com");
            assert_eq!(
                cs.access_key().as_bytes(),
                b"rust-acs-chat-test-access-key-0123456789"
            );
        }
    }

    #[test]
    fn says_clearly_what_is_wrong_without_quoting_the_key() {
        assert_eq!(
            reason(&format!("accesskey={KEY}")),
            "the `endpoint` is missing"
        );
        assert_eq!(
            reason("endpoint=https://a.example.com"),
            "the `accesskey` is missing"
        );
        assert_eq!(
            reason("endpoint=https://a.example.com;accesskey="),
            "the `accesskey` is missing"
        );
        assert_eq!(reason(""), "the `endpoint` is missing");
        let bad = reason("endpoint=https://a.example.com;accesskey=not*base64!");
        assert_eq!(bad, "the `accesskey` is not valid base64");
        assert!(reason(&format!(
            "endpoint=https://a.example.com;accesskey={KEY};x=1"
        ))
        .contains("unknown key `x`"));
        let nameless = reason(&format!("endpoint=https://a.example.com;{KEY}"));
        assert_eq!(nameless, "part 2 has no `endpoint=` or `accesskey=` name");
        assert!(reason("endpoint=https://a.example.com;c2VjcmV0").contains("part 2"));
        assert!(reason(&format!(
            "endpoint=https://a;Endpoint=https://b;accesskey={KEY}"
        ))
        .contains("`endpoint` is given twice"));
        assert!(reason(&format!(
            "endpoint=https://a.example.com/chat;accesskey={KEY}"
        ))
        .starts_with("bad `endpoint`"));
    }

    #[test]
    fn plain_http_only_for_loopback_and_only_when_asked() {
        let s = format!("endpoint=http://127.0.0.1:8080/;accesskey={KEY}");
        assert!(ConnectionString::parse(&s).is_err());
        let cs = ConnectionString::parse_allowing_loopback_http(&s).unwrap();
        assert_eq!(cs.endpoint().as_str(), "http://127.0.0.1:8080");
        let remote = format!("endpoint=http://example.com/;accesskey={KEY}");
        assert!(ConnectionString::parse_allowing_loopback_http(&remote).is_err());
    }
}
