//! Which HTTP proxy a client goes through: [`Proxy`] (its docs give the rules both transports
//! follow) and the [`ProxyRules`] it resolves to.

use std::fmt;
use std::net::IpAddr;

use base64::Engine as _;

use crate::{Error, InputErrorKind};

/// What a proxy URL looks like, as errors show it.
const PROXY_SHAPE: &str = "http://[user:password@]host[:port]";

/// Which HTTP proxy a client goes through: the rules both transports follow, written once so
/// that they agree on every host.
///
/// A [`Proxy`] setting in [`ClientOptions`](super::ClientOptions) is resolved once, when a
/// client is built, to [`ProxyRules`]; the transport then asks [`ProxyRules::proxy_for`] for
/// each connection it opens. A proxied destination goes through an HTTP `CONNECT` tunnel:
/// for `https://`, TLS runs end to end with the service, so the proxy sees the host and port,
/// never a header, a token or a message.
///
/// **The environment** ([`Proxy::FromEnvironment`], the default), as curl and hyper-util read
/// it, except for loopback hosts (below):
/// - `https://` destinations: `HTTPS_PROXY`, else `https_proxy`, else `ALL_PROXY`, else
///   `all_proxy`;
/// - `http://` destinations: `HTTP_PROXY`, else `http_proxy`, else `ALL_PROXY`, else
///   `all_proxy` (read for completeness: the clients allow `http://` to loopback hosts only,
///   which the environment's proxies never apply to);
/// - `NO_PROXY`, else `no_proxy`: hosts reached directly.
///
/// An empty variable counts as unset. A proxy URL is `http://[user:password@]host[:port]` (port
/// 80 when absent; a URL without a scheme is taken as `http://`); another scheme (`https://`,
/// `socks5://`) is refused when the client is built, naming the variable, rather than silently
/// ignored.
///
/// **`NO_PROXY`** (curl's rules, which hyper-util's matcher follows): a comma-separated list;
/// `*` alone matches every host; an IP address matches itself and a CIDR block
/// (`10.0.0.0/8`, `fd00::/8`) the addresses in it; any other entry is a domain that matches
/// itself and its subdomains (`example.com` and `.example.com` both match `example.com` and
/// `a.example.com`, not `notexample.com`). Ports in entries are not supported.
///
/// **Loopback hosts never take a proxy from the environment** (as Go's `ProxyFromEnvironment`
/// does): `127.0.0.0/8`, `::1` (also as `::ffff:127.x.y.z`), `localhost` and `*.localhost` are
/// reached directly whatever `HTTPS_PROXY`, `HTTP_PROXY`, `ALL_PROXY` and `NO_PROXY` say, so a
/// local emulator or test server keeps working on a machine whose environment names a corporate
/// proxy. An explicit [`Proxy::url`] is different: it applies to every host, loopback ones
/// included, except those its own [`Proxy::no_proxy`] list names, so a local endpoint can still
/// be proxied on purpose. (curl, hyper-util's matcher, ureq and Python's `requests` proxy
/// loopback hosts from the environment too unless `NO_PROXY` names them: our clients
/// deliberately do not.)
///
/// Credentials in a proxy URL go to the proxy (`Proxy-Authorization: Basic` on the `CONNECT`)
/// and nowhere else; `Debug` and `Display` show `[redacted]` in their place.
///
/// ```
/// use chat_core::client::{ClientOptions, Proxy};
///
/// // Explicit: every host but the listed ones goes through the proxy.
/// let proxy = Proxy::url("http://alice:s3cret@proxy.contoso.com:3128")?
///     .no_proxy("localhost,127.0.0.1");
/// let options = ClientOptions::default().proxy(proxy);
/// let rules = options.proxy.resolve()?;
/// let server = rules.proxy_for("https", "contoso.communication.azure.com").unwrap();
/// assert_eq!(server.authority(), "proxy.contoso.com:3128");
/// assert_eq!(server.to_string(), "http://[redacted]@proxy.contoso.com:3128");
/// assert!(!format!("{options:?}").contains("s3cret"));
/// assert!(rules.proxy_for("http", "127.0.0.1").is_none());
/// // An explicit proxy applies to loopback hosts its list does not name.
/// assert!(rules.proxy_for("https", "[::1]").is_some());
///
/// // From the environment: loopback hosts are always reached directly.
/// let env = |name: &str| (name == "HTTPS_PROXY").then(|| "http://proxy.contoso.com:3128".to_owned());
/// let rules = Proxy::FromEnvironment.resolve_with(env)?;
/// assert!(rules.proxy_for("https", "contoso.communication.azure.com").is_some());
/// assert!(rules.proxy_for("https", "127.0.0.1").is_none());
/// assert!(rules.proxy_for("https", "localhost").is_none());
///
/// // Off, whatever the environment says.
/// let direct = ClientOptions::default().proxy(Proxy::None);
/// assert!(direct.proxy.resolve()?.proxy_for("https", "contoso.communication.azure.com").is_none());
/// # Ok::<(), chat_core::Error>(())
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum Proxy {
    /// `HTTPS_PROXY`, `HTTP_PROXY`, `ALL_PROXY` and `NO_PROXY` (either case), read when the
    /// client is built; never for loopback hosts. The default.
    #[default]
    FromEnvironment,
    /// These rules, whatever the environment says: made by [`Proxy::url`].
    Explicit(Box<ProxyRules>),
    /// No proxy, whatever the environment says.
    None,
}

