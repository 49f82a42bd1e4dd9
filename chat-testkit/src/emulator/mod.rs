//! An offline emulator of the ACS Chat + Identity service: stateful, in memory, HTTP/1.1 on
//! loopback.
//!
//! ```no_run
//! use chat_testkit::emulator::{Emulator, Fault, FaultRule};
//!
//! let emulator = Emulator::start();
//! println!("{}", emulator.connection_string()); // endpoint=http://127.0.0.1:PORT/;accesskey=...
//! let user = emulator.create_user();
//! let token = emulator.issue_token(&user, &["chat"]).unwrap();
//! emulator.inject(
//!     FaultRule::new(Fault::Status { status: 503, retry_after: Some(1) })
//!         .method("POST")
//!         .path_contains("/messages")
//!         .times(1),
//! );
//! # let _ = token;
//! ```
//!
//! # What it serves
//!
//! The 16 chat operations at API versions 2021-09-07, 2023-11-07, 2024-03-07 and 2025-03-15,
//! and the identity operations (create user with or without a token, issue token, revoke
//! tokens, delete user) at 2021-03-07 … 2026-09-23. An unknown or missing `api-version` is a
//! 400 ACS error. Wire shapes follow the recorded service: 201 `{"chatThread": ...}` and a
//! `Location` for create thread, epoch-millisecond message ids, `version` equal to the id until
//! an edit, numeric-string `sequenceId`s shared with the system messages (participant added,
//! topic updated, participant removed), `shareHistoryTime` defaulting to
//! `1970-01-01T00:00:00Z`, `content.attachments: []` from 2023-11-07, identifier `kind` from
//! 2023-11-07, thread/participant `metadata` and `retentionPolicy` only in 2025-03-15, 200
//! with an empty body for typing and read receipts, 204 for updates, deletes and removal.
//! Timestamps have 7 fractional digits (`2020-06-06T05:55:41.6460000Z`). Every response
//! carries `api-supported-versions`, `MS-CV` and `X-Processing-Time`.
//!
//! # Authentication
//!
//! Identity calls are HMAC-SHA256 signed with the emulator's access key (as
//! `chat_core::auth::hmac::sign` and the official SDKs do; the host is the `Host` header), or
//! carry `Authorization: Bearer <token>` with a Microsoft Entra ID token for
//! `https://communication.azure.com` from the emulator's test issuer: [`entra::test_token`]
//! mints one, and [`entra`] documents what is checked (audience, issuer, signature, expiry; a
//! token failing any check gets the service's 401).
//! Chat calls carry `Authorization: Bearer <token>`, a JWT the emulator signed: a bad, expired
//! or revoked token, or one of a deleted user, is 401; a caller that is not a participant of
//! the thread is 403; a missing thread is 404. Scopes: create/update/delete thread need
//! `chat`; add/remove participants need `chat` or `chat.join`.
//!
//! # Semantics worth knowing
//!
//! - The creator joins its thread. `repeatability-request-id`: the same id returns the first
//!   result (201, same thread) without creating another.
//! - Only live `8:acs:` users of this emulator can be participants; anyone else fails alone,
//!   in `invalidParticipants`, with `target` = its raw id (code `"403"` for non-ACS ids, `"404"`
//!   for unknown or deleted users).
//! - Deleted messages stay as tombstones (`deletedOn`, no `content`) in get and list; only the
//!   sender may edit or delete; deleting twice is 204. Removing a non-participant is 204.
//! - Listings page with `nextLink`; see [`DEFAULT_PAGE_SIZE`] and [`MAX_PAGE_SIZE`]. Messages
//!   list newest first; threads by latest activity (deleted threads are left out);
//!   participants in joining order; read receipts (one per reader, the latest) oldest first.
//! - `shareHistoryTime` is stored and returned, but does not hide older messages.
//! - Teams token exchange is refused (401): it would need a Teams user's Entra ID token, which
//!   the test issuer does not stand in for.
//!
//! # TLS
//!
//! [`EmulatorBuilder::tls`] serves HTTPS: at start a certificate authority is generated
//! ([`crate::tls::TestCa`], rcgen, rustls on ring) and signs a certificate for [`TLS_NAMES`].
//! The endpoint becomes `https://127.0.0.1:PORT` and links (`nextLink`, `Location`) use it. A
//! client trusts [`Emulator::root_certificate_der`] (or the PEM) and nothing else:
//!
//! ```
//! use chat_testkit::emulator::Emulator;
//! use chat_ureq::{ClientOptions, IdentityClient};
//!
//! let emulator = Emulator::builder().tls().start().unwrap();
//! let options = ClientOptions::default()
//!     .add_root_certificate(emulator.root_certificate_der().unwrap());
//! let identity =
//!     IdentityClient::from_connection_string_with_options(&emulator.connection_string(), options)
//!         .unwrap();
//! let user = identity.create_user().call().unwrap().user;
//! # let _ = user;
//! ```
//!
//! [`EmulatorBuilder::tls_names`] issues the certificate for other names instead (a client
//! that connects to `127.0.0.1` then fails on a certificate for another host), and
//! [`EmulatorBuilder::add_tls_name`] adds one (a client reaching the emulator as `emulator.test`
//! through a test proxy, with [`Emulator::connection_string_for_host`]). The standalone
//! `acs-emulator --tls` writes the authority's PEM to a file and prints its path.
//!
//! # Fault injection
//!
//! [`Emulator::inject`] adds a [`FaultRule`]: a [`Fault`] (latency; 429/503/500 or any status
//! with an optional `Retry-After` in seconds; a TCP reset before the service acts; a reset
//! after it acted; a truncated body after it acted) for requests matching a method and a path
//! substring, a given number of times. The standalone binary takes the same rules as JSON:
//! `POST /_emulator/faults` with `{"fault": {"kind": "status", "status": 503, "retryAfter": 1},
//! "method": "POST", "pathContains": "/messages", "times": 1}`; `GET`/`DELETE /_emulator/faults`
//! lists or clears them; `GET /_emulator/requests` returns the request counts. Control
//! requests are neither faulted nor counted.
//!
//! [`Emulator::request_count`] says how many requests were received for a (method, path) and
//! how many reached the service logic, so a test can assert that the service acted once.
//!
//! # Events
//!
//! The emulator publishes the chat events its operations cause (Azure Event Grid's
//! `Microsoft.Communication.Chat*` events, user-scoped and thread-scoped; the table is in the
//! source of the `events` module) to webhook subscriptions, as Event Grid does:
//!
//! - [`Emulator::subscribe`] or `POST /_emulator/subscriptions` registers a [`Subscription`]:
//!   an `http://` URL, the envelope ([`DeliverySchema`]: Event Grid's or CloudEvents 1.0), the
//!   event types (all by default), an optional thread, headers to send, batch size, attempts
//!   and backoff. `GET /_emulator/subscriptions[/{id}]` and [`Emulator::subscriptions`] show a
//!   [`SubscriptionStatus`]; `DELETE /_emulator/subscriptions/{id}` removes one. The command
//!   line takes `--webhook URL [--event-schema eventgrid|cloudevents]`.
//! - Before delivering, the validation handshake: a `SubscriptionValidationEvent` whose code
//!   must come back as `validationResponse` (Event Grid schema), or the abuse-protection
//!   `OPTIONS` that must be answered with `WebHook-Allowed-Origin` (CloudEvents). Events caused
//!   meanwhile wait; a refused handshake fails the subscription.
//! - Delivery is at least once: each batch is retried with a doubling backoff on a failure or
//!   a non-2xx answer, and dead-lettered after the last attempt (at once on 400 and 413). Each
//!   event has a unique id, the same on every delivery of it. Events carry every field the
//!   schema requires, with the emulator's own ids, times, versions and participants.
//! - [`Emulator::inject_delivery_fault`] or `POST /_emulator/delivery-faults` adds a
//!   [`DeliveryFaultRule`]: drop an attempt, duplicate a delivery, delay an attempt, or
//!   reorder a batch behind the next (`{"fault": {"kind": "drop"}, "eventType": "...",
//!   "times": 2}`).
//! - [`Emulator::wait_for_deliveries`] waits until nothing is pending; [`WebhookReceiver`] is
//!   a ready webhook for tests.
//!
//! # Without a server
//!
//! [`EmulatorBuilder::handler`] gives the same service logic as a [`Handler`]: requests in,
//! responses out, on the caller's thread, with no socket, faults or control endpoints. The fuzz
//! target for the emulator drives it.

