//! The replay server: answers HTTP/1.1 requests on 127.0.0.1 from a recording, so the real ureq
//! and hyper transports can be replayed over sockets.
//!
//! The listening socket is bound synchronously in [`ReplayServer::start`] (like
//! `std::net::TcpListener`), so clients may connect as soon as it returns. The server runs on
//! its own thread with its own single-threaded tokio runtime, and stops when dropped. Requests
//! are answered as [`ReplayQueue::answer`] says; the mismatches are kept for the test to assert.
//! Absolute `nextLink`s in responses point at the server ([`ReplayQueue::rebase_links`]).
//!
//! The server's clients read a real clock, so a token stand-in of the recording that has expired
//! by now is answered renewed ([`crate::recording::fake_token::renew_expired`]).
//! [`ReplayServer::for_clients`] also sanitizes what clients generate
//! ([`crate::recording::client_values`]) in the recording before answering from it: that is
//! what playback for any client (`chat-replay serve`, `TestSession`) uses.

use std::io;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, PoisonError};

use bytes::Bytes;
use chat_core::http::{Request, Response};
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;

use super::queue::{Mismatch, ReplayQueue};
use crate::loopback::LoopbackServer;
use crate::recording::fake_token::{renew_expired, STAND_IN_SIGNATURE};
use crate::recording::{sanitize_client_values, Matcher, Recording};

/// A replay server on 127.0.0.1. Dropping it stops it.
#[derive(Debug)]
pub struct ReplayServer {
    server: LoopbackServer,
    queue: Arc<Mutex<ReplayQueue>>,
}

impl ReplayServer {
    /// Binds 127.0.0.1 on a free port and starts answering from `recording`.
    pub fn start(recording: &Recording, matcher: Matcher) -> io::Result<Self> {
        Self::start_on(0, recording, matcher)
    }

    /// Playback for any client, on `port` of 127.0.0.1 (0: a free one): answers from
    /// `recording` with the client-generated values of its requests sanitized, with the
    /// default [`Matcher`].
    pub fn for_clients(port: u16, recording: &Recording) -> io::Result<Self> {
        let mut recording = recording.clone();
        recording
            .entries
            .iter_mut()
            .for_each(sanitize_client_values);
        Self::start_on(port, &recording, Matcher::new())
    }

    /// Binds `port` of 127.0.0.1 (0: a free one) and starts answering from `recording`.
    pub fn start_on(port: u16, recording: &Recording, matcher: Matcher) -> io::Result<Self> {
        let listener = LoopbackServer::bind(port)?;
        let mut replay = ReplayQueue::new(recording, matcher);
        replay.rebase_links(format!("http://{}", listener.local_addr()?));
        let queue = Arc::new(Mutex::new(replay));
        let shared = Arc::clone(&queue);
        let server = LoopbackServer::start(listener, "chat-replay-server", move |request| {
            answer(request, Arc::clone(&shared))
        })?;
        Ok(Self { server, queue })
    }

    /// The socket address the server listens on.
    pub fn addr(&self) -> SocketAddr {
        self.server.addr()
    }

    /// The endpoint to give a client: `http://127.0.0.1:<port>`.
    pub fn endpoint(&self) -> String {
        format!("http://{}", self.server.addr())
    }

    /// Requests that matched no remaining entry, so far.
    pub fn mismatches(&self) -> Vec<Mismatch> {
        self.lock().mismatches().to_vec()
    }

    /// How many requests were answered from the recording so far.
    pub fn answered(&self) -> usize {
        self.lock().exchanges().len()
    }

    /// Indexes of the recorded entries that answered requests so far, in order.
    pub fn answered_entries(&self) -> Vec<usize> {
        self.lock().answered()
    }

    /// Indexes of the recorded entries not used yet.
    pub fn remaining(&self) -> Vec<usize> {
        self.lock().remaining()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, ReplayQueue> {
        self.queue.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

async fn answer(
    request: Request<Incoming>,
    queue: Arc<Mutex<ReplayQueue>>,
) -> Response<Full<Bytes>> {
    let (parts, body) = request.into_parts();
    let body = match body.collect().await {
        Ok(collected) => collected.to_bytes().to_vec(),
        Err(_) => Vec::new(),
    };
    let request = Request::from_parts(parts, body);
    let response = queue
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .answer(request);
    let (parts, body) = response.into_parts();
    let body = renew_stand_ins(body);
    Response::from_parts(parts, Full::new(Bytes::from(body)))
}

/// The body with its expired token stand-ins renewed (see the module doc).
fn renew_stand_ins(body: Vec<u8>) -> Vec<u8> {
    let signature = STAND_IN_SIGNATURE.as_bytes();
    if !body.windows(signature.len()).any(|w| w == signature) {
        return body;
    }
    let Ok(mut value) = serde_json::from_slice::<serde_json::Value>(&body) else {
        return body;
    };
    if renew_expired(&mut value, std::time::SystemTime::now()) {
        serde_json::to_vec(&value).unwrap_or(body)
    } else {
        body
    }
}
