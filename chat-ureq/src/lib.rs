//! # chat-ureq
//!
//! A blocking client for Azure Communication Services Chat and Identity, on ureq 3 with rustls
//! (ring provider, webpki roots). The protocol — every request, every response, retries, token
//! refresh, pagination — lives in [`chat_core`]; this crate owns sockets, TLS, the clock and
//! sleeping.
//!
//! ## How the per-operation surface is shared
//!
//! The clients are `chat_core`'s, written once for both transports: [`ChatClient`],
//! [`ChatThreadClient`] and [`IdentityClient`] are aliases of [`chat_core::client`]'s generic
//! clients bound to this crate's [`UreqRunner`]. Every client method is one line in `chat_core`
//! that builds the operation value and returns it as a [`Pending`] (or a [`PendingList`] for
//! listings); optional parameters are the `Pending`'s builder methods, also written once in
//! `chat_core`. This crate has zero per-operation lines: it implements
//! [`chat_core::client::Runner`] (a call runs to its result, a listing is an [`Iterator`]) and
//! [`chat_core::client::Connect`], on one executor that drives [`chat_core::Call`] (and
//! [`chat_core::Pager`] for listings). The async twin, `chat-hyper`, has the very same client
//! methods, bound to its own runner.
//!
//! ## Transport behaviour
//!
//! - **TLS** by default: rustls with the ring provider and the webpki (Mozilla) roots;
//!   [`ClientOptions::add_root_certificate`] trusts other roots instead (a private CA, a test
//!   server). `http://` is refused unless [`ClientOptions::allow_loopback_http`] is set, and then
//!   only for a loopback host.
//! - **One connection pool** per client; clones and thread clients share it.
//! - **Timeouts**: [`ClientOptions::per_try_timeout`] bounds one try (a transport error of kind
//!   `Timeout`); [`ClientOptions::per_call_timeout`] bounds the whole call with its retries and
//!   delays ([`Error::CallTimeout`]).
//! - **Retries and the 401 refresh** are decided by the core; this crate sleeps as told and asks
//!   the [`CommunicationTokenCredential`] for tokens. Every try of a call carries the same
//!   `x-ms-client-request-id`.
//! - **Failures are classified** into [`chat_core::TransportError`]: connect, DNS and TLS failures
//!   cannot have reached the service; anything after the request was written may have.
//!   [`Error::may_have_been_sent`] tells a caller of `send_message` whether a repeat could
//!   duplicate the message.
//!
//! ## Quickstart
//!
//! ```no_run
//! use chat_ureq::{ChatClient, CommunicationTokenCredential, Error, IdentityClient};
//! use chat_core::identifier::CommunicationIdentifier;
//! use chat_core::identity::TokenScope;
//! use chat_core::messages::ChatMessageType;
//! use chat_core::participants::ChatParticipant;
//!
//! fn main() -> Result<(), Error> {
//!     let connection_string = std::env::var("ACS_CONNECTION_STRING").unwrap_or_default();
//!     let identity = IdentityClient::from_connection_string(&connection_string)?;
//!     let user = identity.create_user_and_token(vec![TokenScope::Chat]).call()?;
//!     let token = user.access_token.expect("a token was asked for");
//!     let me = CommunicationIdentifier::from(user.user.clone());
//!
//!     let endpoint = identity.endpoint().as_str().to_owned();
//!     let chat = ChatClient::new(&endpoint, CommunicationTokenCredential::new(token))?;
//!     let created = chat
//!         .create_chat_thread("Hello")
//!         .participants(vec![ChatParticipant::new(me).display_name("Me")])
//!         .call()?;
//!     let thread = chat.chat_thread_client(&created.thread.id);
//!     let sent = thread
//!         .send_message("<b>Hi</b>")
//!         .message_type(ChatMessageType::Html)
//!         .sender_display_name("Me")
//!         .call()?;
//!     thread.send_read_receipt(&sent.id).call()?;
//!     for page in thread.list_messages().max_page_size(10).pages() {
//!         let page = page?;
//!         println!("{} messages, next page: {:?}", page.items.len(), page.continuation_token());
//!     }
//!     chat.delete_chat_thread(&created.thread.id).call()?;
//!     Ok(())
//! }
//! ```
#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod credential;
mod executor;
mod paging;
mod socket;
mod transport;

pub use chat_core;
pub use chat_core::client::{ClientOptions, Page, DEFAULT_PER_TRY_TIMEOUT};
pub use chat_core::Error;
pub use credential::CommunicationTokenCredential;
pub use executor::UreqRunner;
pub use paging::{Items, Pages};

/// The chat client of one ACS resource (`chat_core`'s, run by this crate): creates, lists and
/// deletes threads, and hands out [`ChatThreadClient`]s.
pub type ChatClient = chat_core::client::ChatClient<UreqRunner>;
/// The client of one chat thread, made by `ChatClient::chat_thread_client`.
pub type ChatThreadClient = chat_core::client::ChatThreadClient<UreqRunner>;
/// The identity client of one ACS resource, built from its connection string.
pub type IdentityClient = chat_core::client::IdentityClient<UreqRunner>;
/// One prepared call of the operation `O`; optional parameters are its builder methods.
///
/// ```no_run
/// # fn demo(thread: &chat_ureq::ChatThreadClient) -> Result<(), chat_ureq::Error> {
/// let sent = thread.send_message("Hello!").sender_display_name("Alice").call()?;
/// println!("sent {}", sent.id);
/// # Ok(()) }
/// ```
pub type Pending<O> = chat_core::client::Pending<UreqRunner, O>;
/// One prepared listing of the list operation `L`.
pub type PendingList<L> = chat_core::client::PendingList<UreqRunner, L>;

/// The repository README's example, compiled and run as a doctest.
#[cfg(doctest)]
#[doc = include_str!("../../README.md")]
pub struct ReadmeDoctests;
