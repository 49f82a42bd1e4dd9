//! The one error type of `chat-core`, and the service's error model.

use std::fmt;
use std::time::SystemTime;

use serde::{Deserialize, Serialize};

use crate::auth::RefreshError;
use crate::correlation::Correlation;
use crate::events::EventError;
use crate::ApiVersion;

/// What an input error shows in place of a secret (a key, a token).
pub const REDACTED: &str = "[redacted]";

/// Most characters of a refused value an input error repeats; longer values are cut.
pub const MAX_SHOWN_VALUE_CHARS: usize = 100;

/// Everything that can go wrong when building a request or reading a response.
///
/// Service errors keep everything the service said; bodies that are not the expected JSON keep
/// their raw bytes, so nothing the service sent is lost. Input errors name the refused value
/// (secrets redacted) and the shape expected:
///
/// ```
/// use chat_core::{Endpoint, Error, InputErrorKind};
///
/// let err = Endpoint::parse("https://contoso.communication.azure.com/chat").unwrap_err();
/// assert!(matches!(
///     &err,
///     Error::InvalidInput { argument: "endpoint", kind: InputErrorKind::Malformed, .. }
/// ));
/// assert_eq!(
///     err.to_string(),
///     "invalid endpoint \"https://contoso.communication.azure.com/chat\": an endpoint has no \
///      path, query or fragment; expected https://<resource>.communication.azure.com"
/// );
/// ```
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum Error {
    /// The service answered with a status other than the operation's success status.
    Service(Box<ServiceError>),
    /// The service answered with the success status, but the body is not what the operation
    /// returns.
    Deserialize {
        /// The HTTP status of the response.
        status: u16,
        /// What the JSON parser said.
        message: String,
        /// The body as received.
        body: Vec<u8>,
        /// The ids that match the call to the service's logs (filled in by [`crate::Call`]).
        correlation: Correlation,
    },
    /// An argument was refused before anything was sent. Build one with
    /// [`Error::invalid_input`].
    #[non_exhaustive]
    InvalidInput {
        /// Which argument (`"endpoint"`, `"content"`, `"thread id"`, ...).
        argument: &'static str,
        /// The value refused, as the message shows it: cut to [`MAX_SHOWN_VALUE_CHARS`]
        /// characters, and [`REDACTED`] for a secret.
        value: String,
        /// What is wrong with it.
        kind: InputErrorKind,
        /// Why it was refused, in words.
        reason: String,
        /// The shape expected, e.g. `https://<resource>.communication.azure.com`.
        expected: &'static str,
    },
    /// A field or parameter was set that the pinned API version does not have.
    UnsupportedByApiVersion {
        /// The field, as the service names it.
        field: &'static str,
        /// The pinned version.
        version: ApiVersion,
        /// The first version that has the field.
        since: ApiVersion,
    },
    /// A `nextLink` or continuation token pointed away from the configured endpoint, or was not
    /// an ASCII URL on it. The bearer token is never sent to another host, so the link was not
    /// followed.
    ForeignLink {
        /// The link as received.
        link: String,
    },
    /// The service sent a `nextLink` that was already followed; following it again would loop.
    RepeatedLink {
        /// The link as received.
        link: String,
    },
    /// A limit that protects the client was reached (body size, page count).
    LimitExceeded {
        /// Which limit.
        limit: &'static str,
        /// Its value.
        max: u64,
    },
    /// The service refused the token with 401 and no other token could be tried: the
    /// credential has no refresher (a static token that expired by the service's clock or was
    /// revoked), or a freshly refreshed token was refused too. Keeps the service's answer:
    /// [`Error::status`] is `Some(401)` and [`Error::service_error`] its code and message.
    Authentication(Box<ServiceError>),
    /// The token of a credential without a refresher has expired, so the call was not sent
    /// (also returned by the transports' `CommunicationTokenCredential::from_jwt` for a token
    /// that has already expired). Build one with [`Error::token_expired`].
    #[non_exhaustive]
    TokenExpired {
        /// When the token expired.
        expires_on: SystemTime,
    },
    /// The credential's refresher failed, and no valid token was left to use. Build one with
    /// [`Error::token_refresh`].
    #[non_exhaustive]
    TokenRefresh {
        /// What the refresher failed with, as it returned it ([`std::error::Error::source`]
        /// of this error gives it too).
        error: RefreshError,
        /// The service's 401, when the refresh was forced by the service refusing the token.
        rejected: Option<Box<ServiceError>>,
    },
    /// A token or key could not be read. The message never quotes it.
    InvalidCredential {
        /// Why, with the shape expected.
        reason: String,
    },
    /// A connection string could not be read.
    #[non_exhaustive]
    ConnectionString {
        /// The connection string as the message shows it: the endpoint, with the access key
        /// and any other value [`REDACTED`].
        value: String,
        /// Why.
        reason: String,
    },
    /// The transport failed to complete an exchange with the service, and retrying was not
    /// allowed or did not help.
    Transport(TransportError),
    /// The call took longer than its overall time budget.
    CallTimeout {
        /// Attempts made.
        attempts: u32,
        /// The ids that match the call to the service's logs.
        correlation: Correlation,
    },
    /// An incoming webhook request (a delivery of events or a validation handshake) was
    /// refused or could not be read; see [`crate::events`].
    Event(EventError),
}

