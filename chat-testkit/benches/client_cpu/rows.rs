//! The clients compared: each row sets up its client against a [`Target`], then sends
//! `send_message` requests in a measured loop on one kept-alive connection.

use std::io::Write as _;
use std::net::TcpStream;

use bytes::Bytes;
use chat_core::client::ClientOptions;
use chat_core::http::{HeaderMap, Method, Request, StatusCode, Uri};
use chat_core::AccessToken;
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::Client;
use hyper_util::rt::{TokioExecutor, TokioIo};
use ureq::config::AutoHeaderValue;

use crate::measure::{measure, Sample};
use crate::wire::{origin_form, read_message, send_message_request, serialize, Target, CONTENT};

/// One client of the comparison.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Row {
    ChatUreq,
    Ureq,
    Socket,
    ChatHyper,
    HyperUtil,
    HyperConn,
    Python,
}

impl Row {
    pub(crate) const ALL: [Self; 7] = [
        Self::ChatUreq,
        Self::Ureq,
        Self::Socket,
        Self::ChatHyper,
        Self::HyperUtil,
        Self::HyperConn,
        Self::Python,
    ];

    /// The name `--rows` and `--child` take.
    pub(crate) fn key(self) -> &'static str {
        match self {
            Self::ChatUreq => "chat-ureq",
            Self::Ureq => "ureq",
            Self::Socket => "socket",
            Self::ChatHyper => "chat-hyper",
            Self::HyperUtil => "hyper-util",
            Self::HyperConn => "hyper",
            Self::Python => "python",
        }
    }

    pub(crate) fn from_key(key: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.key() == key)
    }

    /// The row's label in the table.
    pub(crate) fn label(self) -> &'static str {
        match self {
            Self::ChatUreq => "chat-ureq  send_message().call()",
            Self::Ureq => "ureq 3 Agent::run (bare)",
            Self::Socket => "std TcpStream loop (hand-written)",
            Self::ChatHyper => "chat-hyper send_message().await",
            Self::HyperUtil => "hyper-util legacy Client (bare)",
            Self::HyperConn => "hyper 1 conn::http1 (bare)",
            Self::Python => "Python azure-communication-chat 1.2.0",
        }
    }

    /// Sends `warmup` then `requests` messages to `target` and measures the second loop.
    pub(crate) fn run(self, target: &Target, warmup: u64, requests: u64) -> Result<Sample, String> {
        match self {
            Self::ChatUreq => chat_ureq_row(target, warmup, requests),
            Self::Ureq => ureq_row(target, warmup, requests),
            Self::Socket => socket_row(target, warmup, requests),
            Self::ChatHyper => chat_hyper_row(target, warmup, requests),
            Self::HyperUtil => hyper_util_row(target, warmup, requests),
            Self::HyperConn => hyper_conn_row(target, warmup, requests),
            Self::Python => Err("the Python row runs bench/python_send_message.py".into()),
        }
    }
}

fn text(e: impl std::fmt::Display) -> String {
    e.to_string()
}

fn expect_created(status: StatusCode) -> Result<(), String> {
    if status == StatusCode::CREATED {
        Ok(())
    } else {
        Err(format!("send_message answered {status}"))
    }
}

fn options() -> ClientOptions {
    ClientOptions::default().allow_loopback_http(true)
}

fn token(target: &Target) -> Result<AccessToken, String> {
    AccessToken::from_jwt(target.token.clone()).map_err(text)
}

fn current_thread_runtime() -> Result<tokio::runtime::Runtime, String> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(text)
}

/// Method, URI and headers of the pre-rendered request.
type Head = (Method, Uri, HeaderMap);

/// A fresh request from the pre-rendered head, as a user of a bare client would build it.
fn rebuild<B>(head: &Head, body: B) -> Request<B> {
    let mut request = Request::new(body);
    *request.method_mut() = head.0.clone();
    *request.uri_mut() = head.1.clone();
    *request.headers_mut() = head.2.clone();
    request
}

fn rendered(target: &Target) -> Result<(Head, Vec<u8>), String> {
    let (parts, body) = send_message_request(target)?.into_parts();
    Ok(((parts.method, parts.uri, parts.headers), body))
}

fn chat_ureq_row(target: &Target, warmup: u64, requests: u64) -> Result<Sample, String> {
    let credential = chat_ureq::CommunicationTokenCredential::new(token(target)?);
    let chat = chat_ureq::ChatClient::with_options(&target.endpoint, credential, options())
        .map_err(text)?;
    let thread = chat.chat_thread_client(target.thread_id.clone());
    measure(warmup, requests, |k| {
        for _ in 0..k {
            thread.send_message(CONTENT).call().map_err(text)?;
        }
        Ok(())
    })
}

