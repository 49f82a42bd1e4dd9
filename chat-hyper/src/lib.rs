//! # chat-hyper
//!
//! An async client for Azure Communication Services Chat and Identity, on hyper 1, hyper-util's
//! pooled client, hyper-rustls (ring provider, webpki roots) and tokio. Calls are
//! `Send + 'static` futures; many can run concurrently on one client. Everything you need is
//! reachable from this crate: the clients, the resource modules with their models and
//! operations ([`threads`], [`messages`], [`participants`], [`read_receipts`], [`typing`],
//! [`identity`], [`identifier`]), the token types, the options and the one [`Error`]. (The
//! protocol itself lives in the sans-IO [`chat_core`], re-exported for what
//! is not re-exported here.)
//!
//! ## Quickstart
//!
//! ```no_run
//! use chat_hyper::identity::TokenScope;
//! use chat_hyper::messages::ChatMessageType;
//! use chat_hyper::participants::ChatParticipant;
//! use chat_hyper::{ChatClient, CommunicationIdentifier, CommunicationTokenCredential, Error};
//! use chat_hyper::IdentityClient;
//!
//! #[tokio::main]
//! async fn main() -> Result<(), Error> {
//!     let connection_string = std::env::var("ACS_CONNECTION_STRING").unwrap_or_default();
//!     let identity = IdentityClient::from_connection_string(&connection_string)?;
//!     let user = identity.create_user_and_token([TokenScope::Chat]).await?;
//!     let token = user.access_token.expect("a token was asked for");
//!     let me = CommunicationIdentifier::from(user.user);
//!
//!     let endpoint = identity.endpoint().as_str();
//!     let chat = ChatClient::new(endpoint, CommunicationTokenCredential::new(token))?;
//!     let created = chat
//!         .create_chat_thread("Hello")
//!         .participants(vec![ChatParticipant::new(me).display_name("Me")])
//!         .await?;
//!     let thread = chat.chat_thread_client(&created.thread.id);
//!     let sent = thread
//!         .send_message("<b>Hi</b>")
//!         .message_type(ChatMessageType::Html)
//!         .sender_display_name("Me")
//!         .await?;
//!     thread.send_read_receipt(&sent.id).await?;
//!     let mut messages = thread.list_messages();
//!     while let Some(message) = messages.next().await {
//!         let message = message?;
//!         println!("{} {}", message.sender_raw_id().unwrap_or("system"), message.text().unwrap_or(""));
//!     }
//!     let mut pages = thread.list_messages().max_page_size(10).pages();
//!     while let Some(page) = pages.next().await {
//!         let page = page?;
//!         println!("{} messages, next page: {:?}", page.items.len(), page.continuation_token());
//!     }
//!     chat.delete_chat_thread(&created.thread.id).await?;
//!     Ok(())
//! }
//! ```
//!
//! ## What a call returns
//!
//! A client method returns a prepared call, [`Pending`], whose builder methods set the
//! optional parameters; `.await` runs it and gives `Result<T, Error>`, where `T` is named in
//! each method's docs (`.call()` gives the same future, a [`BoxFuture`], to store or spawn).
//! A listing method returns a [`PendingList`]:
//!
//! | you write | you get |
//! |---|---|
//! | `thread.send_message("Hi").await` | `Result<`[`SendMessageResult`](messages::SendMessageResult)`, Error>` |
//! | `thread.get_message(id).await` | `Result<`[`ChatMessage`](messages::ChatMessage)`, Error>` |
//! | `listing.next().await` on `let mut listing = thread.list_messages()` | `Option<Result<ChatMessage, Error>>`, the next item (pages fetched as needed) |
//! | `thread.list_messages().items()` | a [`Stream`](futures_core::Stream) of `Result<ChatMessage, Error>` ([`Items`], also with `.next()`) |
//! | `thread.list_messages().pages()` | a `Stream` of `Result<`[`Page`]`<ChatMessage>, Error>` with continuation tokens ([`Pages`], also with `.next()`) |
//!
//! No `StreamExt` import is needed to read a listing; `.items()` and `.pages()` are ordinary
//! `Stream`s for the stream combinators. A `Pending` is not a `Result`:
//! `thread.send_message("Hi")?` fails to compile with "the `?` operator can only be applied to
//! values that implement `Try`" (and the compiler suggests `.await`). Add `.await` before the
//! `?`.
//!
//! ## Errors
//!
//! Every failure is an [`Error`]. The ones a caller usually matches on:
//! - [`Error::InvalidInput`]: an argument refused before anything was sent (an empty message, a
//!   blank topic or id, a malformed endpoint), with its [`InputErrorKind`], the value (secrets
//!   redacted) and the shape expected.
//! - [`Error::Service`]: the service's answer, with [`Error::status`] and
//!   [`ServiceError::code`].
//! - [`Error::Authentication`] (the service refused the token: status 401 kept),
//!   [`Error::TokenExpired`] (a static token expired), [`Error::TokenRefresh`] (your refresher
//!   failed; its error is the `source()`).
//! - [`Error::Transport`] and [`Error::CallTimeout`]; [`Error::may_have_been_sent`] says whether
//!   a failed `send_message` may still have posted the message.
//!
//! An error that came after a try carries the ids that match the call to the service's logs
//! ([`Error::correlation`], [`Error::client_request_id`]): the `x-ms-client-request-id` it sent,
//! and the service's `x-ms-request-id` and `MS-CV` when it answered. Its `Display` ends with
//! them, e.g. `service error 404: NotFound: ... (x-ms-client-request-id: 5bd0…, MS-CV: tAq1….0)`.
//!
//! ## Logs
//!
//! Calls are logged with `tracing`, at `azure_core`'s levels: an INFO span `call` per logical
//! call (operation, client request id, and when it ends its outcome and tries), an event per
//! try (DEBUG with the response's status, INFO for a transport failure; method, the path
//! without ids, duration, and the retry's reason and delay), and the allowed headers at TRACE
//! ([`log`]). Tokens, keys, signatures, connection strings, contents, topics, display names and
//! metadata are never logged. Install any subscriber (the quickstart example uses
//! `tracing-subscriber` with `RUST_LOG`); with none, logging costs a few atomic loads per call.
//!
//! ## Tokens
//!
//! [`CommunicationTokenCredential::new`] holds one token; [`CommunicationTokenCredential::from_jwt`]
//! reads one from a JWT (and refuses an expired one); [`CommunicationTokenCredential::with_refresher`]
//! takes [`TokenRefreshOptions`]: an async refresher returning a token or an error, an initial
//! token, and proactive refresh (a background task).
//!
//! ## Proxies
//!
//! By default a client reads `HTTPS_PROXY`, `HTTP_PROXY`, `ALL_PROXY` and `NO_PROXY` (either
//! case) when it is built, with curl's rules, except that loopback hosts (`127.0.0.0/8`, `::1`,
//! `localhost`, `*.localhost`) never take a proxy from the environment (as in Go), so a local
//! emulator works behind a corporate proxy; [`ClientOptions::proxy`] sets a [`Proxy`]
//! explicitly (`Proxy::url("http://user:password@proxy:3128")?`, for every host its own
//! `no_proxy` list does not name, loopback included) or turns proxies off ([`Proxy::None`]). `https://` goes through a `CONNECT` tunnel, with TLS end to end to the
//! service; proxy credentials go to the proxy only and print as `[redacted]`. A proxy that
//! refuses the tunnel gives a [`TransportError`] of kind `Connect` that did not reach the
//! service. The rules are the protocol core's, shared with the other transport (see [`Proxy`]).
//!
//! ## Microsoft Entra ID
//!
//! [`IdentityClient::with_entra_id`](crate::chat_core::client::IdentityClient::with_entra_id) takes an
//! [`EntraIdCredential`]: an async token source asked for [`ENTRA_SCOPE`], or, with the
//! `azure-identity` feature (off by default), any `azure_core::credentials::TokenCredential`
//! (`EntraIdCredential::from_token_credential`), so that `azure_identity`'s credentials plug in
//! directly; `azure_core` is built without its default features (no HTTP stack, no OpenSSL, no
//! aws-lc). The token is cached and refreshed by the same token cache as user tokens and sent
//! to the configured endpoint only. A token the service refuses gives [`Error::Authentication`]
//! with its 401.
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
//! - **Failures are classified** into [`TransportError`]: connect, DNS and TLS failures
//!   cannot have reached the service; anything after the request was written may have.
//!   [`Error::may_have_been_sent`] tells a caller of `send_message` whether a repeat could
//!   duplicate the message.
//! - **Build weight**: `url` (which the protocol core parses endpoints and page links with)
//!   brings ICU through `idna` for international domain names. ACS endpoints are ASCII, so an
//!   application can drop those crates with `cargo update -p idna_adapter --precise 1.0.0` (the
//!   `url` crate's documented switch, made in the application's `Cargo.lock`). No server code
//!   and no HTTP/2 (`h2`) is compiled in: hyper is built with its client and HTTP/1 features
//!   only.
//!
//! ## How the per-operation surface is shared
//!
//! The clients are written once, in the protocol core, for both transports: [`ChatClient`],
//! [`ChatThreadClient`] and [`IdentityClient`] are aliases of the core's generic clients bound
//! to this crate's [`HyperRunner`]. This crate has zero per-operation lines: it implements the
//! core's `Runner` (a call is a `Send + 'static` future, so a `Pending` is awaited directly; a
//! listing is a `Stream`) and `Connect`, on one executor that drives the core's call driver.
//! The blocking twin, `chat-ureq`, has the very same client methods, bound to its own runner.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod credential;
mod entra;
mod executor;
mod paging;
mod proxy;
mod stream;
mod transport;

