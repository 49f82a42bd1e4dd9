//! One exchange through the recording proxy: the client's request made into the upstream's
//! (re-signed when it is HMAC-signed), the upstream's answer recorded, and the answer made into
//! the client's (links to the upstream pointed back at the proxy).

use std::time::{Duration, SystemTime};

use bytes::Bytes;
use chat_core::auth::hmac;
use chat_core::http::header::{HeaderName, HeaderValue, AUTHORIZATION, HOST, LOCATION};
use chat_core::http::{HeaderMap, Request, Response, StatusCode, Uri};
use chat_core::MAX_RESPONSE_BODY_BYTES;
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Incoming;
use serde_json::{json, Value};

use super::Shared;
use crate::recording::scrub::scrub_uri;

/// How long the upstream may take to answer one request, body included.
pub const UPSTREAM_TIMEOUT: Duration = Duration::from_secs(120);

/// Headers that belong to one connection or one transfer, never forwarded either way.
/// `accept-encoding` is dropped too, so that the upstream answers with plain bodies that the
/// recording can hold as JSON.
const HOP_BY_HOP: [&str; 10] = [
    "connection",
    "keep-alive",
    "proxy-connection",
    "proxy-authorization",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
    "content-length",
    "accept-encoding",
];

/// Forwards one request and records the exchange; never fails: a request the upstream could
/// not answer gets a `502` that says why.
pub(crate) async fn forward(shared: &Shared, request: Request<Incoming>) -> Response<Full<Bytes>> {
    let (parts, body) = request.into_parts();
    let body = match Limited::new(body, MAX_RESPONSE_BODY_BYTES).collect().await {
        Ok(collected) => collected.to_bytes().to_vec(),
        Err(e) => {
            return error(
                StatusCode::BAD_REQUEST,
                format!("cannot read the request: {e}"),
            )
        }
    };
    let target = parts
        .uri
        .path_and_query()
        .map_or_else(|| "/".to_owned(), |p| p.as_str().to_owned());
    let outgoing = match upstream_request(shared, Request::from_parts(parts, body)) {
        Ok(request) => request,
        Err(message) => return error(StatusCode::BAD_REQUEST, message),
    };
    // What is printed and reported says which request, never its secrets.
    let line = format!("{} {}", outgoing.method(), scrub_uri(&target));
    let response = match send(shared, outgoing.clone()).await {
        Ok(response) => response,
        Err(message) => {
            let message = format!(
                "{line}: the upstream {} did not answer: {message}",
                shared.upstream.base()
            );
            shared.failed(message.clone());
            return error(StatusCode::BAD_GATEWAY, message);
        }
    };
    shared.record(&outgoing, &response);
    shared.note(&format!("{} {line}", response.status().as_u16()));
    to_client(shared, response)
}

/// The request as the upstream must get it: its URI, `Host`, no hop-by-hop headers, and a
/// fresh HMAC signature when the client signed it for the proxy.
fn upstream_request(
    shared: &Shared,
    request: Request<Vec<u8>>,
) -> Result<Request<Vec<u8>>, String> {
    let (parts, body) = request.into_parts();
    let target = parts.uri.path_and_query().map_or("/", |p| p.as_str());
    let uri: Uri = format!("{}{target}", shared.upstream.base())
        .parse()
        .map_err(|e| format!("cannot forward {target}: {e}"))?;
    let mut headers = HeaderMap::with_capacity(parts.headers.len() + 1);
    let authority = shared.upstream.endpoint().authority();
    let host = HeaderValue::from_str(authority).map_err(|e| e.to_string())?;
    headers.insert(HOST, host);
    for (name, value) in &parts.headers {
        if name != HOST && !hop_by_hop(name) {
            headers.append(name.clone(), value.clone());
        }
    }
    let mut outgoing = Request::builder()
        .method(parts.method)
        .uri(uri)
        .body(body)
        .map_err(|e| e.to_string())?;
    *outgoing.headers_mut() = headers;
    let signed = outgoing
        .headers()
        .get(AUTHORIZATION)
        .is_some_and(|v| v.as_bytes().starts_with(b"HMAC-SHA256"));
    if signed {
        match shared.upstream.access_key() {
            Some(key) => hmac::sign(&mut outgoing, key, SystemTime::now())
                .map_err(|e| format!("cannot re-sign {target}: {e}"))?,
            None => shared.warn_unsigned(),
        }
    }
    Ok(outgoing)
}

