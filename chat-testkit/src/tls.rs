//! Test certificates: a throwaway certificate authority, generated in memory, that issues server
//! certificates for whatever names a test needs (rcgen, ECDSA P-256; rustls on ring).
//!
//! A client trusts the authority's certificate and nothing else, e.g. with
//! `ClientOptions::add_root_certificate(ca.certificate_der())`; a server presents a certificate
//! the authority issued:
//!
//! ```
//! use chat_testkit::tls::TestCa;
//!
//! let ca = TestCa::new();
//! let server = ca.issue(&["127.0.0.1", "localhost"]);
//! let config = server.server_config(); // an Arc<rustls::ServerConfig>
//! assert!(ca.certificate_pem().starts_with("-----BEGIN CERTIFICATE-----"));
//! # let _ = config;
//! ```

use std::io;
use std::sync::Arc;

use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, KeyPair,
    KeyUsagePurpose,
};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};

/// A certificate authority made for one test run. `Debug` does not show its key.
pub struct TestCa {
    certificate: rcgen::Certificate,
    key: KeyPair,
}

impl TestCa {
    /// A fresh authority with a new key.
    ///
    /// # Panics
    ///
    /// If rcgen cannot generate a key or sign (it can with the ring provider).
    pub fn new() -> Self {
        let key = KeyPair::generate().expect("rcgen generates a P-256 key");
        let mut params = CertificateParams::default();
        params
            .distinguished_name
            .push(DnType::CommonName, "chat-testkit test CA");
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params.key_usages = vec![
            KeyUsagePurpose::KeyCertSign,
            KeyUsagePurpose::CrlSign,
            KeyUsagePurpose::DigitalSignature,
        ];
        let certificate = params
            .self_signed(&key)
            .expect("rcgen signs a CA certificate");
        Self { certificate, key }
    }

    /// The authority's certificate, DER: what a client adds as its trusted root.
    pub fn certificate_der(&self) -> &[u8] {
        self.certificate.der()
    }

    /// The authority's certificate, PEM (for a file, `curl --cacert`, `SSL_CERT_FILE`, ...).
    pub fn certificate_pem(&self) -> String {
        self.certificate.pem()
    }

    /// A server certificate for `names` (DNS names or IP addresses), signed by this authority.
    ///
    /// # Panics
    ///
    /// If a name is neither an IP address nor an ASCII DNS name (see [`TestCa::try_issue`]).
    pub fn issue(&self, names: &[&str]) -> ServerCertificate {
        match self.try_issue(names) {
            Ok(certificate) => certificate,
            Err(e) => panic!("{e}"),
        }
    }

    /// [`TestCa::issue`], with an `InvalidInput` error for a name that is neither an IP address
    /// nor an ASCII DNS name.
    pub fn try_issue(&self, names: &[&str]) -> io::Result<ServerCertificate> {
        let names: Vec<String> = names.iter().map(|n| (*n).to_owned()).collect();
        let invalid = |e: rcgen::Error| {
            io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("cannot issue a certificate for {names:?}: {e}"),
            )
        };
        let mut params = CertificateParams::new(names.clone()).map_err(invalid)?;
        params.distinguished_name.push(
            DnType::CommonName,
            names.first().map_or("chat-testkit server", String::as_str),
        );
        params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
        params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
        params.use_authority_key_identifier_extension = true;
        let key = KeyPair::generate().map_err(invalid)?;
        let certificate = params
            .signed_by(&key, &self.certificate, &self.key)
            .map_err(invalid)?;
        Ok(ServerCertificate {
            chain: vec![certificate.der().clone(), self.certificate.der().clone()],
            key: key.serialize_der(),
            names,
        })
    }
}

impl Default for TestCa {
    fn default() -> Self {
        Self::new()
    }
}

impl std::fmt::Debug for TestCa {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TestCa").finish_non_exhaustive()
    }
}

/// A server certificate chain (leaf, then authority) and its private key. `Debug` does not show
/// the key.
#[derive(Clone)]
pub struct ServerCertificate {
    chain: Vec<CertificateDer<'static>>,
    key: Vec<u8>,
    names: Vec<String>,
}

impl ServerCertificate {
    /// The names the certificate is valid for.
    pub fn names(&self) -> &[String] {
        &self.names
    }

    /// The leaf certificate, DER.
    pub fn certificate_der(&self) -> &[u8] {
        self.chain.first().map_or(&[], |c| c.as_ref())
    }

    /// A rustls server configuration (ring provider, TLS 1.2 and 1.3, HTTP/1.1 by ALPN)
    /// presenting this certificate.
    ///
    /// # Panics
    ///
    /// If rustls refuses the key (it does not for a key [`TestCa::issue`] made).
    pub fn server_config(&self) -> Arc<rustls::ServerConfig> {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(self.key.clone()));
        let mut config = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .expect("ring supports the default protocol versions")
            .with_no_client_auth()
            .with_single_cert(self.chain.clone(), key)
            .expect("rustls accepts the generated key");
        config.alpn_protocols = vec![b"http/1.1".to_vec()];
        Arc::new(config)
    }
}

impl std::fmt::Debug for ServerCertificate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ServerCertificate")
            .field("names", &self.names)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn issued_certificates_chain_to_the_authority_and_differ_per_authority() {
        let ca = TestCa::new();
        let server = ca.issue(&["127.0.0.1", "localhost"]);
        assert_eq!(server.names(), ["127.0.0.1", "localhost"]);
        assert_ne!(server.certificate_der(), ca.certificate_der());
        assert_ne!(TestCa::new().certificate_der(), ca.certificate_der());
        let pem = ca.certificate_pem();
        assert!(pem.starts_with("-----BEGIN CERTIFICATE-----"), "{pem}");
        assert!(format!("{ca:?} {server:?}").contains("localhost"));
        let err = ca.try_issue(&["naïve.example"]).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::InvalidInput);
        let _ = server.server_config();
    }
}