/// What is wrong with a refused argument ([`Error::InvalidInput`]).
///
/// Text arguments are checked before anything is sent:
///
/// | argument | refused | why |
/// |---|---|---|
/// | message content (send, update) | empty or only whitespace ([`InputErrorKind::Empty`]) | the service would store a blank message; the official SDKs refuse empty content (delete a message rather than blank it) |
/// | topic (create, update) | empty or only whitespace ([`InputErrorKind::Empty`]) | a topic names the thread; the official SDKs refuse an empty one |
/// | thread, message and user ids | empty or blank ([`InputErrorKind::Empty`]), or with whitespace around ([`InputErrorKind::Malformed`]) | no id has them: a blank id is a bug, and spaces are usually a stray newline |
/// | display names | nothing | free text: the service itself sends empty names, and an empty name means "no name" |
#[derive(Clone, Copy, Debug, Eq, Hash, PartialEq)]
#[non_exhaustive]
pub enum InputErrorKind {
    /// Empty, or only whitespace: message content, a topic, an id.
    Empty,
    /// Not in the expected form: not a URL, not a header value, not PEM, ...
    Malformed,
    /// A number outside its allowed range.
    OutOfRange,
    /// Well formed, but not allowed here: `http://` to a remote host, a message type that
    /// cannot be sent.
    NotAllowed,
}

/// The expected shape of a connection string, as errors show it.
const CONNECTION_STRING_SHAPE: &str =
    "endpoint=https://<resource>.communication.azure.com/;accesskey=<base64 key>";

impl Error {
    /// An input error: `argument` refused with `value` (pass [`REDACTED`] for a secret; a long
    /// value is cut to [`MAX_SHOWN_VALUE_CHARS`] characters), because of `reason`, where
    /// `expected` was wanted.
    pub fn invalid_input(
        argument: &'static str,
        value: &str,
        kind: InputErrorKind,
        reason: impl Into<String>,
        expected: &'static str,
    ) -> Self {
        Self::invalid_shown_input(argument, shown(value), kind, reason, expected)
    }

    /// An input error whose value is already shaped for display (cut, or redacted).
    pub(crate) fn invalid_shown_input(
        argument: &'static str,
        shown: String,
        kind: InputErrorKind,
        reason: impl Into<String>,
        expected: &'static str,
    ) -> Self {
        Self::InvalidInput {
            argument,
            value: shown,
            kind,
            reason: reason.into(),
            expected,
        }
    }

    /// The token of a credential without a refresher expired at `expires_on`.
    pub fn token_expired(expires_on: SystemTime) -> Self {
        Self::TokenExpired { expires_on }
    }

    /// A refresher failure with no 401 behind it.
    pub fn token_refresh(error: impl Into<RefreshError>) -> Self {
        Self::TokenRefresh {
            error: error.into(),
            rejected: None,
        }
    }

    /// A connection string error: the string is shown with every value but the endpoint
    /// redacted.
    pub(crate) fn connection_string(connection_string: &str, reason: impl Into<String>) -> Self {
        Self::ConnectionString {
            value: redact_connection_string(connection_string),
            reason: reason.into(),
        }
    }

    /// The HTTP status the service answered with, when the error came from a response
    /// (`Some(401)` for a refused token, also when its refresh then failed).
    pub fn status(&self) -> Option<u16> {
        match self {
            Self::Deserialize { status, .. } => Some(*status),
            _ => self.service_error().map(|e| e.status),
        }
    }

    /// The service error, when the service answered with one.
    pub fn service_error(&self) -> Option<&ServiceError> {
        match self {
            Self::Service(e) | Self::Authentication(e) => Some(e),
            Self::TokenRefresh {
                rejected: Some(e), ..
            } => Some(e),
            _ => None,
        }
    }

