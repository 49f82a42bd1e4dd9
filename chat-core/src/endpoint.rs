//! The service endpoint, URL building, and path-segment encoding.

use std::fmt;
use std::net::IpAddr;
use std::sync::Arc;

use crate::{Error, InputErrorKind, REDACTED};

/// What an endpoint looks like, as errors show it.
pub(crate) const ENDPOINT_SHAPE: &str = "https://<resource>.communication.azure.com";

/// The ACS resource endpoint, e.g. `https://contoso.communication.azure.com`.
///
/// `https://` only, unless plain HTTP was asked for explicitly with
/// [`Endpoint::parse_allowing_loopback_http`], and then only for a loopback host (`127.0.0.0/8`,
/// `::1`, `localhost`). Cloning is cheap.
#[derive(Clone, Eq, PartialEq)]
pub struct Endpoint(Arc<Inner>);

#[derive(Eq, PartialEq)]
struct Inner {
    /// `scheme://host[:port]`, no trailing slash.
    base: String,
    scheme: String,
    host: String,
    port: Option<u16>,
}

impl Endpoint {
    /// Reads an `https://` endpoint. A path, query or fragment is refused; a trailing `/` is
    /// dropped.
    pub fn parse(endpoint: &str) -> Result<Self, Error> {
        Self::parse_inner(endpoint, false)
    }

    /// Reads an endpoint that may also be `http://`, for a loopback host only (a local emulator
    /// or test server). `https://` endpoints are accepted for any host.
    pub fn parse_allowing_loopback_http(endpoint: &str) -> Result<Self, Error> {
        Self::parse_inner(endpoint, true)
    }

    fn parse_inner(endpoint: &str, allow_loopback_http: bool) -> Result<Self, Error> {
        use InputErrorKind::{Empty, Malformed, NotAllowed};
        let shown = shown_endpoint(endpoint);
        let invalid = |kind: InputErrorKind, reason: String| {
            Error::invalid_shown_input("endpoint", shown.clone(), kind, reason, ENDPOINT_SHAPE)
        };
        if endpoint.trim().is_empty() {
            return Err(invalid(Empty, "the endpoint is empty".into()));
        }
        if shown != crate::error::shown(endpoint) {
            return Err(invalid(
                Malformed,
                "this is not an endpoint: it carries a key, a password or user info (a \
                 connection string goes to IdentityClient::from_connection_string)"
                    .into(),
            ));
        }
        if !endpoint.is_ascii() {
            // ACS endpoints are ASCII; an internationalized host goes in its punycode form. (The
            // `url` crate's IDNA step also asserts on some non-ASCII hosts in debug builds.)
            return Err(invalid(
                Malformed,
                "the endpoint has non-ASCII characters: give a host in its punycode (xn--) form"
                    .into(),
            ));
        }
        let url =
            url::Url::parse(endpoint.trim()).map_err(|e| invalid(Malformed, e.to_string()))?;
        let host = url
            .host_str()
            .ok_or_else(|| invalid(Malformed, "no host".into()))?
            .to_ascii_lowercase();
        match url.scheme() {
            "https" => {}
            "http" if allow_loopback_http && is_loopback(&host) => {}
            "http" if allow_loopback_http => {
                return Err(invalid(
                    NotAllowed,
                    format!("http:// is allowed for loopback hosts only, not {host}"),
                ))
            }
            "http" => {
                return Err(invalid(
                    NotAllowed,
                    "http:// is refused: use https://, or allow plain HTTP to a loopback host \
                     explicitly"
                        .into(),
                ))
            }
            other => return Err(invalid(Malformed, format!("unsupported scheme {other}"))),
        }
        if url.path() != "/" || url.query().is_some() || url.fragment().is_some() {
            return Err(invalid(
                Malformed,
                "an endpoint has no path, query or fragment".into(),
            ));
        }
        let scheme = url.scheme().to_owned();
        let port = url.port();
        let mut base = format!("{scheme}://{host}");
        if let Some(p) = port {
            base.push_str(&format!(":{p}"));
        }
        Ok(Self(Arc::new(Inner {
            base,
            scheme,
            host,
            port,
        })))
    }

