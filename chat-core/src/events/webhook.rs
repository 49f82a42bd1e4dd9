//! The webhook side of Event Grid: the validation handshakes, the optional shared secret, and
//! the hand-over of parsed events, as one pure function from request to action.
//!
//! ```text
//!  request ──► secret check ──fail──► Reject 401
//!                 │
//!                 ├─ OPTIONS (CloudEvents abuse protection) ──► Respond 200 WebHook-Allowed-Origin
//!                 ├─ POST [SubscriptionValidationEvent]     ──► Respond 200 {"validationResponse"}
//!                 ├─ POST events                            ──► Deliver(events)
//!                 └─ anything else / unreadable             ──► Reject 4xx
//! ```

use std::fmt;

use http::header::{HeaderName, HeaderValue, ALLOW, CONTENT_TYPE};
use http::{Method, Request, Response, StatusCode};
use sha2::{Digest, Sha256};

use super::{parse_events, Event, EventData, EventError};
use crate::{Error, APPLICATION_JSON};

/// The request header naming who asks to deliver (CloudEvents abuse protection).
pub const WEBHOOK_REQUEST_ORIGIN: &str = "webhook-request-origin";
/// The response header granting an origin the right to deliver.
pub const WEBHOOK_ALLOWED_ORIGIN: &str = "webhook-allowed-origin";
/// The response header saying how many deliveries a minute the webhook accepts.
pub const WEBHOOK_ALLOWED_RATE: &str = "webhook-allowed-rate";

/// A secret that every request must carry: Event Grid adds it to each request as a query
/// parameter of the subscription's URL, or as a delivery header the subscription sets.
///
/// Compared in constant time (SHA-256 of both sides, then a branch-free comparison); `Debug`
/// prints `[redacted]`.
#[derive(Clone)]
pub struct SharedSecret {
    place: Place,
    name: String,
    value: Vec<u8>,
}

#[derive(Clone, Copy, Debug, Eq, PartialEq)]
enum Place {
    Query,
    Header,
}

impl SharedSecret {
    /// A secret in query parameter `name`, e.g. `https://app.example/events?code=<value>`.
    pub fn query(name: impl Into<String>, value: impl Into<String>) -> Self {
        Self {
            place: Place::Query,
            name: name.into(),
            value: value.into().into_bytes(),
        }
    }

    /// A secret in request header `name` (case-insensitive).
    pub fn header(name: impl Into<String>, value: impl Into<String>) -> Self {
        Self {
            place: Place::Header,
            name: name.into(),
            value: value.into().into_bytes(),
        }
    }

    /// Whether `request` carries this secret. Every candidate value is compared, whatever the
    /// outcome of the others.
    fn is_in<B>(&self, request: &Request<B>) -> bool {
        let mut found = false;
        match self.place {
            Place::Query => {
                let query = request.uri().query().unwrap_or("");
                for (name, value) in url::form_urlencoded::parse(query.as_bytes()) {
                    if name == self.name.as_str() {
                        found |= same_secret(value.as_bytes(), &self.value);
                    }
                }
            }
            Place::Header => {
                for value in request.headers().get_all(self.name.as_str()) {
                    found |= same_secret(value.as_bytes(), &self.value);
                }
            }
        }
        found
    }
}

impl fmt::Debug for SharedSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SharedSecret")
            .field("place", &self.place)
            .field("name", &self.name)
            .field("value", &"[redacted]")
            .finish()
    }
}

/// Compares two secrets in time that depends on neither (nor on their lengths).
fn same_secret(given: &[u8], expected: &[u8]) -> bool {
    let given = Sha256::digest(given);
    let expected = Sha256::digest(expected);
    let diff = given
        .iter()
        .zip(expected.iter())
        .fold(0u8, |acc, (a, b)| std::hint::black_box(acc | (a ^ b)));
    diff == 0
}

