//! Participants of a chat thread: list, add, remove; and the partial-failure pairing shared with
//! create-thread.
//!
//! REST reference: <https://learn.microsoft.com/rest/api/communication/chat/participants>.
//!
//! ```
//! use chat_core::identifier::CommunicationIdentifier;
//! use chat_core::participants::{AddParticipants, ChatParticipant};
//! use chat_core::{ChatContext, Endpoint, Operation};
//!
//! let ctx = ChatContext::new(Endpoint::parse("https://acs.example.com").unwrap());
//! let op = AddParticipants::new(
//!     "19:abc@thread.v2",
//!     vec![ChatParticipant::new(CommunicationIdentifier::from_raw_id("8:acs:r_u")).display_name("Ann")],
//! );
//! let req = op.to_request(&ctx).unwrap();
//! assert_eq!(req.uri().path(), "/chat/threads/19%3Aabc%40thread.v2/participants/:add");
//! ```

use std::collections::BTreeMap;

use http::{Method, Request, Response, StatusCode};
use serde::{Deserialize, Deserializer, Serialize};

use crate::identifier::CommunicationIdentifier;
use crate::operation::expect_status;
use crate::{
    empty_request, encode_path_segment, expect_no_content, json_request, ApiVersion, ChatContext,
    CommunicationError, Error, Idempotency, ListOperation, Operation, Timestamp, APPLICATION_JSON,
};

/// A member of a chat thread.
#[derive(Clone, Debug, Deserialize, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct ChatParticipant {
    /// Who the participant is.
    #[serde(rename = "communicationIdentifier")]
    pub identifier: CommunicationIdentifier,
    /// The name shown for the participant.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    /// From when on the participant sees the thread's history (the service's default is the
    /// Unix epoch: all of it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub share_history_time: Option<Timestamp>,
    /// Participant metadata (API 2025-03-15 or later; at most 1 KB in all). Empty = not sent.
    #[serde(
        default,
        deserialize_with = "null_as_empty",
        skip_serializing_if = "BTreeMap::is_empty"
    )]
    pub metadata: BTreeMap<String, String>,
}

impl ChatParticipant {
    /// A participant with only an identifier.
    pub fn new(identifier: CommunicationIdentifier) -> Self {
        Self {
            identifier,
            display_name: None,
            share_history_time: None,
            metadata: BTreeMap::new(),
        }
    }

    /// Sets the display name.
    pub fn display_name(mut self, display_name: impl Into<String>) -> Self {
        self.display_name = Some(display_name.into());
        self
    }

    /// Sets from when on the participant sees the thread's history.
    pub fn share_history_time(mut self, share_history_time: Timestamp) -> Self {
        self.share_history_time = Some(share_history_time);
        self
    }

    /// Sets the metadata (API 2025-03-15 or later).
    pub fn metadata(mut self, metadata: BTreeMap<String, String>) -> Self {
        self.metadata = metadata;
        self
    }

    /// Refuses a participant the pinned API version cannot carry in a request: metadata needs
    /// 2025-03-15, and the identifier must be supported (see
    /// [`CommunicationIdentifier::check_supported`]).
    pub fn check_supported(&self, version: ApiVersion) -> Result<(), Error> {
        self.identifier.check_supported(version)?;
        if !self.metadata.is_empty() {
            version.require("metadata", ApiVersion::V2025_03_15)?;
        }
        Ok(())
    }
}

fn null_as_empty<'de, D: Deserializer<'de>>(d: D) -> Result<BTreeMap<String, String>, D::Error> {
    Ok(Option::<BTreeMap<String, String>>::deserialize(d)?.unwrap_or_default())
}

/// A participant the service refused to add, with its error.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct FailedParticipant {
    /// The participant as it was requested (or, when no requested participant has the error's
    /// target as raw id, one built from the target).
    pub participant: ChatParticipant,
    /// What the service said about it.
    pub error: CommunicationError,
}

impl FailedParticipant {
    /// Pairs a participant with its error.
    pub fn new(participant: ChatParticipant, error: CommunicationError) -> Self {
        Self { participant, error }
    }
}

/// Pairs each error of a partial success (`invalidParticipants`) with the requested participant
/// whose raw id equals the error's `target`, whatever the identifier kind. An error whose target
/// matches no requested participant is still reported, with a participant built from
/// [`CommunicationIdentifier::from_raw_id`] of the target (empty when there is none). The output
/// keeps the order of `errors`.
pub fn pair_failed_participants(
    requested: &[ChatParticipant],
    errors: Vec<CommunicationError>,
) -> Vec<FailedParticipant> {
    errors
        .into_iter()
        .map(|error| {
            let target = error.target.as_deref().unwrap_or("");
            let participant = requested
                .iter()
                .find(|p| p.identifier.raw_id() == target)
                .cloned()
                .unwrap_or_else(|| {
                    ChatParticipant::new(CommunicationIdentifier::from_raw_id(target))
                });
            FailedParticipant { participant, error }
        })
        .collect()
}

/// `/chat/threads/{thread_id}{rest}`, the thread id percent-encoded; an empty id is refused.
pub(crate) fn thread_path(thread_id: &str, rest: &str) -> Result<String, Error> {
    crate::input::check_id("thread id", thread_id, crate::input::THREAD_ID_SHAPE)?;
    Ok(format!(
        "/chat/threads/{}{rest}",
        encode_path_segment(thread_id)
    ))
}

