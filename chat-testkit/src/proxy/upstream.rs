//! Where the recording proxy forwards to, and the pooled HTTPS client it forwards with.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use chat_core::identity::ConnectionString;
use chat_core::{AccessKey, Endpoint};
use http_body_util::Full;
use hyper_rustls::{HttpsConnector, HttpsConnectorBuilder};
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use rustls::pki_types::CertificateDer;
use rustls::{ClientConfig, RootCertStore};

use super::ProxyError;

/// How long connecting to the upstream may take.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(30);

/// The pooled client the proxy forwards with: HTTPS (rustls, ring) or plain HTTP to loopback.
pub(crate) type UpstreamClient = Client<HttpsConnector<HttpConnector>, Full<Bytes>>;

/// The service a recording proxy forwards to: an endpoint, and the access key to re-sign
/// identity requests with when it was given as a connection string.
///
/// `https://` for any host; `http://` only for a loopback host (a local emulator). `Debug`
/// never prints the key.
#[derive(Clone)]
pub struct Upstream {
    endpoint: Endpoint,
    access_key: Option<AccessKey>,
}

impl Upstream {
    /// Reads an endpoint URL (`https://<resource>.communication.azure.com`) or a connection
    /// string (`endpoint=...;accesskey=...`).
    pub fn parse(upstream: &str) -> Result<Self, ProxyError> {
        let upstream = upstream.trim();
        let invalid = |e: chat_core::Error| ProxyError::Upstream(e.to_string());
        if upstream.to_ascii_lowercase().contains("endpoint=") {
            let cs = ConnectionString::parse_allowing_loopback_http(upstream).map_err(invalid)?;
            Ok(Self {
                endpoint: cs.endpoint().clone(),
                access_key: Some(cs.access_key().clone()),
            })
        } else {
            let endpoint = Endpoint::parse_allowing_loopback_http(upstream).map_err(invalid)?;
            Ok(Self {
                endpoint,
                access_key: None,
            })
        }
    }

    /// `scheme://host[:port]`, without a trailing slash.
    pub fn base(&self) -> &str {
        self.endpoint.as_str()
    }

    /// The endpoint.
    pub fn endpoint(&self) -> &Endpoint {
        &self.endpoint
    }

    /// The access key identity requests are re-signed with, when one was given.
    pub fn access_key(&self) -> Option<&AccessKey> {
        self.access_key.as_ref()
    }
}

impl fmt::Debug for Upstream {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Upstream")
            .field("endpoint", &self.endpoint.as_str())
            .field(
                "access_key",
                &self.access_key.as_ref().map(|_| "[redacted]"),
            )
            .finish()
    }
}

/// A pooled client trusting `roots` (DER), or the webpki roots when there are none.
pub(crate) fn client(roots: &[Vec<u8>]) -> Result<UpstreamClient, ProxyError> {
    let mut store = RootCertStore::empty();
    if roots.is_empty() {
        store.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
    } else {
        for der in roots {
            store
                .add(CertificateDer::from(der.clone()))
                .map_err(|e| ProxyError::Start(format!("root certificate: {e}")))?;
        }
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let tls = ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| ProxyError::Start(format!("tls configuration: {e}")))?
        .with_root_certificates(store)
        .with_no_client_auth();
    let mut http = HttpConnector::new();
    http.enforce_http(false);
    http.set_nodelay(true);
    http.set_connect_timeout(Some(CONNECT_TIMEOUT));
    // `Upstream` only admits http:// for loopback hosts.
    let connector = HttpsConnectorBuilder::new()
        .with_tls_config(tls)
        .https_or_http()
        .enable_http1()
        .wrap_connector(http);
    Ok(Client::builder(TokioExecutor::new())
        .set_host(false)
        .build(connector))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_urls_and_connection_strings_and_keeps_http_on_loopback() {
        let url = Upstream::parse("https://contoso.communication.azure.com/").unwrap();
        assert_eq!(url.base(), "https://contoso.communication.azure.com");
        assert!(url.access_key().is_none());
        let cs = Upstream::parse("endpoint=http://127.0.0.1:8080/;accesskey=c2VjcmV0").unwrap();
        assert_eq!(cs.base(), "http://127.0.0.1:8080");
        assert_eq!(cs.access_key().unwrap().as_bytes(), b"secret");
        assert!(!format!("{cs:?}").contains("c2VjcmV0"));
        for bad in [
            "http://example.com",
            "ftp://127.0.0.1",
            "endpoint=https://x.example;accesskey=!!",
        ] {
            assert!(
                matches!(Upstream::parse(bad), Err(ProxyError::Upstream(_))),
                "{bad}"
            );
        }
    }
}
