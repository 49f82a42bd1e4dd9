//! The emulator's request handling (`chat_testkit::emulator::Handler`), on scripts of requests:
//! never a panic, every error an ACS error body, and every success one the core's parser for
//! that operation accepts.
//!
//! A script is requests separated by a line `###`; each is written like HTTP/1.1 without the
//! protocol: `POST /chat/threads?api-version=2024-03-07`, header lines, an empty line, the
//! body. Placeholders stand for what only a live run knows: `{user:N}`, `{token:N}`,
//! `{thread:N}`, `{message:N}` (the N-th such id seen so far, from three users made up front
//! and every response since), `{next:N}` (the N-th `nextLink` received, as a request target),
//! and an `authorization: {hmac}` header signs the request with the emulator's key. The seeds are the vendored recordings' requests, ids replaced by
//! placeholders (see `fuzz/README.md`).
#![no_main]

use std::time::{Duration, SystemTime};

use chat_core::auth::hmac;
use chat_core::encode_path_segment;
use chat_core::http::{HeaderName, HeaderValue, Method, Request, Response, Uri};
use chat_testkit::emulator::{Emulator, Handler};
use chat_testkit::recording::{route, Entry};
use libfuzzer_sys::fuzz_target;
use serde_json::Value;

const MAX_REQUESTS: usize = 24;
const MAX_POOL: usize = 64;
const ORIGIN: &str = "http://127.0.0.1:4000";

fn start() -> SystemTime {
    SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000)
}

/// Ids seen so far, by kind.
#[derive(Default)]
struct Pools {
    users: Vec<String>,
    tokens: Vec<String>,
    threads: Vec<String>,
    messages: Vec<String>,
    /// `nextLink`s, as paths with their query.
    links: Vec<String>,
}

impl Pools {
    fn pick(&self, kind: &str, n: usize) -> String {
        let (pool, none) = match kind {
            "user" => (
                &self.users,
                "8:acs:none_00000000-0000-0000-0000-000000000000",
            ),
            "token" => (&self.tokens, "none"),
            "thread" => (&self.threads, "19:none@thread.v2"),
            "next" => (&self.links, "/chat/threads?api-version=2024-03-07"),
            _ => (&self.messages, "1"),
        };
        match pool.len() {
            0 => none.to_owned(),
            len => pool[n % len].clone(),
        }
    }

    fn add(pool: &mut Vec<String>, value: Option<&str>) {
        if let Some(v) = value {
            if pool.len() < MAX_POOL && !pool.iter().any(|p| p == v) {
                pool.push(v.to_owned());
            }
        }
    }

    /// Takes the ids a response names.
    fn learn(&mut self, path: &str, body: &Value) {
        let s = |v: &Value, k: &str| v.get(k).and_then(Value::as_str).map(str::to_owned);
        Self::add(
            &mut self.threads,
            body.pointer("/chatThread/id").and_then(Value::as_str),
        );
        Self::add(
            &mut self.users,
            body.pointer("/identity/id").and_then(Value::as_str),
        );
        Self::add(
            &mut self.tokens,
            body.pointer("/accessToken/token").and_then(Value::as_str),
        );
        Self::add(&mut self.tokens, s(body, "token").as_deref());
        let link = s(body, "nextLink");
        Self::add(
            &mut self.links,
            link.as_deref().and_then(|l| l.strip_prefix(ORIGIN)),
        );
        if path.ends_with("/messages") {
            Self::add(&mut self.messages, s(body, "id").as_deref());
        }
        for item in body
            .get("value")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            if item.get("sequenceId").is_some() {
                Self::add(&mut self.messages, s(item, "id").as_deref());
            } else if item.get("topic").is_some() {
                Self::add(&mut self.threads, s(item, "id").as_deref());
            }
        }
    }
}

