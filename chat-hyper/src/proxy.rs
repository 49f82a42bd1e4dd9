//! The proxy a connection goes through: the core's [`ProxyRules`] (the same for both
//! transports) decide per destination, and hyper-util's [`Tunnel`] connector opens the HTTP
//! `CONNECT` tunnel, sending the proxy's Basic credentials as `Proxy-Authorization` on the
//! `CONNECT` only. hyper-rustls then runs TLS through the tunnel, end to end with the service.

use std::error::Error as StdError;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use chat_core::client::{ProxyRules, ProxyServer};
use chat_core::http::uri::{Authority, Scheme, Uri};
use chat_core::http::HeaderValue;
use chat_core::{Error, InputErrorKind};
use hyper_util::client::legacy::connect::proxy::Tunnel;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;
use tower_service::Service;

type BoxError = Box<dyn StdError + Send + Sync>;
type Connecting = Pin<Box<dyn Future<Output = Result<TokioIo<TcpStream>, BoxError>> + Send>>;

/// A TCP connector that goes direct or through a tunnel, as the rules say for each
/// destination. Cloning is cheap.
#[derive(Clone)]
pub(crate) struct ProxyConnector {
    direct: HttpConnector,
    https: Option<Tunnel<HttpConnector>>,
    http: Option<Tunnel<HttpConnector>>,
    rules: Arc<ProxyRules>,
}

impl ProxyConnector {
    /// Resolves the options' proxy setting (reading the environment for the default) over the
    /// TCP connector `direct`, which also connects to the proxy.
    pub(crate) fn new(
        direct: HttpConnector,
        options: &crate::ClientOptions,
    ) -> Result<Self, Error> {
        let rules = options.proxy.resolve()?;
        let tunnel = |server: &ProxyServer| tunnel(server, direct.clone());
        Ok(Self {
            https: rules.https().map(tunnel).transpose()?,
            http: rules.http().map(tunnel).transpose()?,
            direct,
            rules: Arc::new(rules),
        })
    }
}

fn tunnel(server: &ProxyServer, connector: HttpConnector) -> Result<Tunnel<HttpConnector>, Error> {
    let invalid = |reason: String| {
        Error::invalid_input(
            "proxy",
            &server.to_string(),
            InputErrorKind::Malformed,
            reason,
            "http://[user:password@]host[:port]",
        )
    };
    let uri: Uri = server
        .url_without_credentials()
        .parse()
        .map_err(|e: chat_core::http::uri::InvalidUri| invalid(e.to_string()))?;
    let tunnel = Tunnel::new(uri, connector);
    Ok(match server.basic_authorization() {
        Some(basic) => {
            let mut value = HeaderValue::try_from(basic).map_err(|e| invalid(e.to_string()))?;
            value.set_sensitive(true);
            tunnel.with_auth(value)
        }
        None => tunnel,
    })
}

impl Service<Uri> for ProxyConnector {
    type Response = TokioIo<TcpStream>;
    type Error = BoxError;
    type Future = Connecting;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        // Both connectors are always ready (hyper-util's `HttpConnector` and `Tunnel` over it).
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, dst: Uri) -> Connecting {
        let scheme = dst.scheme_str().unwrap_or("");
        let host = dst.host().unwrap_or("");
        let proxied = self.rules.proxy_for(scheme, host).is_some();
        let tunnel = match scheme {
            "https" => self.https.as_mut(),
            "http" => self.http.as_mut(),
            _ => None,
        }
        .filter(|_| proxied);
        match tunnel {
            Some(tunnel) => {
                // The tunnel's CONNECT takes the port from the URI (443 when absent).
                let connecting = tunnel.call(with_explicit_port(dst));
                Box::pin(async move { connecting.await.map_err(BoxError::from) })
            }
            None => {
                let connecting = self.direct.call(dst);
                Box::pin(async move { connecting.await.map_err(BoxError::from) })
            }
        }
    }
}

/// `dst` with its scheme's default port written out (`http://h` → `http://h:80`).
fn with_explicit_port(dst: Uri) -> Uri {
    if dst.port().is_some() {
        return dst;
    }
    let port = if dst.scheme() == Some(&Scheme::HTTP) {
        80
    } else {
        443
    };
    let Some(host) = dst.host() else { return dst };
    let Ok(authority) = format!("{host}:{port}").parse::<Authority>() else {
        return dst;
    };
    let mut parts = dst.clone().into_parts();
    parts.authority = Some(authority);
    Uri::from_parts(parts).unwrap_or(dst)
}

impl std::fmt::Debug for ProxyConnector {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The rules' Debug redacts credentials; the tunnels (which hold them) are left out.
        f.debug_struct("ProxyConnector")
            .field("rules", &self.rules)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_ports_are_written_out_for_the_connect_line() {
        let cases = [
            ("http://127.0.0.1/x", "http://127.0.0.1:80/x"),
            ("https://h.example/", "https://h.example:443/"),
            ("https://h.example:8443/", "https://h.example:8443/"),
            ("https://[::1]/", "https://[::1]:443/"),
        ];
        for (given, expected) in cases {
            let uri: Uri = given.parse().unwrap();
            assert_eq!(with_explicit_port(uri).to_string(), expected);
        }
    }
}
