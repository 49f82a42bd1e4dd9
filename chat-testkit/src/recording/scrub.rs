//! Scrubbing secrets out of recordings, and undoing what sanitizing did to response shapes.
//!
//! Scrubbing (for the recorder): the `Authorization` header becomes `Sanitized`, as do
//! `x-ms-content-sha256` and any header whose name speaks of a signature, token or key; in JSON
//! bodies, every string that looks like a JWT becomes a stand-in JWT with the same expiry
//! ([`super::fake_token`]: clients that read a token's expiry still work in playback), and
//! other token, key and signature fields become `sanitized`; in URIs, query parameters that
//! carry signatures, tokens or keys do too.
//!
//! Restoring (for replay and the checker): the recorders sometimes replaced whole collections or
//! links with the string `sanitized` (`{"value": "sanitized", "nextLink": "sanitized"}`). Such
//! a body cannot be parsed as the service's shape, so [`restore_response_body`] puts an empty
//! collection back where a list was, and for a `nextLink` the request that followed it in the
//! recording (which is what the link was), or nothing when none did.

use serde_json::{Map, Value};

use super::compare::sanitized;
use super::fake_token::stand_in;
use super::format::Entry;

/// What a scrubbed header value becomes.
pub const SANITIZED_HEADER: &str = "Sanitized";
/// What a scrubbed body value, id or query value becomes.
pub const SANITIZED: &str = "sanitized";

/// Body fields that hold collections; a `sanitized` string there is restored as `[]`.
const LIST_FIELDS: [&str; 5] = [
    "value",
    "participants",
    "invalidParticipants",
    "attachments",
    "details",
];

/// Removes tokens, keys and signatures from an entry, in place.
pub fn scrub_entry(entry: &mut Entry) {
    for (name, value) in entry
        .request_headers
        .iter_mut()
        .chain(entry.response_headers.iter_mut())
    {
        if secret_header(name) {
            *value = SANITIZED_HEADER.to_owned();
        }
    }
    entry.request_uri = scrub_uri(&entry.request_uri);
    scrub_json(&mut entry.request_body);
    scrub_json(&mut entry.response_body);
}

/// True for a header whose value is a credential or a signature.
pub fn secret_header(name: &str) -> bool {
    let n = name.to_ascii_lowercase();
    n == "authorization"
        || n == "x-ms-content-sha256"
        || n.contains("signature")
        || n.contains("token")
        || n.contains("key")
        || n == "cookie"
        || n == "set-cookie"
}

/// Replaces secret-bearing query values (`sig`, `signature`, `token`, `*key*`) with
/// `sanitized`.
pub fn scrub_uri(uri: &str) -> String {
    let Some((head, query)) = uri.split_once('?') else {
        return uri.to_owned();
    };
    let parts: Vec<String> = query
        .split('&')
        .map(|pair| {
            let key = pair.split('=').next().unwrap_or("");
            if secret_field(key) {
                format!("{key}={SANITIZED}")
            } else {
                pair.to_owned()
            }
        })
        .collect();
    format!("{head}?{}", parts.join("&"))
}

