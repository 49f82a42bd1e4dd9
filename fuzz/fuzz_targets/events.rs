//! The events parser and the webhook handshake, on any request: never a panic; a parsed
//! delivery written back reads again to the same events; the webhook's answer agrees with the
//! parser and the shared secret.
#![no_main]

use arbitrary::Arbitrary;
use chat_core::events::{parse_events, SharedSecret, Webhook, WebhookAction};
use chat_core::http::{Method, Request};
use libfuzzer_sys::fuzz_target;

#[derive(Arbitrary, Debug)]
struct Input<'a> {
    method: u8,
    query: &'a str,
    headers: Vec<(&'a str, &'a str)>,
    body: &'a [u8],
}

fn request(input: &Input<'_>) -> Option<Request<Vec<u8>>> {
    let method = match input.method % 4 {
        0 | 1 => Method::POST,
        2 => Method::OPTIONS,
        _ => Method::GET,
    };
    let uri = format!("https://app.example/events?{}", input.query);
    let mut builder = Request::builder().method(method).uri(uri);
    for (name, value) in input.headers.iter().take(8) {
        builder = builder.header(*name, *value);
    }
    builder.body(input.body.to_vec()).ok()
}

fuzz_target!(|input: Input<'_>| {
    // The parser alone: what it reads, it writes back and reads again the same.
    if let Ok(events) = parse_events(input.body) {
        let written = serde_json::to_vec(&events).unwrap();
        let again = parse_events(&written).unwrap();
        assert_eq!(serde_json::to_vec(&again).unwrap(), written);
    }

    let Some(request) = request(&input) else {
        return;
    };
    let open = Webhook::new();
    let guarded = Webhook::new()
        .require_secret(SharedSecret::query("code", "s3cret"))
        .require_secret(SharedSecret::header("x-key", "s3cret"));
    for webhook in [&open, &guarded] {
        match webhook.handle(&request) {
            WebhookAction::Deliver(events) => {
                assert_eq!(request.method(), Method::POST);
                assert_eq!(Ok(events), parse_events(request.body()));
            }
            WebhookAction::Respond(response) => {
                assert_eq!(response.status(), 200);
            }
            WebhookAction::Reject { response, .. } => {
                assert!(response.status().is_client_error());
            }
        }
    }
    // A request the guarded webhook lets through carries the secret.
    if !matches!(guarded.handle(&request), WebhookAction::Reject { .. }) {
        let in_query = url::form_urlencoded::parse(input.query.as_bytes())
            .any(|(name, value)| name == "code" && value == "s3cret");
        let in_header = request
            .headers()
            .get_all("x-key")
            .iter()
            .any(|v| v.as_bytes() == b"s3cret");
        assert!(in_query || in_header, "{input:?}");
    }
});
