//! The two envelopes a delivery comes in, Event Grid's own schema and CloudEvents 1.0, read
//! into one [`Event`].
//!
//! | | Event Grid schema | CloudEvents 1.0 |
//! |---|---|---|
//! | id | `id` | `id` |
//! | [`Event::event_type`] | `eventType` | `type` |
//! | [`Event::source`] | `topic` | `source` |
//! | [`Event::subject`] | `subject` | `subject` |
//! | [`Event::time`] | `eventTime` | `time` |
//! | versions | `dataVersion`, `metadataVersion` | `specversion` (also read as `specVersion`) |
//! | [`Event::data`] | `data` | `data` |
//!
//! A delivery is a JSON array of events (Event Grid, or a CloudEvents batch) or one event
//! (CloudEvents). Each event's envelope is recognized by its own attributes: `eventType` means
//! the Event Grid schema, `type` CloudEvents, whatever the content type says.

use serde::ser::SerializeMap;
use serde::{Serialize, Serializer};
use serde_json::{Map, Value};

use super::{EventData, EventError};
use crate::{Error, Timestamp};

/// The largest delivery body [`parse_events`] reads, in bytes (Event Grid delivers at most
/// 1 MB per event and per batch).
pub const MAX_DELIVERY_BYTES: usize = 4 * 1024 * 1024;

/// Which envelope an event came in.
#[derive(Clone, Copy, Debug, Eq, Hash, PartialEq)]
#[non_exhaustive]
pub enum EventSchema {
    /// Event Grid's own schema (`eventType`, `eventTime`, `dataVersion`, ...).
    EventGrid,
    /// CloudEvents 1.0 in structured mode (`type`, `time`, `specversion`, ...).
    CloudEvents,
}

/// One event of a delivery: the envelope's attributes and the typed data.
///
/// Serializes back into the envelope it came in, with [`Event::attributes`] kept.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct Event {
    /// The event id: unique per event, the same on every delivery of it, so receivers
    /// deduplicate by it.
    pub id: String,
    /// The event type, e.g. `Microsoft.Communication.ChatMessageReceived`.
    pub event_type: String,
    /// The envelope it came in.
    pub schema: EventSchema,
    /// The resource that published it: Event Grid's `topic`, CloudEvents' `source`.
    pub source: Option<String>,
    /// What it is about, e.g. `thread/{thread-id}/sender/{rawId}/recipient/{rawId}`.
    pub subject: Option<String>,
    /// When it happened: Event Grid's `eventTime`, CloudEvents' `time`.
    pub time: Option<Timestamp>,
    /// Event Grid's `dataVersion`.
    pub data_version: Option<String>,
    /// Event Grid's `metadataVersion`.
    pub metadata_version: Option<String>,
    /// CloudEvents' `specversion`.
    pub spec_version: Option<String>,
    /// Every other envelope attribute, as sent (CloudEvents extension attributes,
    /// `datacontenttype`, `dataschema`, `data_base64`, ...).
    pub attributes: Map<String, Value>,
    /// The data, typed by [`Event::event_type`].
    pub data: EventData,
}

