//! User-scoped chat events: one event per recipient, who is named in `recipient`.
//!
//! The schema's base (`AcsChatEventBaseProperties`) marks none of `recipient`, `threadId` and
//! `transactionId` required, so they are options here.

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use super::fields::{chat_event, EventParticipant};
use crate::identifier::CommunicationIdentifier;
use crate::Timestamp;

chat_event! {
    /// `Microsoft.Communication.ChatMessageReceived` (`AcsChatMessageReceivedEventData`): a
    /// message arrived in a thread the recipient is in.
    ChatMessageReceived [user, message] {
        /// The content.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub message_body: Option<String>,
        /// The message's metadata.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub metadata: Option<BTreeMap<String, String>>,
    }
}

chat_event! {
    /// `Microsoft.Communication.ChatMessageEdited` (`AcsChatMessageEditedEventData`): a message
    /// was edited.
    ChatMessageEdited [user, message] {
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
    /// `Microsoft.Communication.ChatMessageDeleted` (`AcsChatMessageDeletedEventData`): a
    /// message was deleted.
    ChatMessageDeleted [user, message] {
        /// When it was deleted.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub delete_time: Option<Timestamp>,
    }
}

chat_event! {
    /// `Microsoft.Communication.ChatThreadCreatedWithUser`
    /// (`AcsChatThreadCreatedWithUserEventData`): a thread the recipient is in was created.
    ChatThreadCreatedWithUser [user, created] {
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
    /// `Microsoft.Communication.ChatThreadWithUserDeleted`
    /// (`AcsChatThreadWithUserDeletedEventData`): a thread the recipient is in was deleted.
    ChatThreadWithUserDeleted [user, created] {
        /// Who deleted it.
        #[serde(rename = "deletedByCommunicationIdentifier")]
        pub deleted_by: CommunicationIdentifier,
        /// When it was deleted.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub delete_time: Option<Timestamp>,
    }
}

chat_event! {
    /// `Microsoft.Communication.ChatThreadPropertiesUpdatedPerUser`
    /// (`AcsChatThreadPropertiesUpdatedPerUserEventData`): the topic or metadata of a thread the
    /// recipient is in changed.
    ChatThreadPropertiesUpdatedPerUser [user, created] {
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
    /// `Microsoft.Communication.ChatParticipantAddedToThreadWithUser`
    /// (`AcsChatParticipantAddedToThreadWithUserEventData`): someone joined a thread the
    /// recipient is in.
    ChatParticipantAddedToThreadWithUser [user, created] {
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
    /// `Microsoft.Communication.ChatParticipantRemovedFromThreadWithUser`
    /// (`AcsChatParticipantRemovedFromThreadWithUserEventData`): someone left a thread the
    /// recipient is (or was) in.
    ChatParticipantRemovedFromThreadWithUser [user, created] {
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