    /// The ids that match a failed call to the service's logs: the `x-ms-client-request-id` it
    /// sent, and the service's `x-ms-request-id` and `MS-CV` from its last response; also shown
    /// by `Display`. `None` when no id is known: errors raised before anything was sent (input,
    /// credential), or built outside a call.
    pub fn correlation(&self) -> Option<&Correlation> {
        let correlation = match self {
            Self::Deserialize { correlation, .. } | Self::CallTimeout { correlation, .. } => {
                correlation
            }
            Self::Transport(t) => &t.correlation,
            _ => &self.service_error()?.correlation,
        };
        (!correlation.is_empty()).then_some(correlation)
    }

    /// The `x-ms-client-request-id` the failed call sent, when it sent one.
    pub fn client_request_id(&self) -> Option<&str> {
        self.correlation()?.client_request_id()
    }

    /// The ids of the call, for an error that has room for them (see [`Error::correlation`]).
    pub(crate) fn correlation_mut(&mut self) -> Option<&mut Correlation> {
        match self {
            Self::Deserialize { correlation, .. } | Self::CallTimeout { correlation, .. } => {
                Some(correlation)
            }
            Self::Transport(t) => Some(&mut t.correlation),
            Self::Service(e) | Self::Authentication(e) => Some(&mut e.correlation),
            Self::TokenRefresh {
                rejected: Some(e), ..
            } => Some(&mut e.correlation),
            _ => None,
        }
    }

    /// A call timeout after `attempts` tries.
    pub fn call_timeout(attempts: u32, correlation: Correlation) -> Self {
        Self::CallTimeout {
            attempts,
            correlation,
        }
    }

    /// The kind of an input error, `None` for other errors.
    pub fn input_error_kind(&self) -> Option<InputErrorKind> {
        match self {
            Self::InvalidInput { kind, .. } => Some(*kind),
            _ => None,
        }
    }

    /// True when the service may have acted on the request although the call failed: for
    /// `send_message`, the message may have been sent, and repeating it may duplicate it.
    ///
    /// That is a transport failure after the request left, a call out of time, a success status
    /// with an unreadable body, and a server error that does not say the service refused before
    /// acting (500, 502, 504, and 503 without a retry-after hint, the failures the retry policy
    /// will not repeat for send message). A 4xx, a 429 or a 503 with a hint was refused.
    pub fn may_have_been_sent(&self) -> bool {
        match self {
            Self::Transport(t) => t.may_have_reached_service,
            Self::CallTimeout { .. } => true,
            Self::Deserialize { status, .. } => (200..300).contains(status),
            Self::Service(e) => match e.status {
                500 | 502 | 504 => true,
                503 => e.retry_after_ms.is_none(),
                _ => false,
            },
            _ => false,
        }
    }
}

/// `value` cut to [`MAX_SHOWN_VALUE_CHARS`] characters.
pub(crate) fn shown(value: &str) -> String {
    match value.char_indices().nth(MAX_SHOWN_VALUE_CHARS) {
        Some((cut, _)) => format!("{}…", value.get(..cut).unwrap_or(value)),
        None => value.to_owned(),
    }
}

/// A connection string with every value but the endpoint's replaced by [`REDACTED`].
pub(crate) fn redact_connection_string(s: &str) -> String {
    let parts: Vec<String> = s
        .split(';')
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(|part| match part.split_once('=') {
            Some((key, value)) if key.trim().eq_ignore_ascii_case("endpoint") => {
                format!("{}={}", key.trim(), shown(value.trim()))
            }
            Some((key, _))
                if key.len() <= 24 && key.trim().bytes().all(|b| b.is_ascii_alphabetic()) =>
            {
                format!("{}={REDACTED}", key.trim())
            }
            _ => REDACTED.to_owned(),
        })
        .collect();
    parts.join(";")
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Service(e) => write!(f, "{e}"),
            Self::Deserialize {
                status,
                message,
                correlation,
                ..
            } => write!(
                f,
                "unexpected response body (status {status}): {message}{}",
                correlation.suffix()
            ),
            Self::InvalidInput {
                argument,
                value,
                reason,
                expected,
                ..
            } => {
                if value == REDACTED {
                    write!(f, "invalid {argument} {value}")?;
                } else {
                    write!(f, "invalid {argument} {value:?}")?;
                }
                write!(f, ": {reason}; expected {expected}")
            }
            Self::UnsupportedByApiVersion {
                field,
                version,
                since,
            } => write!(
                f,
                "`{field}` needs api-version {since} or later, but {version} is pinned"
            ),
            Self::ForeignLink { link } => write!(
                f,
                "refused to follow a link to another host than the endpoint: {link}"
            ),
            Self::RepeatedLink { link } => {
                write!(
                    f,
                    "the service repeated a page link, refusing to loop: {link}"
                )
            }
            Self::LimitExceeded { limit, max } => write!(f, "{limit} exceeds the limit of {max}"),
            Self::Authentication(e) => write!(f, "the service refused the token: {e}"),
            Self::TokenExpired { expires_on } => write!(
                f,
                "the token expired at {}, and the credential has no refresher",
                crate::Timestamp::from(*expires_on)
            ),
            Self::TokenRefresh { error, rejected } => {
                if let Some(e) = rejected {
                    write!(f, "the service refused the token ({e}), and ")?;
                }
                write!(f, "the token refresh failed: {error}")
            }
            Self::InvalidCredential { reason } => write!(f, "invalid credential: {reason}"),
            Self::ConnectionString { value, reason } => write!(
                f,
                "invalid connection string {value:?}: {reason}; expected {CONNECTION_STRING_SHAPE}"
            ),
            Self::Transport(t) => write!(f, "{t}"),
            Self::CallTimeout {
                attempts,
                correlation,
            } => write!(
                f,
                "the call timed out after {attempts} attempt(s){}",
                correlation.suffix()
            ),
            Self::Event(e) => write!(f, "{e}"),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::TokenRefresh { error, .. } => Some(error.get_ref()),
            _ => None,
        }
    }
}

