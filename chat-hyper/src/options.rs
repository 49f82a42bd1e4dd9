//! Client configuration: TLS roots, timeouts, retries, the user agent, plain-HTTP permission.

use std::time::Duration;

use chat_core::http::HeaderValue;
use chat_core::{ApiVersion, Endpoint, Error, RetryOptions};
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::CertificateDer;

/// The per-try timeout used when none is configured.
pub const DEFAULT_PER_TRY_TIMEOUT: Duration = Duration::from_secs(60);

/// Configuration shared by every call a client makes. Start from [`ClientOptions::default`] and
/// set what differs with the builder methods.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct ClientOptions {
    /// Prefix of the user agent (at most 24 visible ASCII characters), as the official SDKs'
    /// `user_agent` / application id option.
    pub application_id: Option<String>,
    /// Retry policy; `max_elapsed` is the per-call time budget.
    pub retry: RetryOptions,
    /// Time limit of one try (connect, send, and read of the whole response).
    pub per_try_timeout: Duration,
    /// Trusted root certificates (DER). Empty means the webpki (Mozilla) roots; when set, these
    /// roots replace the default ones.
    pub root_certificates: Vec<CertificateDer<'static>>,
    /// Accept an `http://` endpoint, for a loopback host only (a local emulator or test server).
    pub allow_loopback_http: bool,
    /// The chat API version every chat request pins.
    pub api_version: ApiVersion,
}

impl Default for ClientOptions {
    fn default() -> Self {
        Self {
            application_id: None,
            retry: RetryOptions::default(),
            per_try_timeout: DEFAULT_PER_TRY_TIMEOUT,
            root_certificates: Vec::new(),
            allow_loopback_http: false,
            api_version: ApiVersion::default(),
        }
    }
}

impl ClientOptions {
    /// Sets the application id that prefixes the user agent.
    pub fn application_id(mut self, id: impl Into<String>) -> Self {
        self.application_id = Some(id.into());
        self
    }

    /// Sets the retry policy.
    pub fn retry(mut self, retry: RetryOptions) -> Self {
        self.retry = retry;
        self
    }

    /// Sets the time limit of one try.
    pub fn per_try_timeout(mut self, timeout: Duration) -> Self {
        self.per_try_timeout = timeout;
        self
    }

    /// Sets the time budget of a whole call, its retries and their delays included.
    pub fn per_call_timeout(mut self, timeout: Duration) -> Self {
        self.retry = self.retry.with_max_elapsed(timeout);
        self
    }

    /// Trusts this root certificate (DER). Once any root is added, only the added roots are
    /// trusted.
    pub fn add_root_certificate(mut self, der: CertificateDer<'static>) -> Self {
        self.root_certificates.push(der);
        self
    }

    /// Trusts every certificate of a PEM bundle (see [`ClientOptions::add_root_certificate`]).
    pub fn add_root_certificates_pem(mut self, pem: &[u8]) -> Result<Self, Error> {
        for cert in CertificateDer::pem_slice_iter(pem) {
            let cert = cert.map_err(|e| Error::InvalidInput {
                argument: "root certificate",
                reason: e.to_string(),
            })?;
            self.root_certificates.push(cert);
        }
        Ok(self)
    }

    /// Allows an `http://` endpoint on a loopback host. Other hosts stay `https://` only.
    pub fn allow_loopback_http(mut self, allow: bool) -> Self {
        self.allow_loopback_http = allow;
        self
    }

    /// Pins a chat API version.
    pub fn api_version(mut self, version: ApiVersion) -> Self {
        self.api_version = version;
        self
    }

    /// Reads `endpoint` as these options allow.
    pub(crate) fn parse_endpoint(&self, endpoint: &str) -> Result<Endpoint, Error> {
        if self.allow_loopback_http {
            Endpoint::parse_allowing_loopback_http(endpoint)
        } else {
            Endpoint::parse(endpoint)
        }
    }

    /// The user agent these options send.
    pub(crate) fn user_agent(&self) -> Result<HeaderValue, Error> {
        chat_core::user_agent(
            self.application_id.as_deref(),
            env!("CARGO_PKG_VERSION"),
            std::env::consts::OS,
            std::env::consts::ARCH,
        )
    }
}