impl Proxy {
    /// Every destination through the proxy at `url` (`http://[user:password@]host[:port]`,
    /// user and password percent-encoded), loopback hosts included, unless [`Proxy::no_proxy`]
    /// exempts it.
    pub fn url(url: &str) -> Result<Self, Error> {
        let server = ProxyServer::parse(url, "proxy")?;
        Ok(Self::Explicit(Box::new(ProxyRules {
            https: Some(server.clone()),
            http: Some(server),
            no_proxy: NoProxy::default(),
            loopback_direct: false,
        })))
    }

    /// Hosts an explicit proxy does not apply to, in `NO_PROXY`'s syntax (see [`Proxy`]). Has
    /// no effect on [`Proxy::FromEnvironment`] (which reads `NO_PROXY`) nor on [`Proxy::None`].
    #[must_use]
    pub fn no_proxy(self, list: &str) -> Self {
        match self {
            Self::Explicit(mut rules) => {
                rules.no_proxy = NoProxy::parse(list);
                Self::Explicit(rules)
            }
            other => other,
        }
    }

    /// The rules this setting stands for; [`Proxy::FromEnvironment`] reads the process
    /// environment now.
    pub fn resolve(&self) -> Result<ProxyRules, Error> {
        self.resolve_with(|name| std::env::var(name).ok())
    }

    /// [`Proxy::resolve`], with `lookup` in place of the process environment (for tests, or an
    /// application that keeps its settings elsewhere).
    pub fn resolve_with(
        &self,
        lookup: impl Fn(&str) -> Option<String>,
    ) -> Result<ProxyRules, Error> {
        match self {
            Self::Explicit(rules) => Ok(ProxyRules::clone(rules)),
            Self::None => Ok(ProxyRules::default()),
            Self::FromEnvironment => {
                let first = |names: &[&'static str]| {
                    names.iter().find_map(|&name| {
                        lookup(name)
                            .filter(|v| !v.trim().is_empty())
                            .map(|v| (name, v))
                    })
                };
                let server = |names: &[&'static str]| match first(names) {
                    Some((name, value)) => ProxyServer::parse(&value, name).map(Some),
                    None => Ok(None),
                };
                Ok(ProxyRules {
                    https: server(&["HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy"])?,
                    http: server(&["HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy"])?,
                    no_proxy: first(&["NO_PROXY", "no_proxy"])
                        .map(|(_, list)| NoProxy::parse(&list))
                        .unwrap_or_default(),
                    loopback_direct: true,
                })
            }
        }
    }
}

/// Resolved proxy rules: the proxy for `https://` destinations, the one for `http://`
/// destinations, and the hosts reached directly (those of the `NO_PROXY` list and, for rules
/// read from the environment, loopback hosts). The default goes direct everywhere.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ProxyRules {
    https: Option<ProxyServer>,
    http: Option<ProxyServer>,
    no_proxy: NoProxy,
    /// Loopback hosts go direct whatever the list says: true for rules read from the
    /// environment, false for an explicit proxy.
    loopback_direct: bool,
}

