//! The proxy a request goes through: the core's [`ProxyRules`] (the same for both transports)
//! decide per destination, and ureq's own CONNECT support (`ConnectProxyConnector`, in the
//! transport's connector chain) opens the tunnel, sending the proxy's Basic credentials as
//! `Proxy-Authorization` on the `CONNECT` only. ureq's own reading of the environment is off:
//! its rules differ from curl's (`ALL_PROXY` first, `NO_PROXY=example.com` not matching
//! subdomains), and both transports must agree.

use chat_core::client::{ProxyRules, ProxyServer};
use chat_core::{Error, InputErrorKind};
use ureq::http::Uri;
use ureq::{Proxy, ProxyProtocol};

use crate::ClientOptions;

/// The resolved rules and the ureq proxies they name, built once per client.
pub(crate) struct Proxies {
    rules: ProxyRules,
    https: Option<Proxy>,
    http: Option<Proxy>,
}

impl Proxies {
    /// Resolves the options' proxy setting (reading the environment for the default).
    pub(crate) fn new(options: &ClientOptions) -> Result<Self, Error> {
        let rules = options.proxy.resolve()?;
        let https = rules.https().map(to_ureq).transpose()?;
        let http = rules.http().map(to_ureq).transpose()?;
        Ok(Self { rules, https, http })
    }

    /// The proxy for a request to `uri`, or `None` to connect directly.
    pub(crate) fn for_uri(&self, uri: &Uri) -> Option<Proxy> {
        let host = uri.host()?;
        let scheme = uri.scheme_str()?;
        self.rules.proxy_for(scheme, host)?;
        match scheme {
            "https" => self.https.clone(),
            "http" => self.http.clone(),
            _ => None,
        }
    }
}

fn to_ureq(server: &ProxyServer) -> Result<Proxy, Error> {
    let host = if server.host().contains(':') {
        format!("[{}]", server.host())
    } else {
        server.host().to_owned()
    };
    let mut builder = Proxy::builder(ProxyProtocol::Http)
        .host(&host)
        .port(server.port());
    if let Some((user, password)) = server.credentials() {
        builder = builder.username(user).password(password);
    }
    builder.build().map_err(|e| {
        Error::invalid_input(
            "proxy",
            &server.to_string(),
            InputErrorKind::Malformed,
            e.to_string(),
            "http://[user:password@]host[:port]",
        )
    })
}

impl std::fmt::Debug for Proxies {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The rules' Debug redacts credentials; ureq's proxies are left out.
        f.debug_struct("Proxies")
            .field("rules", &self.rules)
            .finish_non_exhaustive()
    }
}
