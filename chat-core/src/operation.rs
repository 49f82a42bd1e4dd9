//! The shape every operation shares: render a request, parse its response, say whether a repeat
//! is harmless. Plus the small helpers every operation uses for both halves.

use std::marker::PhantomData;

use http::header::{HeaderValue, CONTENT_TYPE};
use http::{Method, Request, Response, StatusCode};
use serde::de::{DeserializeOwned, DeserializeSeed};
use serde::Serialize;

use crate::{ApiVersion, Endpoint, Error, InputErrorKind, ServiceError};

/// Largest response body a transport should read, in bytes. Bigger bodies are an error rather
/// than an allocation the server chooses.
pub const MAX_RESPONSE_BODY_BYTES: usize = 16 * 1024 * 1024;

/// Largest number of headers a transport should accept in one response.
pub const MAX_RESPONSE_HEADERS: usize = 128;

/// JSON content type.
pub const APPLICATION_JSON: &str = "application/json";

/// Merge-patch content type, used by the update operations.
pub const MERGE_PATCH_JSON: &str = "application/merge-patch+json";

/// What a repeat of an operation's request does to the service.
#[derive(Clone, Copy, Debug, Eq, PartialEq)]
#[non_exhaustive]
pub enum Idempotency {
    /// Repeating the request is harmless: reads, updates, deletes, read receipts, typing,
    /// participant changes, and create-thread with its `repeatability-request-id`.
    Idempotent,
    /// A repeat is visible (send message would post the message twice): it is retried only when
    /// the service cannot have acted on the first try.
    NotIdempotent,
}

/// Where chat requests go, and which API version they pin.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChatContext {
    /// The resource endpoint.
    pub endpoint: Endpoint,
    /// The pinned chat API version.
    pub api_version: ApiVersion,
}

impl ChatContext {
    /// A context for `endpoint` pinning the newest API version.
    pub fn new(endpoint: Endpoint) -> Self {
        Self {
            endpoint,
            api_version: ApiVersion::default(),
        }
    }

    /// Pins another API version.
    pub fn with_api_version(mut self, api_version: ApiVersion) -> Self {
        self.api_version = api_version;
        self
    }

    /// The URI for `path` (segments already encoded) with `extra_query` (already encoded,
    /// `&`-joined) and the pinned `api-version`.
    pub fn uri(&self, path: &str, extra_query: &str) -> Result<http::Uri, Error> {
        let mut query = String::with_capacity(extra_query.len() + 24);
        query.push_str("api-version=");
        query.push_str(self.api_version.as_str());
        if !extra_query.is_empty() {
            query.push('&');
            query.push_str(extra_query);
        }
        self.endpoint.uri(path, &query)
    }
}

impl AsRef<Endpoint> for ChatContext {
    fn as_ref(&self) -> &Endpoint {
        &self.endpoint
    }
}

/// One service operation: a pure request builder paired with a pure response parser.
///
/// Transports never look inside: they run [`crate::Call`], which renders the request, adds the
/// common headers and authorization, and hands the response back to [`Operation::parse_response`].
pub trait Operation {
    /// What a successful call returns (`Send + 'static`, so an async transport's call is a
    /// spawnable future).
    type Output: Send + 'static;
    /// Where the request goes and what it pins ([`ChatContext`] or an identity context). The
    /// call driver refuses to authorize a request for any other host than the context's endpoint.
    type Context: Clone + AsRef<Endpoint> + Send + Sync + 'static;

    /// Renders the request: method, absolute URI, operation headers and body. The call driver
    /// adds `accept`, `user-agent`, `x-ms-client-request-id` and authorization.
    fn to_request(&self, ctx: &Self::Context) -> Result<Request<Vec<u8>>, Error>;

    /// Reads the response: the typed output for the success status, a typed error otherwise.
    fn parse_response(&self, response: Response<Vec<u8>>) -> Result<Self::Output, Error>;

    /// Whether a repeat of the request is harmless; the retry machine needs it.
    fn idempotency(&self) -> Idempotency;

    /// The operation's name, as logs show it (`SendMessage`, `ListMessages`): by default the
    /// name of the type, without its module path.
    fn name(&self) -> &'static str {
        short_type_name(std::any::type_name::<Self>())
    }
}