impl ProxyRules {
    /// The proxy to tunnel through to `host` (a name or an IP address, IPv6 with or without
    /// brackets) with `scheme` (`https` or `http`), or `None` to connect directly: the `NO_PROXY`
    /// list's hosts, and loopback hosts when the rules come from the environment, go direct.
    pub fn proxy_for(&self, scheme: &str, host: &str) -> Option<&ProxyServer> {
        if self.loopback_direct && is_loopback(host) {
            return None;
        }
        let server = if scheme.eq_ignore_ascii_case("https") {
            self.https.as_ref()
        } else if scheme.eq_ignore_ascii_case("http") {
            self.http.as_ref()
        } else {
            None
        }?;
        (!self.no_proxy.matches(host)).then_some(server)
    }

    /// The proxy of `https://` destinations (those `NO_PROXY` does not exempt).
    pub fn https(&self) -> Option<&ProxyServer> {
        self.https.as_ref()
    }

    /// The proxy of `http://` destinations (those `NO_PROXY` does not exempt).
    pub fn http(&self) -> Option<&ProxyServer> {
        self.http.as_ref()
    }

    /// True when no destination goes through a proxy.
    pub fn is_direct(&self) -> bool {
        self.https.is_none() && self.http.is_none()
    }

    /// True when loopback hosts go direct whatever the `NO_PROXY` list says: rules read from
    /// the environment, not an explicit [`Proxy::url`].
    pub fn loopback_is_direct(&self) -> bool {
        self.loopback_direct
    }
}

/// `127.0.0.0/8`, `::1` (also IPv4-mapped, `::ffff:127.0.0.1`), `localhost` and any name under
/// it (`app.localhost`, RFC 6761), in any letter case, with or without a final dot or brackets.
fn is_loopback(host: &str) -> bool {
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    if let Ok(ip) = bare.parse::<IpAddr>() {
        return match ip {
            IpAddr::V4(v4) => v4.is_loopback(),
            IpAddr::V6(v6) => {
                v6.is_loopback() || v6.to_ipv4_mapped().is_some_and(|v4| v4.is_loopback())
            }
        };
    }
    let name = bare.trim_end_matches('.').to_ascii_lowercase();
    name == "localhost" || name.ends_with(".localhost")
}

/// One HTTP proxy: where it is, and the Basic credentials it takes, if any. `Debug` and
/// `Display` show `[redacted]` in place of the credentials.
#[derive(Clone, PartialEq, Eq)]
pub struct ProxyServer {
    /// Host name or IP address (an IPv6 address without brackets).
    host: String,
    port: u16,
    /// User name and password, percent-decoded.
    credentials: Option<(String, String)>,
}

impl ProxyServer {
    /// Reads `http://[user:password@]host[:port]`; `source` names where it came from in errors.
    fn parse(text: &str, source: &'static str) -> Result<Self, Error> {
        let trimmed = text.trim();
        let with_scheme = if trimmed.contains("://") {
            trimmed.to_owned()
        } else {
            format!("http://{trimmed}")
        };
        // Errors show the URL without its credentials.
        let shown = redacted_url(&with_scheme);
        let invalid = |kind: InputErrorKind, reason: String| {
            Error::invalid_shown_input(source, shown.clone(), kind, reason, PROXY_SHAPE)
        };
        if !with_scheme.is_ascii() {
            // The `url` crate's IDNA step asserts on some non-ASCII hosts in debug builds.
            return Err(invalid(
                InputErrorKind::Malformed,
                "the proxy URL has non-ASCII characters: give a host in its punycode (xn--) \
                 form and percent-encode credentials"
                    .into(),
            ));
        }
        let url = url::Url::parse(&with_scheme)
            .map_err(|e| invalid(InputErrorKind::Malformed, e.to_string()))?;
        if url.scheme() != "http" {
            return Err(invalid(
                InputErrorKind::NotAllowed,
                format!(
                    "{}:// proxies are not supported: only an HTTP proxy (http://), which \
                     tunnels https:// with CONNECT",
                    url.scheme()
                ),
            ));
        }
        let host = match url.host() {
            Some(url::Host::Ipv6(ip)) => ip.to_string(),
            Some(host) => host.to_string(),
            None => return Err(invalid(InputErrorKind::Malformed, "no host".into())),
        };
        if !matches!(url.path(), "" | "/") || url.query().is_some() || url.fragment().is_some() {
            return Err(invalid(
                InputErrorKind::Malformed,
                "a proxy URL has no path, query or fragment".into(),
            ));
        }
        let decode = |s: &str| {
            percent_decode(s).ok_or_else(|| {
                invalid(
                    InputErrorKind::Malformed,
                    "the credentials are not percent-encoded UTF-8".into(),
                )
            })
        };
        let credentials = if url.username().is_empty() && url.password().is_none() {
            None
        } else {
            Some((
                decode(url.username())?,
                decode(url.password().unwrap_or(""))?,
            ))
        };
        Ok(Self {
            host,
            port: url.port().unwrap_or(80),
            credentials,
        })
    }

