//! Client configuration as plain data: TLS roots, timeouts, retries, the user agent, plain-HTTP
//! permission, the proxy. The transports read it; nothing here opens a socket or reads a clock.

use std::time::Duration;

use base64::Engine as _;

use super::Proxy;
use crate::{ApiVersion, Auth, CallConfig, Endpoint, Error, InputErrorKind, RetryOptions};

/// The per-try timeout used when none is configured (see [`ClientOptions`] for why).
pub const DEFAULT_PER_TRY_TIMEOUT: Duration = Duration::from_secs(60);

/// The per-call time budget used when none is configured: [`RetryOptions::default`]'s
/// `max_elapsed` (see [`ClientOptions`] for why).
pub const DEFAULT_PER_CALL_TIMEOUT: Duration = Duration::from_secs(300);

const PEM_BEGIN: &str = "-----BEGIN CERTIFICATE-----";
const PEM_END: &str = "-----END CERTIFICATE-----";

/// Configuration shared by every call a client makes. Start from [`ClientOptions::default`] and
/// set what differs with the builder methods, in any order: each sets one thing, and none
/// resets another.
///
/// **Defaults, and why.** One try may take [`DEFAULT_PER_TRY_TIMEOUT`] (60 s), a whole call
/// with its retries [`DEFAULT_PER_CALL_TIMEOUT`] (300 s); retries follow
/// [`RetryOptions::default`] (3 retries, 0.8 s doubling, 60 s cap, as Azure.Core). The official
/// SDKs allow a try 100 s (.NET's `NetworkTimeout`) to 300 s (Python's connection and read
/// timeouts), and JS sets none; a chat call is a small JSON exchange that the service answers in
/// well under a second, so 60 s is long enough for a slow network and still ends a dead
/// connection. It is not shorter because a `send_message` cut short after it left cannot be
/// retried (the message may have been sent): a tight limit turns slowness into ambiguous
/// failures. The call budget, 300 s, lets each of the 4 tries use its whole 60 s plus the
/// backoff between them, so by default no try is cut short by the budget; it only ends calls
/// that the service keeps asking to wait (`Retry-After`). Python's budget is 7 days, and the
/// Rust `azure_core`'s 60 s would cut the second try of a stalled call short.
///
/// ```
/// # use chat_core::client::ClientOptions;
/// # use chat_core::RetryOptions;
/// use std::time::Duration;
///
/// let options = ClientOptions::default()
///     .per_call_timeout(Duration::from_secs(10))
///     .retry(RetryOptions::none()); // keeps the 10 s budget
/// assert_eq!(options.call_budget(), Duration::from_secs(10));
/// ```
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct ClientOptions {
    /// Prefix of the user agent (at most 24 visible ASCII characters), as the official SDKs'
    /// `user_agent` / application id option.
    pub application_id: Option<String>,
    /// Retry policy: how many retries and how long between them. Its `max_elapsed` is the call
    /// budget only while `per_call_timeout` is unset.
    pub retry: RetryOptions,
    /// Time budget of a whole call, its retries and their delays included; when set, it wins
    /// over `retry.max_elapsed`, whichever was set first.
    pub per_call_timeout: Option<Duration>,
    /// Time limit of one try (connect, send, and read of the whole response).
    pub per_try_timeout: Duration,
    /// Trusted root certificates (DER). Empty means the webpki (Mozilla) roots; when set, these
    /// roots replace the default ones.
    pub root_certificates: Vec<Vec<u8>>,
    /// Accept an `http://` endpoint, for a loopback host only (a local emulator or test server).
    pub allow_loopback_http: bool,
    /// The chat API version every chat request pins.
    pub api_version: ApiVersion,
    /// The HTTP proxy: from the environment (`HTTPS_PROXY`, `NO_PROXY`, ...; the default, never
    /// for loopback hosts), an explicit one, or none. See [`Proxy`] for the rules. `Debug` never shows its credentials.
    pub proxy: Proxy,
}

