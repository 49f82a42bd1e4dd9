//! The logs of a call, as `tracing` spans and events (the README's "Logs"), emitted by both
//! transports: a span per logical call, an event per try. Paths lose their ids, headers pass an
//! allow-list ([`crate::log`]); nothing is cloned or formatted when no subscriber listens.
//!
//! Behind the `tracing` feature, which both transports turn on. No clock is read here: the
//! transport passes its clock (`Instant::now`), called only when a subscriber listens.

use std::time::Instant;

use crate::http::{Method, Request, Response, Uri};
use crate::{log, Error, ScheduledRetry, TransportError};
use tracing::{field, Level, Span};

/// The target of every span and event below, for both transports: filter on it
/// (`RUST_LOG=chat_core::log::trace=debug`, or `chat_core=debug`).
pub const TARGET: &str = module_path!();

/// The span of one logical call (INFO): its operation and client request id, and, when it
/// ends, its outcome, the number of tries and the failure's status.
pub fn call_span(operation: &'static str, client_request_id: &str) -> Span {
    tracing::info_span!(
        "call",
        operation,
        client_request_id,
        outcome = field::Empty,
        tries = field::Empty,
        status = field::Empty,
    )
}

/// Records how the call ended on its span.
pub fn record_outcome<T>(span: &Span, result: &Result<T, Error>, tries: u32) {
    if span.is_disabled() {
        return;
    }
    span.record("outcome", log::outcome(result));
    span.record("tries", tries);
    if let Some(status) = result.as_ref().err().and_then(Error::status) {
        span.record("status", status);
    }
}

/// One try, watched for its log line: what the line needs, kept only when someone listens.
#[derive(Debug)]
pub struct TryLog {
    /// Boxed: the log is held across the try, in every call's future, and is empty unless a
    /// subscriber listens.
    seen: Option<Box<Seen>>,
}

#[derive(Debug)]
struct Seen {
    attempt: u32,
    method: Method,
    uri: Uri,
    started: Instant,
    failure: Option<TransportError>,
}

impl TryLog {
    /// Before try number `attempt` is sent: its allowed headers at TRACE. `now` is the
    /// transport's clock, read only when a subscriber listens.
    pub fn start(request: &Request<Vec<u8>>, attempt: u32, now: impl FnOnce() -> Instant) -> Self {
        if !tracing::event_enabled!(Level::INFO) {
            return Self { seen: None };
        }
        tracing::trace!(
            attempt,
            method = %request.method(),
            path = %log::path(request.uri()),
            headers = %log::allowed_headers(request.headers()),
            "request"
        );
        Self {
            seen: Some(Box::new(Seen {
                attempt,
                method: request.method().clone(),
                uri: request.uri().clone(),
                started: now(),
                failure: None,
            })),
        }
    }

    /// A response arrived: its allowed headers at TRACE; returns its status.
    pub fn response(&self, response: &Response<Vec<u8>>) -> u16 {
        let status = response.status().as_u16();
        if let Some(seen) = &self.seen {
            tracing::trace!(
                attempt = seen.attempt,
                status,
                headers = %log::allowed_headers(response.headers()),
                "response headers"
            );
        }
        status
    }

    /// The try failed in the transport: kept for [`TryLog::end`].
    pub fn failed(&mut self, error: &TransportError) {
        if let Some(seen) = &mut self.seen {
            seen.failure = Some(error.clone());
        }
    }

    /// The try's one event, once the call has decided what follows it: DEBUG for a response,
    /// INFO for a transport failure (as azure_core logs them). `now` as for [`TryLog::start`].
    pub fn end(
        self,
        status: Option<u16>,
        retry: Option<ScheduledRetry>,
        now: impl FnOnce() -> Instant,
    ) {
        let Some(seen) = self.seen else {
            return;
        };
        let duration = now().saturating_duration_since(seen.started);
        let retry_reason = retry.map(|r| field::display(r.reason));
        let retry_delay = retry.map(|r| field::debug(r.delay));
        match &seen.failure {
            None => tracing::debug!(
                attempt = seen.attempt,
                method = %seen.method,
                path = %log::path(&seen.uri),
                status,
                ?duration,
                retry_reason,
                retry_delay,
                "response"
            ),
            Some(e) => tracing::info!(
                attempt = seen.attempt,
                method = %seen.method,
                path = %log::path(&seen.uri),
                error_kind = e.kind.as_str(),
                may_have_reached_service = e.may_have_reached_service,
                error = %log::message(&e.message),
                ?duration,
                retry_reason,
                retry_delay,
                "transport failure"
            ),
        }
    }
}
