//! The one error type of `chat-core`, and the service's error model.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::events::EventError;
use crate::ApiVersion;

/// Everything that can go wrong when building a request or reading a response.
///
/// Service errors keep everything the service said; bodies that are not the expected JSON keep
/// their raw bytes, so nothing the service sent is lost.
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
    },
    /// An argument was refused before anything was sent.
    InvalidInput {
        /// Which argument.
        argument: &'static str,
        /// Why it was refused.
        reason: String,
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
    /// A `nextLink` or continuation token pointed away from the configured endpoint. The bearer
    /// token is never sent to another host, so the link was not followed.
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
    /// The service refused the credential twice: once with the cached token and once with a
    /// freshly refreshed one.
    Authentication(Box<ServiceError>),
    /// The token refresher failed, and no valid token was left to use.
    TokenRefresh {
        /// What the refresher said.
        message: String,
    },
    /// A token or key could not be read.
    InvalidCredential {
        /// Why.
        reason: String,
    },
    /// A connection string could not be read.
    ConnectionString {
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
    },
    /// An incoming webhook request (a delivery of events or a validation handshake) was
    /// refused or could not be read; see [`crate::events`].
    Event(EventError),
}

impl Error {
    /// The HTTP status the service answered with, when the error came from a response.
    pub fn status(&self) -> Option<u16> {
        match self {
            Self::Service(e) | Self::Authentication(e) => Some(e.status),
            Self::Deserialize { status, .. } => Some(*status),
            _ => None,
        }
    }

    /// The service error, when the service answered with one.
    pub fn service_error(&self) -> Option<&ServiceError> {
        match self {
            Self::Service(e) | Self::Authentication(e) => Some(e),
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

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Service(e) => write!(f, "{e}"),
            Self::Deserialize {
                status, message, ..
            } => write!(f, "unexpected response body (status {status}): {message}"),
            Self::InvalidInput { argument, reason } => write!(f, "invalid {argument}: {reason}"),
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
            Self::Authentication(e) => {
                write!(f, "authentication failed after a token refresh: {e}")
            }
            Self::TokenRefresh { message } => write!(f, "token refresh failed: {message}"),
            Self::InvalidCredential { reason } => write!(f, "invalid credential: {reason}"),
            Self::ConnectionString { reason } => write!(f, "invalid connection string: {reason}"),
            Self::Transport(t) => write!(f, "{t}"),
            Self::CallTimeout { attempts } => {
                write!(f, "the call timed out after {attempts} attempt(s)")
            }
            Self::Event(e) => write!(f, "{e}"),
        }
    }
}

impl std::error::Error for Error {}

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
            ),
            None => write!(
                f,
                "service error {} ({} byte body)",
                self.status,
                self.body.len()
            ),
        }
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
}

impl TransportError {
    /// A failure in which the request cannot have reached the service.
    pub fn before_sending(kind: TransportErrorKind, message: impl Into<String>) -> Self {
        Self {
            kind,
            may_have_reached_service: false,
            message: message.into(),
        }
    }

    /// A failure after the request may have reached the service.
    pub fn after_sending(kind: TransportErrorKind, message: impl Into<String>) -> Self {
        Self {
            kind,
            may_have_reached_service: true,
            message: message.into(),
        }
    }
}

impl fmt::Display for TransportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kind = match self.kind {
            TransportErrorKind::Connect => "connect",
            TransportErrorKind::Tls => "tls",
            TransportErrorKind::Timeout => "timeout",
            TransportErrorKind::Io => "i/o",
            TransportErrorKind::Protocol => "protocol",
            TransportErrorKind::Refused => "refused",
        };
        write!(f, "transport {kind} error: {}", self.message)?;
        if self.may_have_reached_service {
            write!(
                f,
                " (the request may have reached the service: a sent message may have been sent)"
            )?;
        }
        Ok(())
    }
}