/// Reads a delivery body: an array of events in either envelope, or one CloudEvent.
///
/// Unknown event types and unknown fields are kept ([`EventData::Other`],
/// [`Event::attributes`], each data type's `other`). Anything else is an
/// [`Error::Event`] that says which event and why; nothing here panics.
///
/// ```
/// use chat_core::events::{parse_events, EventData, EventSchema};
///
/// let body = br#"{
///     "specversion": "1.0", "id": "7f4b", "type": "Microsoft.Communication.ChatThreadDeleted",
///     "source": "/subscriptions/s/resourceGroups/g/providers/Microsoft.Communication/communicationServices/acs",
///     "time": "2021-02-20T00:00:42.5428002Z",
///     "data": {
///         "threadId": "19:c9e9f3060b884e448671391882066ac3@thread.v2",
///         "transactionId": "KibptDpcLEeEFnlR7cI3QA.1.1.2.1.848298005.1",
///         "deletedByCommunicationIdentifier": {
///             "rawId": "8:acs:109f0644_00000008", "communicationUser": {"id": "8:acs:109f0644_00000008"}
///         },
///         "reason": "deleteByThread"
///     }
/// }"#;
/// let events = parse_events(body)?;
/// assert_eq!(events[0].schema, EventSchema::CloudEvents);
/// let EventData::ChatThreadDeleted(deleted) = &events[0].data else { unreachable!() };
/// assert_eq!(deleted.deleted_by.raw_id(), "8:acs:109f0644_00000008");
/// assert_eq!(deleted.other["reason"], "deleteByThread"); // not modeled, kept
/// # Ok::<(), chat_core::Error>(())
/// ```
pub fn parse_events(body: &[u8]) -> Result<Vec<Event>, Error> {
    if body.len() > MAX_DELIVERY_BYTES {
        return Err(EventError::TooLarge { len: body.len() }.into());
    }
    let value: Value = serde_json::from_slice(body).map_err(|e| EventError::Body {
        message: e.to_string(),
    })?;
    let items = match value {
        Value::Array(items) => items,
        one @ Value::Object(_) => vec![one],
        _ => {
            return Err(EventError::Body {
                message: "expected an event or an array of events".into(),
            }
            .into())
        }
    };
    let events = items
        .into_iter()
        .enumerate()
        .map(|(index, item)| Event::from_json(index, item))
        .collect::<Result<_, _>>()?;
    Ok(events)
}

impl Event {
    fn from_json(index: usize, value: Value) -> Result<Self, EventError> {
        let Value::Object(mut map) = value else {
            return Err(envelope(index, "an event must be a JSON object"));
        };
        let (schema, type_key, source_key, time_key) = if map.contains_key("eventType") {
            (EventSchema::EventGrid, "eventType", "topic", "eventTime")
        } else if map.contains_key("type") {
            (EventSchema::CloudEvents, "type", "source", "time")
        } else {
            return Err(envelope(index, "neither `eventType` nor `type` is present"));
        };
        let mut take = |key: &str| take_string(&mut map, key, index);
        let id = take("id")?.ok_or_else(|| envelope(index, "`id` is missing"))?;
        let event_type = take(type_key)?.ok_or_else(|| envelope(index, "the type is null"))?;
        let source = take(source_key)?;
        let subject = take("subject")?;
        let time = take(time_key)?
            .map(|t| {
                Timestamp::parse(&t).ok_or_else(|| {
                    envelope(index, &format!("`{time_key}` is not an RFC 3339 date-time"))
                })
            })
            .transpose()?;
        let (data_version, metadata_version, spec_version) = match schema {
            EventSchema::EventGrid => (take("dataVersion")?, take("metadataVersion")?, None),
            EventSchema::CloudEvents => {
                let spec = match take("specversion")? {
                    Some(v) => Some(v),
                    None => take("specVersion")?,
                };
                (None, None, spec)
            }
        };
        let data = map.remove("data").unwrap_or(Value::Null);
        let data = EventData::from_json(&event_type, data).map_err(|e| EventError::Data {
            index,
            event_type: event_type.clone(),
            message: e.to_string(),
        })?;
        Ok(Self {
            id,
            event_type,
            schema,
            source,
            subject,
            time,
            data_version,
            metadata_version,
            spec_version,
            attributes: map,
            data,
        })
    }
}

fn envelope(index: usize, message: &str) -> EventError {
    EventError::Envelope {
        index,
        message: message.to_owned(),
    }
}

/// Removes `key`: a string, or `None` when absent or null.
fn take_string(
    map: &mut Map<String, Value>,
    key: &str,
    index: usize,
) -> Result<Option<String>, EventError> {
    match map.remove(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(_) => Err(envelope(index, &format!("`{key}` is not a string"))),
    }
}

