//! Shared by the threads and messages tests: request rendering for snapshots, canned responses,
//! and proptest strategies for the model fields.
//!
//! A request renders as its method and URI, headers sorted by name, and the JSON body
//! pretty-printed with its keys in wire order (a `serde_json::Value` would sort them).
#![allow(dead_code)]

use std::collections::BTreeMap;

use std::time::{Duration, UNIX_EPOCH};

use chat_core::http::header::{HeaderValue, AUTHORIZATION};
use chat_core::http::{Request, Response};
use chat_core::identifier::CommunicationIdentifier;
use chat_core::{
    AccessToken, Auth, Call, CallConfig, CallPoll, ChatContext, Endpoint, Error, ListOperation,
    Operation, Pager, Timestamp,
};
use proptest::prelude::*;

/// The fixed context the snapshots are built with.
pub(crate) fn ctx() -> ChatContext {
    ChatContext::new(Endpoint::parse("https://contoso.communication.azure.com").unwrap())
}

/// The request an operation puts on the wire: rendered by the real call driver with a bearer
/// token (then redacted), the crate's user agent and a fixed `x-ms-client-request-id`.
pub(crate) trait Wire: Operation<Context = ChatContext> + Clone {
    fn wire(&self, ctx: &ChatContext) -> Result<Request<Vec<u8>>, Error> {
        let config = CallConfig::new(Auth::Bearer);
        let id = "00000000-0000-4000-8000-000000000000";
        let mut call = Call::new(self.clone(), ctx.clone(), config, id, 1)?;
        let now = UNIX_EPOCH + Duration::from_secs(1_795_377_600);
        loop {
            match call.poll(now) {
                CallPoll::NeedToken { .. } => {
                    call.handle_token(AccessToken::new("secret", now + Duration::from_secs(3600)))
                }
                CallPoll::Transmit(mut request) => {
                    let auth = request.headers().get(AUTHORIZATION).unwrap();
                    assert_eq!(auth, "Bearer secret");
                    let redacted = HeaderValue::from_static("Bearer [redacted]");
                    request.headers_mut().insert(AUTHORIZATION, redacted);
                    return Ok(request);
                }
                CallPoll::Done(Err(e)) => return Err(e),
                CallPoll::Done(Ok(_)) | CallPoll::Sleep(_) => panic!("no try was made"),
            }
        }
    }
}

impl<O: Operation<Context = ChatContext> + Clone> Wire for O {}

/// The first-page request of a listing, as it goes on the wire (see [`Wire`]).
pub(crate) trait WireList: ListOperation {
    fn wire_first_page(&self, ctx: &ChatContext) -> Result<Request<Vec<u8>>, Error> {
        let pager = Pager::new(self.clone(), ctx.clone());
        pager.poll_page().unwrap().wire(ctx)
    }
}

impl<L: ListOperation> WireList for L {}

/// `METHOD URI`, then `name: value` lines sorted by name, then a blank line and the body.
pub(crate) fn render(req: &Request<Vec<u8>>) -> String {
    let mut out = format!("{} {}\n", req.method(), req.uri());
    let mut headers: Vec<String> = req
        .headers()
        .iter()
        .map(|(k, v)| format!("{k}: {}", v.to_str().unwrap()))
        .collect();
    headers.sort();
    for h in headers {
        out.push_str(&h);
        out.push('\n');
    }
    if !req.body().is_empty() {
        let text = std::str::from_utf8(req.body()).unwrap();
        let pretty = pretty_json(text);
        // The pretty form is the same JSON as what goes on the wire.
        let a: serde_json::Value = serde_json::from_str(text).unwrap();
        let b: serde_json::Value = serde_json::from_str(&pretty).unwrap();
        assert_eq!(a, b);
        out.push('\n');
        out.push_str(&pretty);
        out.push('\n');
    }
    out
}

/// Indents compact JSON (as serde_json writes it) without reordering anything.
fn pretty_json(compact: &str) -> String {
    let mut out = String::with_capacity(compact.len() * 2);
    let mut depth = 0usize;
    let mut in_string = false;
    let mut escaped = false;
    let mut chars = compact.chars().peekable();
    let newline = |out: &mut String, depth: usize| {
        out.push('\n');
        out.push_str(&"  ".repeat(depth));
    };
    while let Some(c) = chars.next() {
        if in_string {
            out.push(c);
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == '"' {
                in_string = false;
            }
            continue;
        }
        match c {
            '"' => {
                in_string = true;
                out.push(c);
            }
            '{' | '[' => {
                out.push(c);
                if matches!(chars.peek(), Some('}' | ']')) {
                    out.push(chars.next().unwrap());
                } else {
                    depth += 1;
                    newline(&mut out, depth);
                }
            }
            '}' | ']' => {
                depth -= 1;
                newline(&mut out, depth);
                out.push(c);
            }
            ',' => {
                out.push(c);
                newline(&mut out, depth);
            }
            ':' => out.push_str(": "),
            c => out.push(c),
        }
    }
    out
}

