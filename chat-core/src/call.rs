//! The call driver: one logical call, with authorization, retries and the 401 refresh, as a
//! state machine the transports run.
//!
//! ```text
//!             ┌──────────── poll ────────────┐
//!             ▼                              │
//!  Start ─► NeedToken ──handle_token──► Ready ──poll──► Transmit ──handle_response──► Done
//!             ▲                              ▲               │   handle_transport_error
//!             │ 401 (once)                   │ poll ≥ until  │
//!             └──────────────────────────────┴── Sleep ◄─────┘ retriable failure
//! ```
//!
//! A transport's whole loop:
//!
//! ```no_run
//! # use chat_core::{Call, CallPoll, Operation};
//! # fn run<O: Operation>(mut call: Call<O>,
//! #     now: impl Fn() -> std::time::SystemTime,
//! #     send: impl Fn(chat_core::http::Request<Vec<u8>>)
//! #         -> Result<chat_core::http::Response<Vec<u8>>, chat_core::TransportError>,
//! #     token: impl Fn(Option<&chat_core::AccessToken>)
//! #         -> Result<chat_core::AccessToken, chat_core::Error>,
//! #     sleep_until: impl Fn(std::time::SystemTime),
//! # ) -> Result<O::Output, chat_core::Error> {
//! loop {
//!     match call.poll(now()) {
//!         CallPoll::Transmit(request) => match send(request) {
//!             Ok(response) => call.handle_response(now(), response),
//!             Err(e) => call.handle_transport_error(now(), e),
//!         },
//!         CallPoll::NeedToken { rejected } => match token(rejected.as_ref()) {
//!             Ok(t) => call.handle_token(t),
//!             Err(e) => call.handle_token_error(e),
//!         },
//!         CallPoll::Sleep(until) => sleep_until(until),
//!         CallPoll::Done(result) => return result,
//!     }
//! }
//! # }
//! ```
//!
//! Time and randomness are inputs: `now` on every step, and a seed for the retry jitter.

use std::time::{Duration, SystemTime};

use http::header::{HeaderValue, ACCEPT, AUTHORIZATION, USER_AGENT};
use http::{Request, Response};

use crate::auth::{hmac, AccessKey, AccessToken};
use crate::correlation::{MS_CV, REQUEST_ID};
use crate::retry::{self, Outcome, RetryDecision, RetryOptions, RetryReason, ScheduledRetry};
use crate::{Correlation, Error, InputErrorKind, Operation, TransportError};

/// The `x-ms-client-request-id` header.
pub const CLIENT_REQUEST_ID: &str = "x-ms-client-request-id";

/// How a call authorizes its requests.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub enum Auth {
    /// `Authorization: Bearer <user access token>`. The call asks the transport for a token with
    /// [`CallPoll::NeedToken`] before each try.
    Bearer,
    /// HMAC-SHA256 signing with the resource access key (identity operations).
    AccessKey(AccessKey),
    /// No authorization (tests against servers that do not check).
    None,
}

/// Per-client settings every call shares.
#[derive(Clone, Debug)]
pub struct CallConfig {
    /// How requests are authorized.
    pub auth: Auth,
    /// The retry policy.
    pub retry: RetryOptions,
    /// The `user-agent` header.
    pub user_agent: HeaderValue,
}

impl CallConfig {
    /// A config with default retries and the crate's user agent.
    pub fn new(auth: Auth) -> Self {
        Self {
            auth,
            retry: RetryOptions::default(),
            user_agent: HeaderValue::from_static(concat!(
                "azsdk-rust-communication-chat/",
                env!("CARGO_PKG_VERSION")
            )),
        }
    }
}

/// Builds the user agent `[<application id> ]azsdk-rust-communication-chat/<version> (<os>;
/// <arch>)`. The application id, if any, must be at most 24 visible ASCII characters with no
/// spaces.
pub fn user_agent(
    application_id: Option<&str>,
    version: &str,
    os: &str,
    arch: &str,
) -> Result<HeaderValue, Error> {
    let mut ua = String::new();
    if let Some(app) = application_id {
        if app.is_empty() || app.len() > 24 || !app.bytes().all(|b| b.is_ascii_graphic()) {
            return Err(Error::invalid_input(
                "application id",
                app,
                InputErrorKind::Malformed,
                "an application id is 1 to 24 visible ASCII characters, no spaces",
                "an id such as my-app/1.0",
            ));
        }
        ua.push_str(app);
        ua.push(' ');
    }
    ua.push_str(&format!(
        "azsdk-rust-communication-chat/{version} ({os}; {arch})"
    ));
    HeaderValue::try_from(ua.as_str()).map_err(|e| {
        Error::invalid_input(
            "user agent",
            &ua,
            InputErrorKind::Malformed,
            e.to_string(),
            "visible ASCII characters",
        )
    })
}

