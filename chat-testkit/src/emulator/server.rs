//! The HTTP/1.1 layer on hyper: reads requests, applies faults, runs the service logic under
//! one lock, writes replies with the service's standard headers, and counts requests.

use std::collections::BTreeMap;
use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{Context, Poll};
use std::time::Instant;

use base64::engine::general_purpose::STANDARD_NO_PAD;
use base64::Engine as _;
use bytes::Bytes;
use http_body_util::{BodyExt, Limited};
use hyper::body::{Body, Frame, Incoming, SizeHint};
use hyper::service::service_fn;
use hyper::{Request as HyperRequest, Response};
use hyper_util::rt::TokioIo;
use serde_json::json;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio_rustls::TlsAcceptor;

use super::errors::{AcsError, Reply};
use super::faults::{Fault, FaultRule, FaultSet};
use super::routes::{self, Request, Service};
use super::state::State;
use super::subscriptions::{self, Hub};
use super::wire;
use super::RequestCount;

/// The largest request body the emulator reads.
pub(crate) const MAX_REQUEST_BODY_BYTES: usize = 1 << 20;

/// What every connection shares.
#[derive(Debug)]
pub(crate) struct Shared {
    pub(crate) state: Mutex<State>,
    pub(crate) key: chat_core::AccessKey,
    pub(crate) faults: Mutex<FaultSet>,
    /// (method, path as sent) → counts.
    pub(crate) log: Mutex<BTreeMap<(String, String), RequestCount>>,
    /// Webhook subscriptions and the delivery of events.
    pub(crate) hub: Hub,
    /// `http` or `https`: the scheme of the links the emulator writes.
    pub(crate) scheme: &'static str,
}

/// Locks a mutex, recovering from poisoning (a panicked handler must not stop the emulator).
pub(crate) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Serves connections from `listener` until `shutdown` completes; over TLS when `tls` is set.
pub(crate) async fn serve(
    listener: TcpListener,
    shared: Arc<Shared>,
    tls: Option<TlsAcceptor>,
    shutdown: impl Future<Output = ()>,
) {
    tokio::pin!(shutdown);
    loop {
        tokio::select! {
            () = &mut shutdown => break,
            accepted = listener.accept() => {
                let Ok((stream, _)) = accepted else { continue };
                let _ = stream.set_nodelay(true);
                tokio::spawn(connection(stream, Arc::clone(&shared), tls.clone()));
            }
        }
    }
}

async fn connection(stream: TcpStream, shared: Arc<Shared>, tls: Option<TlsAcceptor>) {
    let reset = Arc::new(AtomicBool::new(false));
    let stream = ResetOnDrop {
        inner: stream,
        reset: Arc::clone(&reset),
    };
    let service = service_fn(move |req| handle(Arc::clone(&shared), Arc::clone(&reset), req));
    let http = hyper::server::conn::http1::Builder::new();
    match tls {
        None => {
            let _ = http.serve_connection(TokioIo::new(stream), service).await;
        }
        // A failed handshake (an untrusting client, a port scan) just ends the connection.
        Some(acceptor) => {
            if let Ok(stream) = acceptor.accept(stream).await {
                let _ = http.serve_connection(TokioIo::new(stream), service).await;
            }
        }
    }
}

/// The connection is dropped on purpose (a reset fault).
#[derive(Debug)]
struct Abort;

impl std::fmt::Display for Abort {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("connection dropped by fault injection")
    }
}

impl std::error::Error for Abort {}

async fn handle(
    shared: Arc<Shared>,
    reset: Arc<AtomicBool>,
    req: HyperRequest<Incoming>,
) -> Result<Response<ReplyBody>, Abort> {
    let started = Instant::now();
    let (parts, body) = req.into_parts();
    let body = match Limited::new(body, MAX_REQUEST_BODY_BYTES).collect().await {
        Ok(collected) => collected.to_bytes().to_vec(),
        Err(_) => {
            let reply = AcsError::new(
                413,
                "RequestEntityTooLarge",
                "The request body is too large.",
            )
            .to_reply();
            return Ok(respond(reply, Service::Chat, started, false));
        }
    };
    let request = Request::from_head(
        &parts.method,
        &parts.uri,
        &parts.headers,
        body,
        shared.scheme,
    );
    if let Some(admin) = request.path.strip_prefix("/_emulator/") {
        return Ok(respond(
            admin_route(&shared, &request, admin),
            Service::Chat,
            started,
            false,
        ));
    }
    let key = (request.method.clone(), request.path.clone());
    lock(&shared.log).entry(key.clone()).or_default().received += 1;
    let decoded = routes::percent_decode(&request.path);
    let plan = lock(&shared.faults).take(&request.method, &request.path, &decoded);
    if !plan.delay.is_zero() {
        tokio::time::sleep(plan.delay).await;
    }
    let service = if request.path.starts_with("/chat") {
        Service::Chat
    } else {
        Service::Identity
    };
    match plan.fault {
        Some(Fault::ResetBeforeService) => {
            reset.store(true, Ordering::SeqCst);
            return Err(Abort);
        }
        Some(Fault::Status {
            status,
            retry_after,
        }) => {
            let code = match status {
                429 => "TooManyRequests",
                500 => "InternalServerError",
                503 => "ServiceUnavailable",
                _ => "InjectedFault",
            };
            let mut reply =
                AcsError::new(status, code, "Injected by the emulator's fault rules.").to_reply();
            if let Some(secs) = retry_after {
                reply = reply.header("Retry-After", secs.to_string());
            }
            return Ok(respond(reply, service, started, false));
        }
        _ => {}
    }
    let (service, reply) = {
        let mut state = lock(&shared.state);
        let answer = routes::dispatch(&mut state, shared.key.as_bytes(), &request);
        // Under the lock, so that events reach the subscriptions in the order of the operations.
        shared.hub.publish(state.take_events());
        answer
    };
    lock(&shared.log).entry(key).or_default().handled += 1;
    match plan.fault {
        Some(Fault::ResetAfterService) => {
            reset.store(true, Ordering::SeqCst);
            Err(Abort)
        }
        Some(Fault::TruncatedBody) => Ok(respond(reply, service, started, true)),
        _ => Ok(respond(reply, service, started, false)),
    }
}

