//! The message operations: send, get, list, update, delete.

use std::collections::BTreeMap;

use http::{Method, Request, Response, StatusCode};
use serde::Serialize;

use super::model::{ChatMessage, ChatMessageType, SendMessageResult};
use crate::threads::ops::{page_and_time_query, thread_path};
use crate::{
    empty_request, encode_path_segment, expect_no_content, json_request, parse_json, ChatContext,
    Error, Idempotency, InputErrorKind, ListOperation, Operation, Timestamp, APPLICATION_JSON,
    MERGE_PATCH_JSON,
};

fn messages_path(thread_id: &str) -> Result<String, Error> {
    let mut path = thread_path(thread_id)?;
    path.push_str("/messages");
    Ok(path)
}

/// `/chat/threads/{id}/messages/{messageId}`; an empty message id is refused.
fn message_path(thread_id: &str, message_id: &str) -> Result<String, Error> {
    crate::input::check_id("message id", message_id, crate::input::MESSAGE_ID_SHAPE)?;
    let mut path = messages_path(thread_id)?;
    path.push('/');
    path.push_str(&encode_path_segment(message_id));
    Ok(path)
}

/// Refuses empty or blank message content: it would post (or leave) a blank message.
fn check_content(content: &str) -> Result<(), Error> {
    crate::input::check_text(
        "content",
        content,
        "a message's content cannot be empty or blank (delete a message instead of blanking it)",
        "the message's text or HTML",
    )
}

/// Sends a message: `POST /chat/threads/{id}/messages`, 201
/// ([REST reference](https://learn.microsoft.com/rest/api/communication/chat/chat-thread/send-chat-message)).
///
/// The type is `text` unless set; only `text` and `html` can be sent, and any other type is
/// refused before sending. A repeat would post the message twice, so the operation is
/// [`Idempotency::NotIdempotent`]: it is retried only when the service cannot have acted on it.
///
/// ```
/// use chat_core::messages::{ChatMessageType, SendMessage};
/// use chat_core::{ChatContext, Endpoint, Operation};
///
/// let ctx = ChatContext::new(Endpoint::parse("https://contoso.communication.azure.com")?);
/// let op = SendMessage::new("19:abc@thread.v2", "<b>hello</b>")
///     .message_type(ChatMessageType::Html)
///     .sender_display_name("Ada");
/// let request = op.to_request(&ctx)?;
/// assert_eq!(request.uri().path(), "/chat/threads/19%3Aabc%40thread.v2/messages");
/// # Ok::<(), chat_core::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct SendMessage {
    thread_id: String,
    content: String,
    message_type: ChatMessageType,
    sender_display_name: Option<String>,
    metadata: Option<BTreeMap<String, String>>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SendMessageBody<'a> {
    content: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    sender_display_name: Option<&'a str>,
    #[serde(rename = "type")]
    message_type: &'a ChatMessageType,
    #[serde(skip_serializing_if = "Option::is_none")]
    metadata: Option<&'a BTreeMap<String, String>>,
}

impl SendMessage {
    /// A text message with `content` to thread `thread_id`.
    pub fn new(thread_id: impl Into<String>, content: impl Into<String>) -> Self {
        Self {
            thread_id: thread_id.into(),
            content: content.into(),
            message_type: ChatMessageType::Text,
            sender_display_name: None,
            metadata: None,
        }
    }

    /// The message type: [`ChatMessageType::Text`] (the default) or [`ChatMessageType::Html`].
    pub fn message_type(mut self, message_type: ChatMessageType) -> Self {
        self.message_type = message_type;
        self
    }

    /// The sender's display name, shown in push notifications.
    pub fn sender_display_name(mut self, name: impl Into<String>) -> Self {
        self.sender_display_name = Some(name.into());
        self
    }

    /// The message's metadata.
    pub fn metadata(mut self, metadata: BTreeMap<String, String>) -> Self {
        self.metadata = Some(metadata);
        self
    }
}

impl Operation for SendMessage {
    type Output = SendMessageResult;
    type Context = ChatContext;

