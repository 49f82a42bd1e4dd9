//! The webhook handshakes for both envelopes, the shared secret (query parameter and header;
//! right, wrong and missing), and what is refused.

use chat_core::events::{
    accepted, EventData, EventError, SharedSecret, Webhook, WebhookAction, WEBHOOK_ALLOWED_ORIGIN,
    WEBHOOK_ALLOWED_RATE, WEBHOOK_REQUEST_ORIGIN,
};
use chat_core::http::{Request, Response};
use chat_core::Error;

const VALIDATION: &str = r#"[{
  "id": "2d1781af-3a4c-4d7c-bd0c-e34b19da4e66",
  "topic": "/subscriptions/xx/resourceGroups/g/providers/Microsoft.Communication/communicationServices/acs",
  "subject": "",
  "data": {
    "validationCode": "512d38b6-c7b8-40c8-89fe-f46f9e9622b6",
    "validationUrl": "https://rp-eastus2.eventgrid.azure.net:553/eventsubscriptions/sub/validate?id=512d38b6&t=2018-04-26T20:30:54.4538837Z"
  },
  "eventType": "Microsoft.EventGrid.SubscriptionValidationEvent",
  "eventTime": "2018-01-25T22:12:19.4556811Z",
  "metadataVersion": "1",
  "dataVersion": "1"
}]"#;

const EVENT_GRID_DELIVERY: &str = r#"[{
  "id": "17d9c39d-0c58-4ed8-947d-c55959f57f75",
  "topic": "/subscriptions/xx/resourceGroups/g/providers/Microsoft.Communication/communicationServices/acs",
  "subject": "thread/19:t@thread.v2/deletedBy/8:acs:r_a",
  "data": {
    "threadId": "19:t@thread.v2", "transactionId": "tx",
    "deletedByCommunicationIdentifier": {"rawId": "8:acs:r_a", "communicationUser": {"id": "8:acs:r_a"}}
  },
  "eventType": "Microsoft.Communication.ChatThreadDeleted",
  "eventTime": "2021-02-20T00:00:42.5428002Z",
  "dataVersion": "1.0",
  "metadataVersion": "1"
}]"#;

const CLOUD_EVENT: &str = r#"{
  "specversion": "1.0",
  "id": "3024eb5d-1d71-49d1-878c-7dc3165433d9",
  "source": "/subscriptions/xx/resourceGroups/g/providers/Microsoft.Communication/communicationServices/acs",
  "type": "Microsoft.Communication.ChatThreadDeleted",
  "time": "2021-02-20T00:00:42.5428002Z",
  "data": {
    "threadId": "19:t@thread.v2", "transactionId": "tx",
    "deletedByCommunicationIdentifier": {"rawId": "8:acs:r_a", "communicationUser": {"id": "8:acs:r_a"}}
  }
}"#;

fn post(uri: &str, body: &str) -> Request<Vec<u8>> {
    Request::post(uri)
        .header("content-type", "application/json")
        .body(body.as_bytes().to_vec())
        .unwrap()
}

fn options(uri: &str, origin: Option<&str>) -> Request<Vec<u8>> {
    let mut builder = Request::options(uri).header("WebHook-Request-Rate", "120");
    if let Some(origin) = origin {
        builder = builder.header("WebHook-Request-Origin", origin);
    }
    builder.body(Vec::new()).unwrap()
}

fn respond(action: WebhookAction) -> Response<Vec<u8>> {
    match action {
        WebhookAction::Respond(response) => response,
        other => panic!("expected a handshake answer, got {other:?}"),
    }
}

fn reject(action: WebhookAction) -> (u16, EventError) {
    match action {
        WebhookAction::Reject {
            response,
            error: Error::Event(error),
        } => {
            let body: serde_json::Value = serde_json::from_slice(response.body()).unwrap();
            assert_eq!(body["error"]["message"], error.to_string());
            assert_eq!(response.status().as_u16(), error.status());
            (response.status().as_u16(), error)
        }
        other => panic!("expected a refusal, got {other:?}"),
    }
}

fn deliver(action: WebhookAction) -> Vec<chat_core::events::Event> {
    match action {
        WebhookAction::Deliver(events) => events,
        other => panic!("expected events, got {other:?}"),
    }
}