    /// `scheme://host[:port]`, without a trailing slash.
    pub fn as_str(&self) -> &str {
        &self.0.base
    }

    /// The scheme, `https` or (loopback only) `http`.
    pub fn scheme(&self) -> &str {
        &self.0.scheme
    }

    /// The host name, lower-case.
    pub fn host(&self) -> &str {
        &self.0.host
    }

    /// The port, when it is not the scheme's default.
    pub fn port(&self) -> Option<u16> {
        self.0.port
    }

    /// The authority as sent in the `Host` header: host, and `:port` when not the default.
    pub fn authority(&self) -> &str {
        let base = self.as_str();
        base.split_once("://").map_or(base, |(_, a)| a)
    }

    /// True when `url` is on this endpoint: same scheme, host and port.
    pub fn owns(&self, url: &url::Url) -> bool {
        url.scheme() == self.scheme()
            && url.host_str().map(str::to_ascii_lowercase).as_deref() == Some(self.host())
            && url.port() == self.port()
    }

    /// True when the request URI `uri` is on this endpoint: same scheme, host and port.
    pub fn owns_uri(&self, uri: &http::Uri) -> bool {
        uri.scheme_str() == Some(self.scheme())
            && uri
                .host()
                .is_some_and(|h| h.eq_ignore_ascii_case(self.host()))
            && uri.port_u16() == self.port()
    }

    /// Builds `base + path + "?" + query` as a URI. `path` must start with `/` and have its
    /// segments encoded already (see [`encode_path_segment`]).
    pub fn uri(&self, path: &str, query: &str) -> Result<http::Uri, Error> {
        let mut s = String::with_capacity(self.as_str().len() + path.len() + query.len() + 1);
        s.push_str(self.as_str());
        s.push_str(path);
        if !query.is_empty() {
            s.push('?');
            s.push_str(query);
        }
        http::Uri::try_from(s.as_str()).map_err(|e| {
            Error::invalid_input(
                "request uri",
                &s,
                InputErrorKind::Malformed,
                e.to_string(),
                "an absolute URI on the endpoint",
            )
        })
    }
}

impl fmt::Debug for Endpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Endpoint").field(&self.as_str()).finish()
    }
}

impl fmt::Display for Endpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// `endpoint` as an error may show it: a string carrying a key (a connection string given as
/// an endpoint) or user info is redacted.
fn shown_endpoint(endpoint: &str) -> String {
    let lower = endpoint.to_ascii_lowercase();
    if lower.contains("accesskey") || endpoint.contains(';') {
        return crate::error::redact_connection_string(endpoint);
    }
    let authority_start = endpoint.find("://").map_or(0, |i| i + 3);
    let rest = endpoint.get(authority_start..).unwrap_or("");
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    match rest.get(..authority_end).and_then(|a| a.rfind('@')) {
        Some(at) => format!(
            "{}{REDACTED}{}",
            endpoint.get(..authority_start).unwrap_or(""),
            crate::error::shown(rest.get(at..).unwrap_or(""))
        ),
        None => crate::error::shown(endpoint),
    }
}