impl Default for ClientOptions {
    fn default() -> Self {
        Self {
            application_id: None,
            retry: RetryOptions::default(),
            per_call_timeout: None,
            per_try_timeout: DEFAULT_PER_TRY_TIMEOUT,
            root_certificates: Vec::new(),
            allow_loopback_http: false,
            api_version: ApiVersion::default(),
            proxy: Proxy::default(),
        }
    }
}

impl ClientOptions {
    /// Sets the application id that prefixes the user agent.
    pub fn application_id(mut self, id: impl Into<String>) -> Self {
        self.application_id = Some(id.into());
        self
    }

    /// Sets the retry policy (retry count and delays). A per-call timeout set before or after
    /// is kept.
    pub fn retry(mut self, retry: RetryOptions) -> Self {
        self.retry = retry;
        self
    }

    /// Sets the time limit of one try.
    pub fn per_try_timeout(mut self, timeout: Duration) -> Self {
        self.per_try_timeout = timeout;
        self
    }

    /// Sets the time budget of a whole call, its retries and their delays included
    /// ([`crate::Error::CallTimeout`] past it). A retry policy set before or after is kept.
    pub fn per_call_timeout(mut self, timeout: Duration) -> Self {
        self.per_call_timeout = Some(timeout);
        self
    }

    /// The time budget of a whole call: `per_call_timeout` if set, else the retry policy's
    /// `max_elapsed`.
    pub fn call_budget(&self) -> Duration {
        self.per_call_timeout.unwrap_or(self.retry.max_elapsed)
    }

    /// Trusts this root certificate (DER bytes, e.g. a `rustls_pki_types::CertificateDer`).
    /// Once any root is added, only the added roots are trusted.
    pub fn add_root_certificate(mut self, der: impl AsRef<[u8]>) -> Self {
        self.root_certificates.push(der.as_ref().to_vec());
        self
    }

