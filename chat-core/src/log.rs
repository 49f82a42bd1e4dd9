//! What the transports' logs may show, written once for both: the header allow-list, paths
//! without ids, and a word for each outcome; and, behind the `tracing` feature, the spans and
//! events both transports emit with them ([`trace`]). Without the feature `chat-core` has no
//! logging dependency.
//!
//! Every helper is a lazy [`Display`](std::fmt::Display): nothing is formatted or allocated
//! unless a log line is written.
//!
//! ```
//! use chat_core::http::{HeaderMap, Uri};
//!
//! let uri: Uri = "https://contoso.communication.azure.com/chat/threads/19%3Aabc%40thread.v2/\
//!                 messages?api-version=2024-03-07&maxPageSize=2&startTime=2026-12-02"
//!     .parse()?;
//! assert_eq!(
//!     chat_core::log::path(&uri).to_string(),
//!     "/chat/threads/{threadId}/messages?api-version=2024-03-07&maxPageSize=2&startTime=REDACTED"
//! );
//!
//! let mut headers = HeaderMap::new();
//! headers.insert("authorization", "Bearer eyJ...".parse()?);
//! headers.insert("x-ms-client-request-id", "5bd0a7c4".parse()?);
//! assert_eq!(
//!     chat_core::log::allowed_headers(&headers).to_string(),
//!     "{x-ms-client-request-id: 5bd0a7c4}"
//! );
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::fmt;

#[cfg(feature = "tracing")]
pub mod trace;

use http::{HeaderMap, Uri};

use crate::{Error, TransportErrorKind};

/// Headers whose values logs show: Azure Core's default allow-list (`azure_core`'s
/// `DEFAULT_ALLOWED_HEADER_NAMES`) and the ACS service's own ids, hints and idempotency
/// headers. Any other header (`authorization`, `x-ms-content-sha256`, `location`, ...) is left
/// out, name and value.
pub const ALLOWED_HEADERS: [&str; 33] = [
    "accept",
    "api-supported-versions",
    "cache-control",
    "connection",
    "content-length",
    "content-type",
    "date",
    "etag",
    "expires",
    "if-match",
    "if-modified-since",
    "if-none-match",
    "if-unmodified-since",
    "last-modified",
    "ms-cv",
    "pragma",
    "repeatability-first-sent",
    "repeatability-request-id",
    "repeatability-result",
    "request-id",
    "retry-after",
    "retry-after-ms",
    "server",
    "traceparent",
    "tracestate",
    "transfer-encoding",
    "user-agent",
    "www-authenticate",
    "x-ms-client-request-id",
    "x-ms-request-id",
    "x-ms-retry-after-ms",
    "x-ms-return-client-request-id",
    "x-processing-time",
];

/// Whether a header's value may be logged (`name` in lowercase, as `http` keeps it).
pub fn is_allowed_header(name: &str) -> bool {
    ALLOWED_HEADERS.contains(&name)
}

/// The allowed headers of `headers`, as `{name: value, ...}`; see [`ALLOWED_HEADERS`].
pub fn allowed_headers(headers: &HeaderMap) -> AllowedHeaders<'_> {
    AllowedHeaders(headers)
}

/// The allowed headers of a request or response; see [`allowed_headers`].
#[derive(Clone, Copy, Debug)]
pub struct AllowedHeaders<'a>(&'a HeaderMap);

impl fmt::Display for AllowedHeaders<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("{")?;
        let mut first = true;
        for (name, value) in self.0 {
            if !is_allowed_header(name.as_str()) {
                continue;
            }
            if !first {
                f.write_str(", ")?;
            }
            first = false;
            match value.to_str() {
                Ok(text) => write!(f, "{name}: {text}")?,
                Err(_) => write!(f, "{name}: (not text)")?,
            }
        }
        f.write_str("}")
    }
}

/// A request's path as logs show it: ids replaced by their parameter's name
/// (`/chat/threads/{threadId}/messages/{messageId}`), and query values by `REDACTED` except
/// those of [`ALLOWED_QUERY_PARAMETERS`].
pub fn path(uri: &Uri) -> LoggedPath<'_> {
    LoggedPath(uri)
}

/// Query parameters whose values logs show: the API version and the page size and offset the
/// client chose (`azure_core` allows `api-version`). Any other value (a `startTime`, a
/// `$skipToken`) shows as `REDACTED`.
pub const ALLOWED_QUERY_PARAMETERS: [&str; 3] = ["api-version", "maxPageSize", "skip"];

