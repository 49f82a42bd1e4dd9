//! The thread operations: create, list, get properties, update, delete.

use std::collections::BTreeMap;

use http::header::{HeaderName, HeaderValue};
use http::{Method, Request, Response, StatusCode};
use serde::{Deserialize, Serialize};

use super::model::{ChatThreadItem, ChatThreadProperties, CreateThreadResult, RetentionPolicy};
use crate::endpoint::encode_path_segment_into;
use crate::participants::{self, ChatParticipant};
use crate::{
    empty_request, encode_query_value, expect_no_content, json_request, parse_json, ApiVersion,
    ChatContext, CommunicationError, Error, Idempotency, InputErrorKind, ListOperation, Operation,
    Timestamp, APPLICATION_JSON, MERGE_PATCH_JSON,
};

/// The `repeatability-request-id` header of create-thread.
pub const REPEATABILITY_REQUEST_ID: HeaderName =
    HeaderName::from_static("repeatability-request-id");

pub(crate) const THREADS: &str = "/chat/threads";

/// `/chat/threads/{id}`, the id percent-encoded. An empty id is refused: it would address the
/// thread collection instead of a thread.
pub(crate) fn thread_path(thread_id: &str) -> Result<String, Error> {
    crate::input::check_id("thread id", thread_id, crate::input::THREAD_ID_SHAPE)?;
    // Room for the thread id and the longest sub-path after it (`/participants/:remove`).
    let mut path = String::with_capacity(THREADS.len() + 3 * thread_id.len() + 24);
    path.push_str(THREADS);
    path.push('/');
    encode_path_segment_into(&mut path, thread_id);
    Ok(path)
}

fn check_thread_fields(
    version: ApiVersion,
    metadata: Option<&BTreeMap<String, String>>,
    retention_policy: Option<&RetentionPolicy>,
) -> Result<(), Error> {
    if metadata.is_some() {
        version.require("metadata", ApiVersion::V2025_03_15)?;
    }
    if retention_policy.is_some() {
        version.require("retentionPolicy", ApiVersion::V2025_03_15)?;
    }
    Ok(())
}

/// Creates a chat thread: `POST /chat/threads`, 201
/// ([REST reference](https://learn.microsoft.com/rest/api/communication/chat/chat/create-chat-thread)).
///
/// Participants the service refuses do not fail the call: they come back in
/// [`CreateThreadResult::failed_participants`], each paired with its error.
///
/// A repeat is harmless only with a `repeatability-request-id`: the service then returns the
/// thread the first try created. Transports set one per logical call and keep it across retries;
/// without one, the operation is [`Idempotency::NotIdempotent`].
///
/// ```
/// use chat_core::threads::{CreateThread, RetentionPolicy};
/// use chat_core::{ChatContext, Endpoint, Operation};
///
/// let ctx = ChatContext::new(Endpoint::parse("https://contoso.communication.azure.com")?);
/// let op = CreateThread::new("lunch")
///     .retention_policy(RetentionPolicy::ThreadCreationDate { delete_thread_after_days: 30 })
///     .repeatability_request_id("b66d6031-fdcc-41df-8306-e524c9f226b8");
/// let request = op.to_request(&ctx)?;
/// assert_eq!(request.method(), "POST");
/// assert_eq!(request.headers()["repeatability-request-id"], "b66d6031-fdcc-41df-8306-e524c9f226b8");
/// # Ok::<(), chat_core::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct CreateThread {
    topic: String,
    participants: Vec<ChatParticipant>,
    metadata: Option<BTreeMap<String, String>>,
    retention_policy: Option<RetentionPolicy>,
    repeatability_request_id: Option<String>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct CreateThreadBody<'a> {
    topic: &'a str,
    participants: &'a [ChatParticipant],
    #[serde(skip_serializing_if = "Option::is_none")]
    metadata: Option<&'a BTreeMap<String, String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    retention_policy: Option<&'a RetentionPolicy>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct CreateThreadResponse {
    chat_thread: ChatThreadProperties,
    #[serde(default)]
    invalid_participants: Vec<CommunicationError>,
}