#[test]
fn event_grid_validation_is_answered_with_the_code() {
    let response = respond(Webhook::new().handle(&post("https://app/events", VALIDATION)));
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], "application/json");
    let body: serde_json::Value = serde_json::from_slice(response.body()).unwrap();
    assert_eq!(
        body,
        serde_json::json!({"validationResponse": "512d38b6-c7b8-40c8-89fe-f46f9e9622b6"})
    );
}

#[test]
fn a_validation_without_a_code_is_refused() {
    let body = VALIDATION.replace("validationCode", "code");
    let (status, error) = reject(Webhook::new().handle(&post("https://app/events", &body)));
    assert_eq!(status, 400);
    assert_eq!(error, EventError::MissingValidationCode);
}

#[test]
fn cloud_events_abuse_protection_grants_the_origin() {
    let response =
        respond(Webhook::new().handle(&options("https://app/events", Some("eventgrid.azure.net"))));
    assert_eq!(response.status(), 200);
    assert_eq!(
        response.headers()[WEBHOOK_ALLOWED_ORIGIN],
        "eventgrid.azure.net"
    );
    assert_eq!(response.headers()[WEBHOOK_ALLOWED_RATE], "*");
    assert!(response.body().is_empty());
}

#[test]
fn cloud_events_origins_can_be_restricted() {
    let webhook = Webhook::new().allowed_origins(["eventgrid.azure.net"]);
    let response =
        respond(webhook.handle(&options("https://app/events", Some("EventGrid.Azure.net"))));
    assert_eq!(
        response.headers()[WEBHOOK_ALLOWED_ORIGIN],
        "EventGrid.Azure.net"
    );
    let (status, error) =
        reject(webhook.handle(&options("https://app/events", Some("evil.example"))));
    assert_eq!(status, 403);
    assert_eq!(
        error,
        EventError::OriginNotAllowed {
            origin: "evil.example".into()
        }
    );
    let (status, error) = reject(webhook.handle(&options("https://app/events", None)));
    assert_eq!((status, error), (400, EventError::MissingOrigin));
    assert_eq!(WEBHOOK_REQUEST_ORIGIN, "webhook-request-origin");
}

#[test]
fn deliveries_in_both_envelopes_reach_the_application() {
    let webhook = Webhook::new();
    let grid = deliver(webhook.handle(&post("https://app/events", EVENT_GRID_DELIVERY)));
    let single = deliver(webhook.handle(&post("https://app/events", CLOUD_EVENT)));
    let batch_body = format!("[{CLOUD_EVENT},{CLOUD_EVENT}]");
    let batch = Request::post("https://app/events")
        .header(
            "content-type",
            "application/cloudevents-batch+json; charset=utf-8",
        )
        .body(batch_body.into_bytes())
        .unwrap();
    let batch = deliver(webhook.handle(&batch));
    assert_eq!((grid.len(), single.len(), batch.len()), (1, 1, 2));
    for event in grid.iter().chain(&single).chain(&batch) {
        let EventData::ChatThreadDeleted(deleted) = &event.data else {
            panic!("{event:?}")
        };
        assert_eq!(deleted.deleted_by.raw_id(), "8:acs:r_a");
    }
    assert_eq!(accepted().status(), 200);
}

/// Each handshake and each delivery, at `uri`, with `header` (name, value) added.
fn all_requests(uri: &str, header: Option<(&str, &str)>) -> Vec<Request<Vec<u8>>> {
    let mut requests = vec![
        post(uri, VALIDATION),
        post(uri, EVENT_GRID_DELIVERY),
        post(uri, CLOUD_EVENT),
        options(uri, Some("eventgrid.azure.net")),
    ];
    if let Some((name, value)) = header {
        for r in &mut requests {
            let name = chat_core::http::HeaderName::from_bytes(name.as_bytes()).unwrap();
            r.headers_mut().append(name, value.parse().unwrap());
        }
    }
    requests
}

