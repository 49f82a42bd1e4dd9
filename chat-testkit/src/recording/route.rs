//! Routing a recorded interaction to the core's operation for it.
//!
//! [`route`] reads a recorded request — method plus path template, then its inputs: ids from
//! the path, `maxPageSize` / `skip` / `startTime` from the query, fields from the body, the
//! `repeatability-request-id` header — and builds the same logical operation with the core's
//! own builders. The [`Route`] then parses a recorded response with that operation's parser
//! ([`Route::parse`], what the checker does) or runs the operation through
//! [`chat_core::Call`] / [`chat_core::Pager`] on a [`Runner`] such as
//! [`crate::replay::ReplayTransport`] ([`Route::run`]).
//!
//! Listing pages that continue a listing (`syncState` in the query) route to the listing too,
//! marked [`Route::continuation`].

use std::fmt;

use chat_core::http::Response;
use chat_core::identity::{
    CreateUser, DeleteUser, ExchangeTeamsToken, IdentityApiVersion, IdentityContext, IssueToken,
    RevokeTokens,
};
use chat_core::messages::{
    ChatMessageType, DeleteMessage, GetMessage, ListMessages, SendMessage, UpdateMessage,
};
use chat_core::participants::{AddParticipants, ListParticipants, RemoveParticipant};
use chat_core::read_receipts::{ListReadReceipts, SendReadReceipt};
use chat_core::threads::{
    CreateThread, DeleteThread, GetThreadProperties, ListThreads, UpdateThread,
};
use chat_core::typing::SendTypingNotification;
use chat_core::{ApiVersion, ChatContext, Error, ListOperation, Operation, Pager};

use super::compare::percent_decode;
use super::format::Entry;
use super::inputs::{
    create_thread, endpoint_of, expires_in_minutes, identifier, metadata, missing, participants,
    retention_policy, scopes, string, Query,
};
use crate::replay::Runner;

/// The core operation a recorded request is, with the recorded inputs.
#[derive(Clone, Debug)]
#[non_exhaustive]
#[allow(missing_docs)] // Each variant is named after, and holds, the core operation.
pub enum RoutedOperation {
    CreateThread(CreateThread),
    ListThreads(ListThreads),
    GetThreadProperties(GetThreadProperties),
    UpdateThread(UpdateThread),
    DeleteThread(DeleteThread),
    SendMessage(SendMessage),
    ListMessages(ListMessages),
    GetMessage(GetMessage),
    UpdateMessage(UpdateMessage),
    DeleteMessage(DeleteMessage),
    ListParticipants(ListParticipants),
    AddParticipants(AddParticipants),
    RemoveParticipant(RemoveParticipant),
    SendReadReceipt(SendReadReceipt),
    ListReadReceipts(ListReadReceipts),
    SendTypingNotification(SendTypingNotification),
    CreateUser(CreateUser),
    IssueToken(IssueToken),
    RevokeTokens(RevokeTokens),
    DeleteUser(DeleteUser),
    ExchangeTeamsToken(ExchangeTeamsToken),
}

/// A recorded request routed to its operation.
#[derive(Clone, Debug)]
pub struct Route {
    /// The operation, built from the recorded inputs.
    pub operation: RoutedOperation,
    /// True for a page that continues a listing (the recorded request followed a `nextLink`).
    pub continuation: bool,
    /// The recorded request URI (a continuation token for continuation pages).
    pub uri: String,
    /// The chat context: the recorded host and, when the core knows it, the recorded version.
    pub chat: ChatContext,
    /// The identity context, likewise.
    pub identity: IdentityContext,
}

/// Why a recorded request could not be routed.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum RouteError {
    /// No chat or identity operation has this method and path.
    NoOperation,
    /// The operation is known but its recorded inputs cannot be read.
    Input(String),
}

impl fmt::Display for RouteError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NoOperation => f.write_str("no operation matches"),
            Self::Input(why) => write!(f, "cannot read the recorded inputs: {why}"),
        }
    }
}

impl std::error::Error for RouteError {}