/// Replaces JWT-looking strings in a JSON body with stand-ins of the same expiry, and other
/// tokens, keys and connection strings with `sanitized`.
pub fn scrub_json(value: &mut Value) {
    match value {
        Value::Object(map) => {
            for (key, v) in map.iter_mut() {
                match v {
                    Value::String(s) if looks_like_jwt(s) => *s = stand_in(s),
                    Value::String(_) | Value::Number(_) if secret_field(key) => {
                        *v = Value::String(SANITIZED.into());
                    }
                    _ => scrub_json(v),
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(scrub_json),
        Value::String(s) if looks_like_jwt(s) => *s = stand_in(s),
        Value::String(s) if s.to_ascii_lowercase().contains("accesskey=") => {
            *s = SANITIZED.into();
        }
        _ => {}
    }
}

fn secret_field(key: &str) -> bool {
    let k = key.to_ascii_lowercase();
    matches!(
        k.as_str(),
        "token" | "sig" | "signature" | "secret" | "password"
    ) || k.contains("accesskey")
        || k.ends_with("key")
}

/// True for `xxx.yyy.zzz` strings of base64url parts whose header starts like a JSON object
/// (`eyJ`).
pub fn looks_like_jwt(s: &str) -> bool {
    let parts: Vec<&str> = s.split('.').collect();
    parts.len() == 3
        && s.starts_with("eyJ")
        && parts.iter().take(2).all(|p| {
            !p.is_empty()
                && p.bytes().all(|b| {
                    b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'=' | b'+' | b'/')
                })
        })
}

/// A recorded response body made parseable again (see the module doc). `next_request_uri` is
/// the URI of the recorded request that followed this response, if it continued a listing.
pub fn restore_response_body(body: &Value, next_request_uri: Option<&str>) -> Value {
    let Value::Object(map) = body else {
        return body.clone();
    };
    let mut out = Map::new();
    for (key, v) in map {
        match v {
            Value::String(s) if sanitized(s) && key == "nextLink" => {
                if let Some(next) = next_request_uri {
                    out.insert(key.clone(), Value::String(next.to_owned()));
                }
            }
            Value::String(s) if sanitized(s) && LIST_FIELDS.contains(&key.as_str()) => {
                out.insert(key.clone(), Value::Array(Vec::new()));
            }
            Value::String(s) if sanitized(s) && key == "metadata" => {
                out.insert(key.clone(), Value::Object(Map::new()));
            }
            Value::Object(_) => {
                out.insert(key.clone(), restore_response_body(v, None));
            }
            Value::Array(items) => {
                let items = items
                    .iter()
                    .map(|i| restore_response_body(i, None))
                    .collect();
                out.insert(key.clone(), Value::Array(items));
            }
            _ => {
                out.insert(key.clone(), v.clone());
            }
        }
    }
    Value::Object(out)
}

/// The response of `entries[index]` as the service would have sent it: its body restored with
/// [`restore_response_body`], the following entry standing in for a sanitized `nextLink` when
/// it is a `GET` of the same path. Sanitized query values of that link become
/// `sanitized.<index of the following entry>`: the recorders gave every page the same
/// `syncState=sanitized`, and a pager refuses to follow one link twice. (The matcher still
/// matches the recorded `sanitized` with anything.)
pub fn restored_response_body(entries: &[Entry], index: usize) -> Option<Vec<u8>> {
    let entry = entries.get(index)?;
    let next = entries
        .get(index + 1)
        .filter(|n| n.request_method.eq_ignore_ascii_case("GET") && n.path() == entry.path())
        .map(|n| unique_link(&n.request_uri, index + 1));
    let body = restore_response_body(&entry.response_body, next.as_deref());
    Some(match &body {
        Value::Null => Vec::new(),
        Value::String(s) => s.as_bytes().to_vec(),
        other => serde_json::to_vec(other).unwrap_or_default(),
    })
}

fn unique_link(uri: &str, index: usize) -> String {
    let Some((head, query)) = uri.split_once('?') else {
        return uri.to_owned();
    };
    let parts: Vec<String> = query
        .split('&')
        .map(|pair| match pair.split_once('=') {
            Some((k, v)) if sanitized(v) => format!("{k}={SANITIZED}.{index}"),
            _ => pair.to_owned(),
        })
        .collect();
    format!("{head}?{}", parts.join("&"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::recording::fake_token;
    use serde_json::json;

    /// `{"alg":"HS256"}.{"exp":1700000000}.signature`
    const JWT: &str = "eyJhbGciOiJIUzI1NiJ9.eyJleHAiOjE3MDAwMDAwMDB9.c2lnbmF0dXJl";

    #[test]
    fn scrubs_headers_bodies_and_queries() {
        let mut entry = Entry {
            request_uri: "https://h/x?sig=abc&api-version=1".into(),
            request_method: "POST".into(),
            request_headers: [
                ("Authorization".to_owned(), "Bearer eyJ.a.b".to_owned()),
                ("x-ms-content-sha256".to_owned(), "47DEQ".to_owned()),
                ("Content-Type".to_owned(), "application/json".to_owned()),
            ]
            .into(),
            request_body: json!({"token": "t", "userId": "u", "nested": ["eyJhbGciOi.eyJleHAi.sig"]}),
            status_code: 201,
            response_headers: Default::default(),
            response_body: json!({"accessToken": {"token": JWT, "expiresOn": "x"}}),
        };
        scrub_entry(&mut entry);
        assert_eq!(entry.request_uri, "https://h/x?sig=sanitized&api-version=1");
        assert_eq!(entry.request_header("authorization"), Some("Sanitized"));
        assert_eq!(
            entry.request_header("x-ms-content-sha256"),
            Some("Sanitized")
        );
        assert_eq!(
            entry.request_header("content-type"),
            Some("application/json")
        );
        let stand_in = super::stand_in("eyJhbGciOi.eyJleHAi.sig");
        assert_eq!(
            entry.request_body,
            json!({"token": "sanitized", "userId": "u", "nested": [stand_in]})
        );
        let token = entry.response_body["accessToken"]["token"]
            .as_str()
            .unwrap();
        assert!(!token.contains("c2lnbmF0dXJl"), "{token}");
        assert_eq!(fake_token::expiry(token), Some(1_700_000_000));
        assert_eq!(entry.response_body["accessToken"]["expiresOn"], "x");
    }

    #[test]
    fn restores_sanitized_collections_and_links() {
        let body = json!({"value": "sanitized", "nextLink": "sanitized"});
        assert_eq!(
            restore_response_body(&body, Some("https://h/next")),
            json!({"value": [], "nextLink": "https://h/next"})
        );
        assert_eq!(restore_response_body(&body, None), json!({"value": []}));
        let kept = json!({"chatThread": {"id": "sanitized"}});
        assert_eq!(restore_response_body(&kept, None), kept);
    }
}