/// A response with `status` and `body`.
pub(crate) fn response(status: u16, body: &str) -> Response<Vec<u8>> {
    Response::builder()
        .status(status)
        .header("content-type", "application/json; charset=utf-8")
        .body(body.as_bytes().to_vec())
        .unwrap()
}

/// An ACS error body.
pub(crate) fn acs_error(code: &str, message: &str) -> String {
    serde_json::json!({"error": {"code": code, "message": message, "target": "x",
        "details": [], "innererror": {"code": "inner", "message": "more"}}})
    .to_string()
}

/// Runs `parse` on the error statuses the service sends (401, 403, 404, 429), with an ACS error
/// body and with a body that is not JSON, and checks each is a service error keeping the status,
/// the code and the raw body.
pub(crate) fn check_error_statuses<T: std::fmt::Debug>(
    parse: impl Fn(Response<Vec<u8>>) -> Result<T, Error>,
) {
    for (status, code) in [
        (401, "Unauthorized"),
        (403, "Forbidden"),
        (404, "NotFound"),
        (429, "TooManyRequests"),
    ] {
        let body = acs_error(code, "it failed");
        let err = parse(response(status, &body)).unwrap_err();
        let e = err
            .service_error()
            .unwrap_or_else(|| panic!("{status}: {err:?}"));
        assert_eq!(e.status, status);
        assert_eq!(e.code(), Some(code));
        assert_eq!(e.body, body.as_bytes());
        let inner = e.error.as_ref().unwrap().inner_error.as_ref().unwrap();
        assert_eq!(inner.code, "inner");

        for raw in ["<html>gateway says no</html>", ""] {
            let err = parse(response(status, raw)).unwrap_err();
            let e = err
                .service_error()
                .unwrap_or_else(|| panic!("{status}: {err:?}"));
            assert_eq!(e.status, status);
            assert!(e.error.is_none());
            assert_eq!(e.body, raw.as_bytes());
        }
    }
}

/// Timestamps as the service writes them: whole seconds, or up to 7 fractional digits.
pub(crate) fn timestamp() -> impl Strategy<Value = Timestamp> {
    (0i64..4_102_444_800, proptest::option::of(0u32..10_000_000)).prop_map(|(secs, frac)| {
        let t = Timestamp::from_unix_seconds(secs).unwrap();
        match frac {
            None => t,
            Some(f) => {
                let whole = t.to_rfc3339();
                let base = whole.split('.').next().unwrap();
                Timestamp::parse(&format!("{base}.{f:07}Z")).unwrap()
            }
        }
    })
}

/// Identifiers of every kind, built from raw ids.
pub(crate) fn identifier() -> impl Strategy<Value = CommunicationIdentifier> {
    let part = "[a-z0-9-]{1,12}";
    prop_oneof![
        (part, part)
            .prop_map(|(r, u)| CommunicationIdentifier::from_raw_id(&format!("8:acs:{r}_{u}"))),
        "[0-9]{5,12}".prop_map(|n| CommunicationIdentifier::from_raw_id(&format!("4:+{n}"))),
        (
            prop_oneof!["8:orgid:", "8:dod:", "8:gcch:", "8:teamsvisitor:"],
            part
        )
            .prop_map(|(p, u)| CommunicationIdentifier::from_raw_id(&format!("{p}{u}"))),
        (prop_oneof!["28:orgid:", "28:dod:", "28:gcch:"], part)
            .prop_map(|(p, u)| CommunicationIdentifier::from_raw_id(&format!("{p}{u}"))),
        (part, part, part).prop_map(|(r, t, u)| CommunicationIdentifier::from_raw_id(&format!(
            "8:acs:{r}_{t}_{u}"
        ))),
        "[a-z]{1,4}:[a-z0-9:]{1,12}".prop_map(|s| CommunicationIdentifier::from_raw_id(&s)),
    ]
}

/// Metadata maps.
pub(crate) fn metadata() -> impl Strategy<Value = BTreeMap<String, String>> {
    proptest::collection::btree_map("[a-zA-Z0-9_]{1,8}", ".{0,12}", 0..4)
}

/// Optional short text, any characters.
pub(crate) fn text() -> impl Strategy<Value = String> {
    ".{0,16}"
}

/// Serializes `value`, parses it back, and checks it is equal.
pub(crate) fn round_trip<T>(value: &T)
where
    T: serde::Serialize + serde::de::DeserializeOwned + PartialEq + std::fmt::Debug,
{
    let json = serde_json::to_string(value).unwrap();
    let back: T = serde_json::from_str(&json).unwrap_or_else(|e| panic!("{e}: {json}"));
    assert_eq!(&back, value, "{json}");
}