/// Routes a recorded request to the core operation for its method and path.
pub fn route(entry: &Entry) -> Result<Route, RouteError> {
    let segments: Vec<String> = entry
        .path()
        .split('/')
        .skip(1)
        .map(percent_decode)
        .collect();
    let segs: Vec<&str> = segments.iter().map(String::as_str).collect();
    let method = entry.request_method.to_ascii_uppercase();
    let query = Query::new(entry.query());
    let body = &entry.request_body;
    use RoutedOperation as R;
    let operation = match (method.as_str(), segs.as_slice()) {
        ("POST", ["chat", "threads"]) => R::CreateThread(create_thread(entry, body)?),
        ("GET", ["chat", "threads"]) => {
            let mut op = ListThreads::new();
            if let Some(n) = query.number("maxPageSize")? {
                op = op.max_page_size(n);
            }
            if let Some(t) = query.start_time()? {
                op = op.start_time(t);
            }
            R::ListThreads(op)
        }
        ("GET", ["chat", "threads", t]) => R::GetThreadProperties(GetThreadProperties::new(*t)),
        ("PATCH", ["chat", "threads", t]) => {
            let mut op = UpdateThread::new(*t);
            if let Some(topic) = string(body, "topic") {
                op = op.topic(topic);
            }
            if let Some(m) = metadata(body)? {
                op = op.metadata(m);
            }
            if let Some(p) = retention_policy(body)? {
                op = op.retention_policy(p);
            }
            R::UpdateThread(op)
        }
        ("DELETE", ["chat", "threads", t]) => R::DeleteThread(DeleteThread::new(*t)),
        ("POST", ["chat", "threads", t, "messages"]) => {
            let content = string(body, "content").ok_or_else(|| missing("content"))?;
            let mut op = SendMessage::new(*t, content);
            if let Some(kind) = string(body, "type") {
                op = op.message_type(ChatMessageType::from(kind));
            }
            if let Some(name) = string(body, "senderDisplayName") {
                op = op.sender_display_name(name);
            }
            if let Some(m) = metadata(body)? {
                op = op.metadata(m);
            }
            R::SendMessage(op)
        }
        ("GET", ["chat", "threads", t, "messages"]) => {
            let mut op = ListMessages::new(*t);
            if let Some(n) = query.number("maxPageSize")? {
                op = op.max_page_size(n);
            }
            if let Some(t) = query.start_time()? {
                op = op.start_time(t);
            }
            R::ListMessages(op)
        }
        ("GET", ["chat", "threads", t, "messages", m]) => R::GetMessage(GetMessage::new(*t, *m)),
        ("PATCH", ["chat", "threads", t, "messages", m]) => {
            let mut op = UpdateMessage::new(*t, *m);
            if let Some(content) = string(body, "content") {
                op = op.content(content);
            }
            if let Some(md) = metadata(body)? {
                op = op.metadata(md);
            }
            R::UpdateMessage(op)
        }
        ("DELETE", ["chat", "threads", t, "messages", m]) => {
            R::DeleteMessage(DeleteMessage::new(*t, *m))
        }
        ("GET", ["chat", "threads", t, "participants"]) => {
            let mut op = ListParticipants::new(*t);
            if let Some(n) = query.number("maxPageSize")? {
                op = op.max_page_size(n);
            }
            if let Some(n) = query.number("skip")? {
                op = op.skip(n);
            }
            R::ListParticipants(op)
        }
        ("POST", ["chat", "threads", t, "participants", ":add"]) => {
            R::AddParticipants(AddParticipants::new(*t, participants(body)?))
        }
        ("POST", ["chat", "threads", t, "participants", ":remove"]) => {
            R::RemoveParticipant(RemoveParticipant::new(*t, identifier(body)?))
        }
        ("POST", ["chat", "threads", t, "readReceipts"]) => {
            let id = string(body, "chatMessageId").ok_or_else(|| missing("chatMessageId"))?;
            R::SendReadReceipt(SendReadReceipt::new(*t, id))
        }
        ("GET", ["chat", "threads", t, "readReceipts"]) => {
            let mut op = ListReadReceipts::new(*t);
            if let Some(n) = query.number("maxPageSize")? {
                op = op.max_page_size(n);
            }
            if let Some(n) = query.number("skip")? {
                op = op.skip(n);
            }
            R::ListReadReceipts(op)
        }
        ("POST", ["chat", "threads", t, "typing"]) => {
            let mut op = SendTypingNotification::new(*t);
            if let Some(name) = string(body, "senderDisplayName") {
                op = op.sender_display_name(name);
            }
            R::SendTypingNotification(op)
        }
        ("POST", ["identities"]) => {
            let scopes = scopes(body, "createTokenWithScopes")?;
            let expiry = expires_in_minutes(body)?;
            if scopes.is_empty() && expiry.is_none() {
                R::CreateUser(CreateUser::new())
            } else {
                R::CreateUser(CreateUser::new().with_token(scopes, expiry))
            }
        }
        ("DELETE", ["identities", u]) => R::DeleteUser(DeleteUser::new(*u)),
        ("POST", ["identities", u, ":issueAccessToken"]) => {
            let mut op = IssueToken::new(*u, scopes(body, "scopes")?);
            if let Some(m) = expires_in_minutes(body)? {
                op = op.expires_in_minutes(m);
            }
            R::IssueToken(op)
        }
        ("POST", ["identities", u, ":revokeAccessTokens"]) => {
            R::RevokeTokens(RevokeTokens::new(*u))
        }
        ("POST", ["teamsUser", ":exchangeAccessToken"]) => {
            let field = |k: &'static str| string(body, k).ok_or_else(|| missing(k));
            R::ExchangeTeamsToken(ExchangeTeamsToken::new(
                field("token")?,
                field("appId")?,
                field("userId")?,
            ))
        }
        _ => return Err(RouteError::NoOperation),
    };
    let endpoint = endpoint_of(&entry.request_uri)?;
    let version = query.api_version.as_deref().unwrap_or("");
    let mut chat = ChatContext::new(endpoint.clone());
    if let Some(v) = ApiVersion::parse(version) {
        chat = chat.with_api_version(v);
    }
    let mut identity = IdentityContext::new(endpoint);
    if let Some(v) = IdentityApiVersion::parse(version) {
        identity = identity.with_api_version(v);
    }
    Ok(Route {
        continuation: query.has("syncState") && is_listing(&operation),
        operation,
        uri: entry.request_uri.clone(),
        chat,
        identity,
    })
}

