//! What the event data types share: the participant model, and `version` read from a number or
//! a string of digits.

use std::collections::BTreeMap;
use std::fmt;

use serde::de::{self, Deserializer, Unexpected, Visitor};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::identifier::CommunicationIdentifier;

/// A participant named by an event (`AcsChatThreadParticipantProperties`).
///
/// Some upstream examples nest the participant's `metadata` inside
/// `participantCommunicationIdentifier`; it is read from there when it is not next to it, and
/// written back next to it.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct EventParticipant {
    /// Who the participant is.
    #[serde(rename = "participantCommunicationIdentifier")]
    pub identifier: CommunicationIdentifier,
    /// The participant's display name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    /// The participant's metadata.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub metadata: Option<BTreeMap<String, String>>,
    /// Fields this crate does not model, as sent.
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ParticipantIn {
    participant_communication_identifier: Map<String, Value>,
    #[serde(default)]
    display_name: Option<String>,
    #[serde(default)]
    metadata: Option<BTreeMap<String, String>>,
    #[serde(flatten)]
    other: Map<String, Value>,
}

impl<'de> Deserialize<'de> for EventParticipant {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let p = ParticipantIn::deserialize(d)?;
        let mut identifier = p.participant_communication_identifier;
        let nested = identifier.remove("metadata");
        let metadata = match (p.metadata, nested) {
            (None, Some(nested)) => Some(BTreeMap::deserialize(nested).map_err(de::Error::custom)?),
            (metadata, _) => metadata,
        };
        let identifier = CommunicationIdentifier::deserialize(Value::Object(identifier))
            .map_err(de::Error::custom)?;
        Ok(Self {
            identifier,
            display_name: p.display_name,
            metadata,
            other: p.other,
        })
    }
}