    /// The host name or IP address (IPv6 without brackets).
    pub fn host(&self) -> &str {
        &self.host
    }

    /// The port (80 when the URL gave none).
    pub fn port(&self) -> u16 {
        self.port
    }

    /// `host:port`, IPv6 in brackets.
    pub fn authority(&self) -> String {
        if self.host.contains(':') {
            format!("[{}]:{}", self.host, self.port)
        } else {
            format!("{}:{}", self.host, self.port)
        }
    }

    /// `http://host:port`, without credentials.
    pub fn url_without_credentials(&self) -> String {
        format!("http://{}", self.authority())
    }

    /// The user name and password (percent-decoded), for the transport to send to the proxy and
    /// nowhere else.
    pub fn credentials(&self) -> Option<(&str, &str)> {
        self.credentials
            .as_ref()
            .map(|(u, p)| (u.as_str(), p.as_str()))
    }

    /// The `Proxy-Authorization` value for the credentials: `Basic base64(user:password)`.
    pub fn basic_authorization(&self) -> Option<String> {
        let (user, password) = self.credentials()?;
        let encoded =
            base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"));
        Some(format!("Basic {encoded}"))
    }
}

impl fmt::Display for ProxyServer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.credentials {
            Some(_) => write!(f, "http://{}@{}", crate::REDACTED, self.authority()),
            None => write!(f, "http://{}", self.authority()),
        }
    }
}

impl fmt::Debug for ProxyServer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ProxyServer({self})")
    }
}

/// `url` with any user info replaced by `[redacted]` (for error messages).
fn redacted_url(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    match rest[..authority_end].rfind('@') {
        Some(at) => format!("{scheme}://{}{}", crate::REDACTED, &rest[at..]),
        None => url.to_owned(),
    }
}

fn percent_decode(s: &str) -> Option<String> {
    let mut out = Vec::with_capacity(s.len());
    let mut bytes = s.bytes();
    while let Some(byte) = bytes.next() {
        if byte == b'%' {
            let high = char::from(bytes.next()?).to_digit(16)?;
            let low = char::from(bytes.next()?).to_digit(16)?;
            out.push(u8::try_from(high * 16 + low).ok()?);
        } else {
            out.push(byte);
        }
    }
    String::from_utf8(out).ok()
}

/// A parsed `NO_PROXY` list.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
struct NoProxy {
    all: bool,
    ips: Vec<(IpAddr, u8)>,
    domains: Vec<String>,
}

impl NoProxy {
    fn parse(list: &str) -> Self {
        let mut parsed = Self::default();
        for entry in list.split(',').map(str::trim).filter(|e| !e.is_empty()) {
            if entry == "*" {
                parsed.all = true;
            } else if let Some(net) = parse_ip_net(entry) {
                parsed.ips.push(net);
            } else {
                let domain = entry.strip_prefix('.').unwrap_or(entry);
                parsed.domains.push(domain.to_ascii_lowercase());
            }
        }
        parsed
    }