impl Serialize for Event {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(None)?;
        let time = self.time.map(Timestamp::to_rfc3339);
        match self.schema {
            EventSchema::EventGrid => {
                m.serialize_entry("id", &self.id)?;
                entry(&mut m, "topic", self.source.as_ref())?;
                entry(&mut m, "subject", self.subject.as_ref())?;
                m.serialize_entry("data", &self.data)?;
                m.serialize_entry("eventType", &self.event_type)?;
                entry(&mut m, "dataVersion", self.data_version.as_ref())?;
                entry(&mut m, "metadataVersion", self.metadata_version.as_ref())?;
                entry(&mut m, "eventTime", time.as_ref())?;
            }
            EventSchema::CloudEvents => {
                entry(&mut m, "specversion", self.spec_version.as_ref())?;
                m.serialize_entry("id", &self.id)?;
                entry(&mut m, "source", self.source.as_ref())?;
                m.serialize_entry("type", &self.event_type)?;
                entry(&mut m, "subject", self.subject.as_ref())?;
                entry(&mut m, "time", time.as_ref())?;
                m.serialize_entry("data", &self.data)?;
            }
        }
        for (key, value) in &self.attributes {
            m.serialize_entry(key, value)?;
        }
        m.end()
    }
}

fn entry<M: SerializeMap>(m: &mut M, key: &str, value: Option<&String>) -> Result<(), M::Error> {
    match value {
        Some(v) => m.serialize_entry(key, v),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn error(body: &str) -> EventError {
        match parse_events(body.as_bytes()) {
            Err(Error::Event(e)) => e,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn malformed_deliveries_are_typed_errors() {
        assert!(matches!(error("not json"), EventError::Body { .. }));
        assert!(matches!(error("42"), EventError::Body { .. }));
        assert_eq!(
            error(r#"[{"id": "a", "type": "x"}, 5]"#),
            envelope(1, "an event must be a JSON object")
        );
        assert_eq!(error(r#"[{"type": "x"}]"#), envelope(0, "`id` is missing"));
        assert_eq!(
            error(r#"{"id": "a"}"#),
            envelope(0, "neither `eventType` nor `type` is present")
        );
        assert_eq!(
            error(r#"{"id": 1, "type": "x"}"#),
            envelope(0, "`id` is not a string")
        );
        assert_eq!(
            error(r#"[{"id": "a", "eventType": "x", "eventTime": "yesterday"}]"#),
            envelope(0, "`eventTime` is not an RFC 3339 date-time")
        );
        let e = error(
            r#"{"id": "a", "type": "Microsoft.Communication.ChatThreadDeleted", "data": {}}"#,
        );
        assert!(
            matches!(&e, EventError::Data { index: 0, event_type, .. } if event_type.ends_with("ChatThreadDeleted")),
            "{e:?}"
        );
        let big = vec![b' '; MAX_DELIVERY_BYTES + 1];
        assert_eq!(
            parse_events(&big),
            Err(Error::Event(EventError::TooLarge { len: big.len() }))
        );
    }

    #[test]
    fn unknown_types_and_attributes_are_kept_and_written_back() {
        let body = json!({
            "specVersion": "1.0", "id": "1", "type": "Contoso.Items.ItemReceived",
            "source": "/contoso", "datacontenttype": "application/json", "traceparent": "00-ab",
            "data": {"itemSku": "Standard"}
        });
        let events = parse_events(body.to_string().as_bytes()).unwrap();
        let event = &events[0];
        assert_eq!(event.spec_version.as_deref(), Some("1.0"));
        assert_eq!(event.data, EventData::Other(json!({"itemSku": "Standard"})));
        assert_eq!(event.attributes["traceparent"], "00-ab");
        let written = serde_json::to_value(event).unwrap();
        assert_eq!(written["specversion"], "1.0");
        assert_eq!(written["datacontenttype"], "application/json");
        let again = parse_events(written.to_string().as_bytes()).unwrap();
        assert_eq!(&again[0], event);
    }

    #[test]
    fn an_empty_array_is_an_empty_delivery() {
        assert_eq!(parse_events(b"[]").unwrap(), vec![]);
    }
}
