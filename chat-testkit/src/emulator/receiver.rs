//! A webhook endpoint for tests: a server on 127.0.0.1 that answers Event Grid's handshakes
//! with [`chat_core::events::Webhook`] and keeps every event delivered to it.

use std::collections::VecDeque;
use std::io;
use std::net::{SocketAddr, TcpListener};
use std::sync::{Arc, Condvar, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use bytes::Bytes;
use chat_core::events::{accepted, Event, Webhook, WebhookAction, MAX_DELIVERY_BYTES};
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;

use super::server::lock;

/// A webhook on 127.0.0.1 for tests and examples: answers the validation handshakes of both
/// schemas, refuses what [`Webhook`] refuses, and records each delivery it accepts (duplicates
/// included). Dropping it stops the server.
///
/// ```no_run
/// use std::time::Duration;
/// use chat_core::events::Webhook;
/// use chat_testkit::emulator::{Emulator, Subscription, WebhookReceiver};
///
/// let emulator = Emulator::start();
/// let receiver = WebhookReceiver::start(Webhook::new()).unwrap();
/// emulator.subscribe(Subscription::new(receiver.url())).unwrap();
/// // ... run operations against the emulator ...
/// assert!(emulator.wait_for_deliveries(Duration::from_secs(30)));
/// for event in receiver.events() {
///     println!("{} {}", event.event_type, event.id);
/// }
/// ```
pub struct WebhookReceiver {
    shared: Arc<Shared>,
    addr: SocketAddr,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

#[derive(Default)]
struct Log {
    events: Vec<Event>,
    bodies: Vec<Vec<u8>>,
    handshakes: usize,
    refused: usize,
}

struct Shared {
    webhook: Webhook,
    log: Mutex<Log>,
    changed: Condvar,
    fail_next: Mutex<VecDeque<u16>>,
}

impl WebhookReceiver {
    /// Starts a receiver answering as `webhook` does, on a free port, on a thread of its own.
    pub fn start(webhook: Webhook) -> io::Result<Self> {
        let listener = TcpListener::bind(("127.0.0.1", 0))?;
        listener.set_nonblocking(true)?;
        let addr = listener.local_addr()?;
        let shared = Arc::new(Shared {
            webhook,
            log: Mutex::default(),
            changed: Condvar::new(),
            fail_next: Mutex::default(),
        });
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?;
        let (tx, mut rx) = tokio::sync::oneshot::channel::<()>();
        let server = Arc::clone(&shared);
        let thread = std::thread::Builder::new()
            .name(format!("webhook-receiver-{}", addr.port()))
            .spawn(move || {
                runtime.block_on(async move {
                    let Ok(listener) = tokio::net::TcpListener::from_std(listener) else {
                        return;
                    };
                    loop {
                        tokio::select! {
                            _ = &mut rx => break,
                            accepted = listener.accept() => {
                                let Ok((stream, _)) = accepted else { continue };
                                let shared = Arc::clone(&server);
                                tokio::spawn(async move {
                                    let service = service_fn(move |req| answer(Arc::clone(&shared), req));
                                    let _ = hyper::server::conn::http1::Builder::new()
                                        .serve_connection(TokioIo::new(stream), service)
                                        .await;
                                });
                            }
                        }
                    }
                });
            })?;
        Ok(Self {
            shared,
            addr,
            shutdown: Some(tx),
            thread: Some(thread),
        })
    }

    /// `http://127.0.0.1:PORT/events`.
    pub fn url(&self) -> String {
        format!("http://{}/events", self.addr)
    }

    /// Answers the next deliveries with these statuses (one each, in order) instead of
    /// accepting them; their events are not recorded.
    pub fn fail_next(&self, statuses: impl IntoIterator<Item = u16>) {
        lock(&self.shared.fail_next).extend(statuses);
    }

    /// Every event accepted so far, in arrival order, duplicates included.
    pub fn events(&self) -> Vec<Event> {
        lock(&self.shared.log).events.clone()
    }

    /// The body of every delivery accepted so far, as received.
    pub fn bodies(&self) -> Vec<Vec<u8>> {
        lock(&self.shared.log).bodies.clone()
    }

    /// How many validation handshakes were answered.
    pub fn handshakes(&self) -> usize {
        lock(&self.shared.log).handshakes
    }

    /// How many requests [`Webhook`] refused (a missing secret, an unreadable body, ...).
    pub fn refused(&self) -> usize {
        lock(&self.shared.log).refused
    }

    /// Blocks until at least `n` events were accepted, at most `timeout`; true when they were.
    pub fn wait_for_events(&self, n: usize, timeout: Duration) -> bool {
        let deadline = Instant::now() + timeout;
        let mut log = lock(&self.shared.log);
        while log.events.len() < n {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return false;
            }
            log = match self.shared.changed.wait_timeout(log, left) {
                Ok((log, _)) => log,
                Err(poisoned) => poisoned.into_inner().0,
            };
        }
        true
    }
}

async fn answer(
    shared: Arc<Shared>,
    request: hyper::Request<Incoming>,
) -> Result<hyper::Response<Full<Bytes>>, hyper::Error> {
    let (parts, body) = request.into_parts();
    let Ok(body) = Limited::new(body, MAX_DELIVERY_BYTES).collect().await else {
        lock(&shared.log).refused += 1;
        let mut response = hyper::Response::new(Full::new(Bytes::new()));
        *response.status_mut() = http::StatusCode::PAYLOAD_TOO_LARGE;
        return Ok(response);
    };
    let request = http::Request::from_parts(parts, body.to_bytes().to_vec());
    let response = match shared.webhook.handle(&request) {
        WebhookAction::Respond(response) => {
            lock(&shared.log).handshakes += 1;
            response
        }
        WebhookAction::Reject { response, .. } => {
            lock(&shared.log).refused += 1;
            response
        }
        WebhookAction::Deliver(events) => {
            let failure = lock(&shared.fail_next).pop_front();
            match failure.and_then(|s| http::StatusCode::from_u16(s).ok()) {
                Some(status) => {
                    let mut response = http::Response::new(Vec::new());
                    *response.status_mut() = status;
                    response
                }
                None => {
                    let mut log = lock(&shared.log);
                    log.events.extend(events);
                    log.bodies.push(request.into_body());
                    shared.changed.notify_all();
                    accepted()
                }
            }
        }
    };
    Ok(response.map(|b| Full::new(Bytes::from(b))))
}

impl std::fmt::Debug for WebhookReceiver {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WebhookReceiver")
            .field("url", &self.url())
            .finish_non_exhaustive()
    }
}

impl Drop for WebhookReceiver {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}