    fn matches(&self, host: &str) -> bool {
        if self.all {
            return true;
        }
        let bare = host.trim_start_matches('[').trim_end_matches(']');
        if let Ok(ip) = bare.parse::<IpAddr>() {
            return self
                .ips
                .iter()
                .any(|&(net, bits)| in_network(ip, net, bits));
        }
        let host = bare.trim_end_matches('.').to_ascii_lowercase();
        self.domains.iter().any(|domain| {
            host == *domain
                || host
                    .strip_suffix(domain.as_str())
                    .is_some_and(|rest| rest.ends_with('.'))
        })
    }
}

/// `10.0.0.1`, `10.0.0.0/8`, `::1`, `fd00::/8` (an address is a network of its full length).
fn parse_ip_net(entry: &str) -> Option<(IpAddr, u8)> {
    let (address, bits) = match entry.split_once('/') {
        Some((address, bits)) => (address, Some(bits.parse::<u8>().ok()?)),
        None => (entry, None),
    };
    let ip: IpAddr = address
        .trim_start_matches('[')
        .trim_end_matches(']')
        .parse()
        .ok()?;
    let max = if ip.is_ipv4() { 32 } else { 128 };
    let bits = bits.unwrap_or(max);
    (bits <= max).then_some((ip, bits))
}