/// How a webhook answers Event Grid: the shared secrets it requires and the origins it lets
/// deliver CloudEvents.
///
/// [`Webhook::handle`] is pure: a request in, a [`WebhookAction`] out. A transport reads the
/// request body (at most [`super::MAX_DELIVERY_BYTES`]), calls it, and writes the response.
///
/// ```
/// use chat_core::events::{accepted, EventData, SharedSecret, Webhook, WebhookAction};
/// use chat_core::http::Request;
///
/// let webhook = Webhook::new().require_secret(SharedSecret::query("code", "s3cret"));
///
/// // Event Grid validates the subscription first...
/// let validation = Request::post("https://app.example/events?code=s3cret")
///     .header("aeg-event-type", "SubscriptionValidation")
///     .body(br#"[{"id": "2d1781af", "topic": "/subscriptions/s", "subject": "",
///         "eventType": "Microsoft.EventGrid.SubscriptionValidationEvent",
///         "eventTime": "2018-01-25T22:12:19.4556811Z", "metadataVersion": "1", "dataVersion": "1",
///         "data": {"validationCode": "512d38b6-c7b8-40c8-89fe-f46f9e9622b6"}}]"#.to_vec())?;
/// let WebhookAction::Respond(response) = webhook.handle(&validation) else { unreachable!() };
/// assert_eq!(response.body(), br#"{"validationResponse":"512d38b6-c7b8-40c8-89fe-f46f9e9622b6"}"#);
///
/// // ...then delivers events.
/// let delivery = Request::post("https://app.example/events?code=s3cret").body(
///     br#"[{"id": "e1", "topic": "/subscriptions/s", "subject": "thread/19:t/sender/8:acs:a",
///     "eventType": "Microsoft.Communication.ChatMessageReceivedInThread",
///     "eventTime": "2021-02-20T01:07:10.5704596Z", "dataVersion": "1.0", "metadataVersion": "1",
///     "data": {"threadId": "19:t", "transactionId": "x", "messageId": "1613783230064",
///         "type": "Text", "messageBody": "Hello",
///         "senderCommunicationIdentifier": {"rawId": "8:acs:a", "communicationUser": {"id": "8:acs:a"}}}}]"#
///         .to_vec(),
/// )?;
/// let response = match webhook.handle(&delivery) {
///     WebhookAction::Deliver(events) => {
///         for event in &events {
///             if let EventData::ChatMessageReceivedInThread(message) = &event.data {
///                 assert_eq!(message.message_body, "Hello");
///             }
///         }
///         accepted() // or a 5xx, and Event Grid delivers again later
///     }
///     WebhookAction::Respond(response) | WebhookAction::Reject { response, .. } => response,
/// };
/// assert_eq!(response.status(), 200);
///
/// // A request without the secret is refused.
/// let forged = Request::post("https://app.example/events").body(b"[]".to_vec())?;
/// let WebhookAction::Reject { response, .. } = webhook.handle(&forged) else { unreachable!() };
/// assert_eq!(response.status(), 401);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, Default)]
pub struct Webhook {
    secrets: Vec<SharedSecret>,
    allowed_origins: Option<Vec<String>>,
}

/// What to do with an incoming webhook request: one of three, so a `match` needs no wildcard.
#[derive(Debug)]
pub enum WebhookAction {
    /// A validation handshake, answered: send this response; there is nothing to process.
    Respond(Response<Vec<u8>>),
    /// The request was refused (no shared secret, unreadable body, wrong method): send this
    /// response (its status says why: 400, 401, 403, 405, 413). Event Grid does not retry
    /// 400 and 413.
    Reject {
        /// The response to send.
        response: Response<Vec<u8>>,
        /// Why, for the application's logs.
        error: Error,
    },
    /// Events to process. Answer [`accepted`] once they are handled (stored, queued); answer a
    /// 5xx instead, or fail, and Event Grid delivers them again later. Deliveries are at least
    /// once: deduplicate by [`Event::id`].
    Deliver(Vec<Event>),
}

impl Webhook {
    /// A webhook that answers both handshakes, requires no secret and grants any origin.
    pub fn new() -> Self {
        Self::default()
    }

    /// Requires `secret` on every request, handshakes included. Require several to rotate a
    /// secret: a request carrying any one of them passes.
    #[must_use]
    pub fn require_secret(mut self, secret: SharedSecret) -> Self {
        self.secrets.push(secret);
        self
    }

    /// Grants the CloudEvents handshake only to these origins (`WebHook-Request-Origin`, such
    /// as `eventgrid.azure.net`), compared case-insensitively. By default any origin is granted.
    #[must_use]
    pub fn allowed_origins<I, S>(mut self, origins: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.allowed_origins = Some(origins.into_iter().map(Into::into).collect());
        self
    }

    /// Decides what to do with `request`: answer a handshake, refuse it, or hand its events to
    /// the application.
    pub fn handle<B: AsRef<[u8]>>(&self, request: &Request<B>) -> WebhookAction {
        match self.decide(request) {
            Ok(action) => action,
            Err(error) => WebhookAction::Reject {
                response: error_response(&error),
                error: Error::Event(error),
            },
        }
    }

