//! Every event the emulator delivers, in both schemas, has every field the vendored Event Grid
//! schema marks required: the envelope's (`EventGrid.json`) and the data's
//! (`AzureCommunicationServices.json`, `allOf` bases and nested definitions resolved, the
//! identifier model read from the vendored `common.json`).

mod events_support;

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use chat_testkit::emulator::DeliverySchema;
use events_support::{quickstart, short, subscribed, QUICKSTART_EVENTS, WAIT};
use serde_json::Value;

/// The three vendored documents, by the name `$ref`s use for them.
struct Docs {
    acs: Value,
    event_grid: Value,
    common: Value,
}

const COMMON_REF: &str = "common.json#/definitions/";

impl Docs {
    fn load() -> Self {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("eventgrid");
        let read = |p: &str| -> Value {
            serde_json::from_slice(&std::fs::read(dir.join(p)).unwrap()).unwrap()
        };
        Self {
            acs: read("AzureCommunicationServices.json"),
            event_grid: read("EventGrid.json"),
            common: read("common/2023-11-15/common.json"),
        }
    }

    /// The data definition of each event type, from the definitions' descriptions ("Schema of
    /// the Data property of an EventGridEvent for a Microsoft.Communication.X event.").
    fn data_definitions(&self) -> BTreeMap<String, String> {
        let mut out = BTreeMap::new();
        for (name, def) in self.acs["definitions"].as_object().unwrap() {
            let description = def["description"].as_str().unwrap_or("");
            if let Some(rest) = description.split(" for a ").nth(1) {
                if let Some(event_type) = rest.strip_suffix(" event.") {
                    out.insert(event_type.to_owned(), name.clone());
                }
            }
        }
        out
    }

    /// Resolves a `$ref` made inside `doc`: its document and definition.
    fn resolve<'a>(&'a self, doc: &'a Value, reference: &str) -> (&'a Value, &'a Value) {
        if let Some(name) = reference.strip_prefix("#/definitions/") {
            (doc, &doc["definitions"][name])
        } else {
            let (_, name) = reference.split_once(COMMON_REF).unwrap();
            (&self.common, &self.common["definitions"][name])
        }
    }

    /// Records in `missing` every required field `value` lacks, at any depth.
    fn check(
        &self,
        doc: &Value,
        def: &Value,
        value: &Value,
        path: &str,
        missing: &mut Vec<String>,
    ) {
        if let Some(reference) = def["$ref"].as_str() {
            let (doc, def) = self.resolve(doc, reference);
            return self.check(doc, def, value, path, missing);
        }
        for base in def["allOf"].as_array().into_iter().flatten() {
            self.check(doc, base, value, path, missing);
        }
        for name in def["required"].as_array().into_iter().flatten() {
            let name = name.as_str().unwrap();
            if value.get(name).is_none_or(Value::is_null) {
                missing.push(format!("{path}.{name}"));
            }
        }
        for (name, property) in def["properties"].as_object().into_iter().flatten() {
            let Some(field) = value.get(name) else {
                continue;
            };
            let path = format!("{path}.{name}");
            if property["$ref"].is_string() {
                self.check(doc, property, field, &path, missing);
            } else if let (Some(items), Some(elements)) = (property.get("items"), field.as_array())
            {
                for element in elements {
                    self.check(doc, items, element, &format!("{path}[]"), missing);
                }
            }
        }
    }
}

#[test]
fn the_schema_defines_every_chat_event_type() {
    let docs = Docs::load();
    let types: Vec<String> = docs.data_definitions().into_keys().collect();
    let chat: Vec<&str> = types
        .iter()
        .map(String::as_str)
        .filter(|t| t.starts_with("Microsoft.Communication.Chat"))
        .collect();
    let mut ours = chat_core::events::CHAT_EVENT_TYPES.to_vec();
    ours.sort_unstable();
    assert_eq!(chat, ours);
}

#[test]
fn every_delivered_event_has_every_required_field() {
    let docs = Docs::load();
    let definitions = docs.data_definitions();
    for (schema, envelope) in [
        (DeliverySchema::EventGrid, "EventGridEvent"),
        (DeliverySchema::CloudEvents, "CloudEventEvent"),
    ] {
        let (emulator, receiver, _) = subscribed(schema);
        quickstart(&emulator);
        assert!(emulator.wait_for_deliveries(WAIT));
        let mut types = BTreeSet::new();
        let mut checked = 0;
        for body in receiver.bodies() {
            let body: Value = serde_json::from_slice(&body).unwrap();
            let events = match body {
                Value::Array(events) => events,
                one => vec![one],
            };
            for event in events {
                let mut missing = Vec::new();
                let envelope_def = &docs.event_grid["definitions"][envelope];
                docs.check(&docs.event_grid, envelope_def, &event, "", &mut missing);
                let event_type = event
                    .get("eventType")
                    .or_else(|| event.get("type"))
                    .and_then(Value::as_str)
                    .unwrap();
                let name = &definitions[event_type];
                let def = &docs.acs["definitions"][name];
                docs.check(&docs.acs, def, &event["data"], "data", &mut missing);
                assert!(
                    missing.is_empty(),
                    "{event_type} lacks {missing:?}: {event:#}"
                );
                types.insert(short(event_type).to_owned());
                checked += 1;
            }
        }
        assert_eq!(checked, QUICKSTART_EVENTS);
        // Every type the emulator publishes was checked (the bot command is the service's own).
        assert_eq!(types.len(), 17, "{types:?}");
    }
}

#[test]
fn the_checker_finds_missing_fields() {
    let docs = Docs::load();
    let def = &docs.acs["definitions"]["AcsChatThreadCreatedEventData"];
    let data = serde_json::json!({
        "threadId": "19:t",
        "createdByCommunicationIdentifier": {"rawId": "8:acs:a"},
        "properties": {},
        "participants": [{"displayName": "no identifier"}]
    });
    let mut missing = Vec::new();
    docs.check(&docs.acs, def, &data, "data", &mut missing);
    missing.sort();
    assert_eq!(
        missing,
        [
            "data.participants[].participantCommunicationIdentifier",
            "data.transactionId"
        ]
    );
}
