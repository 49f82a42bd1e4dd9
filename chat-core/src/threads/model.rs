//! The thread models: thread properties, listing items, retention policies, and the result of
//! creating a thread.

use std::collections::BTreeMap;

use serde::de::Error as _;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::identifier::CommunicationIdentifier;
use crate::participants::FailedParticipant;
use crate::Timestamp;

/// A chat thread's properties.
#[derive(Clone, Debug, Deserialize, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct ChatThreadProperties {
    /// The thread id, e.g. `19:…@thread.v2`.
    pub id: String,
    /// The topic.
    pub topic: String,
    /// When the thread was created.
    pub created_on: Timestamp,
    /// Who created the thread.
    pub created_by_communication_identifier: CommunicationIdentifier,
    /// When the thread was deleted, if it was.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deleted_on: Option<Timestamp>,
    /// The thread's metadata (API 2025-03-15 and later; empty when it has none).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub metadata: BTreeMap<String, String>,
    /// When the service deletes the thread (API 2025-03-15 and later).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retention_policy: Option<RetentionPolicy>,
}

impl ChatThreadProperties {
    /// Properties with the required fields (for emulators and tests; set the others directly).
    pub fn new(
        id: impl Into<String>,
        topic: impl Into<String>,
        created_on: Timestamp,
        created_by: CommunicationIdentifier,
    ) -> Self {
        Self {
            id: id.into(),
            topic: topic.into(),
            created_on,
            created_by_communication_identifier: created_by,
            deleted_on: None,
            metadata: BTreeMap::new(),
            retention_policy: None,
        }
    }
}

/// One thread of a thread listing.
#[derive(Clone, Debug, Deserialize, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct ChatThreadItem {
    /// The thread id.
    pub id: String,
    /// The topic.
    pub topic: String,
    /// When the thread was deleted, if it was.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deleted_on: Option<Timestamp>,
    /// When the last message was received.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_message_received_on: Option<Timestamp>,
}

impl ChatThreadItem {
    /// An item with the required fields (set the others directly).
    pub fn new(id: impl Into<String>, topic: impl Into<String>) -> Self {
        Self {
            id: id.into(),
            topic: topic.into(),
            deleted_on: None,
            last_message_received_on: None,
        }
    }
}

/// When the service deletes a thread: the wire's polymorphic `ChatRetentionPolicy`,
/// discriminated by `kind` (API 2025-03-15 and later).
#[derive(Clone, Debug, Eq, Hash, PartialEq)]
#[non_exhaustive]
pub enum RetentionPolicy {
    /// `threadCreationDate`: delete the thread a number of days after it was created.
    ThreadCreationDate {
        /// Days after creation.
        delete_thread_after_days: i32,
    },
    /// `none`: keep the thread.
    None,
    /// A kind this client does not know yet, kept as the service sent it (its other fields are
    /// not kept).
    Unknown {
        /// The `kind` string.
        kind: String,
    },
}

impl RetentionPolicy {
    /// The `kind` string as the service spells it.
    pub fn kind(&self) -> &str {
        match self {
            Self::ThreadCreationDate { .. } => "threadCreationDate",
            Self::None => "none",
            Self::Unknown { kind } => kind,
        }
    }
}

#[derive(Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
struct RetentionPolicyWire<'a> {
    #[serde(borrow)]
    kind: std::borrow::Cow<'a, str>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    delete_thread_after_days: Option<i32>,
}

impl Serialize for RetentionPolicy {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let delete_thread_after_days = match self {
            Self::ThreadCreationDate {
                delete_thread_after_days,
            } => Some(*delete_thread_after_days),
            _ => None,
        };
        RetentionPolicyWire {
            kind: self.kind().into(),
            delete_thread_after_days,
        }
        .serialize(s)
    }
}

impl<'de> Deserialize<'de> for RetentionPolicy {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let wire = RetentionPolicyWire::deserialize(d)?;
        Ok(match &*wire.kind {
            "threadCreationDate" => Self::ThreadCreationDate {
                delete_thread_after_days: wire
                    .delete_thread_after_days
                    .ok_or_else(|| D::Error::missing_field("deleteThreadAfterDays"))?,
            },
            "none" => Self::None,
            _ => Self::Unknown {
                kind: wire.kind.into_owned(),
            },
        })
    }
}

/// The result of creating a thread: the thread, and the participants the service refused.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct CreateThreadResult {
    /// The new thread (or, with a repeated `repeatability-request-id`, the one created before).
    pub thread: ChatThreadProperties,
    /// The requested participants the service did not add, each with its error.
    pub failed_participants: Vec<FailedParticipant>,
}

impl CreateThreadResult {
    /// A result (for emulators and tests).
    pub fn new(thread: ChatThreadProperties, failed_participants: Vec<FailedParticipant>) -> Self {
        Self {
            thread,
            failed_participants,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retention_policies_by_kind() {
        let p: RetentionPolicy =
            serde_json::from_str(r#"{"kind":"threadCreationDate","deleteThreadAfterDays":40}"#)
                .unwrap();
        assert_eq!(
            p,
            RetentionPolicy::ThreadCreationDate {
                delete_thread_after_days: 40
            }
        );
        let p: RetentionPolicy = serde_json::from_str(r#"{"kind":"none"}"#).unwrap();
        assert_eq!(serde_json::to_string(&p).unwrap(), r#"{"kind":"none"}"#);
        let p: RetentionPolicy =
            serde_json::from_str(r#"{"kind":"foo","deleteAfter":"P1D"}"#).unwrap();
        assert_eq!(p.kind(), "foo");
        assert!(
            serde_json::from_str::<RetentionPolicy>(r#"{"kind":"threadCreationDate"}"#).is_err()
        );
        assert!(serde_json::from_str::<RetentionPolicy>(r#"{"days":1}"#).is_err());
    }

    #[test]
    fn an_escaped_kind_is_read() {
        let p: RetentionPolicy = serde_json::from_str(r#"{"kind":"n\u006fne"}"#).unwrap();
        assert_eq!(p, RetentionPolicy::None);
    }
}
