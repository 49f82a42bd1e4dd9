//! Routing: a parsed request in, a [`Reply`] out. No I/O here, so the HTTP layer stays thin.

use super::errors::{AcsError, Reply};
use super::state::{require_scope, State};
use super::tokens::Claims;
use super::wire::{self, ChatApi};
use super::{identity, messages, participants, receipts, threads};

/// A request as the service logic sees it.
#[derive(Debug, Clone)]
pub(crate) struct Request {
    pub(crate) method: String,
    /// The request target exactly as received (path and query), for HMAC checks.
    pub(crate) target: String,
    pub(crate) path: String,
    pub(crate) query: Query,
    /// Header names lower-cased.
    pub(crate) headers: Vec<(String, String)>,
    pub(crate) body: Vec<u8>,
    /// `http://<Host header>` (`https://` over TLS): where `nextLink` and `Location` point.
    pub(crate) base: String,
}

impl Request {
    /// The request as the service logic sees it: the target as received, header names lower
    /// case (values that are not visible ASCII left out), and `base` from the `Host` header.
    /// A request without one (built in process with an absolute URI) takes the URI's
    /// authority as its `Host`, as a client writing it would; else the host is `127.0.0.1`.
    pub(crate) fn from_head(
        method: &http::Method,
        uri: &http::Uri,
        headers: &http::HeaderMap,
        body: Vec<u8>,
        scheme: &str,
    ) -> Self {
        let target = uri
            .path_and_query()
            .map_or_else(|| uri.path().to_owned(), |p| p.as_str().to_owned());
        let mut list: Vec<(String, String)> = headers
            .iter()
            .filter_map(|(k, v)| {
                v.to_str()
                    .ok()
                    .map(|v| (k.as_str().to_ascii_lowercase(), v.to_owned()))
            })
            .collect();
        if !headers.contains_key(http::header::HOST) {
            if let Some(authority) = uri.authority() {
                list.push(("host".to_owned(), authority.as_str().to_owned()));
            }
        }
        let host = list
            .iter()
            .find(|(k, _)| k == "host")
            .map_or("127.0.0.1", |(_, v)| v.as_str());
        let base = format!("{scheme}://{host}");
        Self {
            method: method.as_str().to_owned(),
            query: Query::parse(uri.query().unwrap_or("")),
            target,
            path: uri.path().to_owned(),
            headers: list,
            body,
            base,
        }
    }

    /// The first value of header `name` (lower-case).
    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

/// Decoded query parameters.
#[derive(Debug, Clone, Default)]
pub(crate) struct Query(pub(crate) Vec<(String, String)>);

impl Query {
    /// Parses a raw query string.
    pub(crate) fn parse(raw: &str) -> Self {
        Self(
            url::form_urlencoded::parse(raw.as_bytes())
                .into_owned()
                .collect(),
        )
    }

    /// The first value of `name`.
    pub(crate) fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

/// What a chat handler knows about its call.
#[derive(Debug)]
pub(crate) struct Ctx<'a> {
    pub(crate) api: ChatApi,
    pub(crate) claims: Claims,
    pub(crate) base: &'a str,
    pub(crate) query: &'a Query,
}

/// Which service answered, for `api-supported-versions`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Service {
    Chat,
    Identity,
}

/// Runs `req` against `state`.
pub(crate) fn dispatch(state: &mut State, key: &[u8], req: &Request) -> (Service, Reply) {
    let segments: Vec<String> = req
        .path
        .split('/')
        .filter(|s| !s.is_empty())
        .map(percent_decode)
        .collect();
    let segs: Vec<&str> = segments.iter().map(String::as_str).collect();
    match segs.as_slice() {
        ["chat", "threads", rest @ ..] => (
            Service::Chat,
            chat(state, req, rest).unwrap_or_else(|e| e.to_reply()),
        ),
        ["identities", ..] | ["teamsUser", ..] => (
            Service::Identity,
            identity_route(state, key, req, &segs).unwrap_or_else(|e| e.to_reply()),
        ),
        _ => (
            Service::Chat,
            AcsError::not_found(format!("No resource at {}.", req.path)).to_reply(),
        ),
    }
}

