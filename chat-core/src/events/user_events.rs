//! User-scoped chat events: one event per recipient, who is named in `recipient`.
//!
//! The schema's base (`AcsChatEventBaseProperties`) marks none of `recipient`, `threadId` and
//! `transactionId` required, so they are options here.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::fields::{version, EventParticipant};
use crate::identifier::CommunicationIdentifier;
use crate::Timestamp;

/// `Microsoft.Communication.ChatMessageReceived` (`AcsChatMessageReceivedEventData`): a
/// message arrived in a thread the recipient is in.
#[derive(Clone, Debug, Deserialize, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct ChatMessageReceived {
    /// Who this event is for.
    #[serde(rename = "recipientCommunicationIdentifier", default)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub recipient: Option<CommunicationIdentifier>,
    /// The thread.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub thread_id: Option<String>,
    /// The service's id of the operation that caused the event.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transaction_id: Option<String>,
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
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message_body: Option<String>,
    /// The message's metadata.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metadata: Option<BTreeMap<String, String>>,
    /// Fields this crate does not model (the legacy `senderId`, `recipientId`), as sent.
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

/// `Microsoft.Communication.ChatMessageEdited` (`AcsChatMessageEditedEventData`): a message
/// was edited.
#[derive(Clone, Debug, Deserialize, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct ChatMessageEdited {
    /// Who this event is for.
    #[serde(rename = "recipientCommunicationIdentifier", default)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub recipient: Option<CommunicationIdentifier>,
    /// The thread.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub thread_id: Option<String>,
    /// The service's id of the operation that caused the event.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transaction_id: Option<String>,
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
    /// Fields this crate does not model (the legacy `senderId`, `recipientId`), as sent.
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

/// `Microsoft.Communication.ChatMessageDeleted` (`AcsChatMessageDeletedEventData`): a message
/// was deleted.
#[derive(Clone, Debug, Deserialize, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct ChatMessageDeleted {
    /// Who this event is for.
    #[serde(rename = "recipientCommunicationIdentifier", default)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub recipient: Option<CommunicationIdentifier>,
    /// The thread.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub thread_id: Option<String>,
    /// The service's id of the operation that caused the event.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transaction_id: Option<String>,
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
    /// Fields this crate does not model (the legacy `senderId`, `recipientId`), as sent.
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

/// `Microsoft.Communication.ChatThreadCreatedWithUser`
/// (`AcsChatThreadCreatedWithUserEventData`): a thread the recipient is in was created.
#[derive(Clone, Debug, Deserialize, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct ChatThreadCreatedWithUser {
    /// Who this event is for.
    #[serde(rename = "recipientCommunicationIdentifier", default)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub recipient: Option<CommunicationIdentifier>,
    /// The thread.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub thread_id: Option<String>,
    /// The service's id of the operation that caused the event.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transaction_id: Option<String>,
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
    /// Fields this crate does not model (the legacy `createdBy`, `members`), as sent.
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

/// `Microsoft.Communication.ChatThreadWithUserDeleted`
/// (`AcsChatThreadWithUserDeletedEventData`): a thread the recipient is in was deleted.
#[derive(Clone, Debug, Deserialize, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct ChatThreadWithUserDeleted {
    /// Who this event is for.
    #[serde(rename = "recipientCommunicationIdentifier", default)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub recipient: Option<CommunicationIdentifier>,
    /// The thread.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub thread_id: Option<String>,
    /// The service's id of the operation that caused the event.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transaction_id: Option<String>,
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
    /// Fields this crate does not model (the legacy `deletedBy`), as sent.
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

/// `Microsoft.Communication.ChatThreadPropertiesUpdatedPerUser`
/// (`AcsChatThreadPropertiesUpdatedPerUserEventData`): the topic or metadata of a thread the
/// recipient is in changed.
#[derive(Clone, Debug, Deserialize, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct ChatThreadPropertiesUpdatedPerUser {
    /// Who this event is for.
    #[serde(rename = "recipientCommunicationIdentifier", default)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub recipient: Option<CommunicationIdentifier>,
    /// The thread.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub thread_id: Option<String>,
    /// The service's id of the operation that caused the event.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transaction_id: Option<String>,
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
    /// Fields this crate does not model (the legacy `editedBy`), as sent.
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

/// `Microsoft.Communication.ChatParticipantAddedToThreadWithUser`
/// (`AcsChatParticipantAddedToThreadWithUserEventData`): someone joined a thread the
/// recipient is in.
#[derive(Clone, Debug, Deserialize, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct ChatParticipantAddedToThreadWithUser {
    /// Who this event is for.
    #[serde(rename = "recipientCommunicationIdentifier", default)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub recipient: Option<CommunicationIdentifier>,
    /// The thread.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub thread_id: Option<String>,
    /// The service's id of the operation that caused the event.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transaction_id: Option<String>,
    /// When the thread was created.
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

/// `Microsoft.Communication.ChatParticipantRemovedFromThreadWithUser`
/// (`AcsChatParticipantRemovedFromThreadWithUserEventData`): someone left a thread the
/// recipient is (or was) in.
#[derive(Clone, Debug, Deserialize, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct ChatParticipantRemovedFromThreadWithUser {
    /// Who this event is for.
    #[serde(rename = "recipientCommunicationIdentifier", default)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub recipient: Option<CommunicationIdentifier>,
    /// The thread.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub thread_id: Option<String>,
    /// The service's id of the operation that caused the event.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transaction_id: Option<String>,
    /// When the thread was created.
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