fn is_listing(op: &RoutedOperation) -> bool {
    matches!(
        op,
        RoutedOperation::ListThreads(_)
            | RoutedOperation::ListMessages(_)
            | RoutedOperation::ListParticipants(_)
            | RoutedOperation::ListReadReceipts(_)
    )
}

/// Calls `$body` with the operation bound to `$op`, once per kind: `chat`, `list` and
/// `identity` operations need different contexts and drivers.
macro_rules! dispatch {
    ($self:expr, chat $c:ident => $chat:expr, list $l:ident => $list:expr, identity $i:ident => $id:expr) => {
        match &$self.operation {
            RoutedOperation::CreateThread($c) => $chat,
            RoutedOperation::GetThreadProperties($c) => $chat,
            RoutedOperation::UpdateThread($c) => $chat,
            RoutedOperation::DeleteThread($c) => $chat,
            RoutedOperation::SendMessage($c) => $chat,
            RoutedOperation::GetMessage($c) => $chat,
            RoutedOperation::UpdateMessage($c) => $chat,
            RoutedOperation::DeleteMessage($c) => $chat,
            RoutedOperation::AddParticipants($c) => $chat,
            RoutedOperation::RemoveParticipant($c) => $chat,
            RoutedOperation::SendReadReceipt($c) => $chat,
            RoutedOperation::SendTypingNotification($c) => $chat,
            RoutedOperation::ListThreads($l) => $list,
            RoutedOperation::ListMessages($l) => $list,
            RoutedOperation::ListParticipants($l) => $list,
            RoutedOperation::ListReadReceipts($l) => $list,
            RoutedOperation::CreateUser($i) => $id,
            RoutedOperation::IssueToken($i) => $id,
            RoutedOperation::RevokeTokens($i) => $id,
            RoutedOperation::DeleteUser($i) => $id,
            RoutedOperation::ExchangeTeamsToken($i) => $id,
        }
    };
}

