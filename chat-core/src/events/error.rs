//! Why a webhook request was refused or a delivery could not be read.

use std::fmt;

/// What was wrong with an incoming webhook request. Carried by [`crate::Error::Event`].
#[derive(Clone, Debug, Eq, PartialEq)]
#[non_exhaustive]
pub enum EventError {
    /// The body is not JSON, or neither an event nor an array of events.
    Body {
        /// What the JSON parser said.
        message: String,
    },
    /// An event's envelope lacks its `id` or its type, or an attribute has the wrong JSON type.
    Envelope {
        /// The event's position in the delivery (0 for a single event).
        index: usize,
        /// What is wrong.
        message: String,
    },
    /// The `data` of an event of a known type does not have that type's shape.
    Data {
        /// The event's position in the delivery.
        index: usize,
        /// The event type.
        event_type: String,
        /// What the JSON parser said.
        message: String,
    },
    /// The body is larger than [`super::MAX_DELIVERY_BYTES`].
    TooLarge {
        /// The body's length in bytes.
        len: usize,
    },
    /// A subscription validation event carries no `validationCode`.
    MissingValidationCode,
    /// The request does not carry the shared secret the webhook requires, or carries another.
    Unauthorized,
    /// A CloudEvents abuse-protection `OPTIONS` request without `WebHook-Request-Origin`.
    MissingOrigin,
    /// A CloudEvents abuse-protection `OPTIONS` request from an origin the webhook does not allow.
    OriginNotAllowed {
        /// The origin the request named.
        origin: String,
    },
    /// A method other than `POST` (deliveries, Event Grid validation) and `OPTIONS`
    /// (CloudEvents validation).
    Method {
        /// The method received.
        method: String,
    },
}

impl EventError {
    /// The HTTP status a webhook answers this error with.
    pub fn status(&self) -> u16 {
        match self {
            Self::Body { .. }
            | Self::Envelope { .. }
            | Self::Data { .. }
            | Self::MissingValidationCode
            | Self::MissingOrigin => 400,
            Self::Unauthorized => 401,
            Self::OriginNotAllowed { .. } => 403,
            Self::Method { .. } => 405,
            Self::TooLarge { .. } => 413,
        }
    }
}

impl fmt::Display for EventError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Body { message } => write!(f, "not an event delivery: {message}"),
            Self::Envelope { index, message } => write!(f, "event {index}: {message}"),
            Self::Data {
                index,
                event_type,
                message,
            } => write!(
                f,
                "event {index} ({event_type}): unexpected data: {message}"
            ),
            Self::TooLarge { len } => write!(
                f,
                "the delivery has {len} bytes, more than the limit of {}",
                super::MAX_DELIVERY_BYTES
            ),
            Self::MissingValidationCode => {
                f.write_str("the subscription validation event has no validationCode")
            }
            Self::Unauthorized => f.write_str("the request lacks the webhook's shared secret"),
            Self::MissingOrigin => f.write_str("the OPTIONS request has no WebHook-Request-Origin"),
            Self::OriginNotAllowed { origin } => {
                write!(f, "the origin {origin:?} may not deliver to this webhook")
            }
            Self::Method { method } => write!(f, "method {method} is not POST or OPTIONS"),
        }
    }
}