    fn to_request(&self, ctx: &ChatContext) -> Result<Request<Vec<u8>>, Error> {
        check_content(&self.content)?;
        if !matches!(
            self.message_type,
            ChatMessageType::Text | ChatMessageType::Html
        ) {
            return Err(Error::invalid_input(
                "message type",
                self.message_type.as_str(),
                InputErrorKind::NotAllowed,
                "only text and html messages can be sent",
                "text or html",
            ));
        }
        let body = SendMessageBody {
            content: &self.content,
            sender_display_name: self.sender_display_name.as_deref(),
            message_type: &self.message_type,
            metadata: self.metadata.as_ref(),
        };
        json_request(
            Method::POST,
            ctx.uri(&messages_path(&self.thread_id)?, "")?,
            APPLICATION_JSON,
            &body,
        )
    }

    fn parse_response(&self, response: Response<Vec<u8>>) -> Result<SendMessageResult, Error> {
        parse_json(response, StatusCode::CREATED)
    }

    fn idempotency(&self) -> Idempotency {
        Idempotency::NotIdempotent
    }
}

/// Reads one message: `GET /chat/threads/{id}/messages/{messageId}`, 200
/// ([REST reference](https://learn.microsoft.com/rest/api/communication/chat/chat-thread/get-chat-message)).
///
/// ```
/// use chat_core::http::Response;
/// use chat_core::messages::{ChatMessageType, GetMessage};
/// use chat_core::Operation;
///
/// let body = r#"{"id": "1708127236061", "type": "text", "sequenceId": "3",
///     "version": "1708127236061", "content": {"message": "hello"},
///     "createdOn": "2024-02-16T23:47:16Z"}"#;
/// let response = Response::builder().status(200).body(body.as_bytes().to_vec()).unwrap();
/// let message = GetMessage::new("19:abc@thread.v2", "1708127236061").parse_response(response)?;
/// assert_eq!(message.message_type, ChatMessageType::Text);
/// assert_eq!(message.content.and_then(|c| c.message).as_deref(), Some("hello"));
/// # Ok::<(), chat_core::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GetMessage {
    thread_id: String,
    message_id: String,
}

impl GetMessage {
    /// Message `message_id` of thread `thread_id`.
    pub fn new(thread_id: impl Into<String>, message_id: impl Into<String>) -> Self {
        Self {
            thread_id: thread_id.into(),
            message_id: message_id.into(),
        }
    }
}

impl Operation for GetMessage {
    type Output = ChatMessage;
    type Context = ChatContext;

    fn to_request(&self, ctx: &ChatContext) -> Result<Request<Vec<u8>>, Error> {
        Ok(empty_request(
            Method::GET,
            ctx.uri(&message_path(&self.thread_id, &self.message_id)?, "")?,
        ))
    }

    fn parse_response(&self, response: Response<Vec<u8>>) -> Result<ChatMessage, Error> {
        parse_json(response, StatusCode::OK)
    }

    fn idempotency(&self) -> Idempotency {
        Idempotency::Idempotent
    }
}

/// Lists a thread's messages, newest first, system messages included:
/// `GET /chat/threads/{id}/messages`, 200, paged
/// ([REST reference](https://learn.microsoft.com/rest/api/communication/chat/chat-thread/list-chat-messages)).
///
/// Run it with a [`crate::Pager`].
///
/// ```
/// use chat_core::messages::ListMessages;
/// use chat_core::{ChatContext, Endpoint, Operation, Pager};
///
/// let ctx = ChatContext::new(Endpoint::parse("https://contoso.communication.azure.com")?);
/// let pager = Pager::new(ListMessages::new("19:abc@thread.v2").max_page_size(50), ctx);
/// let first = pager.poll_page().unwrap().to_request(pager.context())?;
/// assert_eq!(first.uri().path(), "/chat/threads/19%3Aabc%40thread.v2/messages");
/// # Ok::<(), chat_core::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct ListMessages {
    thread_id: String,
    max_page_size: Option<u32>,
    start_time: Option<Timestamp>,
}

impl ListMessages {
    /// All messages of thread `thread_id`, in the service's page size.
    pub fn new(thread_id: impl Into<String>) -> Self {
        Self {
            thread_id: thread_id.into(),
            max_page_size: None,
            start_time: None,
        }
    }

    /// At most `n` messages per page.
    pub fn max_page_size(mut self, n: u32) -> Self {
        self.max_page_size = Some(n);
        self
    }

    /// Only messages after `t`.
    pub fn start_time(mut self, t: Timestamp) -> Self {
        self.start_time = Some(t);
        self
    }
}

impl ListOperation for ListMessages {
    type Item = ChatMessage;