/// Replaces `{kind:N}` placeholders; `encode` percent-encodes the values (for the target).
fn substitute(text: &str, pools: &Pools, encode: bool) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        let placeholder = after.find('}').and_then(|close| {
            let (kind, n) = after[..close].split_once(':')?;
            let n: usize = n.parse().ok()?;
            matches!(kind, "user" | "token" | "thread" | "message" | "next").then(|| {
                let v = pools.pick(kind, n);
                let encode = encode && kind != "next";
                (if encode { encode_path_segment(&v) } else { v }, close)
            })
        });
        match placeholder {
            Some((value, close)) => {
                out.push_str(&value);
                rest = &after[close + 1..];
            }
            None => {
                out.push('{');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// One scripted request, placeholders filled; `None` when it is no valid HTTP request.
fn build(text: &str, service: &Handler, pools: &Pools) -> Option<Request<Vec<u8>>> {
    let (head, body) = text.split_once("\n\n").unwrap_or((text, ""));
    let mut lines = head.lines();
    let (method, target) = lines.next()?.split_once(' ')?;
    let target = substitute(target.trim(), pools, true);
    let uri: Uri = format!("{ORIGIN}{target}").parse().ok()?;
    let mut request = Request::new(substitute(body, pools, false).into_bytes());
    *request.method_mut() = Method::from_bytes(method.as_bytes()).ok()?;
    *request.uri_mut() = uri;
    let mut sign = false;
    for line in lines {
        let Some((name, value)) = line.split_once(':') else {
            continue;
        };
        let value = value.trim();
        if name.eq_ignore_ascii_case("authorization") && value == "{hmac}" {
            sign = true;
            continue;
        }
        let value = match value.strip_prefix("Bearer ") {
            Some(token) => format!("Bearer {}", substitute(token, pools, false)),
            None => substitute(value, pools, false),
        };
        if let (Ok(n), Ok(v)) = (
            HeaderName::try_from(name.trim()),
            HeaderValue::try_from(value),
        ) {
            request.headers_mut().append(n, v);
        }
    }
    if sign {
        hmac::sign(&mut request, service.access_key(), start()).ok()?;
    }
    Some(request)
}

/// What every response must be: JSON or empty, an ACS error when not a success, and a success
/// the core's parser accepts for the operation the request is.
fn check(request: &Request<Vec<u8>>, response: &Response<Vec<u8>>) -> Option<Value> {
    let status = response.status();
    let body: Option<Value> = (!response.body().is_empty()).then(|| {
        serde_json::from_slice(response.body()).unwrap_or_else(|e| {
            panic!(
                "{} {}: {status}: not JSON ({e})",
                request.method(),
                request.uri()
            )
        })
    });
    if !status.is_success() {
        let code = body.as_ref().and_then(|b| b.pointer("/error/code"));
        assert!(
            code.is_some_and(Value::is_string),
            "{} {}: {status} without an ACS error: {body:?}",
            request.method(),
            request.uri()
        );
        return body;
    }
    // Only where both read the path alike: the emulator skips empty segments, a recording
    // router does not.
    let path = request.uri().path();
    if path.split('/').skip(1).any(str::is_empty) {
        return body;
    }
    let entry = Entry::from_exchange(request, response);
    if let Ok(route) = route(&entry) {
        if let Err(e) = route.parse(response.clone()) {
            panic!(
                "{} {}: {status} does not parse as {}: {e}\n{}",
                request.method(),
                request.uri(),
                route.name(),
                String::from_utf8_lossy(response.body())
            );
        }
    }
    body
}

fuzz_target!(|data: &[u8]| {
    let script = String::from_utf8_lossy(data);
    let mut service = Emulator::builder()
        .clock_start(start())
        .resource_id("fuzz")
        .handler();
    let mut pools = Pools::default();
    for scopes in [&["chat"][..], &["chat", "voip"], &["chat.join"]] {
        let user = service.create_user();
        Pools::add(
            &mut pools.tokens,
            service.issue_token(&user, scopes).as_deref(),
        );
        Pools::add(&mut pools.users, Some(&user));
    }
    for text in script.split("\n###\n").take(MAX_REQUESTS) {
        let Some(request) = build(text, &service, &pools) else {
            continue;
        };
        let response = service.handle(&request);
        if let Some(body) = check(&request, &response) {
            pools.learn(request.uri().path(), &body);
        }
    }
});