mod delivery;
mod delivery_faults;
pub mod entra;
mod errors;
mod events;
mod faults;
mod handler;
mod identity;
mod messages;
mod paging;
mod participants;
mod receipts;
mod receiver;
mod routes;
mod server;
mod state;
mod subscriptions;
mod threads;
mod tokens;
mod wire;

use std::collections::BTreeMap;
use std::io;
use std::net::{SocketAddr, TcpListener};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, SystemTime};

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use chat_core::AccessKey;
use serde::Serialize;

pub use delivery::DELIVERY_TIMEOUT;
pub use delivery_faults::{DeliveryFault, DeliveryFaultRule, REORDER_WAIT};
pub use faults::{Fault, FaultRule};
pub use handler::Handler;
pub use paging::{DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE};
pub use receiver::WebhookReceiver;
pub use subscriptions::{
    DeliverySchema, InvalidSubscription, Subscription, SubscriptionState, SubscriptionStatus,
    MAX_RETRY_BACKOFF,
};

use server::{lock, Shared};
use state::{Clock, State};

use crate::tls::TestCa;

/// The names the certificate of a TLS emulator is valid for, unless told otherwise.
pub const TLS_NAMES: [&str; 3] = ["127.0.0.1", "localhost", "::1"];

/// How many requests the emulator saw for one (method, path).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct RequestCount {
    /// Requests received (including those a fault dropped or answered).
    pub received: u64,
    /// Requests the service logic ran (it may still have answered with an error).
    pub handled: u64,
}

