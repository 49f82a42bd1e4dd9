//! The rows of the failure table and the far end each one runs against (chat_testkit's
//! `faulty` endpoints, its test CA, its CONNECT proxy).

use std::sync::Arc;

use chat_core::client::{ClientOptions, Proxy};
use chat_testkit::faulty::{self, FullBacklog, Misbehaviour, Server};
use chat_testkit::http_proxy::{ConnectProxy, ProxyBehaviour};
use chat_testkit::tls::TestCa;

use super::{Op, Target, SHORT_TRY};

/// One way a connection fails.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Row {
    /// The endpoint's host name does not resolve (`.invalid`).
    UnresolvableHost,
    /// Nothing listens on the port: the connect is refused.
    Refused,
    /// The connect never completes (a listener whose backlog is full drops the SYN).
    ConnectHangs,
    /// The server's certificate is signed by an authority the client does not trust.
    TlsUntrusted,
    /// The certificate is trusted but names another host.
    TlsOtherHost,
    /// The server accepts the connection but never answers the TLS hello.
    TlsHandshakeStalls,
    /// The server resets the connection during the TLS handshake.
    TlsHandshakeReset,
    /// The proxy answers the CONNECT with 407 Proxy Authentication Required.
    Proxy407,
    /// The proxy answers the CONNECT with 502 Bad Gateway.
    Proxy502,
    /// The proxy closes the connection without answering the CONNECT.
    ProxyCloses,
    /// The server reads the request and closes (FIN) without a response.
    CloseBeforeResponse,
    /// The server reads the request and resets (RST) without a response.
    ResetBeforeResponse,
    /// The server sends the response head, then resets.
    ResetAfterHead,
    /// The server sends the head and part of the body, then resets.
    ResetMidBody,
    /// The server reads the request and never answers (the per-try timeout fires).
    NoResponse,
}

/// Every row, in table order.
pub(crate) const ROWS: [Row; 15] = [
    Row::UnresolvableHost,
    Row::Refused,
    Row::ConnectHangs,
    Row::TlsUntrusted,
    Row::TlsOtherHost,
    Row::TlsHandshakeStalls,
    Row::TlsHandshakeReset,
    Row::Proxy407,
    Row::Proxy502,
    Row::ProxyCloses,
    Row::CloseBeforeResponse,
    Row::ResetBeforeResponse,
    Row::ResetAfterHead,
    Row::ResetMidBody,
    Row::NoResponse,
];

impl Row {
    pub(crate) fn label(self) -> &'static str {
        match self {
            Self::UnresolvableHost => "host does not resolve",
            Self::Refused => "connect refused",
            Self::ConnectHangs => "connect never completes",
            Self::TlsUntrusted => "tls: untrusted cert",
            Self::TlsOtherHost => "tls: other host's cert",
            Self::TlsHandshakeStalls => "tls: handshake stalls",
            Self::TlsHandshakeReset => "tls: reset in handshake",
            Self::Proxy407 => "proxy: 407",
            Self::Proxy502 => "proxy: 502",
            Self::ProxyCloses => "proxy: closes",
            Self::CloseBeforeResponse => "close before response",
            Self::ResetBeforeResponse => "reset before response",
            Self::ResetAfterHead => "reset after head",
            Self::ResetMidBody => "reset mid body",
            Self::NoResponse => "no response",
        }
    }

    pub(crate) fn needs_proxy(self) -> bool {
        matches!(self, Self::Proxy407 | Self::Proxy502 | Self::ProxyCloses)
    }
}

fn loopback_http() -> ClientOptions {
    ClientOptions::default().allow_loopback_http(true)
}

/// A target served by `server` at `endpoint`, whose tries `count` counts.
fn served(
    server: Server,
    endpoint: String,
    options: ClientOptions,
    count: fn(&Server) -> usize,
) -> Target {
    let server = Arc::new(server);
    let counted = Arc::clone(&server);
    Target {
        endpoint,
        options,
        tries: Some(Box::new(move || count(&counted))),
        _keep: Box::new(server),
    }
}

/// A plain-HTTP server that misbehaves after reading each request (a try).
fn misbehaving(misbehaviour: Misbehaviour, options: ClientOptions) -> Target {
    let server = Server::start(misbehaviour).expect("faulty server");
    let endpoint = server.url();
    served(server, endpoint, options, Server::requests)
}

/// A TLS server with a certificate for `names` from a test authority the client trusts or not;
/// each try is a connection.
fn tls(names: &[&str], trust: bool) -> Target {
    let ca = TestCa::new();
    let server = Server::start_tls(Misbehaviour::NoResponse, &ca.issue(names)).expect("tls server");
    let endpoint = server.url();
    let options = if trust {
        ClientOptions::default().add_root_certificate(ca.certificate_der())
    } else {
        // The default roots (webpki's): the test authority is not among them.
        ClientOptions::default()
    };
    served(server, endpoint, options, Server::connections)
}