async fn send(shared: &Shared, request: Request<Vec<u8>>) -> Result<Response<Vec<u8>>, String> {
    let request = request.map(|body| Full::new(Bytes::from(body)));
    let exchange = async {
        let response = shared
            .client
            .request(request)
            .await
            .map_err(|e| chain(&e))?;
        let (parts, body) = response.into_parts();
        let body = Limited::new(body, MAX_RESPONSE_BODY_BYTES)
            .collect()
            .await
            .map_err(|e| format!("cannot read the response: {e}"))?
            .to_bytes();
        Ok(Response::from_parts(parts, Vec::from(body)))
    };
    tokio::time::timeout(UPSTREAM_TIMEOUT, exchange)
        .await
        .unwrap_or_else(|_| Err(format!("no complete response within {UPSTREAM_TIMEOUT:?}")))
}

/// The upstream's response as the client gets it: every absolute URL of the upstream (a
/// `nextLink`, a `Location`) points at the proxy instead, so the client keeps talking to it.
fn to_client(shared: &Shared, response: Response<Vec<u8>>) -> Response<Full<Bytes>> {
    let (mut parts, body) = response.into_parts();
    let (from, to) = (shared.upstream.base(), shared.proxy_base.as_str());
    let hop: Vec<HeaderName> = parts
        .headers
        .keys()
        .filter(|n| hop_by_hop(n))
        .cloned()
        .collect();
    for name in hop {
        parts.headers.remove(name);
    }
    if let Some(location) = parts.headers.get(LOCATION).and_then(|v| v.to_str().ok()) {
        if let Some(rest) = location.strip_prefix(from) {
            if let Ok(value) = HeaderValue::from_str(&format!("{to}{rest}")) {
                parts.headers.insert(LOCATION, value);
            }
        }
    }
    let body = rebase_body(body, from, to);
    Response::from_parts(parts, Full::new(Bytes::from(body)))
}

/// `body` with every JSON string that starts with `from` starting with `to` instead.
fn rebase_body(body: Vec<u8>, from: &str, to: &str) -> Vec<u8> {
    fn walk(value: &mut Value, from: &str, to: &str) {
        match value {
            Value::String(s) => {
                if let Some(rest) = s.strip_prefix(from) {
                    *s = format!("{to}{rest}");
                }
            }
            Value::Array(items) => items.iter_mut().for_each(|v| walk(v, from, to)),
            Value::Object(map) => map.values_mut().for_each(|v| walk(v, from, to)),
            _ => {}
        }
    }
    if !body.windows(from.len()).any(|w| w == from.as_bytes()) {
        return body;
    }
    let Ok(mut value) = serde_json::from_slice::<Value>(&body) else {
        return body;
    };
    walk(&mut value, from, to);
    serde_json::to_vec(&value).unwrap_or(body)
}

fn hop_by_hop(name: &HeaderName) -> bool {
    HOP_BY_HOP.contains(&name.as_str())
}

/// An error answer in the service's shape (`{"error": {"code", "message"}}`).
fn error(status: StatusCode, message: String) -> Response<Full<Bytes>> {
    let body = json!({"error": {"code": "RecordingProxyError", "message": message}});
    let mut response = Response::new(Full::new(Bytes::from(body.to_string())));
    *response.status_mut() = status;
    response
        .headers_mut()
        .insert("content-type", HeaderValue::from_static("application/json"));
    response
}

/// An error and its sources, joined: hyper-util's own message says little.
fn chain(e: &(dyn std::error::Error + 'static)) -> String {
    std::iter::successors(Some(e), |e| e.source())
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(": ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rebases_upstream_links_only() {
        let body = br#"{"value":[{"id":"1"}],"nextLink":"https://u.example/chat/threads?syncState=a","other":"https://elsewhere/x"}"#;
        let out = rebase_body(body.to_vec(), "https://u.example", "http://127.0.0.1:9");
        let value: Value = serde_json::from_slice(&out).unwrap();
        assert_eq!(
            value["nextLink"],
            "http://127.0.0.1:9/chat/threads?syncState=a"
        );
        assert_eq!(value["other"], "https://elsewhere/x");
        let plain = b"not json https://u.example".to_vec();
        assert_eq!(rebase_body(plain.clone(), "https://u.example", "x"), plain);
    }
}