fn ureq_row(target: &Target, warmup: u64, requests: u64) -> Result<Sample, String> {
    let (head, body) = rendered(target)?;
    // Only what keeps ureq from adding headers of its own, and a 201 is not an error anyway.
    let config = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .user_agent(AutoHeaderValue::None)
        .accept_encoding(AutoHeaderValue::None)
        .build();
    let agent = ureq::Agent::new_with_config(config);
    measure(warmup, requests, |k| {
        for _ in 0..k {
            let mut response = agent.run(rebuild(&head, body.clone())).map_err(text)?;
            expect_created(response.status())?;
            response.body_mut().read_to_vec().map_err(text)?;
        }
        Ok(())
    })
}

fn socket_row(target: &Target, warmup: u64, requests: u64) -> Result<Sample, String> {
    let request = send_message_request(target)?;
    let bytes = serialize(&request)?;
    let authority = request.uri().authority().ok_or("no authority")?.as_str();
    let mut stream = TcpStream::connect(authority).map_err(text)?;
    stream.set_nodelay(true).map_err(text)?;
    let mut buf = vec![0; 64 * 1024];
    measure(warmup, requests, |k| {
        for _ in 0..k {
            stream.write_all(&bytes).map_err(text)?;
            let (status, _) = read_message(&mut stream, &mut buf)?.ok_or("connection closed")?;
            if !status.starts_with("HTTP/1.1 201 ") {
                return Err(format!("send_message answered {status:?}"));
            }
        }
        Ok(())
    })
}

fn chat_hyper_row(target: &Target, warmup: u64, requests: u64) -> Result<Sample, String> {
    let runtime = current_thread_runtime()?;
    let _entered = runtime.enter();
    let credential = chat_hyper::CommunicationTokenCredential::new(token(target)?);
    let chat = chat_hyper::ChatClient::with_options(&target.endpoint, credential, options())
        .map_err(text)?;
    let thread = chat.chat_thread_client(target.thread_id.clone());
    measure(warmup, requests, |k| {
        runtime.block_on(async {
            for _ in 0..k {
                thread.send_message(CONTENT).await.map_err(text)?;
            }
            Ok(())
        })
    })
}

fn hyper_util_row(target: &Target, warmup: u64, requests: u64) -> Result<Sample, String> {
    let (head, body) = rendered(target)?;
    let body = Bytes::from(body);
    let runtime = current_thread_runtime()?;
    let _entered = runtime.enter();
    // Plain HTTP with TCP_NODELAY, as chat-hyper's connector (which wraps it for TLS) sets.
    let mut connector = HttpConnector::new();
    connector.set_nodelay(true);
    let client: Client<_, Full<Bytes>> = Client::builder(TokioExecutor::new()).build(connector);
    measure(warmup, requests, |k| {
        runtime.block_on(async {
            for _ in 0..k {
                let request = rebuild(&head, Full::new(body.clone()));
                let response = client.request(request).await.map_err(text)?;
                expect_created(response.status())?;
                response.into_body().collect().await.map_err(text)?;
            }
            Ok(())
        })
    })
}

fn hyper_conn_row(target: &Target, warmup: u64, requests: u64) -> Result<Sample, String> {
    let (mut head, body) = rendered(target)?;
    let body = Bytes::from(body);
    let authority = head
        .1
        .authority()
        .ok_or("no authority")?
        .as_str()
        .to_owned();
    head.1 = origin_form(&head.1)?;
    let runtime = current_thread_runtime()?;
    let mut sender = runtime.block_on(async {
        let stream = tokio::net::TcpStream::connect(&authority)
            .await
            .map_err(text)?;
        stream.set_nodelay(true).map_err(text)?;
        let (sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
            .await
            .map_err(text)?;
        tokio::spawn(connection);
        Ok::<_, String>(sender)
    })?;
    measure(warmup, requests, |k| {
        runtime.block_on(async {
            for _ in 0..k {
                sender.ready().await.map_err(text)?;
                let request = rebuild(&head, Full::new(body.clone()));
                let response = sender.send_request(request).await.map_err(text)?;
                expect_created(response.status())?;
                response.into_body().collect().await.map_err(text)?;
            }
            Ok(())
        })
    })
}