/// What the transport must do next for a call.
///
/// Deliberately exhaustive: a new kind of step must break every transport's loop at compile time
/// rather than fall into a wildcard arm.
#[derive(Debug)]
pub enum CallPoll<T> {
    /// Send this request (one try), then report with [`Call::handle_response`] or
    /// [`Call::handle_transport_error`].
    Transmit(Request<Vec<u8>>),
    /// Get a bearer token from the credential, then report with [`Call::handle_token`] or
    /// [`Call::handle_token_error`]. `rejected` is a token the service just refused with 401:
    /// the credential must refresh rather than hand it out again.
    NeedToken {
        /// The token the service refused, if any.
        rejected: Option<AccessToken>,
    },
    /// Wait until this instant, then poll again.
    Sleep(SystemTime),
    /// The call is over.
    Done(Result<T, Error>),
}

#[derive(Debug)]
enum State {
    Start,
    NeedToken,
    Ready,
    InFlight,
    Sleeping(SystemTime),
    Finished,
}

/// One logical call of an operation: its tries, their shared `x-ms-client-request-id`, the
/// retry delays and the 401 refresh.
#[derive(Debug)]
pub struct Call<O: Operation> {
    operation: O,
    context: O::Context,
    config: CallConfig,
    client_request_id: HeaderValue,
    rng: u64,
    state: State,
    started: Option<SystemTime>,
    attempts: u32,
    retries: u32,
    token: Option<AccessToken>,
    rejected: Option<AccessToken>,
    /// The service's 401 behind the pending token request, for the error if no other token
    /// comes.
    refusal: Option<Box<crate::ServiceError>>,
    refreshed_after_401: bool,
    pending: Option<Result<O::Output, Error>>,
    /// The retry scheduled after the last try, if any.
    scheduled: Option<ScheduledRetry>,
    /// `x-ms-request-id` and `MS-CV` of the last response, for the error if the call fails.
    service_ids: (Option<HeaderValue>, Option<HeaderValue>),
}

impl<O: Operation> Call<O> {
    /// Starts a call. `client_request_id` is sent on every try (a UUID the transport makes);
    /// `seed` drives the retry jitter.
    pub fn new(
        operation: O,
        context: O::Context,
        config: CallConfig,
        client_request_id: &str,
        seed: u64,
    ) -> Result<Self, Error> {
        let client_request_id = HeaderValue::try_from(client_request_id).map_err(|e| {
            Error::invalid_input(
                "client request id",
                client_request_id,
                InputErrorKind::Malformed,
                e.to_string(),
                "a UUID",
            )
        })?;
        Ok(Self {
            operation,
            context,
            config,
            client_request_id,
            rng: seed | 1,
            state: State::Start,
            started: None,
            attempts: 0,
            retries: 0,
            token: None,
            rejected: None,
            refusal: None,
            refreshed_after_401: false,
            pending: None,
            scheduled: None,
            service_ids: (None, None),
        })
    }

    /// The operation this call runs.
    pub fn operation(&self) -> &O {
        &self.operation
    }

    /// Tries made so far.
    pub fn attempts(&self) -> u32 {
        self.attempts
    }

