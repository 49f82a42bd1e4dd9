//! # chat-core
//!
//! The sans-IO protocol core of a Rust client for Azure Communication Services (ACS) Chat and
//! Identity. It builds [`http::Request`]s, parses [`http::Response`]s and runs the small state
//! machines a client needs — and does no I/O at all.
//!
//! **In scope:** every chat operation and the identity operations, as pure request builders and
//! response parsers; the models of every definition in the service's OpenAPI documents;
//! pagination ([`Pager`]); retry decisions ([`retry`]); the call driver ([`Call`]) that combines
//! authorization, retries and the 401 refresh; user tokens and HMAC request signing ([`auth`]);
//! and the client surface itself ([`client`]): the chat, thread and identity clients, one line
//! per operation with the optional parameters as builder methods, written once and generic over
//! the transport's [`client::Runner`]; and receiving the events the service pushes through
//! Azure Event Grid ([`events`]): the webhook handshakes and typed chat events.
//!
//! **Out of scope:** sockets, TLS, clocks, sleeping, threads, random numbers. Time, randomness
//! and ids are arguments. The transports (`chat-ureq`, `chat-hyper`) own them.
//!
//! ## Embedding the core in your own runtime
//!
//! An operation is a value; a [`Call`] drives it through authorization, retries and the 401
//! refresh, and tells you what to do next. Here the "network" is a closure that answers the
//! first try with a 503 and the second with the service's 201:
//!
//! ```
//! use std::time::{Duration, SystemTime};
//! use chat_core::http::Response;
//! use chat_core::messages::SendMessage;
//! use chat_core::{AccessToken, Auth, Call, CallConfig, CallPoll, ChatContext, Endpoint};
//!
//! let ctx = ChatContext::new(Endpoint::parse("https://contoso.communication.azure.com")?);
//! let op = SendMessage::new("19:abc@thread.v2", "Hello").sender_display_name("Ann");
//! let mut call = Call::new(op, ctx, CallConfig::new(Auth::Bearer), "client-request-id", 42)?;
//!
//! let mut now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_800_000_000);
//! let mut tries = 0;
//! let sent = loop {
//!     match call.poll(now) {
//!         CallPoll::NeedToken { .. } => {
//!             call.handle_token(AccessToken::new("token", now + Duration::from_secs(3600)))
//!         }
//!         CallPoll::Transmit(request) => {
//!             assert_eq!(request.headers()["authorization"], "Bearer token");
//!             tries += 1;
//!             let response = if tries == 1 {
//!                 Response::builder().status(503).header("retry-after", "2").body(vec![])?
//!             } else {
//!                 Response::builder().status(201).body(br#"{"id":"1700000000000"}"#.to_vec())?
//!             };
//!             call.handle_response(now, response);
//!         }
//!         CallPoll::Sleep(until) => now = until, // a real transport sleeps here
//!         CallPoll::Done(result) => break result?,
//!     }
//! };
//! assert_eq!(sent.id, "1700000000000");
//! assert_eq!(tries, 2);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![forbid(unsafe_code)]
#![deny(missing_docs)]
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)
)]

pub use http;

mod api_version;
pub mod auth;
mod call;
pub mod client;
mod correlation;
mod endpoint;
mod error;
pub mod events;
pub mod http_date;
mod input;
pub mod log;
mod operation;
pub mod paging;
mod request_id;
pub mod retry;
mod timestamp;

// Resources: one module per REST resource.
pub mod identifier;
pub mod identity;
pub mod messages;
pub mod participants;
pub mod read_receipts;
pub mod threads;
pub mod typing;

pub use api_version::ApiVersion;
pub use auth::{AccessKey, AccessToken, RefreshError};
pub use call::{user_agent, Auth, Call, CallConfig, CallPoll, CLIENT_REQUEST_ID};
pub use correlation::Correlation;
pub use endpoint::{encode_path_segment, encode_query_value, Endpoint};
pub use error::{
    CommunicationError, CommunicationErrorResponse, Error, InputErrorKind, ServiceError,
    TransportError, TransportErrorKind, MAX_SHOWN_VALUE_CHARS, REDACTED,
};
pub use operation::{
    empty_request, expect_no_content, expect_status, json_request, parse_json, ChatContext,
    Idempotency, Operation, APPLICATION_JSON, MAX_RESPONSE_BODY_BYTES, MAX_RESPONSE_HEADERS,
    MERGE_PATCH_JSON,
};
pub use paging::{ListOperation, PageRequest, Pager, RawPage};
pub use request_id::{RequestId, RequestIds};
pub use retry::{RetryOptions, RetryReason, ScheduledRetry};
pub use timestamp::Timestamp;