fn in_network(ip: IpAddr, net: IpAddr, bits: u8) -> bool {
    let (ip, net, width) = match (ip, net) {
        (IpAddr::V4(a), IpAddr::V4(b)) => (u128::from(u32::from(a)), u128::from(u32::from(b)), 32),
        (IpAddr::V6(a), IpAddr::V6(b)) => (u128::from(a), u128::from(b), 128),
        _ => return false,
    };
    if bits == 0 {
        return true;
    }
    let shift = width - u32::from(bits);
    ip >> shift == net >> shift
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    fn env(vars: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let vars: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        move |name| vars.get(name).cloned()
    }

    fn from_env(vars: &[(&str, &str)]) -> Result<ProxyRules, Error> {
        Proxy::FromEnvironment.resolve_with(env(vars))
    }

    fn via(rules: &ProxyRules, scheme: &str, host: &str) -> Option<String> {
        rules.proxy_for(scheme, host).map(ProxyServer::authority)
    }

    #[test]
    fn the_environment_picks_a_proxy_per_scheme_with_all_proxy_as_the_fallback() {
        let rules = from_env(&[
            ("HTTPS_PROXY", "http://secure:1"),
            ("https_proxy", "http://lower:2"),
            ("HTTP_PROXY", "plain:3"),
            ("ALL_PROXY", "http://all:4"),
        ])
        .unwrap();
        assert_eq!(
            via(&rules, "https", "a.example").as_deref(),
            Some("secure:1")
        );
        assert_eq!(via(&rules, "http", "a.example").as_deref(), Some("plain:3"));

        let rules = from_env(&[("https_proxy", "http://lower:2"), ("all_proxy", "all:4")]).unwrap();
        assert_eq!(via(&rules, "https", "a").as_deref(), Some("lower:2"));
        assert_eq!(via(&rules, "http", "a").as_deref(), Some("all:4"));

        // Empty counts as unset.
        let rules = from_env(&[("HTTPS_PROXY", " "), ("https_proxy", "http://lower:2")]).unwrap();
        assert_eq!(via(&rules, "https", "a").as_deref(), Some("lower:2"));

        let none = from_env(&[]).unwrap();
        assert!(none.is_direct());
        assert_eq!(via(&none, "https", "a"), None);
        assert_eq!(
            from_env(&[("HTTPS_PROXY", "h")])
                .unwrap()
                .https
                .unwrap()
                .port(),
            80
        );
    }

    #[test]
    fn unsupported_or_malformed_proxy_urls_are_refused_naming_the_variable_not_the_password() {
        for (value, kind) in [
            (
                "socks5://user:hunter2@socks:1080",
                InputErrorKind::NotAllowed,
            ),
            ("https://user:hunter2@proxy:443", InputErrorKind::NotAllowed),
            (
                "http://user:hunter2@proxy:3128/path",
                InputErrorKind::Malformed,
            ),
            ("http://user:hunter2@:3128", InputErrorKind::Malformed),
            // Non-ASCII is refused before the `url` crate's IDNA step sees it.
            (
                "http://user:hunter2@A\u{a1}.example:3128",
                InputErrorKind::Malformed,
            ),
            (
                "http://user:hunter2\u{e9}@proxy:3128",
                InputErrorKind::Malformed,
            ),
        ] {
            let err =
                from_env(&[("HTTPS_PROXY", "http://ok:1"), ("ALL_PROXY", value)]).unwrap_err();
            let Error::InvalidInput { kind: got, .. } = &err else {
                panic!("{err:?}")
            };
            assert_eq!(*got, kind, "{value}");
            let shown = format!("{err} {err:?}");
            assert!(shown.contains("ALL_PROXY"), "{shown}");
            assert!(!shown.contains("hunter2"), "{shown}");
        }
        assert!(Proxy::url("ftp://proxy").is_err());
        assert!(Proxy::url("http://proxy:99999").is_err());
    }

    #[test]
    fn credentials_are_decoded_sent_as_basic_and_never_shown() {
        let Proxy::Explicit(rules) = Proxy::url("http://us%20er:p%40ss%3Aw0rd@[::1]:8080").unwrap()
        else {
            panic!()
        };
        let server = rules.proxy_for("https", "x").unwrap();
        assert_eq!(server.credentials(), Some(("us er", "p@ss:w0rd")));
        assert_eq!(server.host(), "::1");
        assert_eq!(server.authority(), "[::1]:8080");
        assert_eq!(
            server.basic_authorization().as_deref(),
            Some("Basic dXMgZXI6cEBzczp3MHJk")
        );
        let options = crate::client::ClientOptions::default().proxy(Proxy::Explicit(rules.clone()));
        for shown in [
            server.to_string(),
            format!("{server:?}"),
            format!("{rules:?}"),
            format!("{options:?}"),
        ] {
            assert!(
                !shown.contains("w0rd") && !shown.contains("us er"),
                "{shown}"
            );
            assert!(!shown.contains("dXMgZXI6"), "{shown}");
        }
        assert_eq!(server.to_string(), "http://[redacted]@[::1]:8080");
        assert_eq!(server.url_without_credentials(), "http://[::1]:8080");
        let plain = Proxy::url("proxy.example:3128").unwrap();
        let Proxy::Explicit(plain) = plain else {
            panic!()
        };
        let plain = plain.proxy_for("https", "x").unwrap();
        assert_eq!(plain.to_string(), "http://proxy.example:3128");
        assert_eq!(plain.basic_authorization(), None);
    }

    #[test]
    fn no_proxy_follows_curl() {
        let list = "example.com, .internal.test,10.0.0.0/8, 192.168.1.7,::1,fd00::/8,LocalHost";
        let env_rules = from_env(&[
            ("HTTPS_PROXY", "http://p:1"),
            ("HTTP_PROXY", "http://p:1"),
            ("NO_PROXY", list),
        ])
        .unwrap();
        // The same list on an explicit proxy, where loopback hosts are not direct by themselves:
        // `::1` and `localhost` go direct because the list names them.
        let Proxy::Explicit(explicit_rules) = Proxy::url("http://p:1").unwrap().no_proxy(list)
        else {
            panic!()
        };
        for rules in [&env_rules, &explicit_rules] {
            no_proxy_list_matches_as_curl(rules);
        }
        assert_eq!(
            via(&explicit_rules, "https", "127.0.0.1").as_deref(),
            Some("p:1")
        );
    }

    fn no_proxy_list_matches_as_curl(rules: &ProxyRules) {
        let direct = [
            "example.com",
            "a.example.com",
            "A.Example.COM",
            "internal.test",
            "x.internal.test",
            "10.1.2.3",
            "192.168.1.7",
            "[::1]",
            "::1",
            "fd00::5",
            "localhost",
        ];
        for host in direct {
            assert_eq!(via(rules, "https", host), None, "{host}");
        }
        let proxied = [
            "notexample.com",
            "example.com.evil",
            "11.0.0.1",
            "192.168.1.8",
            "fe80::1",
            "notlocalhost",
            "localhost.example",
            "contoso.communication.azure.com",
        ];
        for host in proxied {
            assert_eq!(via(rules, "https", host).as_deref(), Some("p:1"), "{host}");
        }
        let all = Proxy::url("p:1").unwrap().no_proxy("*").resolve().unwrap();
        assert_eq!(via(&all, "https", "127.0.0.1"), None);
        assert_eq!(via(&all, "https", "example.com"), None);
    }

    /// Loopback hosts, in the forms a URL may give them.
    const LOOPBACK: [&str; 12] = [
        "127.0.0.1",
        "127.0.0.2",
        "127.255.255.254",
        "::1",
        "[::1]",
        "[::ffff:127.0.0.1]",
        "localhost",
        "LocalHost",
        "localhost.",
        "app.localhost",
        "[0:0:0:0:0:0:0:1]",
        "a.b.LOCALHOST",
    ];

    #[test]
    fn proxies_from_the_environment_never_apply_to_loopback_hosts() {
        let rules = from_env(&[
            ("HTTPS_PROXY", "http://p:1"),
            ("HTTP_PROXY", "http://p:1"),
            ("NO_PROXY", "example.com"),
        ])
        .unwrap();
        assert!(rules.loopback_is_direct());
        for host in LOOPBACK {
            for scheme in ["https", "http"] {
                assert_eq!(via(&rules, scheme, host), None, "{scheme}://{host}");
            }
        }
        // Neither without a NO_PROXY, nor through ALL_PROXY.
        let all = from_env(&[("ALL_PROXY", "http://p:1")]).unwrap();
        for host in LOOPBACK {
            assert_eq!(via(&all, "https", host), None, "{host}");
        }
        // Near misses are not loopback.
        for host in [
            "128.0.0.1",
            "126.255.255.255",
            "::2",
            "[::ffff:128.0.0.1]",
            "localhost.example",
            "notlocalhost",
            "0.0.0.0",
        ] {
            assert_eq!(via(&rules, "https", host).as_deref(), Some("p:1"), "{host}");
        }
    }

    #[test]
    fn an_explicit_proxy_applies_to_loopback_hosts_unless_its_own_list_names_them() {
        let Proxy::Explicit(rules) = Proxy::url("http://p:1").unwrap() else {
            panic!()
        };
        assert!(!rules.loopback_is_direct());
        for host in LOOPBACK {
            assert_eq!(via(&rules, "https", host).as_deref(), Some("p:1"), "{host}");
            assert_eq!(via(&rules, "http", host).as_deref(), Some("p:1"), "{host}");
        }
        let Proxy::Explicit(rules) = Proxy::url("http://p:1")
            .unwrap()
            .no_proxy("localhost,127.0.0.0/8")
        else {
            panic!()
        };
        assert_eq!(via(&rules, "https", "127.0.0.2"), None);
        assert_eq!(via(&rules, "https", "app.localhost"), None);
        // `::1` is not in that list: proxied, as asked.
        assert_eq!(via(&rules, "https", "[::1]").as_deref(), Some("p:1"));
        assert!(!Proxy::None.resolve().unwrap().loopback_is_direct());
    }

    #[test]
    fn explicit_and_none_ignore_the_environment() {
        let explicit = Proxy::url("http://p:1").unwrap().no_proxy("127.0.0.1");
        let rules = explicit
            .resolve_with(env(&[("HTTPS_PROXY", "http://other:2"), ("NO_PROXY", "*")]))
            .unwrap();
        assert_eq!(via(&rules, "https", "a").as_deref(), Some("p:1"));
        assert_eq!(via(&rules, "http", "127.0.0.1"), None);
        let none = Proxy::None
            .resolve_with(env(&[("HTTPS_PROXY", "http://other:2")]))
            .unwrap();
        assert!(none.is_direct());
        assert_eq!(Proxy::None.no_proxy("x"), Proxy::None);
    }

    #[test]
    fn redacted_urls_keep_host_and_drop_userinfo() {
        assert_eq!(
            redacted_url("http://u:p@h:1"),
            format!("http://{}@h:1", crate::REDACTED)
        );
        assert_eq!(redacted_url("http://h:1/a@b"), "http://h:1/a@b");
    }
}