/// A running emulator. Dropping it stops the server. `Debug` shows its address, not its key.
pub struct Emulator {
    shared: Arc<Shared>,
    addr: SocketAddr,
    key_base64: String,
    tls: Option<TestCa>,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

/// Options for [`Emulator`].
#[derive(Debug, Clone, Default)]
pub struct EmulatorBuilder {
    key: Option<Vec<u8>>,
    clock_start: Option<SystemTime>,
    port: u16,
    resource_id: Option<String>,
    /// `Some(names)`: serve HTTPS with a certificate for these names.
    tls_names: Option<Vec<String>>,
}

impl EmulatorBuilder {
    /// Uses this access key (default: 32 random bytes).
    #[must_use]
    pub fn access_key(mut self, key: &AccessKey) -> Self {
        self.key = Some(key.as_bytes().to_vec());
        self
    }

    /// A fixed clock: time starts at `start` and advances one millisecond per reading, so ids
    /// and timestamps repeat from run to run. Default: the real clock.
    #[must_use]
    pub fn clock_start(mut self, start: SystemTime) -> Self {
        self.clock_start = Some(start);
        self
    }

    /// Listens on this port of 127.0.0.1 (default 0: any free port).
    #[must_use]
    pub fn port(mut self, port: u16) -> Self {
        self.port = port;
        self
    }

    /// The resource id in user ids `8:acs:<resource>_<user>` (default: a random UUID).
    #[must_use]
    pub fn resource_id(mut self, id: impl Into<String>) -> Self {
        self.resource_id = Some(id.into());
        self
    }

    /// Serves HTTPS instead of HTTP, with a certificate for [`TLS_NAMES`] signed by a
    /// certificate authority generated at start ([`Emulator::root_certificate_der`] is what a
    /// client trusts).
    #[must_use]
    pub fn tls(self) -> Self {
        self.tls_names(&TLS_NAMES)
    }

    /// Serves HTTPS with a certificate for `names` (DNS names or IP addresses) only; a client
    /// connecting to any other name fails its handshake (a certificate for another host).
    #[must_use]
    pub fn tls_names(mut self, names: &[&str]) -> Self {
        self.tls_names = Some(names.iter().map(|n| (*n).to_owned()).collect());
        self
    }

    /// Serves HTTPS (as [`EmulatorBuilder::tls`] does) with a certificate that is also valid
    /// for `name`, added to [`TLS_NAMES`] or to the names given to
    /// [`EmulatorBuilder::tls_names`]: for a client that reaches the emulator under another
    /// name, e.g. `emulator.test` through a test proxy that resolves it
    /// ([`crate::http_proxy::ConnectProxyBuilder::resolve`]). The endpoint and connection
    /// string still name `127.0.0.1`; links (`nextLink`, `Location`) follow the `Host` a
    /// request was sent to.
    #[must_use]
    pub fn add_tls_name(mut self, name: &str) -> Self {
        let names = self
            .tls_names
            .get_or_insert_with(|| TLS_NAMES.iter().map(|n| (*n).to_owned()).collect());
        if !names.iter().any(|n| n.eq_ignore_ascii_case(name)) {
            names.push(name.to_owned());
        }
        self
    }