    fn decide<B: AsRef<[u8]>>(&self, request: &Request<B>) -> Result<WebhookAction, EventError> {
        if !self.secrets.is_empty() && !self.secrets.iter().any(|s| s.is_in(request)) {
            return Err(EventError::Unauthorized);
        }
        match *request.method() {
            Method::OPTIONS => self.grant_origin(request).map(WebhookAction::Respond),
            Method::POST => {
                let events = parse_events(request.body().as_ref()).map_err(|e| match e {
                    Error::Event(e) => e,
                    other => EventError::Body {
                        message: other.to_string(),
                    },
                })?;
                match validation_code(&events) {
                    Some(code) => Ok(WebhookAction::Respond(validation_response(code?))),
                    None => Ok(WebhookAction::Deliver(events)),
                }
            }
            _ => Err(EventError::Method {
                method: request.method().to_string(),
            }),
        }
    }

    /// The CloudEvents abuse-protection answer: 200 with `WebHook-Allowed-Origin` (and
    /// `WebHook-Allowed-Rate: *`). The grant is given at once in these headers; a
    /// `WebHook-Request-Callback` is not followed (that would be I/O).
    fn grant_origin<B>(&self, request: &Request<B>) -> Result<Response<Vec<u8>>, EventError> {
        let origin = request
            .headers()
            .get(WEBHOOK_REQUEST_ORIGIN)
            .ok_or(EventError::MissingOrigin)?;
        if let Some(allowed) = &self.allowed_origins {
            let name = String::from_utf8_lossy(origin.as_bytes());
            if !allowed.iter().any(|a| a.eq_ignore_ascii_case(&name)) {
                return Err(EventError::OriginNotAllowed {
                    origin: name.into_owned(),
                });
            }
        }
        let mut response = Response::new(Vec::new());
        let headers = response.headers_mut();
        headers.insert(
            HeaderName::from_static(WEBHOOK_ALLOWED_ORIGIN),
            origin.clone(),
        );
        headers.insert(
            HeaderName::from_static(WEBHOOK_ALLOWED_RATE),
            HeaderValue::from_static("*"),
        );
        headers.insert(ALLOW, HeaderValue::from_static("POST, OPTIONS"));
        Ok(response)
    }
}

/// The code of a delivery that is an Event Grid validation handshake (only validation events);
/// `None` when it is a delivery of other events.
fn validation_code(events: &[Event]) -> Option<Result<&str, EventError>> {
    let mut validations = events.iter().map(|e| match &e.data {
        EventData::SubscriptionValidation(v) => Some(v),
        _ => None,
    });
    let first = validations.next()??;
    if validations.any(|v| v.is_none()) {
        return None;
    }
    Some(
        first
            .validation_code
            .as_deref()
            .ok_or(EventError::MissingValidationCode),
    )
}

fn validation_response(code: &str) -> Response<Vec<u8>> {
    let body = serde_json::json!({ "validationResponse": code }).to_string();
    json_response(StatusCode::OK, body.into_bytes())
}

/// The answer to a delivery the application has handled: 200, no body.
pub fn accepted() -> Response<Vec<u8>> {
    Response::new(Vec::new())
}

fn error_response(error: &EventError) -> Response<Vec<u8>> {
    let status = StatusCode::from_u16(error.status()).unwrap_or(StatusCode::BAD_REQUEST);
    let code = status
        .canonical_reason()
        .unwrap_or("Error")
        .replace(' ', "");
    let body = serde_json::json!({ "error": { "code": code, "message": error.to_string() } });
    let mut response = json_response(status, body.to_string().into_bytes());
    if status == StatusCode::METHOD_NOT_ALLOWED {
        response
            .headers_mut()
            .insert(ALLOW, HeaderValue::from_static("POST, OPTIONS"));
    }
    response
}

fn json_response(status: StatusCode, body: Vec<u8>) -> Response<Vec<u8>> {
    let mut response = Response::new(body);
    *response.status_mut() = status;
    response
        .headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static(APPLICATION_JSON));
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_compare_equal_only_when_equal() {
        assert!(same_secret(b"s3cret", b"s3cret"));
        assert!(!same_secret(b"s3cret", b"s3creT"));
        assert!(!same_secret(b"", b"s3cret"));
        assert!(!same_secret(b"s3cret-and-more", b"s3cret"));
    }

    #[test]
    fn debug_hides_the_secret() {
        let shown = format!("{:?}", SharedSecret::header("x-key", "hunter2"));
        assert!(!shown.contains("hunter2"), "{shown}");
        assert!(shown.contains("x-key"));
    }
}