#[test]
fn a_query_secret_is_required_on_handshakes_and_deliveries() {
    let webhook = Webhook::new().require_secret(SharedSecret::query("code", "s3cret"));
    for request in all_requests("https://app/events?x=1&code=s3cret", None) {
        assert!(!matches!(
            webhook.handle(&request),
            WebhookAction::Reject { .. }
        ));
    }
    for uri in [
        "https://app/events",
        "https://app/events?code=",
        "https://app/events?code=s3cre",
        "https://app/events?code=s3cret2",
        "https://app/events?Code=s3cret",
        "https://app/events?other=s3cret",
    ] {
        for request in all_requests(uri, Some(("code", "s3cret"))) {
            assert_eq!(
                reject(webhook.handle(&request)),
                (401, EventError::Unauthorized),
                "{uri}"
            );
        }
    }
    // Percent-encoded values are decoded before the comparison.
    let encoded = Webhook::new().require_secret(SharedSecret::query("code", "a b&c"));
    let request = post("https://app/events?code=a%20b%26c", EVENT_GRID_DELIVERY);
    assert_eq!(deliver(encoded.handle(&request)).len(), 1);
}

#[test]
fn a_header_secret_is_required_on_handshakes_and_deliveries() {
    let webhook = Webhook::new().require_secret(SharedSecret::header("X-Webhook-Key", "s3cret"));
    for request in all_requests("https://app/events", Some(("x-webhook-key", "s3cret"))) {
        assert!(!matches!(
            webhook.handle(&request),
            WebhookAction::Reject { .. }
        ));
    }
    for header in [
        None,
        Some(("x-webhook-key", "wrong")),
        Some(("x-webhook-key", "")),
        Some(("x-other-key", "s3cret")),
    ] {
        for request in all_requests("https://app/events?code=s3cret", header) {
            assert_eq!(
                reject(webhook.handle(&request)),
                (401, EventError::Unauthorized),
                "{header:?}"
            );
        }
    }
}

#[test]
fn rotated_secrets_are_each_accepted() {
    let webhook = Webhook::new()
        .require_secret(SharedSecret::query("code", "old"))
        .require_secret(SharedSecret::header("x-key", "new"));
    let by_query = post("https://app/events?code=old", EVENT_GRID_DELIVERY);
    let mut by_header = post("https://app/events", EVENT_GRID_DELIVERY);
    by_header
        .headers_mut()
        .insert("x-key", "new".parse().unwrap());
    assert_eq!(deliver(webhook.handle(&by_query)).len(), 1);
    assert_eq!(deliver(webhook.handle(&by_header)).len(), 1);
    let neither = post("https://app/events?code=new", EVENT_GRID_DELIVERY);
    assert_eq!(reject(webhook.handle(&neither)).0, 401);
}

#[test]
fn other_methods_and_unreadable_bodies_are_refused() {
    let webhook = Webhook::new();
    let get = Request::get("https://app/events").body(Vec::new()).unwrap();
    let WebhookAction::Reject { response, error } = webhook.handle(&get) else {
        panic!()
    };
    assert_eq!(response.status(), 405);
    assert_eq!(response.headers()["allow"], "POST, OPTIONS");
    assert_eq!(
        error,
        Error::Event(EventError::Method {
            method: "GET".into()
        })
    );
    assert!(matches!(
        reject(webhook.handle(&post("https://app/events", "{not json"))),
        (400, EventError::Body { .. })
    ));
    assert!(matches!(
        reject(webhook.handle(&post("https://app/events", r#"[{"id": "1"}]"#))),
        (400, EventError::Envelope { index: 0, .. })
    ));
    let huge = vec![b' '; chat_core::events::MAX_DELIVERY_BYTES + 1];
    let request = Request::post("https://app/events").body(huge).unwrap();
    assert!(matches!(
        reject(webhook.handle(&request)),
        (413, EventError::TooLarge { .. })
    ));
}

#[test]
fn a_validation_event_among_other_events_is_delivered_not_answered() {
    let body = format!(
        "[{},{}]",
        VALIDATION
            .trim()
            .trim_start_matches('[')
            .trim_end_matches(']'),
        EVENT_GRID_DELIVERY
            .trim()
            .trim_start_matches('[')
            .trim_end_matches(']')
    );
    let events = deliver(Webhook::new().handle(&post("https://app/events", &body)));
    assert!(matches!(
        events[0].data,
        EventData::SubscriptionValidation(_)
    ));
    assert!(matches!(events[1].data, EventData::ChatThreadDeleted(_)));
}