    /// Binds 127.0.0.1 and starts serving on a thread of its own (with its own tokio runtime),
    /// so this works from sync code and from inside a tokio runtime alike. An `InvalidInput`
    /// error when a name given to [`EmulatorBuilder::tls_names`] is neither an IP address nor an
    /// ASCII DNS name.
    pub fn start(self) -> io::Result<Emulator> {
        let tls = match &self.tls_names {
            Some(names) => {
                let ca = TestCa::new();
                let names: Vec<&str> = names.iter().map(String::as_str).collect();
                let certificate = ca.try_issue(&names)?;
                let acceptor = tokio_rustls::TlsAcceptor::from(certificate.server_config());
                Some((ca, acceptor))
            }
            None => None,
        };
        let listener = TcpListener::bind(("127.0.0.1", self.port))?;
        listener.set_nonblocking(true)?;
        let addr = listener.local_addr()?;
        let (state, key) = self.state();
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?;
        let shared = Arc::new(Shared {
            hub: subscriptions::Hub::new(runtime.handle().clone(), &state.resource_id),
            state: Mutex::new(state),
            key: AccessKey::from_bytes(key.clone()),
            faults: Mutex::new(Default::default()),
            log: Mutex::new(BTreeMap::new()),
            scheme: if tls.is_some() { "https" } else { "http" },
        });
        let (tls, acceptor) = tls.unzip();
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let server_shared = Arc::clone(&shared);
        let thread = std::thread::Builder::new()
            .name(format!("acs-emulator-{}", addr.port()))
            .spawn(move || {
                runtime.block_on(async move {
                    let Ok(listener) = tokio::net::TcpListener::from_std(listener) else {
                        return;
                    };
                    server::serve(listener, server_shared, acceptor, async {
                        let _ = rx.await;
                    })
                    .await;
                });
            })?;
        Ok(Emulator {
            shared,
            addr,
            key_base64: STANDARD.encode(&key),
            tls,
            shutdown: Some(tx),
            thread: Some(thread),
        })
    }
}

impl EmulatorBuilder {
    /// The service logic alone, without a server: a [`Handler`] that turns requests into
    /// responses on the caller's thread (the port option does not apply).
    pub fn handler(self) -> Handler {
        let (state, key) = self.state();
        Handler::new(state, AccessKey::from_bytes(key))
    }

    /// A fresh state for these options, and the access key's bytes.
    fn state(self) -> (State, Vec<u8>) {
        let key = self.key.unwrap_or_else(|| {
            let mut k = uuid::Uuid::new_v4().as_bytes().to_vec();
            k.extend_from_slice(uuid::Uuid::new_v4().as_bytes());
            k
        });
        let clock = self
            .clock_start
            .map_or(Clock::Real, |start| Clock::Fixed { start, ticks: 0 });
        let resource_id = self
            .resource_id
            .unwrap_or_else(|| uuid::Uuid::new_v4().to_string());
        let state = State::new(AccessKey::from_bytes(key.clone()), clock, resource_id);
        (state, key)
    }
}

impl Emulator {
    /// Starts an emulator with default options on a free port.
    ///
    /// # Panics
    ///
    /// If 127.0.0.1 cannot be bound or a thread cannot be started; use
    /// [`Emulator::builder`] to handle those errors.
    pub fn start() -> Self {
        match Self::builder().start() {
            Ok(emulator) => emulator,
            Err(e) => panic!("cannot start the ACS emulator: {e}"),
        }
    }

    /// Options for a new emulator.
    pub fn builder() -> EmulatorBuilder {
        EmulatorBuilder::default()
    }

    /// `http://127.0.0.1:PORT`, or `https://127.0.0.1:PORT` when serving TLS.
    pub fn endpoint(&self) -> String {
        format!("{}://{}", self.shared.scheme, self.addr)
    }

    /// The certificate (DER) a client trusts to reach a TLS emulator, e.g. through
    /// `ClientOptions::add_root_certificate`: the authority that signed the emulator's
    /// certificate, made for this emulator alone. `None` when serving plain HTTP.
    pub fn root_certificate_der(&self) -> Option<&[u8]> {
        self.tls.as_ref().map(TestCa::certificate_der)
    }

    /// [`Emulator::root_certificate_der`] as PEM (for `ClientOptions::add_root_certificates_pem`,
    /// a file, or another language's HTTP stack).
    pub fn root_certificate_pem(&self) -> Option<String> {
        self.tls.as_ref().map(TestCa::certificate_pem)
    }

    /// The socket address it listens on.
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// `endpoint=http://127.0.0.1:PORT/;accesskey=<base64>` (`https://` when serving TLS).
    pub fn connection_string(&self) -> String {
        format!(
            "endpoint={}/;accesskey={}",
            self.endpoint(),
            self.key_base64
        )
    }