/// Declares an event data struct: the fields of its schema bases, then its own, then `other`
/// (what this crate does not model, kept as sent). The bases mirror the schema's `allOf` chains:
///
/// - `user`: `recipientCommunicationIdentifier`, `threadId`, `transactionId`, all optional
///   (`AcsChatEventBaseProperties`);
/// - `thread`: `threadId`, `transactionId`, required (`AcsChatEventInThreadBaseProperties`);
/// - `message`: `messageId`, `senderCommunicationIdentifier`, `type` (required),
///   `senderDisplayName`, `composeTime`, `version` (`AcsChatMessageEventBaseProperties`);
/// - `created`: `createTime`, `version` (`AcsChatThreadEventBaseProperties`).
macro_rules! chat_event {
    ($(#[$meta:meta])* $name:ident [$($base:ident),*] { $($own:tt)* }) => {
        chat_event!(@build [$(#[$meta])*] $name [$($base),*] [] { $($own)* });
    };
    (@build $m:tt $name:ident [user $(, $rest:ident)*] [$($acc:tt)*] $own:tt) => {
        chat_event!(@build $m $name [$($rest),*] [$($acc)*
            /// Who this event is for (one event per recipient).
            #[serde(rename = "recipientCommunicationIdentifier", default)]
            #[serde(skip_serializing_if = "Option::is_none")]
            pub recipient: Option<$crate::identifier::CommunicationIdentifier>,
            /// The thread.
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub thread_id: Option<String>,
            /// The service's id of the operation that caused the event (shared by its events).
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub transaction_id: Option<String>,
        ] $own);
    };
    (@build $m:tt $name:ident [thread $(, $rest:ident)*] [$($acc:tt)*] $own:tt) => {
        chat_event!(@build $m $name [$($rest),*] [$($acc)*
            /// The thread.
            pub thread_id: String,
            /// The service's id of the operation that caused the event (shared by its events).
            pub transaction_id: String,
        ] $own);
    };
    (@build $m:tt $name:ident [message $(, $rest:ident)*] [$($acc:tt)*] $own:tt) => {
        chat_event!(@build $m $name [$($rest),*] [$($acc)*
            /// The message.
            pub message_id: String,
            /// Who sent it.
            #[serde(rename = "senderCommunicationIdentifier")]
            pub sender: $crate::identifier::CommunicationIdentifier,
            /// The sender's display name.
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub sender_display_name: Option<String>,
            /// When it was first sent.
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub compose_time: Option<$crate::Timestamp>,
            /// The message type as events write it (`Text`, `Html`).
            #[serde(rename = "type")]
            pub message_type: String,
            /// The message's version after the change.
            #[serde(default, deserialize_with = "crate::events::fields::version")]
            #[serde(skip_serializing_if = "Option::is_none")]
            pub version: Option<i64>,
        ] $own);
    };
    (@build $m:tt $name:ident [created $(, $rest:ident)*] [$($acc:tt)*] $own:tt) => {
        chat_event!(@build $m $name [$($rest),*] [$($acc)*
            /// When the thread was created.
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub create_time: Option<$crate::Timestamp>,
            /// The thread's version after the change.
            #[serde(default, deserialize_with = "crate::events::fields::version")]
            #[serde(skip_serializing_if = "Option::is_none")]
            pub version: Option<i64>,
        ] $own);
    };
    (@build [$($m:tt)*] $name:ident [] [$($acc:tt)*] { $($own:tt)* }) => {
        $($m)*
        #[derive(Clone, Debug, serde::Deserialize, PartialEq, serde::Serialize)]
        #[serde(rename_all = "camelCase")]
        #[non_exhaustive]
        pub struct $name {
            $($acc)*
            $($own)*
            /// Fields this crate does not model (such as the legacy `senderId`), as sent.
            #[serde(flatten)]
            pub other: serde_json::Map<String, serde_json::Value>,
        }
    };
}

pub(super) use chat_event;

/// Reads an optional `version`: the schema says int64, some examples send a string of digits.
pub(crate) fn version<'de, D: Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
    struct VersionVisitor;

    impl<'de> Visitor<'de> for VersionVisitor {
        type Value = Option<i64>;

        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("an integer or a string of digits")
        }

        fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
            Ok(Some(v))
        }

        fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
            i64::try_from(v)
                .map(Some)
                .map_err(|_| E::invalid_value(Unexpected::Unsigned(v), &self))
        }

        fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
            v.parse()
                .map(Some)
                .map_err(|_| E::invalid_value(Unexpected::Str(v), &self))
        }

        fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }

        fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }

        fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
            d.deserialize_any(self)
        }
    }

    d.deserialize_any(VersionVisitor)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[derive(Debug, Deserialize)]
    struct Versioned {
        #[serde(default, deserialize_with = "version")]
        version: Option<i64>,
    }

    fn read(value: Value) -> Result<Option<i64>, serde_json::Error> {
        serde_json::from_value::<Versioned>(value).map(|v| v.version)
    }

    #[test]
    fn version_is_a_number_or_a_string_of_digits() {
        assert_eq!(
            read(json!({"version": 1613782814333_i64})).unwrap(),
            Some(1613782814333)
        );
        assert_eq!(
            read(json!({"version": "1613782814333"})).unwrap(),
            Some(1613782814333)
        );
        assert_eq!(read(json!({"version": null})).unwrap(), None);
        assert_eq!(read(json!({})).unwrap(), None);
        assert!(read(json!({"version": "v1"})).is_err());
        assert!(read(json!({"version": u64::MAX})).is_err());
        assert!(read(json!({"version": 1.5})).is_err());
    }

    #[test]
    fn metadata_nested_in_the_identifier_is_lifted() {
        let p: EventParticipant = serde_json::from_value(json!({
            "displayName": "Bob",
            "participantCommunicationIdentifier": {
                "rawId": "8:acs:r_u",
                "communicationUser": {"id": "8:acs:r_u"},
                "metadata": {"key": "value"}
            }
        }))
        .unwrap();
        assert_eq!(p.identifier.raw_id(), "8:acs:r_u");
        assert_eq!(p.metadata.unwrap()["key"], "value");
        assert!(p.other.is_empty());
    }
}
