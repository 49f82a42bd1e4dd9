//! # chat-hyper
//!
//! An async client for Azure Communication Services Chat and Identity, on hyper 1, hyper-util's
//! pooled client, hyper-rustls (ring provider, webpki roots) and tokio. The protocol — every request, every response, retries, token
//! refresh, pagination — lives in [`chat_core`]; this crate owns sockets, TLS, the clock and
//! timers. Calls are `Send + 'static` futures; many can run concurrently on one client.
//!
//! ## How the per-operation surface is shared
//!
//! Every client method is one line: it builds the `chat_core` operation value and binds it to the
//! client's executor as a [`Pending`] (or a [`PendingList`] for listings). Optional parameters
//! are the core operation's own builder methods, applied with [`Pending::with`]; nothing about an
//! operation is written in this crate. Awaiting a [`Pending`] and the [`PendingList`] streams run
//! the one executor, which drives [`chat_core::Call`] (and [`chat_core::Pager`] for listings). The
//! blocking twin, `chat-ureq`, has the same client methods and the same two wrapper types.
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
//! use chat_hyper::{ChatClient, CommunicationTokenCredential, Error, IdentityClient};
//! use chat_core::identifier::CommunicationIdentifier;
//! use chat_core::identity::TokenScope;
//! use chat_core::messages::ChatMessageType;
//! use chat_core::participants::ChatParticipant;
//!
//! use futures_util::StreamExt;
//!
//! async fn quickstart() -> Result<(), Error> {
//!     let connection_string = std::env::var("ACS_CONNECTION_STRING").unwrap_or_default();
//!     let identity = IdentityClient::from_connection_string(&connection_string)?;
//!     let user = identity.create_user_and_token(vec![TokenScope::Chat]).await?;
//!     let token = user.access_token.expect("a token was asked for");
//!     let me = CommunicationIdentifier::from(user.user.clone());
//!
//!     let endpoint = identity.endpoint().as_str().to_owned();
//!     let chat = ChatClient::new(&endpoint, CommunicationTokenCredential::new(token))?;
//!     let created = chat
//!         .create_chat_thread("Hello")
//!         .with(|t| t.participants(vec![ChatParticipant::new(me).display_name("Me")]))
//!         .await?;
//!     let thread = chat.chat_thread_client(&created.thread.id);
//!     let sent = thread
//!         .send_message("<b>Hi</b>")
//!         .with(|m| m.message_type(ChatMessageType::Html).sender_display_name("Me"))
//!         .await?;
//!     thread.send_read_receipt(&sent.id).await?;
//!     let mut pages = thread.list_messages().with(|l| l.max_page_size(10)).pages();
//!     while let Some(page) = pages.next().await {
//!         let page = page?;
//!         println!("{} messages, next page: {:?}", page.items.len(), page.continuation_token());
//!     }
//!     chat.delete_chat_thread(&created.thread.id).await?;
//!     Ok(())
//! }
//! ```
#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod client;
mod credential;
mod executor;
mod identity;
mod options;
mod pending;
mod transport;

pub use chat_core;
pub use chat_core::Error;
pub use client::{ChatClient, ChatThreadClient};
pub use credential::CommunicationTokenCredential;
pub use identity::IdentityClient;
pub use options::{ClientOptions, DEFAULT_PER_TRY_TIMEOUT};
pub use pending::{BoxFuture, Items, Page, Pages, Pending, PendingList};