    /// The operation's name, as logs show it ([`Operation::name`]).
    pub fn operation_name(&self) -> &'static str {
        self.operation.name()
    }

    /// The `x-ms-client-request-id` every try of this call sends.
    pub fn client_request_id(&self) -> &str {
        // Built from a `&str`, so always visible ASCII.
        self.client_request_id.to_str().unwrap_or_default()
    }

    /// The retry the outcome of the last try scheduled: why, and after how long. `None` when
    /// the last try was not followed by another (the call is done, or no try was made yet).
    /// A transport reads it after [`Call::handle_response`] or
    /// [`Call::handle_transport_error`] to log the try.
    pub fn scheduled_retry(&self) -> Option<ScheduledRetry> {
        self.scheduled
    }

    /// The next thing the transport must do.
    pub fn poll(&mut self, now: SystemTime) -> CallPoll<O::Output> {
        loop {
            match self.state {
                State::Start => {
                    self.started = Some(now);
                    self.state = self.before_try();
                }
                State::NeedToken => {
                    return CallPoll::NeedToken {
                        rejected: self.rejected.take(),
                    }
                }
                State::Ready => {
                    if self.over_budget(now) {
                        self.finish(Err(Error::call_timeout(
                            self.attempts,
                            Correlation::default(),
                        )));
                        continue;
                    }
                    match self.render(now) {
                        Ok(request) => {
                            self.attempts += 1;
                            self.scheduled = None;
                            self.state = State::InFlight;
                            return CallPoll::Transmit(request);
                        }
                        Err(e) => self.finish(Err(e)),
                    }
                }
                State::Sleeping(until) if now < until => return CallPoll::Sleep(until),
                State::Sleeping(_) => self.state = self.before_try(),
                State::InFlight => {
                    // Polled before the outcome of the try was reported: a transport bug.
                    self.finish(Err(misuse("polled while a try is in flight")));
                }
                State::Finished => {
                    return CallPoll::Done(
                        self.pending
                            .take()
                            .unwrap_or_else(|| Err(misuse("polled after it finished"))),
                    )
                }
            }
        }
    }

    /// Reports the token the credential gave.
    pub fn handle_token(&mut self, token: AccessToken) {
        if matches!(self.state, State::NeedToken) {
            self.token = Some(token);
            self.refusal = None;
            self.state = State::Ready;
        }
    }

    /// Reports that the credential could not give a token. After a 401, the service's answer
    /// is kept in the error: [`Error::Authentication`] when the credential cannot refresh (a
    /// static token), [`Error::TokenRefresh`] with `rejected` set when its refresher failed.
    pub fn handle_token_error(&mut self, error: Error) {
        let error = match (self.refusal.take(), error) {
            (Some(refusal), Error::Authentication(_)) => Error::Authentication(refusal),
            (
                Some(refusal),
                Error::TokenRefresh {
                    error,
                    rejected: None,
                },
            ) => Error::TokenRefresh {
                error,
                rejected: Some(refusal),
            },
            (_, error) => error,
        };
        self.finish(Err(error));
    }

    /// Reports the response to the last [`CallPoll::Transmit`].
    pub fn handle_response(&mut self, now: SystemTime, mut response: Response<Vec<u8>>) {
        if !matches!(self.state, State::InFlight) {
            return;
        }
        // Moved out (no copy), for the error should the call fail; no parser reads them.
        let headers = response.headers_mut();
        self.service_ids = (headers.remove(REQUEST_ID), headers.remove(MS_CV));
        let status = response.status().as_u16();
        if status == 401 && matches!(self.config.auth, Auth::Bearer) {
            let (parts, body) = response.into_parts();
            let refusal = crate::ServiceError::from_response(status, &parts.headers, body);
            if self.refreshed_after_401 {
                self.finish(Err(Error::Authentication(Box::new(refusal))));
            } else {
                self.refreshed_after_401 = true;
                self.rejected = self.token.take();
                self.refusal = Some(Box::new(refusal));
                self.state = State::NeedToken;
                self.scheduled = Some(ScheduledRetry {
                    reason: RetryReason::TokenRefused,
                    delay: Duration::ZERO,
                });
            }
            return;
        }
        if !response.status().is_success() {
            let outcome = Outcome::Response {
                status,
                headers: response.headers(),
            };
            if self.retry(now, outcome) {
                return;
            }
        }
        let result = self.operation.parse_response(response);
        self.finish(result);
    }

    /// Reports that the transport failed to complete the last [`CallPoll::Transmit`].
    pub fn handle_transport_error(&mut self, now: SystemTime, error: TransportError) {
        if !matches!(self.state, State::InFlight) {
            return;
        }
        self.service_ids = (None, None);
        if !self.retry(now, Outcome::Transport(&error)) {
            self.finish(Err(Error::Transport(error)));
        }
    }

    fn before_try(&self) -> State {
        match self.config.auth {
            Auth::Bearer => State::NeedToken,
            _ => State::Ready,
        }
    }

    fn elapsed(&self, now: SystemTime) -> Duration {
        self.started
            .and_then(|s| now.duration_since(s).ok())
            .unwrap_or(Duration::ZERO)
    }

    fn over_budget(&self, now: SystemTime) -> bool {
        self.attempts > 0 && self.elapsed(now) > self.config.retry.max_elapsed
    }

    /// Schedules a retry when the policy allows one; returns whether it did.
    fn retry(&mut self, now: SystemTime, outcome: Outcome<'_>) -> bool {
        let reason = match outcome {
            Outcome::Response { status, .. } => RetryReason::Status(status),
            Outcome::Transport(t) => RetryReason::Transport(t.kind),
        };
        let random = self.next_random();
        let decision = retry::decide(
            &self.config.retry,
            self.operation.idempotency(),
            outcome,
            self.retries,
            self.elapsed(now),
            now,
            random,
        );
        match decision {
            RetryDecision::RetryAfter(delay) => {
                self.retries += 1;
                self.state = State::Sleeping(now + delay);
                self.scheduled = Some(ScheduledRetry { reason, delay });
                true
            }
            _ => false,
        }
    }

    fn render(&self, now: SystemTime) -> Result<Request<Vec<u8>>, Error> {
        let mut request = self.operation.to_request(&self.context)?;
        // Credentials go to the configured endpoint and nowhere else, whatever the operation built.
        let endpoint: &crate::Endpoint = self.context.as_ref();
        let on_endpoint = endpoint.owns_uri(request.uri());
        if !on_endpoint {
            return Err(Error::ForeignLink {
                link: request.uri().to_string(),
            });
        }
        let headers = request.headers_mut();
        headers.insert(ACCEPT, HeaderValue::from_static("application/json"));
        headers.insert(USER_AGENT, self.config.user_agent.clone());
        headers.insert(CLIENT_REQUEST_ID, self.client_request_id.clone());
        match &self.config.auth {
            Auth::Bearer => {
                let token = self
                    .token
                    .as_ref()
                    .ok_or_else(|| Error::token_refresh("no token was given to the call"))?;
                let mut bearer = String::with_capacity(7 + token.secret().len());
                bearer.push_str("Bearer ");
                bearer.push_str(token.secret());
                let value =
                    HeaderValue::try_from(bearer).map_err(|_| Error::InvalidCredential {
                        reason: "the token has characters a header cannot carry".into(),
                    })?;
                request.headers_mut().insert(AUTHORIZATION, value);
            }
            Auth::AccessKey(key) => hmac::sign(&mut request, key, now)?,
            Auth::None => {}
        }
        Ok(request)
    }

    fn finish(&mut self, result: Result<O::Output, Error>) {
        let result = result.map_err(|e| self.correlate(e));
        self.pending = Some(result);
        self.state = State::Finished;
        self.scheduled = None;
    }

    /// Puts the call's ids on an error that came after a try: the client request id sent, and
    /// the service's ids from the last response.
    fn correlate(&mut self, mut error: Error) -> Error {
        if self.attempts == 0 {
            return error;
        }
        let (request_id, ms_cv) = std::mem::take(&mut self.service_ids);
        if let Some(correlation) = error.correlation_mut() {
            let text = |v: Option<HeaderValue>| v.and_then(|v| v.to_str().ok().map(str::to_owned));
            correlation.fill(
                Some(self.client_request_id().to_owned()),
                text(request_id),
                text(ms_cv),
            );
        }
        error
    }

    /// xorshift64*: a uniform draw in `[0, 1)` from the seed the transport supplied.
    fn next_random(&mut self) -> f64 {
        let mut x = self.rng;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.rng = x;
        let bits = x.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 11;
        // 53 random bits scaled into [0, 1).
        bits as f64 / (1u64 << 53) as f64
    }
}

/// A transport drove the call out of order (a bug in the transport, not in the input).
fn misuse(reason: &str) -> Error {
    Error::invalid_input(
        "call",
        "",
        InputErrorKind::NotAllowed,
        reason,
        "poll, then the handle_* the poll asked for",
    )
}