/// A path without ids' values or query values; see [`path`].
#[derive(Clone, Copy, Debug)]
pub struct LoggedPath<'a>(&'a Uri);

/// Path segments that are names, not ids: shown as they are.
const LITERAL_SEGMENTS: [&str; 9] = [
    "chat",
    "threads",
    "messages",
    "participants",
    "readReceipts",
    "typing",
    "identities",
    "teamsUser",
    "",
];

/// What stands for the id after each collection segment.
fn placeholder(previous: &str) -> &'static str {
    match previous {
        "threads" => "{threadId}",
        "messages" => "{messageId}",
        "identities" => "{id}",
        _ => "{…}",
    }
}

/// `:add`, `:issueAccessToken`: an action, not an id.
fn is_action(segment: &str) -> bool {
    segment.len() > 1
        && segment.starts_with(':')
        && segment.bytes().skip(1).all(|b| b.is_ascii_alphabetic())
}

impl fmt::Display for LoggedPath<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut previous = "";
        for (i, segment) in self.0.path().split('/').enumerate() {
            if i > 0 {
                f.write_str("/")?;
            }
            if LITERAL_SEGMENTS.contains(&segment) || is_action(segment) {
                f.write_str(segment)?;
            } else {
                f.write_str(placeholder(previous))?;
            }
            previous = segment;
        }
        let Some(query) = self.0.query() else {
            return Ok(());
        };
        for (i, pair) in query.split('&').enumerate() {
            f.write_str(if i == 0 { "?" } else { "&" })?;
            let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
            let plain_name = name
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'$' | b'-' | b'_' | b'.'));
            if !plain_name {
                f.write_str("REDACTED=REDACTED")?;
            } else if ALLOWED_QUERY_PARAMETERS.contains(&name) {
                write!(f, "{name}={value}")?;
            } else {
                write!(f, "{name}=REDACTED")?;
            }
        }
        Ok(())
    }
}

/// A transport's error message as logs show it: any credentials in a URL it quotes
/// (`http://user:password@proxy:3128`) become `REDACTED`; the rest is as written.
pub fn message(text: &str) -> LoggedMessage<'_> {
    LoggedMessage(text)
}

/// An error message without URL credentials; see [`message`].
#[derive(Clone, Copy, Debug)]
pub struct LoggedMessage<'a>(&'a str);

impl fmt::Display for LoggedMessage<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut rest = self.0;
        while let Some(at) = rest.find("://") {
            let (before, after) = rest.split_at(at + 3);
            f.write_str(before)?;
            let end = after
                .find(|c: char| {
                    matches!(c, '/' | '?' | '#') || c.is_whitespace() || "\"'<>()[]{},;".contains(c)
                })
                .unwrap_or(after.len());
            let authority = &after[..end];
            match authority.rfind('@') {
                Some(userinfo_end) => {
                    f.write_str("REDACTED")?;
                    f.write_str(&authority[userinfo_end..])?;
                }
                None => f.write_str(authority)?,
            }
            rest = &after[end..];
        }
        f.write_str(rest)
    }
}

/// One word for how a call ended, for the `outcome` of its log span: `ok`, or the kind of
/// error (`service_error`, `connect_failure`, `call_timeout`, ...). Never a value from the
/// request or the response.
pub fn outcome<T>(result: &Result<T, Error>) -> &'static str {
    match result {
        Ok(_) => "ok",
        Err(e) => error_kind(e),
    }
}