fn admin_route(shared: &Shared, req: &Request, admin: &str) -> Reply {
    match (req.method.as_str(), admin) {
        ("POST", "faults") => match serde_json::from_slice::<FaultRule>(&req.body) {
            Ok(rule) => {
                lock(&shared.faults).push(rule);
                Reply::json(201, &json!({}))
            }
            Err(e) => AcsError::bad_request(format!("Not a fault rule: {e}")).to_reply(),
        },
        ("GET", "faults") => Reply::json(200, &json!({ "value": lock(&shared.faults).rules() })),
        ("DELETE", "faults") => {
            lock(&shared.faults).clear();
            Reply::empty(204)
        }
        ("GET", "requests") => {
            let value: Vec<_> = lock(&shared.log)
                .iter()
                .map(|((m, p), c)| json!({"method": m, "path": p, "received": c.received, "handled": c.handled}))
                .collect();
            Reply::json(200, &json!({ "value": value }))
        }
        (method, path) => {
            subscriptions::admin(shared, method, path, &req.body).unwrap_or_else(|| {
                AcsError::not_found("No such emulator control endpoint.").to_reply()
            })
        }
    }
}

fn respond(
    reply: Reply,
    service: Service,
    started: Instant,
    truncate: bool,
) -> Response<ReplyBody> {
    let supported = match service {
        Service::Chat => wire::CHAT_SUPPORTED,
        Service::Identity => wire::IDENTITY_SUPPORTED,
    };
    let mut builder = Response::builder()
        .status(reply.status)
        .header("api-supported-versions", supported)
        .header(
            "MS-CV",
            format!(
                "{}.0",
                STANDARD_NO_PAD.encode(uuid::Uuid::new_v4().as_bytes())
            ),
        )
        .header(
            "X-Processing-Time",
            format!("{}ms", started.elapsed().as_millis()),
        );
    for (name, value) in &reply.headers {
        builder = builder.header(name.as_str(), value.as_str());
    }
    let body = match reply.body {
        Some(bytes) => {
            builder = builder
                .header("Content-Type", "application/json; charset=utf-8")
                .header("Content-Length", bytes.len().to_string());
            if truncate {
                let keep = bytes.len() / 2;
                ReplyBody::Truncated {
                    part: Some(Bytes::from(bytes).slice(..keep)),
                    flushed: false,
                }
            } else {
                ReplyBody::Full(Some(Bytes::from(bytes)))
            }
        }
        None if reply.status == 204 => ReplyBody::Full(None),
        None => {
            builder = builder.header("Content-Length", "0");
            ReplyBody::Full(None)
        }
    };
    builder
        .body(body)
        .unwrap_or_else(|_| Response::new(ReplyBody::Full(None)))
}

/// A response body: whole, or cut short (then the connection fails after the part is flushed).
#[derive(Debug)]
pub(crate) enum ReplyBody {
    Full(Option<Bytes>),
    Truncated { part: Option<Bytes>, flushed: bool },
}

impl Body for ReplyBody {
    type Data = Bytes;
    type Error = io::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, io::Error>>> {
        match self.get_mut() {
            Self::Full(data) => Poll::Ready(data.take().map(|d| Ok(Frame::data(d)))),
            Self::Truncated { part, flushed } => {
                if let Some(data) = part.take() {
                    return Poll::Ready(Some(Ok(Frame::data(data))));
                }
                if !*flushed {
                    // Yield once so hyper flushes the partial body before the error.
                    *flushed = true;
                    cx.waker().wake_by_ref();
                    return Poll::Pending;
                }
                Poll::Ready(Some(Err(io::Error::new(
                    io::ErrorKind::ConnectionAborted,
                    "truncated body",
                ))))
            }
        }
    }

    fn is_end_stream(&self) -> bool {
        matches!(self, Self::Full(None))
    }

    fn size_hint(&self) -> SizeHint {
        match self {
            Self::Full(Some(d)) => SizeHint::with_exact(d.len() as u64),
            Self::Full(None) => SizeHint::with_exact(0),
            Self::Truncated { .. } => SizeHint::default(),
        }
    }
}

/// A TCP stream that closes with a reset (`SO_LINGER` 0) when a fault asked for one.
#[derive(Debug)]
struct ResetOnDrop {
    inner: TcpStream,
    reset: Arc<AtomicBool>,
}

impl Drop for ResetOnDrop {
    fn drop(&mut self) {
        if self.reset.load(Ordering::SeqCst) {
            let _ = self.inner.set_zero_linger();
        }
    }
}

impl AsyncRead for ResetOnDrop {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_read(cx, buf)
    }
}

impl AsyncWrite for ResetOnDrop {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().inner).poll_write(cx, buf)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_shutdown(cx)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().inner).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }
}