pub use chat_core;
pub use chat_core::auth::TokenRefreshOptions;
pub use chat_core::auth::ENTRA_SCOPE;
pub use chat_core::client::{
    ClientOptions, Page, Proxy, DEFAULT_PER_CALL_TIMEOUT, DEFAULT_PER_TRY_TIMEOUT,
};
pub use chat_core::identifier::CommunicationIdentifier;
pub use chat_core::{
    events, http, identifier, identity, messages, participants, read_receipts, threads, typing,
};
pub use chat_core::{log, Correlation};
pub use chat_core::{
    AccessToken, ApiVersion, CommunicationError, Endpoint, Error, InputErrorKind, RefreshError,
    RetryOptions, ServiceError, Timestamp, TransportError, TransportErrorKind,
};
pub use credential::CommunicationTokenCredential;
pub use entra::EntraIdCredential;
pub use executor::HyperRunner;
pub use paging::{BoxFuture, Items, Next, Pages};

/// The chat client of one ACS resource (`chat_core`'s, run by this crate): creates, lists and
/// deletes threads, and hands out [`ChatThreadClient`]s.
pub type ChatClient = chat_core::client::ChatClient<HyperRunner>;
/// The client of one chat thread, made by `ChatClient::chat_thread_client`.
pub type ChatThreadClient = chat_core::client::ChatThreadClient<HyperRunner>;
/// The identity client of one ACS resource, built from its connection string.
pub type IdentityClient = chat_core::client::IdentityClient<HyperRunner>;
/// One prepared call of the operation `O`; optional parameters are its builder methods, and
/// `.await` runs it: `Result<O::Output, Error>`.
///
/// ```no_run
/// # async fn demo(thread: &chat_hyper::ChatThreadClient) -> Result<(), chat_hyper::Error> {
/// let sent = thread.send_message("Hello!").sender_display_name("Alice").await?;
/// println!("sent {}", sent.id);
/// # Ok(()) }
/// ```
pub type Pending<O> = chat_core::client::Pending<HyperRunner, O>;
/// One prepared listing of the list operation `L`: read it with
/// `while let Some(item) = listing.next().await`, or take its `.items()` or `.pages()` streams.
pub type PendingList<L> = chat_core::client::PendingList<HyperRunner, L>;