impl CreateThread {
    /// A thread with `topic` and no participants but its creator.
    pub fn new(topic: impl Into<String>) -> Self {
        Self {
            topic: topic.into(),
            participants: Vec::new(),
            metadata: None,
            retention_policy: None,
            repeatability_request_id: None,
        }
    }

    /// The participants to add besides the creator.
    pub fn participants(mut self, participants: Vec<ChatParticipant>) -> Self {
        self.participants = participants;
        self
    }

    /// The thread's metadata (API 2025-03-15 and later).
    pub fn metadata(mut self, metadata: BTreeMap<String, String>) -> Self {
        self.metadata = Some(metadata);
        self
    }

    /// When the service deletes the thread (API 2025-03-15 and later).
    pub fn retention_policy(mut self, policy: RetentionPolicy) -> Self {
        self.retention_policy = Some(policy);
        self
    }

    /// The `repeatability-request-id` (a UUID): a repeat with the same id returns the same
    /// thread instead of creating another one.
    pub fn repeatability_request_id(mut self, id: impl Into<String>) -> Self {
        self.repeatability_request_id = Some(id.into());
        self
    }

    /// The `repeatability-request-id`, if one is set (a transport sets one when the caller did
    /// not, once per logical call).
    pub fn repeatability_id(&self) -> Option<&str> {
        self.repeatability_request_id.as_deref()
    }
}

impl Operation for CreateThread {
    type Output = CreateThreadResult;
    type Context = ChatContext;

    fn to_request(&self, ctx: &ChatContext) -> Result<Request<Vec<u8>>, Error> {
        check_topic(&self.topic)?;
        check_thread_fields(
            ctx.api_version,
            self.metadata.as_ref(),
            self.retention_policy.as_ref(),
        )?;
        for p in &self.participants {
            p.check_supported(ctx.api_version)?;
        }
        let body = CreateThreadBody {
            topic: &self.topic,
            participants: &self.participants,
            metadata: self.metadata.as_ref(),
            retention_policy: self.retention_policy.as_ref(),
        };
        let mut req = json_request(Method::POST, ctx.uri(THREADS, "")?, APPLICATION_JSON, &body)?;
        if let Some(id) = &self.repeatability_request_id {
            let value = HeaderValue::from_str(id).map_err(|e| {
                Error::invalid_input(
                    "repeatability-request-id",
                    id,
                    InputErrorKind::Malformed,
                    e.to_string(),
                    "visible ASCII characters, e.g. a UUID",
                )
            })?;
            req.headers_mut().insert(REPEATABILITY_REQUEST_ID, value);
        }
        Ok(req)
    }

    fn parse_response(&self, response: Response<Vec<u8>>) -> Result<CreateThreadResult, Error> {
        let r: CreateThreadResponse = parse_json(response, StatusCode::CREATED)?;
        Ok(CreateThreadResult {
            thread: r.chat_thread,
            failed_participants: participants::pair_failed_participants(
                &self.participants,
                r.invalid_participants,
            ),
        })
    }

    fn idempotency(&self) -> Idempotency {
        if self.repeatability_request_id.is_some() {
            Idempotency::Idempotent
        } else {
            Idempotency::NotIdempotent
        }
    }
}

/// Lists the threads the user is in: `GET /chat/threads`, 200, paged
/// ([REST reference](https://learn.microsoft.com/rest/api/communication/chat/chat/list-chat-threads)).
///
/// Run it with a [`crate::Pager`].
///
/// ```
/// use chat_core::threads::ListThreads;
/// use chat_core::{ChatContext, Endpoint, Operation, Pager, Timestamp};
///
/// let ctx = ChatContext::new(Endpoint::parse("https://contoso.communication.azure.com")?);
/// let since = Timestamp::parse("2024-02-16T23:46:29Z").unwrap();
/// let pager = Pager::new(ListThreads::new().max_page_size(20).start_time(since), ctx);
/// let first = pager.poll_page().unwrap().to_request(pager.context())?;
/// assert_eq!(
///     first.uri().query(),
///     Some("api-version=2025-03-15&maxPageSize=20&startTime=2024-02-16T23%3A46%3A29.0000000Z")
/// );
/// # Ok::<(), chat_core::Error>(())
/// ```
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ListThreads {
    max_page_size: Option<u32>,
    start_time: Option<Timestamp>,
}

