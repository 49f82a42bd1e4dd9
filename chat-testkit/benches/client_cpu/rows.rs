//! The clients compared: each row sets up its client against a [`Target`], then sends
//! `send_message` requests in a measured loop on one kept-alive connection; a listing row
//! lists the target thread's messages (pages of [`LIST_PAGE_SIZE`]) again and again.

use std::io::Write as _;
use std::net::TcpStream;

use bytes::Bytes;
use chat_core::client::ClientOptions;
use chat_core::http::{HeaderMap, Method, Request, StatusCode, Uri};
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
    ChatUreqList,
    UreqList,
    ChatHyperList,
    PythonList,
}

/// The page size of the listing rows.
pub(crate) const LIST_PAGE_SIZE: u32 = 200;

impl Row {
    pub(crate) const ALL: [Self; 11] = [
        Self::ChatUreq,
        Self::Ureq,
        Self::Socket,
        Self::ChatHyper,
        Self::HyperUtil,
        Self::HyperConn,
        Self::Python,
        Self::ChatUreqList,
        Self::UreqList,
        Self::ChatHyperList,
        Self::PythonList,
    ];

    /// Whether the row lists messages (its unit is a listed message, not a request).
    pub(crate) fn is_listing(self) -> bool {
        matches!(
            self,
            Self::ChatUreqList | Self::UreqList | Self::ChatHyperList | Self::PythonList
        )
    }

