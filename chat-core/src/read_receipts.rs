//! Read receipts: tell the thread a message was read, and list who read what.
//!
//! REST reference: <https://learn.microsoft.com/rest/api/communication/chat/chat-thread>.
//!
//! ```
//! use chat_core::read_receipts::SendReadReceipt;
//! use chat_core::{ChatContext, Endpoint, Operation};
//!
//! let ctx = ChatContext::new(Endpoint::parse("https://acs.example.com").unwrap());
//! let req = SendReadReceipt::new("19:abc@thread.v2", "1697712387445").to_request(&ctx).unwrap();
//! assert_eq!(req.uri().path(), "/chat/threads/19%3Aabc%40thread.v2/readReceipts");
//! assert_eq!(req.body(), br#"{"chatMessageId":"1697712387445"}"#);
//! ```

use http::{Method, Request, Response, StatusCode};
use serde::{Deserialize, Serialize};

use crate::identifier::CommunicationIdentifier;
use crate::participants::{page_query, thread_path};
use crate::{
    empty_request, expect_no_content, json_request, ChatContext, Error, Idempotency, ListOperation,
    Operation, Timestamp, APPLICATION_JSON,
};

/// Who read which message, and when.
#[derive(Clone, Debug, Deserialize, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct ChatMessageReadReceipt {
    /// Who read the message.
    #[serde(rename = "senderCommunicationIdentifier")]
    pub sender: CommunicationIdentifier,
    /// The message read.
    pub chat_message_id: String,
    /// When it was read.
    pub read_on: Timestamp,
}

impl ChatMessageReadReceipt {
    /// Builds a read receipt (for tests and emulators).
    pub fn new(
        sender: CommunicationIdentifier,
        chat_message_id: impl Into<String>,
        read_on: Timestamp,
    ) -> Self {
        Self {
            sender,
            chat_message_id: chat_message_id.into(),
            read_on,
        }
    }
}

/// Marks a message as read (`POST /chat/threads/{id}/readReceipts`); the service answers 200
/// with an empty body.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SendReadReceipt {
    thread_id: String,
    message_id: String,
}

impl SendReadReceipt {
    /// Marks `message_id` of `thread_id` as read.
    pub fn new(thread_id: impl Into<String>, message_id: impl Into<String>) -> Self {
        Self {
            thread_id: thread_id.into(),
            message_id: message_id.into(),
        }
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SendBody<'a> {
    chat_message_id: &'a str,
}

impl Operation for SendReadReceipt {
    type Output = ();
    type Context = ChatContext;

    fn to_request(&self, ctx: &ChatContext) -> Result<Request<Vec<u8>>, Error> {
        crate::input::check_id(
            "message id",
            &self.message_id,
            crate::input::MESSAGE_ID_SHAPE,
        )?;
        let path = thread_path(&self.thread_id, "/readReceipts")?;
        let body = SendBody {
            chat_message_id: &self.message_id,
        };
        json_request(Method::POST, ctx.uri(&path, "")?, APPLICATION_JSON, &body)
    }

    fn parse_response(&self, response: Response<Vec<u8>>) -> Result<(), Error> {
        expect_no_content(response, StatusCode::OK)
    }

    fn idempotency(&self) -> Idempotency {
        Idempotency::Idempotent
    }
}

/// Lists a thread's read receipts (`GET /chat/threads/{id}/readReceipts`), page by page.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ListReadReceipts {
    thread_id: String,
    max_page_size: Option<u32>,
    skip: Option<u32>,
}

impl ListReadReceipts {
    /// Lists the read receipts of `thread_id`.
    pub fn new(thread_id: impl Into<String>) -> Self {
        Self {
            thread_id: thread_id.into(),
            max_page_size: None,
            skip: None,
        }
    }

    /// Asks for at most `n` receipts per page.
    pub fn max_page_size(mut self, n: u32) -> Self {
        self.max_page_size = Some(n);
        self
    }

    /// Skips the first `n` receipts.
    pub fn skip(mut self, n: u32) -> Self {
        self.skip = Some(n);
        self
    }
}

impl ListOperation for ListReadReceipts {
    type Item = ChatMessageReadReceipt;

    fn first_page(&self, ctx: &ChatContext) -> Result<Request<Vec<u8>>, Error> {
        let path = thread_path(&self.thread_id, "/readReceipts")?;
        let uri = ctx.uri(&path, &page_query(self.max_page_size, self.skip))?;
        Ok(empty_request(Method::GET, uri))
    }
}
