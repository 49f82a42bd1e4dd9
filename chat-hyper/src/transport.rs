//! The socket side: one pooled hyper-util client over hyper-rustls (ring provider), and the
//! mapping of its failures onto [`TransportError`].

use std::error::Error as StdError;
use std::future::Future;
use std::io;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use chat_core::http::header::{HeaderValue, CONTENT_LENGTH, HOST};
use chat_core::http::{HeaderMap, Method, Request, Response};
use chat_core::InputErrorKind::Malformed;
use chat_core::{Error, TransportError, TransportErrorKind, MAX_RESPONSE_BODY_BYTES};
use http_body_util::{BodyExt, Full};
use hyper::body::{Body as _, Incoming};
use hyper_rustls::HttpsConnectorBuilder;
use hyper_util::client::legacy::connect::{capture_connection, HttpConnector};
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use rustls::{ClientConfig, RootCertStore};
use rustls_pki_types::CertificateDer;

use crate::proxy::ProxyConnector;
use crate::stream::StreamConnector;
use crate::ClientOptions;

/// One try's worth of HTTP over a pooled, TLS-by-default client.
#[derive(Debug)]
pub(crate) struct Transport {
    client: Client<StreamConnector, Full<Bytes>>,
}

impl Transport {
    pub(crate) fn new(options: &ClientOptions) -> Result<Self, Error> {
        let mut roots = RootCertStore::empty();
        if options.root_certificates.is_empty() {
            roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
        } else {
            for cert in &options.root_certificates {
                roots.add(CertificateDer::from(cert.clone())).map_err(|e| {
                    let shown = format!("<DER certificate of {} bytes>", cert.len());
                    let expected = "an X.509 certificate in DER";
                    Error::invalid_input(
                        "root certificate",
                        &shown,
                        Malformed,
                        e.to_string(),
                        expected,
                    )
                })?;
            }
        }
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let tls = ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|e| {
                let expected = "TLS 1.2 or 1.3 with the ring provider";
                Error::invalid_input("tls configuration", "", Malformed, e.to_string(), expected)
            })?
            .with_root_certificates(roots)
            .with_no_client_auth();
        let mut http = HttpConnector::new();
        http.enforce_http(false);
        http.set_nodelay(true);
        http.set_connect_timeout(Some(options.per_try_timeout));
        let builder = HttpsConnectorBuilder::new().with_tls_config(tls);
        let builder = if options.allow_loopback_http {
            // The endpoint itself was checked to be a loopback host.
            builder.https_or_http()
        } else {
            builder.https_only()
        };
        // Direct, or through the proxy's CONNECT tunnel (see `crate::proxy`); TLS on top.
        let connector = StreamConnector(
            builder
                .enable_http1()
                .wrap_connector(ProxyConnector::new(http, options)?),
        );
        let client = Client::builder(TokioExecutor::new())
            .set_host(false)
            .build(connector);
        Ok(Self { client })
    }

    /// Sends one request and reads the whole response, within `timeout`.
    ///
    /// The request is handed to the pool before the returned future is first polled, so that
    /// future holds the pool's boxed response future, not the request as well.
    pub(crate) fn send(
        &self,
        request: Request<Vec<u8>>,
        timeout: Duration,
    ) -> impl Future<Output = Result<Response<Vec<u8>>, TransportError>> + Send + 'static {
        let mut request = wire_order(request).map(|body| Full::new(Bytes::from(body)));
        // Whether the pool handed this request a connection: until it did, nothing was written.
        let connection = capture_connection(&mut request);
        let response = self.client.request(request);
        let exchange = async move {
            let response = response.await.map_err(classify)?;
            let (parts, body) = response.into_parts();
            let body = read_body(body).await?;
            Ok(Response::from_parts(parts, body))
        };
        async move {
            match tokio::time::timeout(timeout, exchange).await {
                Ok(result) => result,
                Err(_) if connection.connection_metadata().is_none() => {
                    Err(TransportError::before_sending(
                        TransportErrorKind::Timeout,
                        format!("no connection within {timeout:?}"),
                    ))
                }
                Err(_) => Err(TransportError::after_sending(
                    TransportErrorKind::Timeout,
                    format!("no complete response within {timeout:?}"),
                )),
            }
        }
    }
}

/// Puts the headers in the order both transports write them: `host` first, then the request's
/// own headers, then `content-length` (also `0` for an empty POST/PUT/PATCH body).
fn wire_order(request: Request<Vec<u8>>) -> Request<Vec<u8>> {
    let (mut parts, body) = request.into_parts();
    let mut headers = HeaderMap::with_capacity(parts.headers.len() + 2);
    if let Some(host) = parts
        .uri
        .authority()
        .and_then(|a| HeaderValue::from_str(a.as_str()).ok())
    {
        headers.insert(HOST, host);
    }
    let mut last = None;
    for (name, value) in parts.headers.drain() {
        if let Some(name) = name {
            last = Some(name);
        }
        if let Some(name) = &last {
            if name != HOST && name != CONTENT_LENGTH {
                headers.append(name.clone(), value);
            }
        }
    }
    let has_body_method = matches!(parts.method, Method::POST | Method::PUT | Method::PATCH);
    if !body.is_empty() || has_body_method {
        headers.insert(CONTENT_LENGTH, HeaderValue::from(body.len()));
    }
    parts.headers = headers;
    Request::from_parts(parts, body)
}