/// One word for an error; see [`outcome`].
pub fn error_kind(error: &Error) -> &'static str {
    match error {
        Error::Service(_) => "service_error",
        Error::Deserialize { .. } => "unreadable_response",
        Error::InvalidInput { .. } => "invalid_input",
        Error::UnsupportedByApiVersion { .. } => "unsupported_by_api_version",
        Error::ForeignLink { .. } => "foreign_link",
        Error::RepeatedLink { .. } => "repeated_link",
        Error::LimitExceeded { .. } => "limit_exceeded",
        Error::Authentication(_) => "token_refused",
        Error::TokenExpired { .. } => "token_expired",
        Error::TokenRefresh { .. } => "token_refresh_failed",
        Error::InvalidCredential { .. } => "invalid_credential",
        Error::ConnectionString { .. } => "invalid_connection_string",
        Error::Transport(t) => match t.kind {
            TransportErrorKind::Connect => "connect_failure",
            TransportErrorKind::Tls => "tls_failure",
            TransportErrorKind::Timeout => "timeout",
            TransportErrorKind::Io => "io_failure",
            TransportErrorKind::Protocol => "protocol_failure",
            TransportErrorKind::Refused => "refused",
        },
        Error::CallTimeout { .. } => "call_timeout",
        Error::Event(_) => "event_error",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn logged(uri: &str) -> String {
        path(&uri.parse().unwrap()).to_string()
    }

    #[test]
    fn every_operations_path_loses_its_ids() {
        let base = "https://r.communication.azure.com";
        let cases = [
            ("/chat/threads?api-version=v", "/chat/threads?api-version=v"),
            (
                "/chat/threads/19%3Aa%40thread.v2",
                "/chat/threads/{threadId}",
            ),
            (
                "/chat/threads/19%3Aa%40thread.v2/messages/1700000000000",
                "/chat/threads/{threadId}/messages/{messageId}",
            ),
            (
                "/chat/threads/t/participants/:remove",
                "/chat/threads/{threadId}/participants/:remove",
            ),
            (
                "/chat/threads/t/participants/:add",
                "/chat/threads/{threadId}/participants/:add",
            ),
            (
                "/chat/threads/t/readReceipts",
                "/chat/threads/{threadId}/readReceipts",
            ),
            ("/chat/threads/t/typing", "/chat/threads/{threadId}/typing"),
            ("/identities", "/identities"),
            (
                "/identities/8%3Aacs%3Ar_u/:issueAccessToken",
                "/identities/{id}/:issueAccessToken",
            ),
            ("/identities/8%3Aacs%3Ar_u", "/identities/{id}"),
            (
                "/teamsUser/:exchangeAccessToken",
                "/teamsUser/:exchangeAccessToken",
            ),
            ("/somewhere/else", "/{…}/{…}"),
            ("/chat/threads/t/:x1", "/chat/threads/{threadId}/{…}"),
        ];
        for (path, want) in cases {
            assert_eq!(logged(&format!("{base}{path}")), want, "{path}");
        }
    }

    #[test]
    fn query_values_are_removed_but_the_allowed_ones() {
        assert_eq!(
            logged(
                "https://h/chat/threads?api-version=2024-03-07&startTime=2026%3A01&$skipToken=abc"
            ),
            "/chat/threads?api-version=2024-03-07&startTime=REDACTED&$skipToken=REDACTED"
        );
        assert_eq!(
            logged("https://h/chat?na%20me=x&flag"),
            "/chat?REDACTED=REDACTED&flag=REDACTED"
        );
    }

    #[test]
    fn only_allowed_headers_are_shown() {
        let mut headers = HeaderMap::new();
        for (name, value) in [
            (
                "authorization",
                "HMAC-SHA256 SignedHeaders=x&Signature=c2VjcmV0",
            ),
            ("x-ms-content-sha256", "47DEQpj8"),
            ("location", "https://h/chat/threads/19%3Asecret"),
            ("content-type", "application/json"),
            ("ms-cv", "abc.0"),
        ] {
            headers.insert(name, value.parse().unwrap());
        }
        let shown = allowed_headers(&headers).to_string();
        assert_eq!(shown, "{content-type: application/json, ms-cv: abc.0}");
        assert_eq!(allowed_headers(&HeaderMap::new()).to_string(), "{}");
    }

    #[test]
    fn messages_lose_url_credentials() {
        let shown = |m: &str| message(m).to_string();
        assert_eq!(
            shown("proxy http://ann:s3cret@proxy.example:3128/ refused, http://b@c/ too"),
            "proxy http://REDACTED@proxy.example:3128/ refused, http://REDACTED@c/ too"
        );
        assert_eq!(
            shown("connect to https://h:443 failed"),
            "connect to https://h:443 failed"
        );
        assert_eq!(shown("\"http://u:p@h\""), "\"http://REDACTED@h\"");
        assert_eq!(shown("no url, user@host"), "no url, user@host");
        assert_eq!(shown("é://x:y@z"), "é://REDACTED@z");
    }

    #[test]
    fn outcomes_are_single_words() {
        let refused = crate::TransportError::before_sending(TransportErrorKind::Connect, "x");
        assert_eq!(
            outcome::<()>(&Err(Error::Transport(refused))),
            "connect_failure"
        );
        assert_eq!(outcome(&Ok(())), "ok");
    }
}