/// `chat_core::messages::SendMessage` → `SendMessage`; generic arguments are dropped.
pub(crate) fn short_type_name(full: &'static str) -> &'static str {
    let outer = full.split('<').next().unwrap_or(full);
    outer.rsplit("::").next().unwrap_or(outer)
}

/// A request with no body.
pub fn empty_request(method: Method, uri: http::Uri) -> Request<Vec<u8>> {
    let mut req = Request::new(Vec::new());
    *req.method_mut() = method;
    *req.uri_mut() = uri;
    req
}

/// A request with a JSON body of the given content type.
pub fn json_request<T: Serialize + ?Sized>(
    method: Method,
    uri: http::Uri,
    content_type: &'static str,
    body: &T,
) -> Result<Request<Vec<u8>>, Error> {
    let body = serde_json::to_vec(body).map_err(|e| {
        Error::invalid_input(
            "request body",
            "",
            InputErrorKind::Malformed,
            e.to_string(),
            "a body JSON can carry",
        )
    })?;
    let mut req = empty_request(method, uri);
    *req.body_mut() = body;
    req.headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static(content_type));
    Ok(req)
}

/// Returns the body when the status is `expected`; otherwise the service error.
pub fn expect_status(response: Response<Vec<u8>>, expected: StatusCode) -> Result<Vec<u8>, Error> {
    let (parts, body) = response.into_parts();
    if parts.status == expected {
        Ok(body)
    } else {
        Err(Error::Service(Box::new(ServiceError::from_response(
            parts.status.as_u16(),
            &parts.headers,
            body,
        ))))
    }
}

/// Parses the JSON body of a response with status `expected`.
pub fn parse_json<T: DeserializeOwned>(
    response: Response<Vec<u8>>,
    expected: StatusCode,
) -> Result<T, Error> {
    parse_json_seed(response, expected, PhantomData::<T>)
}

/// [`parse_json`] through a [`DeserializeSeed`] (a page parser that knows how many items to
/// expect). The body is checked to be UTF-8 once, as a whole, and then parsed as text, so the
/// parser does not validate string by string.
pub(crate) fn parse_json_seed<S, T>(
    response: Response<Vec<u8>>,
    expected: StatusCode,
    seed: S,
) -> Result<T, Error>
where
    S: for<'de> DeserializeSeed<'de, Value = T>,
{
    let body = expect_status(response, expected)?;
    let parsed = match std::str::from_utf8(&body) {
        Ok(text) => {
            let mut deserializer = serde_json::Deserializer::from_str(text);
            seed.deserialize(&mut deserializer)
                .and_then(|value| deserializer.end().map(|()| value))
                .map_err(|e| e.to_string())
        }
        Err(e) => Err(format!("the body is not UTF-8: {e}")),
    };
    parsed.map_err(|message| Error::Deserialize {
        status: expected.as_u16(),
        message,
        body,
        correlation: crate::Correlation::default(),
    })
}

/// Accepts a response with status `expected`, whatever its body (the service sends none, or
/// `{}`).
pub fn expect_no_content(response: Response<Vec<u8>>, expected: StatusCode) -> Result<(), Error> {
    expect_status(response, expected).map(drop)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn response(status: u16, body: &str) -> Response<Vec<u8>> {
        Response::builder()
            .status(status)
            .body(body.as_bytes().to_vec())
            .unwrap()
    }

    #[test]
    fn other_statuses_are_service_errors_with_the_body_kept() {
        let body = r#"{"error":{"code":"Forbidden","message":"no","target":"t","details":[],"innererror":{"code":"x","message":"y"}}}"#;
        let err = expect_status(response(403, body), StatusCode::OK).unwrap_err();
        let Error::Service(e) = err else {
            panic!("{err:?}")
        };
        assert_eq!(e.status, 403);
        assert_eq!(e.code(), Some("Forbidden"));
        let inner = e.error.as_ref().unwrap().inner_error.as_ref().unwrap();
        assert_eq!(inner.code, "x");
        assert_eq!(e.body, body.as_bytes());
    }

    #[test]
    fn a_non_json_error_body_is_kept_raw() {
        let err = expect_status(response(502, "<html>bad gateway</html>"), StatusCode::OK);
        let Err(Error::Service(e)) = err else {
            panic!()
        };
        assert!(e.error.is_none());
        assert_eq!(e.body, b"<html>bad gateway</html>");
    }

    #[test]
    fn a_success_status_other_than_the_operations_is_an_error() {
        assert!(expect_no_content(response(200, ""), StatusCode::NO_CONTENT).is_err());
    }

    #[test]
    fn operations_are_named_after_their_type() {
        assert_eq!(short_type_name("a::b::SendMessage"), "SendMessage");
        assert_eq!(
            short_type_name("a::PageRequest<a::b::ListMessages>"),
            "PageRequest"
        );
        assert_eq!(short_type_name("Plain"), "Plain");
    }

    #[test]
    fn a_bad_success_body_is_a_deserialize_error() {
        let err = parse_json::<Vec<u8>>(response(200, "{"), StatusCode::OK).unwrap_err();
        assert!(matches!(err, Error::Deserialize { status: 200, .. }));
    }
}