    fn first_page(&self, ctx: &ChatContext) -> Result<Request<Vec<u8>>, Error> {
        let query = page_and_time_query(self.max_page_size, self.start_time);
        Ok(empty_request(
            Method::GET,
            ctx.uri(&messages_path(&self.thread_id)?, &query)?,
        ))
    }
}

/// Edits a message's content or metadata: `PATCH /chat/threads/{id}/messages/{messageId}` with
/// a merge patch, 204
/// ([REST reference](https://learn.microsoft.com/rest/api/communication/chat/chat-thread/update-chat-message)).
///
/// Fields left unset are not sent and stay as they are.
///
/// ```
/// use chat_core::messages::UpdateMessage;
/// use chat_core::{ChatContext, Endpoint, Operation};
///
/// let ctx = ChatContext::new(Endpoint::parse("https://contoso.communication.azure.com")?);
/// let request = UpdateMessage::new("19:abc@thread.v2", "1708127236061")
///     .content("edited")
///     .to_request(&ctx)?;
/// assert_eq!(request.method(), "PATCH");
/// assert_eq!(request.body(), br#"{"content":"edited"}"#);
/// # Ok::<(), chat_core::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct UpdateMessage {
    thread_id: String,
    message_id: String,
    content: Option<String>,
    metadata: Option<BTreeMap<String, String>>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct UpdateMessageBody<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    content: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    metadata: Option<&'a BTreeMap<String, String>>,
}

impl UpdateMessage {
    /// An edit of message `message_id` in thread `thread_id` that changes nothing yet.
    pub fn new(thread_id: impl Into<String>, message_id: impl Into<String>) -> Self {
        Self {
            thread_id: thread_id.into(),
            message_id: message_id.into(),
            content: None,
            metadata: None,
        }
    }

    /// The new content.
    pub fn content(mut self, content: impl Into<String>) -> Self {
        self.content = Some(content.into());
        self
    }

    /// Metadata to merge; a key set to `""` is removed.
    pub fn metadata(mut self, metadata: BTreeMap<String, String>) -> Self {
        self.metadata = Some(metadata);
        self
    }
}

impl Operation for UpdateMessage {
    type Output = ();
    type Context = ChatContext;

    fn to_request(&self, ctx: &ChatContext) -> Result<Request<Vec<u8>>, Error> {
        let path = message_path(&self.thread_id, &self.message_id)?;
        if let Some(content) = &self.content {
            check_content(content)?;
        }
        let body = UpdateMessageBody {
            content: self.content.as_deref(),
            metadata: self.metadata.as_ref(),
        };
        json_request(Method::PATCH, ctx.uri(&path, "")?, MERGE_PATCH_JSON, &body)
    }

    fn parse_response(&self, response: Response<Vec<u8>>) -> Result<(), Error> {
        expect_no_content(response, StatusCode::NO_CONTENT)
    }

    fn idempotency(&self) -> Idempotency {
        Idempotency::Idempotent
    }
}

/// Deletes a message: `DELETE /chat/threads/{id}/messages/{messageId}`, 204
/// ([REST reference](https://learn.microsoft.com/rest/api/communication/chat/chat-thread/delete-chat-message)).
///
/// ```
/// use chat_core::http::Response;
/// use chat_core::messages::DeleteMessage;
/// use chat_core::Operation;
///
/// let op = DeleteMessage::new("19:abc@thread.v2", "1708127236061");
/// let response = Response::builder().status(204).body(Vec::new()).unwrap();
/// op.parse_response(response)?;
/// # Ok::<(), chat_core::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeleteMessage {
    thread_id: String,
    message_id: String,
}

impl DeleteMessage {
    /// Deletes message `message_id` of thread `thread_id`.
    pub fn new(thread_id: impl Into<String>, message_id: impl Into<String>) -> Self {
        Self {
            thread_id: thread_id.into(),
            message_id: message_id.into(),
        }
    }
}

impl Operation for DeleteMessage {
    type Output = ();
    type Context = ChatContext;

    fn to_request(&self, ctx: &ChatContext) -> Result<Request<Vec<u8>>, Error> {
        Ok(empty_request(
            Method::DELETE,
            ctx.uri(&message_path(&self.thread_id, &self.message_id)?, "")?,
        ))
    }

    fn parse_response(&self, response: Response<Vec<u8>>) -> Result<(), Error> {
        expect_no_content(response, StatusCode::NO_CONTENT)
    }

    fn idempotency(&self) -> Idempotency {
        Idempotency::Idempotent
    }
}