fn chat(state: &mut State, req: &Request, rest: &[&str]) -> Result<Reply, AcsError> {
    let api = ChatApi::from_query(req.query.get("api-version"))?;
    let claims = state.authenticate(req.header("authorization"))?;
    require_scope(&claims, &["chat", "chat.join", "chat.join.limited"])?;
    let ctx = Ctx {
        api,
        claims,
        base: &req.base,
        query: &req.query,
    };
    let body = req.body.as_slice();
    match (req.method.as_str(), rest) {
        ("POST", []) => threads::create(state, &ctx, req.header("repeatability-request-id"), body),
        ("GET", []) => threads::list(state, &ctx),
        ("GET", [id]) => threads::get(state, &ctx, id),
        ("PATCH", [id]) => threads::update(state, &ctx, id, body),
        ("DELETE", [id]) => threads::delete(state, &ctx, id),
        ("POST", [id, "messages"]) => messages::send(state, &ctx, id, body),
        ("GET", [id, "messages"]) => messages::list(state, &ctx, id),
        ("GET", [id, "messages", m]) => messages::get(state, &ctx, id, m),
        ("PATCH", [id, "messages", m]) => messages::update(state, &ctx, id, m, body),
        ("DELETE", [id, "messages", m]) => messages::delete(state, &ctx, id, m),
        ("GET", [id, "participants"]) => participants::list(state, &ctx, id),
        ("POST", [id, "participants", ":add"]) => participants::add(state, &ctx, id, body),
        ("POST", [id, "participants", ":remove"]) => participants::remove(state, &ctx, id, body),
        ("POST", [id, "readReceipts"]) => receipts::send(state, &ctx, id, body),
        ("GET", [id, "readReceipts"]) => receipts::list(state, &ctx, id),
        ("POST", [id, "typing"]) => receipts::typing(state, &ctx, id, body),
        _ => Err(no_route(req)),
    }
}

fn identity_route(
    state: &mut State,
    key: &[u8],
    req: &Request,
    segs: &[&str],
) -> Result<Reply, AcsError> {
    wire::check_identity_version(req.query.get("api-version"))?;
    identity::authenticate(key, &state.clock, req)?;
    let body = req.body.as_slice();
    match (req.method.as_str(), segs) {
        ("POST", ["identities"]) => identity::create(state, body),
        ("DELETE", ["identities", id]) => identity::delete(state, id),
        ("POST", ["identities", id, ":issueAccessToken"]) => identity::issue(state, id, body),
        ("POST", ["identities", id, ":revokeAccessTokens"]) => identity::revoke(state, id),
        ("POST", ["teamsUser", ":exchangeAccessToken"]) => identity::exchange_teams_token(),
        _ => Err(no_route(req)),
    }
}

fn no_route(req: &Request) -> AcsError {
    AcsError::not_found(format!("No operation {} {}.", req.method, req.path))
}

/// Decodes `%XX` escapes (invalid escapes are kept as they are).
pub(crate) fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: Option<&u8>| b.and_then(|b| (*b as char).to_digit(16));
        match (bytes.get(i), hex(bytes.get(i + 1)), hex(bytes.get(i + 2))) {
            (Some(b'%'), Some(h), Some(l)) => {
                out.push((h * 16 + l) as u8);
                i += 3;
            }
            (Some(b), _, _) => {
                out.push(*b);
                i += 1;
            }
            (None, _, _) => break,
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percent_decoding_of_thread_ids() {
        assert_eq!(percent_decode("19%3Aab%40thread.v2"), "19:ab@thread.v2");
        assert_eq!(percent_decode("19:ab@thread.v2"), "19:ab@thread.v2");
        assert_eq!(percent_decode("bad%zz"), "bad%zz");
    }
}
