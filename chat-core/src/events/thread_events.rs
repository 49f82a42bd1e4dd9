//! Thread-scoped chat events: one event per thread, with no recipient.
//!
//! The schema's base (`AcsChatEventInThreadBaseProperties`) requires `threadId` and
//! `transactionId`.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::fields::{version, EventParticipant};
use crate::identifier::CommunicationIdentifier;
use crate::Timestamp;

/// `Microsoft.Communication.ChatMessageReceivedInThread`
/// (`AcsChatMessageReceivedInThreadEventData`): a message arrived in a thread. Also the data of
/// `Microsoft.Communication.ChatAzureBotCommandReceivedInThread`, whose schema is the same.
#[derive(Clone, Debug, Deserialize, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct ChatMessageReceivedInThread {
    /// The thread.
    pub thread_id: String,
    /// The service's id of the operation that caused the event.
    pub transaction_id: String,
    /// The message.
    pub message_id: String,
    /// Who sent it.
    #[serde(rename = "senderCommunicationIdentifier")]
    pub sender: CommunicationIdentifier,
    /// The sender's display name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sender_display_name: Option<String>,
    /// When it was sent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub compose_time: Option<Timestamp>,
    /// The message type as events write it (`Text`, `Html`).
    #[serde(rename = "type")]
    pub message_type: String,
    /// The message's version.
    #[serde(default, deserialize_with = "version")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<i64>,
    /// The content.
    pub message_body: String,
    /// The message's metadata.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metadata: Option<BTreeMap<String, String>>,
    /// Fields this crate does not model, as sent.
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

/// `Microsoft.Communication.ChatMessageEditedInThread`
/// (`AcsChatMessageEditedInThreadEventData`): a message was edited.
#[derive(Clone, Debug, Deserialize, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct ChatMessageEditedInThread {
    /// The thread.
    pub thread_id: String,
    /// The service's id of the operation that caused the event.
    pub transaction_id: String,
    /// The message.
    pub message_id: String,
    /// Who sent it.
    #[serde(rename = "senderCommunicationIdentifier")]
    pub sender: CommunicationIdentifier,
    /// The sender's display name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sender_display_name: Option<String>,
    /// When it was first sent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub compose_time: Option<Timestamp>,
    /// The message type as events write it (`Text`, `Html`).
    #[serde(rename = "type")]
    pub message_type: String,
    /// The message's version after the edit.
    #[serde(default, deserialize_with = "version")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<i64>,
    /// The new content.
    pub message_body: String,
    /// The message's metadata.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metadata: Option<BTreeMap<String, String>>,
    /// When it was edited.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub edit_time: Option<Timestamp>,
    /// Fields this crate does not model, as sent.
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

/// `Microsoft.Communication.ChatMessageDeletedInThread`
/// (`AcsChatMessageDeletedInThreadEventData`): a message was deleted.
#[derive(Clone, Debug, Deserialize, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct ChatMessageDeletedInThread {
    /// The thread.
    pub thread_id: String,
    /// The service's id of the operation that caused the event.
    pub transaction_id: String,
    /// The message.
    pub message_id: String,
    /// Who sent it.
    #[serde(rename = "senderCommunicationIdentifier")]
    pub sender: CommunicationIdentifier,
    /// The sender's display name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sender_display_name: Option<String>,
    /// When it was sent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub compose_time: Option<Timestamp>,
    /// The message type as events write it (`Text`, `Html`).
    #[serde(rename = "type")]
    pub message_type: String,
    /// The message's version after the deletion.
    #[serde(default, deserialize_with = "version")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<i64>,
    /// When it was deleted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delete_time: Option<Timestamp>,
    /// Fields this crate does not model, as sent.
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

/// `Microsoft.Communication.ChatTypingIndicatorReceivedInThread`
/// (`AcsChatTypingIndicatorReceivedInThreadEventData`): someone is typing in a thread.
///
/// The schema requires `messageId`, `type` and `messageBody`, but the upstream examples send
/// none of them, so all three are options.
#[derive(Clone, Debug, Deserialize, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct ChatTypingIndicatorReceivedInThread {
    /// The thread.
    pub thread_id: String,
    /// The service's id of the operation that caused the event.
    pub transaction_id: String,
    /// Who is typing.
    #[serde(rename = "senderCommunicationIdentifier")]
    pub sender: CommunicationIdentifier,
    /// Their display name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sender_display_name: Option<String>,
    /// The message id the schema names.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message_id: Option<String>,
    /// When the notification was sent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub compose_time: Option<Timestamp>,
    /// The message type the schema names.
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub message_type: Option<String>,
    /// A version.
    #[serde(default, deserialize_with = "version")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<i64>,
    /// The message body the schema names.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message_body: Option<String>,
    /// Metadata.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metadata: Option<BTreeMap<String, String>>,
    /// Fields this crate does not model, as sent.
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

