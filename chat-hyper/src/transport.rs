//! The socket side: one pooled hyper-util client over hyper-rustls (ring provider), and the
//! mapping of its failures onto [`TransportError`].

use std::error::Error as StdError;
use std::io;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use chat_core::http::header::{HeaderValue, CONTENT_LENGTH, HOST};
use chat_core::http::{HeaderMap, Method, Request, Response};
use chat_core::InputErrorKind::Malformed;
use chat_core::{Error, TransportError, TransportErrorKind, MAX_RESPONSE_BODY_BYTES};
use http_body_util::{BodyExt, Full, Limited};
use hyper_rustls::{HttpsConnector, HttpsConnectorBuilder};
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use rustls::{ClientConfig, RootCertStore};
use rustls_pki_types::CertificateDer;

use crate::ClientOptions;

/// One try's worth of HTTP over a pooled, TLS-by-default client.
#[derive(Debug)]
pub(crate) struct Transport {
    client: Client<HttpsConnector<HttpConnector>, Full<Bytes>>,
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
        let connector = builder.enable_http1().wrap_connector(http);
        let client = Client::builder(TokioExecutor::new())
            .set_host(false)
            .build(connector);
        Ok(Self { client })
    }

    /// Sends one request and reads the whole response, within `timeout`.
    pub(crate) async fn send(
        &self,
        request: Request<Vec<u8>>,
        timeout: Duration,
    ) -> Result<Response<Vec<u8>>, TransportError> {
        let request = wire_order(request).map(|body| Full::new(Bytes::from(body)));
        let exchange = async {
            let response = self.client.request(request).await.map_err(classify)?;
            let (parts, body) = response.into_parts();
            let body = Limited::new(body, MAX_RESPONSE_BODY_BYTES)
                .collect()
                .await
                .map_err(body_error)?
                .to_bytes();
            Ok(Response::from_parts(parts, Vec::from(body)))
        };
        match tokio::time::timeout(timeout, exchange).await {
            Ok(result) => result,
            Err(_) => Err(TransportError::after_sending(
                TransportErrorKind::Timeout,
                format!("no complete response within {timeout:?}"),
            )),
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

/// Maps a failure of the pooled client: connect and TLS failures happen before anything is
/// written; anything else may come after the request left.
fn classify(e: hyper_util::client::legacy::Error) -> TransportError {
    use TransportErrorKind as K;
    let message = sources(&e)
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(": ");
    if sources(&e).any(is_rustls) {
        return TransportError::before_sending(K::Tls, message);
    }
    if e.is_connect() {
        let timed_out = sources(&e).any(|s| {
            s.downcast_ref::<io::Error>()
                .is_some_and(|io| io.kind() == io::ErrorKind::TimedOut)
        });
        let kind = if timed_out { K::Timeout } else { K::Connect };
        return TransportError::before_sending(kind, message);
    }
    let parse = sources(&e).any(|s| {
        s.downcast_ref::<hyper::Error>()
            .is_some_and(hyper::Error::is_parse)
    });
    let kind = if parse { K::Protocol } else { K::Io };
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

/// A failure while reading the body: the request certainly arrived.
fn body_error(e: Box<dyn StdError + Send + Sync>) -> TransportError {
    if e.is::<http_body_util::LengthLimitError>() {
        return TransportError::after_sending(
            TransportErrorKind::Protocol,
            format!("the response body exceeds {MAX_RESPONSE_BODY_BYTES} bytes"),
        );
    }
    TransportError::after_sending(TransportErrorKind::Io, e.to_string())
}
