//! The emulator's service logic without a server: [`Handler`].

use std::time::Duration;

use chat_core::http::{header, Request, Response, StatusCode};
use chat_core::AccessKey;

use super::errors::{AcsError, Reply};
use super::routes::{self, Service};
use super::server::MAX_REQUEST_BODY_BYTES;
use super::state::State;
use super::wire;

/// The emulator's request handling on the caller's thread, with no socket: a request in, the
/// service's response out. Built by [`EmulatorBuilder::handler`](super::EmulatorBuilder::handler)
/// with the same options as a server.
///
/// It runs the same service logic as [`Emulator`](super::Emulator), on its own state, with
/// none of the HTTP layer around it: no fault rules, no `/_emulator/` control endpoints, no
/// request counts, and no per-transfer headers (`MS-CV`, `X-Processing-Time`,
/// `Content-Length`). Responses carry the status, the service's own headers
/// (`api-supported-versions`, `Location`, ...), `Content-Type` when there is a body, and the
/// body. It is what the fuzz target for the emulator drives; any request, however malformed,
/// gets a response.
///
/// ```
/// use chat_testkit::emulator::Emulator;
/// use chat_core::http::Request;
///
/// let mut service = Emulator::builder().handler();
/// let user = service.create_user();
/// let token = service.issue_token(&user, &["chat"]).unwrap();
/// let request = Request::get("http://127.0.0.1/chat/threads?api-version=2025-03-15")
///     .header("authorization", format!("Bearer {token}"))
///     .body(Vec::new())?;
/// let response = service.handle(&request);
/// assert_eq!(response.status(), 200);
/// assert_eq!(response.body(), br#"{"value":[]}"#);
/// # Ok::<(), chat_core::http::Error>(())
/// ```
#[derive(Debug)]
pub struct Handler {
    state: State,
    key: AccessKey,
}

impl Handler {
    pub(super) fn new(state: State, key: AccessKey) -> Self {
        Self { state, key }
    }

    /// The access key identity requests must be signed with.
    pub fn access_key(&self) -> &AccessKey {
        &self.key
    }

    /// Creates a user directly (no request) and returns its raw id `8:acs:<resource>_<user>`.
    pub fn create_user(&mut self) -> String {
        self.state.create_user()
    }

    /// Issues a 24-hour token for `user_id` with `scopes` (e.g. `["chat"]`); `None` if the user
    /// does not exist.
    pub fn issue_token(&mut self, user_id: &str, scopes: &[&str]) -> Option<String> {
        let scopes: Vec<String> = scopes.iter().map(|s| (*s).to_owned()).collect();
        self.state
            .issue_token(user_id, &scopes, Duration::from_secs(24 * 3600))
            .ok()
            .map(|(token, _)| token)
    }

    /// Handles one request: a chat or identity operation, or the service's error for it (a
    /// 404 for an unknown path, 413 for a body over the server's limit).
    ///
    /// A request without a `Host` header uses its URI's authority as one (identity requests
    /// are signed over it); `nextLink` and `Location` point at that host.
    pub fn handle(&mut self, request: &Request<Vec<u8>>) -> Response<Vec<u8>> {
        if request.body().len() > MAX_REQUEST_BODY_BYTES {
            let reply = AcsError::new(
                413,
                "RequestEntityTooLarge",
                "The request body is too large.",
            )
            .to_reply();
            return response(reply, Service::Chat);
        }
        let request = routes::Request::from_head(
            request.method(),
            request.uri(),
            request.headers(),
            request.body().clone(),
            request.uri().scheme_str().unwrap_or("http"),
        );
        let (service, reply) = routes::dispatch(&mut self.state, self.key.as_bytes(), &request);
        response(reply, service)
    }
}

fn response(reply: Reply, service: Service) -> Response<Vec<u8>> {
    let supported = match service {
        Service::Chat => wire::CHAT_SUPPORTED,
        Service::Identity => wire::IDENTITY_SUPPORTED,
    };
    let mut response = Response::new(reply.body.clone().unwrap_or_default());
    *response.status_mut() =
        StatusCode::from_u16(reply.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let headers = response.headers_mut();
    headers.insert(
        "api-supported-versions",
        header::HeaderValue::from_static(supported),
    );
    for (name, value) in &reply.headers {
        if let (Ok(name), Ok(value)) = (
            header::HeaderName::try_from(name.as_str()),
            header::HeaderValue::try_from(value.as_str()),
        ) {
            headers.append(name, value);
        }
    }
    if reply.body.is_some() {
        headers.insert(
            header::CONTENT_TYPE,
            header::HeaderValue::from_static("application/json; charset=utf-8"),
        );
    }
    response
}