    /// [`Emulator::connection_string`] with `host` in place of `127.0.0.1`
    /// (`endpoint=https://emulator.test:PORT/;accesskey=<base64>`), for a client that reaches
    /// the emulator under a name of [`EmulatorBuilder::add_tls_name`].
    pub fn connection_string_for_host(&self, host: &str) -> String {
        format!(
            "endpoint={}://{host}:{}/;accesskey={}",
            self.shared.scheme,
            self.addr.port(),
            self.key_base64
        )
    }

    /// The access key identity requests must be signed with.
    pub fn access_key(&self) -> AccessKey {
        self.shared.key.clone()
    }

    /// The access key, base64 as in the connection string.
    pub fn access_key_base64(&self) -> &str {
        &self.key_base64
    }

    /// Creates a user directly (no HTTP) and returns its raw id `8:acs:<resource>_<user>`.
    pub fn create_user(&self) -> String {
        lock(&self.shared.state).create_user()
    }

    /// Issues a 24-hour token for `user_id` with `scopes` (e.g. `["chat"]`); `None` if the user
    /// does not exist.
    pub fn issue_token(&self, user_id: &str, scopes: &[&str]) -> Option<String> {
        self.issue_token_with_lifetime(user_id, scopes, Duration::from_secs(24 * 3600))
    }

    /// Issues a token that lives `lifetime` (zero: already expired).
    pub fn issue_token_with_lifetime(
        &self,
        user_id: &str,
        scopes: &[&str],
        lifetime: Duration,
    ) -> Option<String> {
        let scopes: Vec<String> = scopes.iter().map(|s| (*s).to_owned()).collect();
        lock(&self.shared.state)
            .issue_token(user_id, &scopes, lifetime)
            .ok()
            .map(|(token, _)| token)
    }

    /// Adds a fault rule.
    pub fn inject(&self, rule: FaultRule) {
        lock(&self.shared.faults).push(rule);
    }

    /// Removes every fault rule.
    pub fn clear_faults(&self) {
        lock(&self.shared.faults).clear();
    }

    /// Counts for requests with `method` and exactly `path` (as sent, without the query).
    pub fn request_count(&self, method: &str, path: &str) -> RequestCount {
        lock(&self.shared.log)
            .get(&(method.to_ascii_uppercase(), path.to_owned()))
            .copied()
            .unwrap_or_default()
    }

    /// Subscribes a webhook to the events the emulator's operations cause from now on. Returns
    /// at once, with the subscription [`SubscriptionState::Validating`]: its delivery task
    /// performs the validation handshake, then delivers (events caused meanwhile wait).
    pub fn subscribe(&self, subscription: Subscription) -> Result<String, InvalidSubscription> {
        subscriptions::subscribe(&self.shared, subscription).map(|status| status.id)
    }

    /// Removes a subscription (its undelivered events are dropped); false if there is none.
    pub fn unsubscribe(&self, id: &str) -> bool {
        self.shared.hub.remove(id)
    }

    /// Every subscription, with its state and delivery counts.
    pub fn subscriptions(&self) -> Vec<SubscriptionStatus> {
        self.shared.hub.statuses()
    }

    /// Adds a delivery fault rule.
    pub fn inject_delivery_fault(&self, rule: DeliveryFaultRule) {
        lock(&self.shared.hub.inner.faults).push(rule);
    }

    /// Removes every delivery fault rule.
    pub fn clear_delivery_faults(&self) {
        lock(&self.shared.hub.inner.faults).clear();
    }

    /// Events queued or in flight, over all subscriptions.
    pub fn pending_deliveries(&self) -> usize {
        self.shared.hub.pending()
    }

    /// Blocks until every event has been delivered or dead-lettered (or its subscription
    /// failed), at most `timeout`; true when nothing is pending. The webhook must keep
    /// answering meanwhile: from async code, call it in `spawn_blocking` or `block_in_place`.
    pub fn wait_for_deliveries(&self, timeout: Duration) -> bool {
        self.shared.hub.wait_idle(timeout)
    }

    /// Counts summed over requests with `method` whose path contains `fragment`.
    pub fn request_count_matching(&self, method: &str, fragment: &str) -> RequestCount {
        lock(&self.shared.log)
            .iter()
            .filter(|((m, p), _)| m.eq_ignore_ascii_case(method) && p.contains(fragment))
            .fold(RequestCount::default(), |acc, (_, c)| RequestCount {
                received: acc.received + c.received,
                handled: acc.handled + c.handled,
            })
    }
}

impl std::fmt::Debug for Emulator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Emulator")
            .field("endpoint", &self.endpoint())
            .finish_non_exhaustive()
    }
}

impl Drop for Emulator {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}