impl ListThreads {
    /// All threads, in the service's page size.
    pub fn new() -> Self {
        Self::default()
    }

    /// At most `n` threads per page.
    pub fn max_page_size(mut self, n: u32) -> Self {
        self.max_page_size = Some(n);
        self
    }

    /// Only threads with activity after `t`.
    pub fn start_time(mut self, t: Timestamp) -> Self {
        self.start_time = Some(t);
        self
    }
}

/// The query of a listing with `maxPageSize` and `startTime`.
pub(crate) fn page_and_time_query(
    max_page_size: Option<u32>,
    start_time: Option<Timestamp>,
) -> String {
    let mut query = String::new();
    if let Some(n) = max_page_size {
        query.push_str(&format!("maxPageSize={n}"));
    }
    if let Some(t) = start_time {
        if !query.is_empty() {
            query.push('&');
        }
        query.push_str("startTime=");
        query.push_str(&encode_query_value(&t.to_rfc3339()));
    }
    query
}

impl ListOperation for ListThreads {
    type Item = ChatThreadItem;

    fn first_page(&self, ctx: &ChatContext) -> Result<Request<Vec<u8>>, Error> {
        let query = page_and_time_query(self.max_page_size, self.start_time);
        Ok(empty_request(Method::GET, ctx.uri(THREADS, &query)?))
    }
}

/// Reads a thread's properties: `GET /chat/threads/{id}`, 200
/// ([REST reference](https://learn.microsoft.com/rest/api/communication/chat/chat-thread/get-chat-thread-properties)).
///
/// ```
/// use chat_core::http::Response;
/// use chat_core::threads::GetThreadProperties;
/// use chat_core::Operation;
///
/// let body = r#"{"id": "19:abc@thread.v2", "topic": "lunch", "createdOn": "2024-02-16T23:46:29Z",
///     "createdByCommunicationIdentifier": {"rawId": "8:acs:r_u", "communicationUser": {"id": "8:acs:r_u"}}}"#;
/// let response = Response::builder().status(200).body(body.as_bytes().to_vec()).unwrap();
/// let thread = GetThreadProperties::new("19:abc@thread.v2").parse_response(response)?;
/// assert_eq!(thread.topic, "lunch");
/// # Ok::<(), chat_core::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GetThreadProperties {
    thread_id: String,
}

impl GetThreadProperties {
    /// The properties of thread `thread_id`.
    pub fn new(thread_id: impl Into<String>) -> Self {
        Self {
            thread_id: thread_id.into(),
        }
    }
}

impl Operation for GetThreadProperties {
    type Output = ChatThreadProperties;
    type Context = ChatContext;

    fn to_request(&self, ctx: &ChatContext) -> Result<Request<Vec<u8>>, Error> {
        Ok(empty_request(
            Method::GET,
            ctx.uri(&thread_path(&self.thread_id)?, "")?,
        ))
    }

    fn parse_response(&self, response: Response<Vec<u8>>) -> Result<ChatThreadProperties, Error> {
        parse_json(response, StatusCode::OK)
    }

    fn idempotency(&self) -> Idempotency {
        Idempotency::Idempotent
    }
}