impl Route {
    /// The operation's name, as in the core (`CreateThread`, `ListMessages`, ...).
    pub fn name(&self) -> &'static str {
        use RoutedOperation as R;
        match &self.operation {
            R::CreateThread(_) => "CreateThread",
            R::ListThreads(_) => "ListThreads",
            R::GetThreadProperties(_) => "GetThreadProperties",
            R::UpdateThread(_) => "UpdateThread",
            R::DeleteThread(_) => "DeleteThread",
            R::SendMessage(_) => "SendMessage",
            R::ListMessages(_) => "ListMessages",
            R::GetMessage(_) => "GetMessage",
            R::UpdateMessage(_) => "UpdateMessage",
            R::DeleteMessage(_) => "DeleteMessage",
            R::ListParticipants(_) => "ListParticipants",
            R::AddParticipants(_) => "AddParticipants",
            R::RemoveParticipant(_) => "RemoveParticipant",
            R::SendReadReceipt(_) => "SendReadReceipt",
            R::ListReadReceipts(_) => "ListReadReceipts",
            R::SendTypingNotification(_) => "SendTypingNotification",
            R::CreateUser(_) => "CreateUser",
            R::IssueToken(_) => "IssueToken",
            R::RevokeTokens(_) => "RevokeTokens",
            R::DeleteUser(_) => "DeleteUser",
            R::ExchangeTeamsToken(_) => "ExchangeTeamsToken",
        }
    }

    /// Parses a response with the operation's own parser (a listing page with the pager's page
    /// parser). The operation's success status is checked by the parser.
    pub fn parse(&self, response: Response<Vec<u8>>) -> Result<(), Error> {
        dispatch!(self,
            chat op => op.parse_response(response).map(drop),
            list op => parse_page(op, &self.chat, response),
            identity op => op.parse_response(response).map(drop)
        )
    }

    /// Runs the operation on `runner`: one call, or for a listing a whole walk (from the first
    /// page, or from [`Route::uri`] as a continuation token for a continuation page). Returns
    /// how many items a listing gave (1 for other operations).
    pub fn run<R: Runner>(&self, runner: &mut R) -> Result<usize, Error> {
        let continuation = self.continuation.then_some(self.uri.as_str());
        dispatch!(self,
            chat op => runner.chat(op.clone(), &self.chat).map(|()| 1),
            list op => runner.list(op.clone(), &self.chat, continuation),
            identity op => runner.identity(op.clone(), &self.identity).map(|()| 1)
        )
    }
}

