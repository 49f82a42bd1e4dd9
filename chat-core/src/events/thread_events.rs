//! Thread-scoped chat events: one event per thread, with no recipient.
//!
//! The schema's base (`AcsChatEventInThreadBaseProperties`) requires `threadId` and
//! `transactionId`.

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use super::fields::{chat_event, EventParticipant};
use crate::identifier::CommunicationIdentifier;
use crate::Timestamp;

chat_event! {
    /// `Microsoft.Communication.ChatMessageReceivedInThread`
    /// (`AcsChatMessageReceivedInThreadEventData`): a message arrived in a thread. Also the data
    /// of `Microsoft.Communication.ChatAzureBotCommandReceivedInThread`, whose schema is the same.
    ChatMessageReceivedInThread [thread, message] {
        /// The content.
        pub message_body: String,
        /// The message's metadata.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub metadata: Option<BTreeMap<String, String>>,
    }
}

chat_event! {
    /// `Microsoft.Communication.ChatMessageEditedInThread`
    /// (`AcsChatMessageEditedInThreadEventData`): a message was edited.
    ChatMessageEditedInThread [thread, message] {
        /// The new content.
        pub message_body: String,
        /// The message's metadata.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub metadata: Option<BTreeMap<String, String>>,
        /// When it was edited.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub edit_time: Option<Timestamp>,
    }
}

chat_event! {
    /// `Microsoft.Communication.ChatMessageDeletedInThread`
    /// (`AcsChatMessageDeletedInThreadEventData`): a message was deleted.
    ChatMessageDeletedInThread [thread, message] {
        /// When it was deleted.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub delete_time: Option<Timestamp>,
    }
}

chat_event! {
    /// `Microsoft.Communication.ChatTypingIndicatorReceivedInThread`
    /// (`AcsChatTypingIndicatorReceivedInThreadEventData`): someone is typing in a thread.
    ///
    /// The schema requires `messageId`, `type` and `messageBody`, but the upstream examples
    /// send none of them, so all three are options.
    ChatTypingIndicatorReceivedInThread [thread] {
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
        #[serde(default, deserialize_with = "crate::events::fields::version")]
        #[serde(skip_serializing_if = "Option::is_none")]
        pub version: Option<i64>,
        /// The message body the schema names.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub message_body: Option<String>,
        /// Metadata.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub metadata: Option<BTreeMap<String, String>>,
    }
}

chat_event! {
    /// `Microsoft.Communication.ChatThreadCreated` (`AcsChatThreadCreatedEventData`): a thread
    /// was created.
    ChatThreadCreated [thread, created] {
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
    }
}

chat_event! {
    /// `Microsoft.Communication.ChatThreadDeleted` (`AcsChatThreadDeletedEventData`): a thread
    /// was deleted.
    ChatThreadDeleted [thread, created] {
        /// Who deleted it.
        #[serde(rename = "deletedByCommunicationIdentifier")]
        pub deleted_by: CommunicationIdentifier,
        /// When it was deleted.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub delete_time: Option<Timestamp>,
    }
}

chat_event! {
    /// `Microsoft.Communication.ChatThreadPropertiesUpdated`
    /// (`AcsChatThreadPropertiesUpdatedEventData`): a thread's topic or metadata changed.
    ///
    /// The schema requires `metadata`, but some upstream examples omit it, so it is an option.
    ChatThreadPropertiesUpdated [thread, created] {
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
    }
}

chat_event! {
    /// `Microsoft.Communication.ChatThreadParticipantAdded`
    /// (`AcsChatParticipantAddedToThreadEventData`): someone joined a thread. The schema gives
    /// it no `createTime`; the service sends one.
    ChatThreadParticipantAdded [thread, created] {
        /// When the participant was added.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub time: Option<Timestamp>,
        /// Who added them.
        #[serde(rename = "addedByCommunicationIdentifier")]
        pub added_by: CommunicationIdentifier,
        /// Who was added.
        pub participant_added: EventParticipant,
    }
}

chat_event! {
    /// `Microsoft.Communication.ChatThreadParticipantRemoved`
    /// (`AcsChatParticipantRemovedFromThreadEventData`): someone left a thread. The schema gives
    /// it no `createTime`; the service sends one.
    ChatThreadParticipantRemoved [thread, created] {
        /// When the participant was removed.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub time: Option<Timestamp>,
        /// Who removed them.
        #[serde(rename = "removedByCommunicationIdentifier")]
        pub removed_by: CommunicationIdentifier,
        /// Who was removed.
        pub participant_removed: EventParticipant,
    }
}