/// Updates a thread's topic, metadata or retention policy: `PATCH /chat/threads/{id}` with a
/// merge patch, 204
/// ([REST reference](https://learn.microsoft.com/rest/api/communication/chat/chat-thread/update-chat-thread-properties)).
///
/// Fields left unset are not sent and stay as they are. Metadata merges key by key; a key set
/// to `""` is removed.
///
/// ```
/// use chat_core::threads::UpdateThread;
/// use chat_core::{ChatContext, Endpoint, Operation};
///
/// let ctx = ChatContext::new(Endpoint::parse("https://contoso.communication.azure.com")?);
/// let request = UpdateThread::new("19:abc@thread.v2").topic("dinner").to_request(&ctx)?;
/// assert_eq!(request.headers()["content-type"], "application/merge-patch+json");
/// assert_eq!(request.body(), br#"{"topic":"dinner"}"#);
/// # Ok::<(), chat_core::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct UpdateThread {
    thread_id: String,
    topic: Option<String>,
    metadata: Option<BTreeMap<String, String>>,
    retention_policy: Option<RetentionPolicy>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct UpdateThreadBody<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    topic: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    metadata: Option<&'a BTreeMap<String, String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    retention_policy: Option<&'a RetentionPolicy>,
}

impl UpdateThread {
    /// An update of thread `thread_id` that changes nothing yet.
    pub fn new(thread_id: impl Into<String>) -> Self {
        Self {
            thread_id: thread_id.into(),
            topic: None,
            metadata: None,
            retention_policy: None,
        }
    }

    /// A new topic.
    pub fn topic(mut self, topic: impl Into<String>) -> Self {
        self.topic = Some(topic.into());
        self
    }

    /// Metadata to merge (API 2025-03-15 and later).
    pub fn metadata(mut self, metadata: BTreeMap<String, String>) -> Self {
        self.metadata = Some(metadata);
        self
    }

    /// A new retention policy (API 2025-03-15 and later).
    pub fn retention_policy(mut self, policy: RetentionPolicy) -> Self {
        self.retention_policy = Some(policy);
        self
    }
}

impl Operation for UpdateThread {
    type Output = ();
    type Context = ChatContext;

    fn to_request(&self, ctx: &ChatContext) -> Result<Request<Vec<u8>>, Error> {
        let path = thread_path(&self.thread_id)?;
        if let Some(topic) = &self.topic {
            check_topic(topic)?;
        }
        check_thread_fields(
            ctx.api_version,
            self.metadata.as_ref(),
            self.retention_policy.as_ref(),
        )?;
        let body = UpdateThreadBody {
            topic: self.topic.as_deref(),
            metadata: self.metadata.as_ref(),
            retention_policy: self.retention_policy.as_ref(),
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

/// A topic names the thread: empty or blank ones are refused.
fn check_topic(topic: &str) -> Result<(), Error> {
    crate::input::check_text(
        "topic",
        topic,
        "a thread's topic cannot be empty or blank",
        "the thread's name, e.g. \"Lunch\"",
    )
}

/// Deletes a thread: `DELETE /chat/threads/{id}`, 204
/// ([REST reference](https://learn.microsoft.com/rest/api/communication/chat/chat/delete-chat-thread)).
///
/// ```
/// use chat_core::threads::DeleteThread;
/// use chat_core::{ChatContext, Endpoint, Operation};
///
/// let ctx = ChatContext::new(Endpoint::parse("https://contoso.communication.azure.com")?);
/// let request = DeleteThread::new("19:abc@thread.v2").to_request(&ctx)?;
/// assert_eq!(request.uri().path(), "/chat/threads/19%3Aabc%40thread.v2");
/// # Ok::<(), chat_core::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeleteThread {
    thread_id: String,
}

impl DeleteThread {
    /// Deletes thread `thread_id`.
    pub fn new(thread_id: impl Into<String>) -> Self {
        Self {
            thread_id: thread_id.into(),
        }
    }
}

impl Operation for DeleteThread {
    type Output = ();
    type Context = ChatContext;

    fn to_request(&self, ctx: &ChatContext) -> Result<Request<Vec<u8>>, Error> {
        Ok(empty_request(
            Method::DELETE,
            ctx.uri(&thread_path(&self.thread_id)?, "")?,
        ))
    }

    fn parse_response(&self, response: Response<Vec<u8>>) -> Result<(), Error> {
        expect_no_content(response, StatusCode::NO_CONTENT)
    }

    fn idempotency(&self) -> Idempotency {
        Idempotency::Idempotent
    }
}
