//! Every example payload of the Event Grid schema (vendored in `eventgrid/examples/`) parses
//! into its typed event (a debug snapshot per file), loses nothing, round-trips, and is
//! delivered through the webhook.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use chat_core::events::{parse_events, Event, EventData, EventSchema, Webhook, WebhookAction};
use chat_core::http::Request;
use serde_json::Value;

/// Event types the upstream examples use that the schema does not define.
const LEGACY_TYPES: [&str; 3] = [
    "Microsoft.Communication.ChatMemberAddedToThreadWithUser",
    "Microsoft.Communication.ChatMemberRemovedFromThreadWithUser",
    "Microsoft.Communication.ChatAzureBotCommand",
];

fn examples() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("eventgrid/examples");
    let mut files = Vec::new();
    let mut dirs = vec![root];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                dirs.push(path);
            } else if path.extension().is_some_and(|e| e == "json") {
                files.push(path);
            }
        }
    }
    files.sort();
    files
}

/// `cloud-events-schema/chat_thread_created.json` → `cloud_events_schema__chat_thread_created`.
fn snapshot_name(path: &Path) -> String {
    let rel = path
        .strip_prefix(Path::new(env!("CARGO_MANIFEST_DIR")).join("eventgrid/examples"))
        .unwrap();
    rel.with_extension("")
        .to_string_lossy()
        .replace(['/', '\\'], "__")
        .replace('-', "_")
}

fn read(path: &Path) -> (Value, Vec<Event>) {
    let bytes = std::fs::read(path).unwrap();
    let json: Value = serde_json::from_slice(&bytes).unwrap();
    let events = parse_events(&bytes).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    (json, events)
}

#[test]
fn there_are_fifty_examples() {
    assert_eq!(examples().len(), 50);
}

#[test]
fn every_example_parses_into_its_typed_event() {
    for path in examples() {
        let (json, events) = read(&path);
        let name = snapshot_name(&path);
        assert_eq!(events.len(), 1, "{name}");
        let event = &events[0];
        let wire_type = json
            .get("eventType")
            .or_else(|| json.get("type"))
            .and_then(Value::as_str)
            .unwrap();
        assert_eq!(event.event_type, wire_type, "{name}");
        let expected_schema = if json.get("eventType").is_some() {
            EventSchema::EventGrid
        } else {
            EventSchema::CloudEvents
        };
        assert_eq!(event.schema, expected_schema, "{name}");
        if LEGACY_TYPES.contains(&wire_type) {
            assert!(matches!(event.data, EventData::Other(_)), "{name}");
        } else {
            assert_eq!(event.data.event_type(), Some(wire_type), "{name}");
            assert!(event.data.thread_id().is_some(), "{name}");
        }
        insta::assert_debug_snapshot!(name, event);
    }
}

/// Every key path of `value` (`data.participants[].displayName`, ...).
fn key_paths(prefix: &str, value: &Value, out: &mut BTreeSet<String>) {
    match value {
        Value::Object(map) => {
            for (k, v) in map {
                let path = if prefix.is_empty() {
                    k.clone()
                } else {
                    format!("{prefix}.{k}")
                };
                out.insert(path.clone());
                key_paths(&path, v, out);
            }
        }
        Value::Array(items) => {
            for item in items {
                key_paths(&format!("{prefix}[]"), item, out);
            }
        }
        _ => {}
    }
}

/// The paths as this crate writes them back: `specversion` in lower case, and participant
/// metadata next to the identifier rather than inside it.
fn normalized(path: &str) -> String {
    let path = if path == "specVersion" {
        "specversion".to_owned()
    } else {
        path.to_owned()
    };
    path.replace("participantCommunicationIdentifier.metadata", "metadata")
}

#[test]
fn nothing_in_an_example_is_lost_and_events_round_trip() {
    for path in examples() {
        let (json, events) = read(&path);
        let written = serde_json::to_value(&events[0]).unwrap();
        let mut before = BTreeSet::new();
        key_paths("", &json, &mut before);
        let mut after = BTreeSet::new();
        key_paths("", &written, &mut after);
        let lost: Vec<String> = before
            .iter()
            .map(|p| normalized(p))
            .filter(|p| !after.contains(p))
            .collect();
        assert!(lost.is_empty(), "{}: lost {lost:?}", path.display());
        let again = parse_events(written.to_string().as_bytes()).unwrap();
        assert_eq!(again, events, "{}", path.display());
    }
}

#[test]
fn the_examples_quirks_are_read() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("eventgrid/examples");
    // `specVersion` with a capital.
    let (_, events) = read(&root.join("cloud-events-schema/chat_message_received.json"));
    assert_eq!(events[0].spec_version.as_deref(), Some("1.0"));
    assert!(events[0].attributes.is_empty());
    // `version` as a string.
    let (_, events) = read(&root.join("chat_message_edited_in_thread.json"));
    let EventData::ChatMessageEditedInThread(edited) = &events[0].data else {
        panic!("{:?}", events[0].data)
    };
    assert_eq!(edited.version, Some(1613782750464));
    // Times with an offset are read as the same instant in UTC.
    let (_, events) = read(&root.join("cloud-events-schema/chat_thread_participant_added.json"));
    let EventData::ChatThreadParticipantAdded(added) = &events[0].data else {
        panic!("{:?}", events[0].data)
    };
    assert_eq!(
        added.time.unwrap().to_rfc3339(),
        "2021-02-20T00:54:42.8622646Z"
    );
    // Participant metadata nested in the identifier.
    assert_eq!(
        added.participant_added.metadata.as_ref().unwrap()["key"],
        "value"
    );
    // Legacy fields are kept.
    let (_, events) = read(&root.join("chat_message_received.json"));
    let EventData::ChatMessageReceived(received) = &events[0].data else {
        panic!("{:?}", events[0].data)
    };
    assert!(received.other.contains_key("senderId"));
    assert!(received.other.contains_key("recipientId"));
    // A typing indicator without the fields the schema requires.
    let (_, events) =
        read(&root.join("event-grid-schema/chat_typing_indicator_received_in_thread.json"));
    let EventData::ChatTypingIndicatorReceivedInThread(typing) = &events[0].data else {
        panic!("{:?}", events[0].data)
    };
    assert_eq!(typing.message_id, None);
    assert_eq!(typing.sender_display_name.as_deref(), Some("Jhon"));
}

#[test]
fn every_example_is_delivered_through_the_webhook() {
    let webhook = Webhook::new();
    for path in examples() {
        let single = std::fs::read(&path).unwrap();
        let mut batch = b"[".to_vec();
        batch.extend_from_slice(&single);
        batch.push(b']');
        for body in [single, batch] {
            let request = Request::post("http://localhost/events")
                .header("content-type", "application/json")
                .body(body)
                .unwrap();
            match webhook.handle(&request) {
                WebhookAction::Deliver(events) => assert_eq!(events.len(), 1),
                other => panic!("{}: {other:?}", path.display()),
            }
        }
    }
}