    /// Whether the row runs Microsoft's Python SDK.
    pub(crate) fn is_python(self) -> bool {
        matches!(self, Self::Python | Self::PythonList)
    }

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
            Self::ChatUreqList => "chat-ureq-list",
            Self::UreqList => "ureq-list",
            Self::ChatHyperList => "chat-hyper-list",
            Self::PythonList => "python-list",
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
            Self::ChatUreqList => "chat-ureq  list_messages() items",
            Self::UreqList => "ureq 3 + serde_json, same model (bare)",
            Self::ChatHyperList => "chat-hyper list_messages() stream",
            Self::PythonList => "Python azure-communication-chat 1.2.0",
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
            Self::ChatUreqList => chat_ureq_list_row(target, warmup, requests),
            Self::UreqList => ureq_list_row(target, warmup, requests),
            Self::ChatHyperList => chat_hyper_list_row(target, warmup, requests),
            Self::Python | Self::PythonList => {
                Err("the Python rows run the scripts in bench/".into())
            }
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

/// A bare ureq agent: only what keeps ureq from adding headers of its own, and a 2xx/4xx is
/// not an error anyway.
fn bare_agent() -> ureq::Agent {
    let config = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .user_agent(AutoHeaderValue::None)
        .accept_encoding(AutoHeaderValue::None)
        .build();
    ureq::Agent::new_with_config(config)
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
    let thread = target.chat_ureq()?;
    measure(warmup, requests, |k| {
        for _ in 0..k {
            thread.send_message(CONTENT).call().map_err(text)?;
        }
        Ok(())
    })
}

fn ureq_row(target: &Target, warmup: u64, requests: u64) -> Result<Sample, String> {
    let (head, body) = rendered(target)?;
    let agent = bare_agent();
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
    let thread = target.chat_hyper()?;
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

/// Runs `list` (one whole listing, returning the messages it saw) `warmup` times, then
/// `listings` times measured; the sample counts listed messages.
fn measure_listings(
    warmup: u64,
    listings: u64,
    mut list: impl FnMut() -> Result<u64, String>,
) -> Result<Sample, String> {
    let mut listed = 0;
    let mut sample = measure(warmup, listings, |k| {
        listed = 0;
        for _ in 0..k {
            listed += list()?;
        }
        Ok(())
    })?;
    sample.requests = listed;
    Ok(sample)
}

fn chat_ureq_list_row(target: &Target, warmup: u64, listings: u64) -> Result<Sample, String> {
    let thread = target.chat_ureq()?;
    measure_listings(warmup, listings, || {
        let mut count = 0;
        for message in thread.list_messages().max_page_size(LIST_PAGE_SIZE) {
            message.map_err(text)?;
            count += 1;
        }
        Ok(count)
    })
}

fn chat_hyper_list_row(target: &Target, warmup: u64, listings: u64) -> Result<Sample, String> {
    let runtime = current_thread_runtime()?;
    let _entered = runtime.enter();
    let thread = target.chat_hyper()?;
    measure_listings(warmup, listings, || {
        runtime.block_on(async {
            let mut items = thread.list_messages().max_page_size(LIST_PAGE_SIZE).items();
            let mut count = 0;
            while let Some(message) = items.next().await {
                message.map_err(text)?;
                count += 1;
            }
            Ok(count)
        })
    })
}

/// A page of messages as a user of bare ureq + serde_json would declare it, with chat-core's
/// message model.
#[derive(serde::Deserialize)]
struct MessagePage {
    value: Vec<chat_core::messages::ChatMessage>,
    #[serde(rename = "nextLink")]
    next_link: Option<String>,
}

/// A bare ureq agent listing a thread's messages: the first page's URI, then each `nextLink`
/// as the page gives it, with the send request's headers less its body's (authorization, user
/// agent, request id).
struct BareList {
    agent: ureq::Agent,
    headers: HeaderMap,
    first: String,
}

impl BareList {
    fn new(target: &Target) -> Result<Self, String> {
        let (head, _) = rendered(target)?;
        let first = format!(
            "{}/chat/threads/{}/messages?maxPageSize={LIST_PAGE_SIZE}&api-version={}",
            target.endpoint.trim_end_matches('/'),
            chat_core::encode_path_segment(&target.thread_id),
            ClientOptions::default().api_version.as_str()
        );
        let mut headers = head.2;
        headers.remove(chat_core::http::header::CONTENT_TYPE);
        headers.remove(chat_core::http::header::CONTENT_LENGTH);
        Ok(Self {
            agent: bare_agent(),
            headers,
            first,
        })
    }

    /// Lists once, handing each page's body to `page`, which returns the page's messages.
    fn run(
        &self,
        mut page: impl FnMut(&[u8]) -> Result<MessagePage, String>,
    ) -> Result<u64, String> {
        let mut count = 0;
        let mut link = Some(self.first.clone());
        while let Some(uri) = link.take() {
            let mut request = Request::new(());
            *request.uri_mut() = uri.parse().map_err(text)?;
            *request.headers_mut() = self.headers.clone();
            let mut response = self.agent.run(request).map_err(text)?;
            if response.status() != StatusCode::OK {
                return Err(format!("list_messages answered {}", response.status()));
            }
            let body = response
                .body_mut()
                .with_config()
                .limit(chat_core::MAX_RESPONSE_BODY_BYTES as u64)
                .read_to_vec()
                .map_err(text)?;
            let parsed = page(&body)?;
            count += parsed.value.len() as u64;
            link = parsed.next_link;
        }
        Ok(count)
    }
}

fn parse_page(body: &[u8]) -> Result<MessagePage, String> {
    serde_json::from_slice(body).map_err(text)
}

fn ureq_list_row(target: &Target, warmup: u64, listings: u64) -> Result<Sample, String> {
    let list = BareList::new(target)?;
    measure_listings(warmup, listings, || list.run(parse_page))
}

/// The bytes of the pages of one listing (bodies only, as the server sent them).
#[derive(Clone, Copy, Debug)]
pub(crate) struct ListingBytes {
    pub(crate) total: u64,
    pub(crate) pages: u64,
    pub(crate) messages: u64,
}

impl ListingBytes {
    pub(crate) fn per_page(&self) -> f64 {
        self.total as f64 / self.pages.max(1) as f64
    }

    pub(crate) fn per_message(&self) -> f64 {
        self.total as f64 / self.messages.max(1) as f64
    }
}

/// Lists `target`'s messages once and measures the pages.
pub(crate) fn listing_bytes(target: &Target) -> Result<ListingBytes, String> {
    let mut bytes = ListingBytes {
        total: 0,
        pages: 0,
        messages: 0,
    };
    bytes.messages = BareList::new(target)?.run(|body| {
        bytes.total += body.len() as u64;
        bytes.pages += 1;
        parse_page(body)
    })?;
    Ok(bytes)
}