/// An `https://` endpoint served by a plain-TCP server: the handshake never gets an answer.
fn handshake(misbehaviour: Misbehaviour) -> Target {
    let server = Server::start(misbehaviour).expect("faulty server");
    let endpoint = format!("https://{}", server.local_addr());
    let options = ClientOptions::default().per_try_timeout(SHORT_TRY);
    served(server, endpoint, options, Server::connections)
}

/// The far end of a row that needs no proxy.
pub(crate) fn target(row: Row) -> Target {
    match row {
        Row::UnresolvableHost => Target {
            endpoint: format!("https://{}", faulty::UNRESOLVABLE_HOST),
            options: ClientOptions::default(),
            tries: None,
            _keep: Box::new(()),
        },
        Row::Refused => Target {
            endpoint: format!("http://{}", faulty::refused_address().expect("a free port")),
            options: loopback_http(),
            tries: None,
            _keep: Box::new(()),
        },
        Row::ConnectHangs => {
            let backlog = FullBacklog::start().expect("a listener with a full backlog");
            Target {
                endpoint: format!("http://{}", backlog.local_addr()),
                options: loopback_http().per_try_timeout(SHORT_TRY),
                tries: None,
                _keep: Box::new(backlog),
            }
        }
        Row::TlsUntrusted => tls(&["127.0.0.1"], false),
        Row::TlsOtherHost => tls(&["other.example"], true),
        Row::TlsHandshakeStalls => handshake(Misbehaviour::NoResponse),
        Row::TlsHandshakeReset => handshake(Misbehaviour::ResetOnAccept),
        Row::CloseBeforeResponse => misbehaving(Misbehaviour::CloseBeforeResponse, loopback_http()),
        Row::ResetBeforeResponse => misbehaving(Misbehaviour::ResetBeforeResponse, loopback_http()),
        Row::ResetAfterHead => misbehaving(Misbehaviour::ResetAfterHead, loopback_http()),
        Row::ResetMidBody => misbehaving(Misbehaviour::ResetMidBody, loopback_http()),
        Row::NoResponse => misbehaving(
            Misbehaviour::NoResponse,
            loopback_http().per_try_timeout(SHORT_TRY),
        ),
        Row::Proxy407 | Row::Proxy502 | Row::ProxyCloses => {
            panic!("{row:?} needs a proxy: see run_proxy_rows")
        }
    }
}

/// Tells `proxy` to refuse or close as `row` says.
pub(crate) fn set_proxy_behaviour(row: Row, proxy: &ConnectProxy) {
    proxy.set_behaviour(match row {
        Row::Proxy407 => ProxyBehaviour::Refuse(407),
        Row::Proxy502 => ProxyBehaviour::Refuse(502),
        Row::ProxyCloses => ProxyBehaviour::Close,
        other => panic!("{other:?} is not a proxy row"),
    });
}

/// How a proxy row's client is told about the proxy.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Via {
    /// `HTTPS_PROXY` (the caller sets it); the client keeps the default options.
    Environment,
    /// `ClientOptions::proxy`, with the proxy's credentials if it takes any.
    Options,
}

/// The far end of a proxy row's cell: an endpoint that is never reached, since `proxy` refuses
/// or closes (see [`set_proxy_behaviour`]); each operation has its own, so that the CONNECTs
/// for it, i.e. its tries, can be counted while the other runs.
pub(crate) fn proxied_target((_, op): (Row, Op), proxy: &ConnectProxy, via: Via) -> Target {
    // Not loopback names: a proxy from the environment never applies to loopback hosts. Under
    // `.test`, they resolve nowhere, so a client that bypassed the proxy could not reach one.
    let authority = match op {
        Op::Read => "proxied-read.test:9",
        Op::Send => "proxied-send.test:10",
    };
    let connects = move |proxy: &ConnectProxy| {
        let requests = proxy.requests();
        requests.iter().filter(|r| r.target == authority).count()
    };
    // Earlier rows' cells are over: their CONNECTs are all in.
    let before = connects(proxy);
    let counted = proxy.clone();
    Target {
        endpoint: format!("https://{authority}"),
        options: match via {
            Via::Environment => ClientOptions::default(),
            Via::Options => {
                let url = proxy.url_with_credentials().unwrap_or_else(|| proxy.url());
                ClientOptions::default().proxy(Proxy::url(&url).expect("the test proxy's URL"))
            }
        },
        tries: Some(Box::new(move || connects(&counted) - before)),
        _keep: Box::new(()),
    }
}
