//! Values a client makes up afresh on every run, replaced in recorded requests by `sanitized`
//! so that playback matches whatever the client sends there next time.
//!
//! - the headers in [`CLIENT_HEADERS`] (the idempotency key of create thread is a new UUID on
//!   every run);
//! - times the client reads from its clock: an RFC 3339 date-time in a query parameter or a
//!   JSON body field whose name ends in `Time` or `On` (`startTime` of the listings,
//!   `shareHistoryTime` of a participant).
//!
//! Request ids, `x-ms-date`, signatures and the authorization header need nothing here: the
//! matcher never compares them ([`super::matching::IGNORED_HEADERS`]). Responses are left as
//! they are: what the service generated (thread and message ids, versions, its own times) is
//! what the client must see again in playback.

use serde_json::Value;
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

use super::compare::percent_decode;
use super::format::Entry;
use super::scrub::{SANITIZED, SANITIZED_HEADER};

/// Request headers whose value a client generates for every call.
pub const CLIENT_HEADERS: [&str; 2] = ["repeatability-request-id", "repeatability-first-sent"];

/// Replaces the client-generated values of `entry`'s request with `sanitized`, in place.
pub fn sanitize_client_values(entry: &mut Entry) {
    for (name, value) in &mut entry.request_headers {
        if CLIENT_HEADERS.iter().any(|h| name.eq_ignore_ascii_case(h)) {
            *value = SANITIZED_HEADER.to_owned();
        }
    }
    entry.request_uri = sanitize_query_times(&entry.request_uri);
    sanitize_body_times(&mut entry.request_body);
}

fn sanitize_query_times(uri: &str) -> String {
    let Some((head, query)) = uri.split_once('?') else {
        return uri.to_owned();
    };
    let parts: Vec<String> = query
        .split('&')
        .map(|pair| match pair.split_once('=') {
            Some((k, v)) if time_field(&percent_decode(k)) && is_time(&percent_decode(v)) => {
                format!("{k}={SANITIZED}")
            }
            _ => pair.to_owned(),
        })
        .collect();
    format!("{head}?{}", parts.join("&"))
}

fn sanitize_body_times(value: &mut Value) {
    match value {
        Value::Object(map) => {
            for (key, v) in map.iter_mut() {
                match v {
                    Value::String(s) if time_field(key) && is_time(s) => {
                        *s = SANITIZED.to_owned();
                    }
                    other => sanitize_body_times(other),
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(sanitize_body_times),
        _ => {}
    }
}

fn time_field(name: &str) -> bool {
    name.ends_with("Time") || name.ends_with("On")
}

fn is_time(value: &str) -> bool {
    OffsetDateTime::parse(value, &Rfc3339).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn sanitizes_idempotency_keys_and_client_times_only() {
        let mut entry = Entry {
            request_uri: "https://h/chat/threads/t/messages?maxPageSize=2&startTime=2024-05-01T10%3A00%3A00Z&api-version=2024-03-07".into(),
            request_method: "POST".into(),
            request_headers: [
                ("Repeatability-Request-Id".to_owned(), "6f0c…".to_owned()),
                ("Content-Type".to_owned(), "application/json".to_owned()),
            ]
            .into(),
            request_body: json!({
                "topic": "2024-05-01T10:00:00Z",
                "participants": [{"id": "8:acs:x", "shareHistoryTime": "2024-05-01T10:00:00.123Z"}],
                "metadata": {"dueOn": "tomorrow"},
            }),
            status_code: 201,
            response_headers: Default::default(),
            response_body: json!({"createdOn": "2024-05-01T10:00:00Z"}),
        };
        sanitize_client_values(&mut entry);
        assert_eq!(
            entry.request_uri,
            "https://h/chat/threads/t/messages?maxPageSize=2&startTime=sanitized&api-version=2024-03-07"
        );
        assert_eq!(
            entry.request_header("repeatability-request-id"),
            Some("Sanitized")
        );
        assert_eq!(
            entry.request_header("content-type"),
            Some("application/json")
        );
        assert_eq!(
            entry.request_body,
            json!({
                "topic": "2024-05-01T10:00:00Z",
                "participants": [{"id": "8:acs:x", "shareHistoryTime": "sanitized"}],
                "metadata": {"dueOn": "tomorrow"},
            })
        );
        assert_eq!(
            entry.response_body,
            json!({"createdOn": "2024-05-01T10:00:00Z"})
        );
    }
}
