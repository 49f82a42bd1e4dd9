//! At-least-once delivery under injected faults (drops, duplicates, delays, reorders, and a
//! webhook answering 5xx and 429): every event arrives, and a receiver that deduplicates by id
//! sees each exactly once. Dead-lettering after the last attempt, and the faults over HTTP.

mod emulator_support;
mod events_support;

use std::collections::HashSet;
use std::time::Duration;

use chat_core::events::{Event, Webhook};
use chat_testkit::emulator::{
    DeliveryFault, DeliveryFaultRule, DeliverySchema, Subscription, WebhookReceiver,
};
use events_support::{quickstart, sequence, short, subscribed, Flow, QUICKSTART_EVENTS, WAIT};
use serde_json::{json, Value};

/// The events as a receiver that deduplicates by id sees them: the first arrival of each.
fn deduplicated(events: Vec<Event>) -> Vec<Event> {
    let mut seen = HashSet::new();
    events
        .into_iter()
        .filter(|e| seen.insert(e.id.clone()))
        .collect()
}

fn position(flow: &Flow, events: &[Event], line: &str) -> usize {
    sequence(flow, events)
        .iter()
        .position(|l| l == line)
        .unwrap_or_else(|| panic!("{line} not delivered"))
}

#[test]
fn under_delivery_faults_every_event_arrives_and_deduplication_sees_each_once() {
    let (clean, clean_receiver, _) = subscribed(DeliverySchema::EventGrid);
    let clean_flow = quickstart(&clean);
    assert!(clean.wait_for_deliveries(WAIT));
    let mut expected = sequence(&clean_flow, &clean_receiver.events());
    expected.sort();

    for schema in [DeliverySchema::EventGrid, DeliverySchema::CloudEvents] {
        let emulator = events_support::emulator();
        let receiver = WebhookReceiver::start(Webhook::new()).unwrap();
        emulator
            .subscribe(
                Subscription::new(receiver.url())
                    .schema(schema)
                    .retry_backoff(Duration::from_millis(2)),
            )
            .unwrap();
        emulator.inject_delivery_fault(DeliveryFaultRule::new(DeliveryFault::Drop).times(5));
        emulator.inject_delivery_fault(
            DeliveryFaultRule::new(DeliveryFault::Duplicate)
                .event_type("Microsoft.Communication.ChatMessageReceived")
                .times(2),
        );
        emulator.inject_delivery_fault(DeliveryFaultRule::new(DeliveryFault::Duplicate).times(2));
        emulator.inject_delivery_fault(
            DeliveryFaultRule::new(DeliveryFault::delay(Duration::from_millis(30))).times(6),
        );
        emulator.inject_delivery_fault(
            DeliveryFaultRule::new(DeliveryFault::Reorder)
                .event_type("Microsoft.Communication.ChatMessageReceivedInThread")
                .times(1),
        );
        receiver.fail_next([500, 503, 429, 502]);

        let flow = quickstart(&emulator);
        assert!(
            emulator.wait_for_deliveries(WAIT),
            "{:?}",
            emulator.subscriptions()
        );
        let status = &emulator.subscriptions()[0];
        assert!(status.dead_lettered.is_empty(), "{status:?}");
        assert_eq!(status.delivered, QUICKSTART_EVENTS as u64);
        // 5 drops and 4 failing answers were retried.
        assert_eq!(status.failed_attempts, 9, "{status:?}");

        let arrived = receiver.events();
        assert_eq!(arrived.len(), QUICKSTART_EVENTS + 4, "4 duplicates");
        let unique = deduplicated(arrived);
        assert_eq!(unique.len(), QUICKSTART_EVENTS);
        let mut got = sequence(&flow, &unique);
        got.sort();
        assert_eq!(got, expected, "each event exactly once after deduplication");

        // The first message's thread-scoped event was overtaken by the next one.
        let in_thread = position(
            &flow,
            &unique,
            "ChatMessageReceivedInThread thread/[thread]/sender/[me]",
        );
        let per_user = position(
            &flow,
            &unique,
            "ChatMessageReceived thread/[thread]/sender/[me]/recipient/[bob]",
        );
        assert!(per_user < in_thread, "{:?}", sequence(&flow, &unique));
    }
}