fn is_loopback(host: &str) -> bool {
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    host == "localhost" || bare.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

/// Percent-encodes one path segment: everything but RFC 3986 unreserved characters
/// (`A-Z a-z 0-9 - . _ ~`), as the official SDKs do (`19:abc@thread.v2` →
/// `19%3Aabc%40thread.v2`).
pub fn encode_path_segment(segment: &str) -> String {
    let mut out = String::with_capacity(segment.len() + 8);
    encode_path_segment_into(&mut out, segment);
    out
}

/// Percent-encodes a query value with the same rule as [`encode_path_segment`].
pub fn encode_query_value(value: &str) -> String {
    encode_path_segment(value)
}

/// [`encode_path_segment`], appended to `out`.
pub(crate) fn encode_path_segment_into(out: &mut String, s: &str) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    let hex = |n: u8| char::from(HEX.get(usize::from(n & 0x0f)).copied().unwrap_or(b'0'));
    for &b in s.as_bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(b));
        } else {
            out.push('%');
            out.push(hex(b >> 4));
            out.push(hex(b));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_https_and_drops_trailing_slash() {
        let e = Endpoint::parse("https://Contoso.communication.azure.com/").unwrap();
        assert_eq!(e.as_str(), "https://contoso.communication.azure.com");
        assert_eq!(e.authority(), "contoso.communication.azure.com");
    }

    #[test]
    fn refuses_http_unless_loopback_and_asked() {
        assert!(Endpoint::parse("http://127.0.0.1:8080").is_err());
        assert!(Endpoint::parse_allowing_loopback_http("http://example.com").is_err());
        let e = Endpoint::parse_allowing_loopback_http("http://127.0.0.1:8080").unwrap();
        assert_eq!(e.authority(), "127.0.0.1:8080");
        assert!(Endpoint::parse_allowing_loopback_http("http://[::1]:9").is_ok());
        assert!(Endpoint::parse_allowing_loopback_http("http://localhost:9").is_ok());
    }

    #[test]
    fn refuses_non_ascii_hosts_with_a_typed_error() {
        // An upper-case letter beside a non-ASCII one once reached a debug assertion in the IDNA
        // step of the `url` crate.
        for endpoint in [
            "https://Ä.example",
            "https://A\u{a1}.communication.azure.com",
        ] {
            match Endpoint::parse(endpoint) {
                Err(Error::InvalidInput { kind, reason, .. }) => {
                    assert_eq!(kind, InputErrorKind::Malformed, "{endpoint}");
                    assert!(reason.contains("punycode"), "{reason}");
                }
                other => panic!("{endpoint}: {other:?}"),
            }
        }
    }

    #[test]
    fn refuses_paths_and_queries() {
        assert!(Endpoint::parse("https://x.com/chat").is_err());
        assert!(Endpoint::parse("https://x.com/?a=b").is_err());
    }

    #[test]
    fn encodes_thread_ids_like_the_sdks() {
        assert_eq!(
            encode_path_segment("19:1LP8h-5WKv_uDw1@thread.v2"),
            "19%3A1LP8h-5WKv_uDw1%40thread.v2"
        );
        assert_eq!(encode_path_segment("8:acs:abc_def"), "8%3Aacs%3Aabc_def");
        assert_eq!(encode_path_segment("é /"), "%C3%A9%20%2F");
    }

    #[test]
    fn owns_only_its_own_host() {
        let e = Endpoint::parse("https://a.com").unwrap();
        assert!(e.owns(&url::Url::parse("https://A.com/chat?x=1").unwrap()));
        assert!(!e.owns(&url::Url::parse("https://b.com/chat").unwrap()));
        assert!(!e.owns(&url::Url::parse("http://a.com/chat").unwrap()));
        assert!(!e.owns(&url::Url::parse("https://a.com:444/chat").unwrap()));
        let uri = |s: &str| s.parse::<http::Uri>().unwrap();
        assert!(e.owns_uri(&uri("https://A.com/chat?x=1")));
        assert!(!e.owns_uri(&uri("https://b.com/chat")));
        assert!(!e.owns_uri(&uri("http://a.com/chat")));
        assert!(!e.owns_uri(&uri("https://a.com:444/chat")));
        assert!(!e.owns_uri(&uri("/chat")));
        let v6 = Endpoint::parse_allowing_loopback_http("http://[::1]:8080").unwrap();
        assert!(v6.owns_uri(&uri("http://[::1]:8080/x")));
    }
}