fn sources<'a>(
    e: &'a (dyn StdError + 'static),
) -> impl Iterator<Item = &'a (dyn StdError + 'static)> {
    std::iter::successors(Some(e), |e: &&'a (dyn StdError + 'static)| (*e).source())
}

/// Maps a failure of the pooled client. A connector failure (name resolution, TCP connect, TLS
/// handshake) happened before anything was written: an untrusted or mismatched certificate is
/// [`TransportErrorKind::Tls`], running out of time a timeout, anything else
/// [`TransportErrorKind::Connect`]. Any other failure came on a connection that was up, after
/// the request may have been written.
fn classify(e: hyper_util::client::legacy::Error) -> TransportError {
    use TransportErrorKind as K;
    let message = sources(&e)
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(": ");
    let tls = sources(&e).any(is_rustls);
    if e.is_connect() {
        let timed_out = sources(&e).any(|s| {
            s.downcast_ref::<io::Error>()
                .is_some_and(|io| io.kind() == io::ErrorKind::TimedOut)
        });
        let kind = if tls {
            K::Tls
        } else if timed_out {
            K::Timeout
        } else {
            K::Connect
        };
        return TransportError::before_sending(kind, message);
    }
    let parse = sources(&e).any(|s| {
        s.downcast_ref::<hyper::Error>()
            .is_some_and(hyper::Error::is_parse)
    });
    let kind = if parse || tls { K::Protocol } else { K::Io };
    TransportError::after_sending(kind, message)
}

/// A rustls error, directly or inside (nested) `io::Error`s, whose `source()` skips their
/// payload.
fn is_rustls(e: &(dyn StdError + 'static)) -> bool {
    if e.is::<rustls::Error>() {
        return true;
    }
    match e.downcast_ref::<io::Error>().and_then(io::Error::get_ref) {
        Some(inner) => is_rustls(inner),
        None => false,
    }
}

/// Reads a whole response body into one buffer: sized from its length when the response
/// declares one (no regrowth, one copy out of hyper's buffers), grown up to
/// [`MAX_RESPONSE_BODY_BYTES`] otherwise. A declared or actual length past the limit is an
/// error, and nothing is allocated for more than the limit.
async fn read_body(mut body: Incoming) -> Result<Vec<u8>, TransportError> {
    let declared = body.size_hint().exact();
    if declared.is_some_and(|n| n > MAX_RESPONSE_BODY_BYTES as u64) {
        return Err(too_large());
    }
    let mut buffer = BodyBuffer::with_length(declared);
    while let Some(frame) = body.frame().await {
        let frame = frame.map_err(body_error)?;
        if let Ok(data) = frame.into_data() {
            buffer.extend(&data)?;
        }
    }
    Ok(buffer.into_inner())
}

/// A body buffer that never holds (nor reserves) more than [`MAX_RESPONSE_BODY_BYTES`].
struct BodyBuffer(Vec<u8>);

impl BodyBuffer {
    /// Room for a body of `length` bytes (already checked against the limit), or a small
    /// start when the length is unknown.
    fn with_length(length: Option<u64>) -> Self {
        let capacity = length.map_or(UNKNOWN_LENGTH_START, |n| {
            usize::try_from(n).map_or(MAX_RESPONSE_BODY_BYTES, |n| n.min(MAX_RESPONSE_BODY_BYTES))
        });
        Self(Vec::with_capacity(capacity))
    }

    fn extend(&mut self, data: &[u8]) -> Result<(), TransportError> {
        let needed = self.0.len() + data.len();
        if needed > MAX_RESPONSE_BODY_BYTES {
            return Err(too_large());
        }
        if needed > self.0.capacity() {
            // Doubling, but never past the limit.
            let target = needed
                .max(self.0.capacity() * 2)
                .min(MAX_RESPONSE_BODY_BYTES);
            self.0.reserve_exact(target - self.0.len());
        }
        self.0.extend_from_slice(data);
        Ok(())
    }

    fn into_inner(self) -> Vec<u8> {
        self.0
    }
}

/// The first allocation for a body of unknown length.
const UNKNOWN_LENGTH_START: usize = 8 * 1024;

fn too_large() -> TransportError {
    TransportError::after_sending(
        TransportErrorKind::Protocol,
        format!("the response body exceeds {MAX_RESPONSE_BODY_BYTES} bytes"),
    )
}

/// A failure while reading the body: the request certainly arrived. A body hyper's decoder
/// refused (a malformed chunk: `InvalidInput` or `InvalidData`) is a protocol error, as ureq
/// reports it; a body cut short (`UnexpectedEof`) stays an I/O error.
fn body_error(e: hyper::Error) -> TransportError {
    let malformed = e.is_parse()
        || sources(&e).any(|s| {
            s.downcast_ref::<io::Error>().is_some_and(|io| {
                matches!(
                    io.kind(),
                    io::ErrorKind::InvalidData | io::ErrorKind::InvalidInput
                )
            })
        });
    let kind = if malformed {
        TransportErrorKind::Protocol
    } else {
        TransportErrorKind::Io
    };
    let message = sources(&e)
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(": ");
    TransportError::after_sending(kind, message)
}
