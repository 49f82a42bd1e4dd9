//! The emulator delivers the events its operations cause, in both schemas: the quickstart gives
//! exactly the expected sequence (a snapshot, ids named and times left out), with values from
//! the emulator's state; subscriptions filter by type and thread; handshakes are required.

mod events_support;

use chat_core::events::{EventData, EventSchema, SharedSecret, Webhook};
use chat_testkit::emulator::{DeliverySchema, Subscription, SubscriptionState, WebhookReceiver};
use events_support::{quickstart, sequence, subscribed, QUICKSTART_EVENTS, WAIT};

#[test]
fn quickstart_delivers_the_expected_events_in_both_schemas() {
    let mut sequences = Vec::new();
    for (schema, envelope) in [
        (DeliverySchema::EventGrid, EventSchema::EventGrid),
        (DeliverySchema::CloudEvents, EventSchema::CloudEvents),
    ] {
        let (emulator, receiver, id) = subscribed(schema);
        let flow = quickstart(&emulator);
        assert!(
            emulator.wait_for_deliveries(WAIT),
            "{:?}",
            emulator.subscriptions()
        );
        let status = &emulator.subscriptions()[0];
        assert_eq!(status.id, id);
        assert_eq!(status.state, SubscriptionState::Active);
        assert_eq!(status.delivered, QUICKSTART_EVENTS as u64);
        assert!(status.dead_lettered.is_empty());
        assert_eq!(receiver.handshakes(), 1);
        let events = receiver.events();
        assert_eq!(events.len(), QUICKSTART_EVENTS);
        assert!(events.iter().all(|e| e.schema == envelope));
        let mut ids: Vec<&str> = events.iter().map(|e| e.id.as_str()).collect();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), QUICKSTART_EVENTS, "event ids are unique");
        check_values(&flow, &events);
        sequences.push(sequence(&flow, &events));
    }
    assert_eq!(sequences[0], sequences[1]);
    insta::assert_debug_snapshot!("quickstart_event_sequence", sequences[0]);
}

/// The events carry the emulator's own values.
fn check_values(flow: &events_support::Flow, events: &[chat_core::events::Event]) {
    let mut seen = 0;
    for event in events {
        assert_eq!(event.data.thread_id(), Some(flow.thread_id.as_str()));
        assert!(event.time.is_some() && event.source.is_some());
        match &event.data {
            EventData::ChatMessageReceived(m) => {
                assert_eq!(m.sender.raw_id(), flow.me);
                assert_eq!(m.recipient.as_ref().unwrap().raw_id(), flow.bob);
                assert!(m.message_id == flow.text_id || m.message_id == flow.html_id);
                assert_eq!(m.version, Some(m.message_id.parse().unwrap()));
                assert_eq!(m.sender_display_name.as_deref(), Some("Me"));
                let (body, kind) = if m.message_id == flow.text_id {
                    ("Hello, world!", "Text")
                } else {
                    ("<p>Hello, <b>world</b>!</p>", "Html")
                };
                assert_eq!(
                    (m.message_body.as_deref(), m.message_type.as_str()),
                    (Some(body), kind)
                );
                seen += 1;
            }
            EventData::ChatMessageEditedInThread(m) => {
                assert_eq!(m.message_id, flow.text_id);
                assert_eq!(m.message_body, "Hello, edited world!");
                assert!(m.version.unwrap() > m.message_id.parse::<i64>().unwrap());
                assert!(m.edit_time.is_some());
                seen += 1;
            }
            EventData::ChatMessageDeleted(m) => {
                assert_eq!(m.message_id, flow.html_id);
                assert!(m.delete_time.is_some());
                seen += 1;
            }
            EventData::ChatThreadCreatedWithUser(t) => {
                assert_eq!(t.created_by.raw_id(), flow.me);
                assert_eq!(t.properties["topic"], "Quickstart");
                let names: Vec<_> = t
                    .participants
                    .iter()
                    .map(|p| (p.identifier.raw_id(), p.display_name.as_deref()))
                    .collect();
                assert_eq!(
                    names,
                    [
                        (flow.me.as_str(), Some("Me")),
                        (flow.bob.as_str(), Some("Bob"))
                    ]
                );
                seen += 1;
            }
            EventData::ChatThreadPropertiesUpdated(t) => {
                assert_eq!(t.properties["topic"], "Quickstart, updated");
                assert_eq!(t.edited_by.raw_id(), flow.me);
                seen += 1;
            }
            EventData::ChatParticipantAddedToThreadWithUser(p) => {
                assert_eq!(p.participant_added.identifier.raw_id(), flow.carol);
                assert_eq!(p.participant_added.display_name.as_deref(), Some("Carol"));
                seen += 1;
            }
            EventData::ChatThreadParticipantRemoved(p) => {
                assert_eq!(p.participant_removed.identifier.raw_id(), flow.carol);
                assert_eq!(p.removed_by.raw_id(), flow.me);
                seen += 1;
            }
            EventData::ChatTypingIndicatorReceivedInThread(t) => {
                assert_eq!(t.sender.raw_id(), flow.me);
                assert_eq!(t.sender_display_name.as_deref(), Some("Me"));
                seen += 1;
            }
            EventData::ChatThreadWithUserDeleted(t) => {
                assert_eq!(t.deleted_by.raw_id(), flow.me);
                seen += 1;
            }
            _ => {}
        }
    }
    // 2 received, 1 edited in thread, 1 deleted, 2 created with user, 1 properties updated,
    // 3 added to thread with user, 1 removed from thread, 1 typing, 2 deleted with user.
    assert_eq!(seen, 14);
}