impl From<EventError> for Error {
    fn from(e: EventError) -> Self {
        Self::Event(e)
    }
}

/// A response whose status is not the operation's success status.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct ServiceError {
    /// The HTTP status.
    pub status: u16,
    /// The ACS error body, when the body was one.
    pub error: Option<CommunicationError>,
    /// The body as received (kept when it is not an ACS error body, and also when it is).
    pub body: Vec<u8>,
    /// The `Retry-After` family hint the service sent, in milliseconds, if any.
    pub retry_after_ms: Option<u64>,
    /// The ids that match the call to the service's logs: the service's `x-ms-request-id` and
    /// `MS-CV`, and the `x-ms-client-request-id` the call sent (filled in by [`crate::Call`]).
    pub correlation: Correlation,
}

impl ServiceError {
    /// Reads a non-success response: the ACS error JSON when the body is one, else raw bytes.
    pub fn from_response(status: u16, headers: &http::HeaderMap, body: Vec<u8>) -> Self {
        let error = serde_json::from_slice::<CommunicationErrorResponse>(&body)
            .ok()
            .map(|r| r.error);
        Self {
            status,
            error,
            retry_after_ms: crate::retry::retry_after_hint_ms(headers, None),
            body,
            correlation: Correlation::from_response(headers),
        }
    }

    /// The service's error code (`"Forbidden"`, `"TooManyRequests"`, ...), if it sent one.
    pub fn code(&self) -> Option<&str> {
        self.error.as_ref().map(|e| e.code.as_str())
    }

    /// Builds a service error (for tests and emulators).
    pub fn new(status: u16, error: Option<CommunicationError>, body: Vec<u8>) -> Self {
        Self {
            status,
            error,
            body,
            retry_after_ms: None,
            correlation: Correlation::default(),
        }
    }
}

impl fmt::Display for ServiceError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.error {
            Some(e) => write!(
                f,
                "service error {}: {}: {}",
                self.status, e.code, e.message
            )?,
            None => write!(
                f,
                "service error {} ({} byte body)",
                self.status,
                self.body.len()
            )?,
        }
        write!(f, "{}", self.correlation.suffix())
    }
}

/// The ACS error body: `{"error": {...}}`.
#[derive(Clone, Debug, Deserialize, PartialEq, Serialize)]
#[non_exhaustive]
pub struct CommunicationErrorResponse {
    /// The error.
    pub error: CommunicationError,
}

impl CommunicationErrorResponse {
    /// Wraps an error.
    pub fn new(error: CommunicationError) -> Self {
        Self { error }
    }
}

/// An ACS error: the whole error of a failed call, or one participant's failure in a partial
/// success.
#[derive(Clone, Debug, Default, Deserialize, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct CommunicationError {
    /// The error code.
    #[serde(default)]
    pub code: String,
    /// The message.
    #[serde(default)]
    pub message: String,
    /// What the error is about; for participants, their raw id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target: Option<String>,
    /// Further errors behind this one.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub details: Vec<Self>,
    /// The inner error.
    #[serde(
        default,
        rename = "innererror",
        alias = "innerError",
        skip_serializing_if = "Option::is_none"
    )]
    pub inner_error: Option<Box<Self>>,
}