/// The `maxPageSize` / `skip` query of the participant and read-receipt listings.
pub(crate) fn page_query(max_page_size: Option<u32>, skip: Option<u32>) -> String {
    let mut query = String::new();
    if let Some(n) = max_page_size {
        query.push_str(&format!("maxPageSize={n}"));
    }
    if let Some(n) = skip {
        if !query.is_empty() {
            query.push('&');
        }
        query.push_str(&format!("skip={n}"));
    }
    query
}

/// Lists a thread's participants (`GET /chat/threads/{id}/participants`), page by page.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ListParticipants {
    thread_id: String,
    max_page_size: Option<u32>,
    skip: Option<u32>,
}

impl ListParticipants {
    /// Lists the participants of `thread_id`.
    pub fn new(thread_id: impl Into<String>) -> Self {
        Self {
            thread_id: thread_id.into(),
            max_page_size: None,
            skip: None,
        }
    }

    /// Asks for at most `n` participants per page.
    pub fn max_page_size(mut self, n: u32) -> Self {
        self.max_page_size = Some(n);
        self
    }

    /// Skips the first `n` participants.
    pub fn skip(mut self, n: u32) -> Self {
        self.skip = Some(n);
        self
    }
}

impl ListOperation for ListParticipants {
    type Item = ChatParticipant;

    fn first_page(&self, ctx: &ChatContext) -> Result<Request<Vec<u8>>, Error> {
        let path = thread_path(&self.thread_id, "/participants")?;
        let uri = ctx.uri(&path, &page_query(self.max_page_size, self.skip))?;
        Ok(empty_request(Method::GET, uri))
    }
}

/// Adds participants to a thread (`POST /chat/threads/{id}/participants/:add`). The service
/// answers 201 even when some fail; those come back in
/// [`AddParticipantsResult::failed_participants`].
#[derive(Clone, Debug, PartialEq)]
pub struct AddParticipants {
    thread_id: String,
    participants: Vec<ChatParticipant>,
}

impl AddParticipants {
    /// Adds `participants` to `thread_id`.
    pub fn new(thread_id: impl Into<String>, participants: Vec<ChatParticipant>) -> Self {
        Self {
            thread_id: thread_id.into(),
            participants,
        }
    }
}

/// What adding participants returns.
#[derive(Clone, Debug, Default, PartialEq)]
#[non_exhaustive]
pub struct AddParticipantsResult {
    /// The participants the service refused, each with its error; empty when all were added.
    pub failed_participants: Vec<FailedParticipant>,
}

#[derive(Serialize)]
struct AddBody<'a> {
    participants: &'a [ChatParticipant],
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct AddResultBody {
    #[serde(default)]
    invalid_participants: Option<Vec<CommunicationError>>,
}

impl Operation for AddParticipants {
    type Output = AddParticipantsResult;
    type Context = ChatContext;

    fn to_request(&self, ctx: &ChatContext) -> Result<Request<Vec<u8>>, Error> {
        for p in &self.participants {
            p.check_supported(ctx.api_version)?;
        }
        let path = thread_path(&self.thread_id, "/participants/:add")?;
        let body = AddBody {
            participants: &self.participants,
        };
        json_request(Method::POST, ctx.uri(&path, "")?, APPLICATION_JSON, &body)
    }

    fn parse_response(&self, response: Response<Vec<u8>>) -> Result<AddParticipantsResult, Error> {
        let body = expect_status(response, StatusCode::CREATED)?;
        if body.iter().all(u8::is_ascii_whitespace) {
            return Ok(AddParticipantsResult::default());
        }
        let parsed: AddResultBody = match serde_json::from_slice(&body) {
            Ok(parsed) => parsed,
            Err(e) => {
                return Err(Error::Deserialize {
                    status: StatusCode::CREATED.as_u16(),
                    message: e.to_string(),
                    body,
                    correlation: crate::Correlation::default(),
                })
            }
        };
        Ok(AddParticipantsResult {
            failed_participants: pair_failed_participants(
                &self.participants,
                parsed.invalid_participants.unwrap_or_default(),
            ),
        })
    }

    fn idempotency(&self) -> Idempotency {
        Idempotency::Idempotent
    }
}

/// Removes a participant from a thread (`POST /chat/threads/{id}/participants/:remove`, the body
/// being the identifier); the service answers 204.
#[derive(Clone, Debug, PartialEq)]
pub struct RemoveParticipant {
    thread_id: String,
    identifier: CommunicationIdentifier,
}

impl RemoveParticipant {
    /// Removes `identifier` from `thread_id`.
    pub fn new(thread_id: impl Into<String>, identifier: CommunicationIdentifier) -> Self {
        Self {
            thread_id: thread_id.into(),
            identifier,
        }
    }
}

impl Operation for RemoveParticipant {
    type Output = ();
    type Context = ChatContext;

    fn to_request(&self, ctx: &ChatContext) -> Result<Request<Vec<u8>>, Error> {
        self.identifier.check_supported(ctx.api_version)?;
        let path = thread_path(&self.thread_id, "/participants/:remove")?;
        json_request(
            Method::POST,
            ctx.uri(&path, "")?,
            APPLICATION_JSON,
            &self.identifier,
        )
    }

    fn parse_response(&self, response: Response<Vec<u8>>) -> Result<(), Error> {
        expect_no_content(response, StatusCode::NO_CONTENT)
    }

    fn idempotency(&self) -> Idempotency {
        Idempotency::Idempotent
    }
}