/// `Microsoft.Communication.ChatThreadCreated` (`AcsChatThreadCreatedEventData`): a thread was
/// created.
#[derive(Clone, Debug, Deserialize, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct ChatThreadCreated {
    /// The thread.
    pub thread_id: String,
    /// The service's id of the operation that caused the event.
    pub transaction_id: String,
    /// When the thread was created.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub create_time: Option<Timestamp>,
    /// The thread's version.
    #[serde(default, deserialize_with = "version")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<i64>,
    /// Who created it.
    #[serde(rename = "createdByCommunicationIdentifier")]
    pub created_by: CommunicationIdentifier,
    /// The thread's properties (`topic`).
    pub properties: Map<String, Value>,
    /// The thread's metadata.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metadata: Option<BTreeMap<String, String>>,
    /// The participants it was created with.
    pub participants: Vec<EventParticipant>,
    /// Fields this crate does not model, as sent.
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

/// `Microsoft.Communication.ChatThreadDeleted` (`AcsChatThreadDeletedEventData`): a thread was
/// deleted.
#[derive(Clone, Debug, Deserialize, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct ChatThreadDeleted {
    /// The thread.
    pub thread_id: String,
    /// The service's id of the operation that caused the event.
    pub transaction_id: String,
    /// When the thread was created.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub create_time: Option<Timestamp>,
    /// The thread's version.
    #[serde(default, deserialize_with = "version")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<i64>,
    /// Who deleted it.
    #[serde(rename = "deletedByCommunicationIdentifier")]
    pub deleted_by: CommunicationIdentifier,
    /// When it was deleted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delete_time: Option<Timestamp>,
    /// Fields this crate does not model (`reason`), as sent.
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

/// `Microsoft.Communication.ChatThreadPropertiesUpdated`
/// (`AcsChatThreadPropertiesUpdatedEventData`): a thread's topic or metadata changed.
///
/// The schema requires `metadata`, but some upstream examples omit it, so it is an option.
#[derive(Clone, Debug, Deserialize, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct ChatThreadPropertiesUpdated {
    /// The thread.
    pub thread_id: String,
    /// The service's id of the operation that caused the event.
    pub transaction_id: String,
    /// When the thread was created.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub create_time: Option<Timestamp>,
    /// The thread's version.
    #[serde(default, deserialize_with = "version")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<i64>,
    /// Who changed it.
    #[serde(rename = "editedByCommunicationIdentifier")]
    pub edited_by: CommunicationIdentifier,
    /// When it changed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub edit_time: Option<Timestamp>,
    /// The thread's properties after the change (`topic`).
    pub properties: Map<String, Value>,
    /// The thread's metadata after the change.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metadata: Option<BTreeMap<String, String>>,
    /// Fields this crate does not model, as sent.
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

/// `Microsoft.Communication.ChatThreadParticipantAdded`
/// (`AcsChatParticipantAddedToThreadEventData`): someone joined a thread.
#[derive(Clone, Debug, Deserialize, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct ChatThreadParticipantAdded {
    /// The thread.
    pub thread_id: String,
    /// The service's id of the operation that caused the event.
    pub transaction_id: String,
    /// When the thread was created (not in the schema; the service sends it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub create_time: Option<Timestamp>,
    /// The thread's version.
    #[serde(default, deserialize_with = "version")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<i64>,
    /// When the participant was added.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time: Option<Timestamp>,
    /// Who added them.
    #[serde(rename = "addedByCommunicationIdentifier")]
    pub added_by: CommunicationIdentifier,
    /// Who was added.
    pub participant_added: EventParticipant,
    /// Fields this crate does not model, as sent.
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

/// `Microsoft.Communication.ChatThreadParticipantRemoved`
/// (`AcsChatParticipantRemovedFromThreadEventData`): someone left a thread.
#[derive(Clone, Debug, Deserialize, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct ChatThreadParticipantRemoved {
    /// The thread.
    pub thread_id: String,
    /// The service's id of the operation that caused the event.
    pub transaction_id: String,
    /// When the thread was created (not in the schema; the service sends it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub create_time: Option<Timestamp>,
    /// The thread's version.
    #[serde(default, deserialize_with = "version")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<i64>,
    /// When the participant was removed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time: Option<Timestamp>,
    /// Who removed them.
    #[serde(rename = "removedByCommunicationIdentifier")]
    pub removed_by: CommunicationIdentifier,
    /// Who was removed.
    pub participant_removed: EventParticipant,
    /// Fields this crate does not model, as sent.
    #[serde(flatten)]
    pub other: Map<String, Value>,
}