fn parse_page<L: ListOperation>(
    list: &L,
    ctx: &ChatContext,
    response: Response<Vec<u8>>,
) -> Result<(), Error> {
    let pager = Pager::new(list.clone(), ctx.clone());
    match pager.poll_page() {
        Some(page) => page.parse_response(response).map(drop),
        None => Err(Error::invalid_input(
            "listing",
            "",
            chat_core::InputErrorKind::NotAllowed,
            "the pager has no first page",
            "a listing with a first page",
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chat_core::http::Request;
    use serde_json::{json, Value};

    fn entry(method: &str, uri: &str, body: Value) -> Entry {
        Entry {
            request_uri: uri.into(),
            request_method: method.into(),
            request_headers: [("repeatability-request-id".to_owned(), "r-1".to_owned())].into(),
            request_body: body,
            status_code: 200,
            response_headers: Default::default(),
            response_body: Value::Null,
        }
    }

    fn rendered(route: &Route) -> Request<Vec<u8>> {
        use RoutedOperation as R;
        match &route.operation {
            R::CreateThread(op) => op.to_request(&route.chat).unwrap(),
            R::RemoveParticipant(op) => op.to_request(&route.chat).unwrap(),
            R::IssueToken(op) => op.to_request(&route.identity).unwrap(),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn routes_every_template_by_method_and_path() {
        let t = "/chat/threads/19%3Aa%40thread.v2";
        let cases = [
            ("GET", "/chat/threads?maxPageSize=2", "ListThreads"),
            ("GET", t, "GetThreadProperties"),
            ("PATCH", t, "UpdateThread"),
            ("DELETE", t, "DeleteThread"),
            ("GET", &format!("{t}/messages"), "ListMessages"),
            ("GET", &format!("{t}/messages/1"), "GetMessage"),
            ("PATCH", &format!("{t}/messages/1"), "UpdateMessage"),
            ("DELETE", &format!("{t}/messages/1"), "DeleteMessage"),
            (
                "GET",
                &format!("{t}/participants?skip=1"),
                "ListParticipants",
            ),
            ("GET", &format!("{t}/readReceipts"), "ListReadReceipts"),
            ("POST", &format!("{t}/typing"), "SendTypingNotification"),
            ("POST", "/identities", "CreateUser"),
            ("DELETE", "/identities/8%3Aacs%3Ax", "DeleteUser"),
            (
                "POST",
                "/identities/8%3Aacs%3Ax/:revokeAccessTokens",
                "RevokeTokens",
            ),
        ];
        for (method, uri, name) in cases {
            let routed = route(&entry(method, uri, Value::Null)).unwrap();
            assert_eq!(routed.name(), name, "{method} {uri}");
            assert!(!routed.continuation);
        }
        for (method, uri) in [("PUT", t), ("GET", "/chat"), ("GET", "/weather")] {
            assert_eq!(
                route(&entry(method, uri, Value::Null)).unwrap_err(),
                RouteError::NoOperation
            );
        }
    }

    #[test]
    fn reads_inputs_from_the_recorded_request() {
        let body = json!({"topic": "t", "participants": [{
            "communicationIdentifier": {"rawId": "8:acs:r_u", "communicationUser": {"id": "sanitized"}},
            "displayName": "n", "shareHistoryTime": "2024-02-16T23:46:29.270334Z"}]});
        let routed = route(&entry(
            "POST",
            "https://h.example/chat/threads?api-version=2024-03-07",
            body,
        ))
        .unwrap();
        assert_eq!(routed.chat.api_version, ApiVersion::V2024_03_07);
        assert_eq!(routed.chat.endpoint.as_str(), "https://h.example");
        let req = rendered(&routed);
        assert_eq!(req.headers()["repeatability-request-id"], "r-1");
        let sent: Value = serde_json::from_slice(req.body()).unwrap();
        let p = &sent["participants"][0];
        assert_eq!(
            p["communicationIdentifier"]["communicationUser"]["id"],
            "8:acs:r_u"
        );
        assert_eq!(p["displayName"], "n");

        let remove = json!({"rawId": "8:acs:r_v", "communicationUser": {"id": "8:acs:r_v"}});
        let routed = route(&entry(
            "POST",
            "/chat/threads/x/participants/:remove",
            remove,
        ))
        .unwrap();
        let sent: Value = serde_json::from_slice(rendered(&routed).body()).unwrap();
        assert_eq!(sent["rawId"], "8:acs:r_v");

        let issue = json!({"scopes": ["chat", "voip"], "expiresInMinutes": 60});
        let routed = route(&entry("POST", "/identities/u/:issueAccessToken", issue)).unwrap();
        let sent: Value = serde_json::from_slice(rendered(&routed).body()).unwrap();
        assert_eq!(
            sent,
            json!({"scopes": ["chat", "voip"], "expiresInMinutes": 60})
        );
    }

    #[test]
    fn marks_continuation_pages_and_refuses_unreadable_inputs() {
        let next = "/chat/threads/x/messages?syncState=abc&startTime=1%2F1%2F1970&maxPageSize=3";
        assert!(
            route(&entry("GET", next, Value::Null))
                .unwrap()
                .continuation
        );
        let bad = [
            ("GET", "/chat/threads?maxPageSize=many", Value::Null),
            ("GET", "/chat/threads?startTime=yesterday", Value::Null),
            ("POST", "/chat/threads/x/messages", json!({"type": "text"})),
            (
                "POST",
                "/chat/threads",
                json!({"topic": "t", "participants": 3}),
            ),
        ];
        for (method, uri, body) in bad {
            let err = route(&entry(method, uri, body)).unwrap_err();
            assert!(matches!(err, RouteError::Input(_)), "{uri}: {err}");
        }
    }
}