    /// Trusts every certificate of a PEM bundle (see [`ClientOptions::add_root_certificate`]).
    /// Sections other than `CERTIFICATE` are skipped.
    pub fn add_root_certificates_pem(mut self, pem: &[u8]) -> Result<Self, Error> {
        self.root_certificates.extend(pem_certificates(pem)?);
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

    /// Sets the proxy: [`Proxy::url`] for an explicit one, [`Proxy::None`] for none,
    /// [`Proxy::FromEnvironment`] (the default) to read `HTTPS_PROXY`, `NO_PROXY` and the rest
    /// when the client is built (loopback hosts are then always reached directly).
    pub fn proxy(mut self, proxy: Proxy) -> Self {
        self.proxy = proxy;
        self
    }

    /// Reads `endpoint` as these options allow.
    pub fn parse_endpoint(&self, endpoint: &str) -> Result<Endpoint, Error> {
        if self.allow_loopback_http {
            Endpoint::parse_allowing_loopback_http(endpoint)
        } else {
            Endpoint::parse(endpoint)
        }
    }

    /// The call settings of a client with these options: `auth`, the retry policy, and the user
    /// agent of the transport crate at version `sdk_version`.
    pub fn call_config(&self, auth: Auth, sdk_version: &str) -> Result<CallConfig, Error> {
        let mut config = CallConfig::new(auth);
        config.retry = self.retry.with_max_elapsed(self.call_budget());
        config.user_agent = crate::user_agent(
            self.application_id.as_deref(),
            sdk_version,
            std::env::consts::OS,
            std::env::consts::ARCH,
        )?;
        Ok(config)
    }
}

/// The DER bytes of every `CERTIFICATE` section of a PEM bundle.
fn pem_certificates(pem: &[u8]) -> Result<Vec<Vec<u8>>, Error> {
    let shown = format!("<PEM bundle of {} bytes>", pem.len());
    let invalid = |reason: String| {
        Error::invalid_input(
            "root certificate",
            &shown,
            InputErrorKind::Malformed,
            reason,
            "PEM: -----BEGIN CERTIFICATE----- base64 DER -----END CERTIFICATE-----",
        )
    };
    let text = std::str::from_utf8(pem).map_err(|e| invalid(e.to_string()))?;
    let mut certificates = Vec::new();
    let mut rest = text;
    while let Some((_, after_begin)) = rest.split_once(PEM_BEGIN) {
        let (body, after_end) = after_begin
            .split_once(PEM_END)
            .ok_or_else(|| invalid("a certificate has no END line".into()))?;
        let base64: String = body.chars().filter(|c| !c.is_ascii_whitespace()).collect();
        let der = base64::engine::general_purpose::STANDARD
            .decode(base64)
            .map_err(|e| invalid(e.to_string()))?;
        certificates.push(der);
        rest = after_end;
    }
    Ok(certificates)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pem_bundle_yields_each_certificate_and_skips_other_sections() {
        let pem = "junk\n-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n\
                   -----BEGIN CERTIFICATE-----\nAQID\nBA==\n-----END CERTIFICATE-----\n\
                   -----BEGIN CERTIFICATE-----\r\nBQY=\r\n-----END CERTIFICATE-----\r\n";
        let options = ClientOptions::default()
            .add_root_certificates_pem(pem.as_bytes())
            .unwrap();
        assert_eq!(
            options.root_certificates,
            vec![vec![1, 2, 3, 4], vec![5, 6]]
        );
    }

    #[test]
    fn broken_pem_is_refused() {
        for pem in [
            "-----BEGIN CERTIFICATE-----\nAQID\n",
            "-----BEGIN CERTIFICATE-----\n!!!!\n-----END CERTIFICATE-----\n",
        ] {
            let err = ClientOptions::default()
                .add_root_certificates_pem(pem.as_bytes())
                .unwrap_err();
            assert!(matches!(err, Error::InvalidInput { .. }), "{err:?}");
        }
    }

    #[test]
    fn the_call_budget_composes_with_the_retry_policy_in_any_order() {
        let ten = Duration::from_secs(10);
        let a = ClientOptions::default()
            .per_call_timeout(ten)
            .retry(RetryOptions::none());
        let b = ClientOptions::default()
            .retry(RetryOptions::none())
            .per_call_timeout(ten);
        for options in [a, b] {
            assert_eq!(options.call_budget(), ten);
            let config = options.call_config(Auth::Bearer, "1").unwrap();
            assert_eq!(
                (config.retry.max_retries, config.retry.max_elapsed),
                (0, ten)
            );
        }
        assert_eq!(
            ClientOptions::default().call_budget(),
            DEFAULT_PER_CALL_TIMEOUT
        );
        assert_eq!(
            RetryOptions::default().max_elapsed,
            DEFAULT_PER_CALL_TIMEOUT
        );
    }

    #[test]
    fn builders_set_what_transports_read() {
        let options = ClientOptions::default()
            .application_id("app")
            .per_try_timeout(Duration::from_secs(5))
            .per_call_timeout(Duration::from_secs(30))
            .add_root_certificate([9u8, 9])
            .allow_loopback_http(true);
        assert_eq!(options.per_try_timeout, Duration::from_secs(5));
        assert_eq!(options.call_budget(), Duration::from_secs(30));
        assert_eq!(options.root_certificates, vec![vec![9, 9]]);
        assert!(options.parse_endpoint("http://127.0.0.1:8080").is_ok());
        assert!(ClientOptions::default()
            .parse_endpoint("http://127.0.0.1:8080")
            .is_err());
        let config = options.call_config(Auth::Bearer, "1.2.3").unwrap();
        let agent = config.user_agent.to_str().unwrap();
        assert!(agent.starts_with("app "), "{agent}");
        assert!(agent.contains("1.2.3"), "{agent}");
    }
}