#[test]
fn a_batch_is_dead_lettered_after_its_last_attempt_or_at_once_on_400() {
    let emulator = events_support::emulator();
    let receiver = WebhookReceiver::start(Webhook::new()).unwrap();
    emulator
        .subscribe(
            Subscription::new(receiver.url())
                .max_delivery_attempts(3)
                .retry_backoff(Duration::from_millis(10)),
        )
        .unwrap();
    receiver.fail_next([500, 500, 500, 400]);
    quickstart(&emulator);
    assert!(emulator.wait_for_deliveries(WAIT));
    let status = &emulator.subscriptions()[0];
    assert_eq!(status.dead_lettered.len(), 2, "{status:?}");
    assert_eq!(status.failed_attempts, 4);
    assert_eq!(status.delivered, QUICKSTART_EVENTS as u64 - 2);
    let received: HashSet<String> = receiver.events().into_iter().map(|e| e.id).collect();
    assert_eq!(received.len(), QUICKSTART_EVENTS - 2);
    assert!(status.dead_lettered.iter().all(|id| !received.contains(id)));
}

#[test]
fn subscriptions_and_delivery_faults_over_http() {
    let emulator = events_support::emulator();
    let receiver = WebhookReceiver::start(Webhook::new()).unwrap();
    let addr = emulator.local_addr();
    let post = |path: &str, body: &Value| {
        emulator_support::send(
            addr,
            "POST",
            path,
            &[("Content-Type", "application/json")],
            body.to_string().as_bytes(),
        )
        .unwrap()
    };
    let created = post(
        "/_emulator/subscriptions",
        &json!({"url": receiver.url(), "schema": "cloudevents", "maxEventsPerBatch": 5}),
    );
    assert_eq!(created.status, 201);
    let id = created.json()["id"].as_str().unwrap().to_owned();
    assert_eq!(created.json()["state"], "validating");
    assert_eq!(
        post("/_emulator/subscriptions", &json!({"url": "ftp://x"})).status,
        400
    );
    for fault in [json!({"kind": "drop"}), json!({"kind": "duplicate"})] {
        let rule = post(
            "/_emulator/delivery-faults",
            &json!({"fault": fault, "times": 1}),
        );
        assert_eq!(rule.status, 201);
    }
    let get = |path: &str| emulator_support::send(addr, "GET", path, &[], b"").unwrap();
    assert_eq!(
        get("/_emulator/delivery-faults").json()["value"]
            .as_array()
            .unwrap()
            .len(),
        2
    );

    let flow = quickstart(&emulator);
    assert!(emulator.wait_for_deliveries(WAIT));
    assert_eq!(get("/_emulator/delivery-faults").json()["value"], json!([]));
    let status = get(&format!("/_emulator/subscriptions/{id}")).json();
    assert_eq!(status["state"], "active");
    assert_eq!(status["delivered"], QUICKSTART_EVENTS);
    assert_eq!(status["failedAttempts"], 1);
    assert_eq!(status["pending"], 0);
    assert_eq!(get("/_emulator/subscriptions").json()["value"][0]["id"], id);
    let unique = deduplicated(receiver.events());
    assert_eq!(unique.len(), QUICKSTART_EVENTS);
    assert!(receiver.events().len() > QUICKSTART_EVENTS);
    assert!(sequence(&flow, &unique)
        .iter()
        .all(|l| !short(l).is_empty()));

    let delete = |path: &str| emulator_support::send(addr, "DELETE", path, &[], b"").unwrap();
    assert_eq!(
        delete(&format!("/_emulator/subscriptions/{id}")).status,
        204
    );
    assert_eq!(
        delete(&format!("/_emulator/subscriptions/{id}")).status,
        404
    );
    assert_eq!(delete("/_emulator/delivery-faults").status, 204);
}