impl CommunicationError {
    /// Builds an error with a code and a message.
    pub fn new(code: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            code: code.into(),
            message: message.into(),
            ..Self::default()
        }
    }

    /// Sets the target.
    pub fn with_target(mut self, target: impl Into<String>) -> Self {
        self.target = Some(target.into());
        self
    }
}

/// What kind of transport failure happened.
#[derive(Clone, Copy, Debug, Eq, Hash, PartialEq)]
#[non_exhaustive]
pub enum TransportErrorKind {
    /// The connection could not be made: the request never left.
    Connect,
    /// The TLS handshake failed (for example an untrusted certificate): the request never left.
    Tls,
    /// A per-try timeout fired.
    Timeout,
    /// The connection failed while the request was sent or the response read.
    Io,
    /// The response could not be read as HTTP or its body was cut short.
    Protocol,
    /// The transport refused the request itself (for example `http://` without permission).
    Refused,
}

impl TransportErrorKind {
    /// A short lowercase name: `connect`, `tls`, `timeout`, `i/o`, `protocol`, `refused`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Connect => "connect",
            Self::Tls => "tls",
            Self::Timeout => "timeout",
            Self::Io => "i/o",
            Self::Protocol => "protocol",
            Self::Refused => "refused",
        }
    }
}

/// A transport failure, as the transport reports it to the core.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct TransportError {
    /// What kind of failure.
    pub kind: TransportErrorKind,
    /// True when the request may have reached the service before the failure.
    pub may_have_reached_service: bool,
    /// The transport's description.
    pub message: String,
    /// The `x-ms-client-request-id` the try sent (filled in by [`crate::Call`]).
    pub correlation: Correlation,
}

impl TransportError {
    /// A failure in which the request cannot have reached the service.
    pub fn before_sending(kind: TransportErrorKind, message: impl Into<String>) -> Self {
        Self {
            kind,
            may_have_reached_service: false,
            message: message.into(),
            correlation: Correlation::default(),
        }
    }

    /// A failure after the request may have reached the service.
    pub fn after_sending(kind: TransportErrorKind, message: impl Into<String>) -> Self {
        Self {
            kind,
            may_have_reached_service: true,
            message: message.into(),
            correlation: Correlation::default(),
        }
    }
}

impl fmt::Display for TransportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "transport {} error: {}",
            self.kind.as_str(),
            self.message
        )?;
        if self.may_have_reached_service {
            write!(
                f,
                " (the request may have reached the service: a sent message may have been sent)"
            )?;
        }
        write!(f, "{}", self.correlation.suffix())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_values_are_cut_on_a_character_boundary() {
        let long = "é".repeat(MAX_SHOWN_VALUE_CHARS + 5);
        let shown = shown(&long);
        assert_eq!(shown.chars().count(), MAX_SHOWN_VALUE_CHARS + 1);
        assert!(shown.ends_with('…'));
        assert_eq!(super::shown("short"), "short");
    }

    #[test]
    fn connection_strings_show_only_their_endpoint() {
        assert_eq!(
            redact_connection_string(" endpoint=https://a.example.com/ ; AccessKey=c2VjcmV0 ;"),
            "endpoint=https://a.example.com/;AccessKey=[redacted]"
        );
        assert_eq!(
            redact_connection_string("endpoint=https://a;c2VjcmV0=="),
            "endpoint=https://a;[redacted]"
        );
    }

    #[test]
    fn input_errors_read_value_reason_and_shape() {
        let e = Error::invalid_input("content", "  ", InputErrorKind::Empty, "blank", "text");
        assert_eq!(
            e.to_string(),
            r#"invalid content "  ": blank; expected text"#
        );
        let e = Error::invalid_input("token", REDACTED, InputErrorKind::Empty, "empty", "a JWT");
        assert_eq!(
            e.to_string(),
            "invalid token [redacted]: empty; expected a JWT"
        );
        assert_eq!(e.input_error_kind(), Some(InputErrorKind::Empty));
        assert_eq!(e.status(), None);
    }

    #[test]
    fn a_refused_token_keeps_its_status_through_a_failed_refresh() {
        let refused = ServiceError::new(401, None, Vec::new());
        let e = Error::TokenRefresh {
            error: RefreshError::from("offline"),
            rejected: Some(Box::new(refused)),
        };
        assert_eq!(e.status(), Some(401));
        assert_eq!(
            e.to_string(),
            "the service refused the token (service error 401 (0 byte body)), and the token \
             refresh failed: offline"
        );
        let source = std::error::Error::source(&e).map(ToString::to_string);
        assert_eq!(source.as_deref(), Some("offline"));
    }
}