#[test]
fn subscriptions_filter_by_event_type_and_thread() {
    let (emulator, all, _) = subscribed(DeliverySchema::EventGrid);
    let received = WebhookReceiver::start(Webhook::new()).unwrap();
    emulator
        .subscribe(
            Subscription::new(received.url())
                .schema(DeliverySchema::CloudEvents)
                .event_types(["Microsoft.Communication.ChatMessageReceivedInThread"])
                .max_events_per_batch(10),
        )
        .unwrap();
    let elsewhere = WebhookReceiver::start(Webhook::new()).unwrap();
    emulator
        .subscribe(Subscription::new(elsewhere.url()).thread("19:another@thread.v2"))
        .unwrap();
    let flow = quickstart(&emulator);
    assert!(emulator.wait_for_deliveries(WAIT));
    assert_eq!(all.events().len(), QUICKSTART_EVENTS);
    let messages: Vec<String> = received
        .events()
        .iter()
        .map(|e| match &e.data {
            EventData::ChatMessageReceivedInThread(m) => m.message_id.clone(),
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(messages, [flow.text_id, flow.html_id]);
    assert!(elsewhere.events().is_empty());
    assert_eq!(elsewhere.handshakes(), 1);
}

#[test]
fn no_events_are_built_before_a_subscription_and_none_after_it_is_removed() {
    let emulator = events_support::emulator();
    quickstart(&emulator);
    let receiver = WebhookReceiver::start(Webhook::new()).unwrap();
    let id = emulator
        .subscribe(Subscription::new(receiver.url()))
        .unwrap();
    assert!(emulator.wait_for_deliveries(WAIT));
    assert!(receiver.events().is_empty());
    quickstart(&emulator);
    assert!(emulator.wait_for_deliveries(WAIT));
    assert_eq!(receiver.events().len(), QUICKSTART_EVENTS);
    assert!(emulator.unsubscribe(&id));
    assert!(!emulator.unsubscribe(&id));
    quickstart(&emulator);
    assert!(emulator.subscriptions().is_empty());
    assert_eq!(receiver.events().len(), QUICKSTART_EVENTS);
}

#[test]
fn a_webhook_that_refuses_the_handshake_gets_no_events() {
    let emulator = events_support::emulator();
    let guarded = Webhook::new().require_secret(SharedSecret::header("x-key", "s3cret"));
    for schema in [DeliverySchema::EventGrid, DeliverySchema::CloudEvents] {
        let receiver = WebhookReceiver::start(guarded.clone()).unwrap();
        let refused = emulator
            .subscribe(Subscription::new(receiver.url()).schema(schema))
            .unwrap();
        let accepted = emulator
            .subscribe(
                Subscription::new(receiver.url())
                    .schema(schema)
                    .header("x-key", "s3cret"),
            )
            .unwrap();
        quickstart(&emulator);
        assert!(emulator.wait_for_deliveries(WAIT));
        let statuses = emulator.subscriptions();
        let status = |id: &str| statuses.iter().find(|s| s.id == id).unwrap().clone();
        let refused = status(&refused);
        assert_eq!(refused.state, SubscriptionState::Failed);
        assert_eq!(
            refused.failure.as_deref(),
            Some("validation failed: the webhook answered 401")
        );
        assert_eq!((refused.attempts, refused.pending), (0, 0));
        assert_eq!(status(&accepted).state, SubscriptionState::Active);
        assert_eq!(receiver.refused(), 1);
        assert_eq!(receiver.events().len(), QUICKSTART_EVENTS);
        for id in [refused.id, accepted] {
            emulator.unsubscribe(&id);
        }
    }
}

#[test]
fn subscriptions_are_checked() {
    let emulator = events_support::emulator();
    for bad in [
        Subscription::new("https://127.0.0.1/events"),
        Subscription::new("not a url"),
        Subscription::new("http://127.0.0.1/events").event_types(["Microsoft.Communication.Nope"]),
        Subscription::new("http://127.0.0.1/events").max_events_per_batch(0),
        Subscription::new("http://127.0.0.1/events").header("bad header", "x"),
    ] {
        assert!(emulator.subscribe(bad.clone()).is_err(), "{bad:?}");
    }
    assert!(emulator.subscriptions().is_empty());
}
