//! What both benchmarks share: the `acs-emulator` binary in its own process, a user and
//! threads on it, and the `send_message` request as our transports put it on the wire.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::SystemTime;

use chat_core::client::ClientOptions;
use chat_core::http::header::{HeaderValue, CONTENT_LENGTH, HOST};
use chat_core::http::{HeaderMap, Method, Request};
use chat_core::identity::TokenScope;
use chat_core::messages::SendMessage;
use chat_core::{AccessToken, Auth, Call, CallPoll, ChatContext};

/// The message the send loops send.
pub(crate) const CONTENT: &str = "hello world";

/// The `x-ms-client-request-id` of the pre-rendered request the bare clients repeat (our
/// clients make a new one per call, as the official SDKs do).
const REQUEST_ID: &str = "7f1c2a3e-0b4d-4e5f-8a6b-9c0d1e2f3a4b";

/// The `acs-emulator` binary, in its own process for the whole run.
pub(crate) struct Server {
    process: Child,
    pub(crate) endpoint: String,
    pub(crate) connection_string: String,
}

impl Server {
    pub(crate) fn start(cpus: Option<&str>) -> Result<Self, String> {
        let mut command = Command::new(env!("CARGO_BIN_EXE_acs-emulator"));
        command.args(["--port", "0"]);
        let mut process = pinned(command, cpus)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .map_err(|e| format!("cannot start acs-emulator: {e}"))?;
        let stdout = process.stdout.take().ok_or("acs-emulator has no stdout")?;
        let mut server = Self {
            process,
            endpoint: String::new(),
            connection_string: String::new(),
        };
        for line in BufReader::new(stdout).lines() {
            let line = line.map_err(|e| format!("acs-emulator output: {e}"))?;
            if let Some(endpoint) = line.strip_prefix("listening on ") {
                server.endpoint = endpoint.to_owned();
            } else if let Some(cs) = line.strip_prefix("connection string: ") {
                server.connection_string = cs.to_owned();
                break;
            }
        }
        if server.endpoint.is_empty() || server.connection_string.is_empty() {
            return Err("acs-emulator did not report its endpoint".into());
        }
        Ok(server)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.process.kill();
        let _ = self.process.wait();
    }
}

/// A user with a chat token, and a way to make threads, on the emulator.
pub(crate) struct Setup {
    pub(crate) chat: chat_ureq::ChatClient,
    pub(crate) endpoint: String,
    pub(crate) token: String,
}

impl Setup {
    pub(crate) fn new(server: &Server) -> Result<Self, String> {
        let options = chat_ureq::ClientOptions::default().allow_loopback_http(true);
        let identity = chat_ureq::IdentityClient::from_connection_string_with_options(
            &server.connection_string,
            options.clone(),
        )
        .map_err(|e| e.to_string())?;
        let user = identity
            .create_user_and_token([TokenScope::Chat])
            .call()
            .map_err(|e| e.to_string())?;
        let token = user.access_token.ok_or("the emulator issued no token")?;
        let chat = chat_ureq::ChatClient::with_options(
            &server.endpoint,
            chat_ureq::CommunicationTokenCredential::new(token.clone()),
            options,
        )
        .map_err(|e| e.to_string())?;
        Ok(Self {
            chat,
            endpoint: server.endpoint.clone(),
            token: token.secret().to_owned(),
        })
    }

    /// A thread of `count` messages for the listing rows (sent on four threads).
    pub(crate) fn seeded(&self, count: u64) -> Result<Target, String> {
        let target = self.target("listing")?;
        let thread = self.chat.chat_thread_client(target.thread_id.clone());
        let workers = 4;
        std::thread::scope(|scope| {
            let sends: Vec<_> = (0..workers)
                .map(|w| {
                    let thread = thread.clone();
                    scope.spawn(move || {
                        for i in (w..count).step_by(workers as usize) {
                            thread
                                .send_message(format!(
                                    "Message {i} of the listing benchmark: a line of text about \
                                     the length of a short chat message."
                                ))
                                .sender_display_name("Bench")
                                .call()
                                .map_err(|e| e.to_string())?;
                        }
                        Ok::<(), String>(())
                    })
                })
                .collect();
            sends.into_iter().try_for_each(|s| {
                s.join()
                    .map_err(|_| "a seeding thread panicked".to_owned())?
            })
        })?;
        Ok(target)
    }

    /// A new thread for one client's loop (so no client's messages pile onto another's).
    pub(crate) fn target(&self, topic: &str) -> Result<Target, String> {
        let thread = self
            .chat
            .create_chat_thread(topic)
            .call()
            .map_err(|e| e.to_string())?;
        Ok(Target {
            endpoint: self.endpoint.clone(),
            thread_id: thread.thread.id,
            token: self.token.clone(),
        })
    }
}

/// Where a client sends its messages.
#[derive(Clone, Debug)]
pub(crate) struct Target {
    pub(crate) endpoint: String,
    pub(crate) thread_id: String,
    pub(crate) token: String,
}

impl Target {
    /// A chat-ureq client of the target thread.
    pub(crate) fn chat_ureq(&self) -> Result<chat_ureq::ChatThreadClient, String> {
        let token = AccessToken::from_jwt(self.token.clone()).map_err(|e| e.to_string())?;
        let chat = chat_ureq::ChatClient::with_options(
            &self.endpoint,
            chat_ureq::CommunicationTokenCredential::new(token),
            ClientOptions::default().allow_loopback_http(true),
        )
        .map_err(|e| e.to_string())?;
        Ok(chat.chat_thread_client(self.thread_id.clone()))
    }

    /// A chat-hyper client of the target thread (call inside a tokio runtime's context).
    pub(crate) fn chat_hyper(&self) -> Result<chat_hyper::ChatThreadClient, String> {
        let token = AccessToken::from_jwt(self.token.clone()).map_err(|e| e.to_string())?;
        let chat = chat_hyper::ChatClient::with_options(
            &self.endpoint,
            chat_hyper::CommunicationTokenCredential::new(token),
            ClientOptions::default().allow_loopback_http(true),
        )
        .map_err(|e| e.to_string())?;
        Ok(chat.chat_thread_client(self.thread_id.clone()))
    }
}

/// The 1-minute load average: other work on the machine shows in every figure.
pub(crate) fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|l| l.split_whitespace().next().map(str::to_owned))
        .unwrap_or_else(|| "unknown".into())
}

/// The `send_message` request as chat-ureq and chat-hyper transmit it: rendered by the call
/// driver (authorization, user agent, client request id), headers in wire order.
pub(crate) fn send_message_request(target: &Target) -> Result<Request<Vec<u8>>, String> {
    let options = ClientOptions::default().allow_loopback_http(true);
    let endpoint = options
        .parse_endpoint(&target.endpoint)
        .map_err(|e| e.to_string())?;
    let ctx = ChatContext::new(endpoint).with_api_version(options.api_version);
    let config = options
        .call_config(Auth::Bearer, env!("CARGO_PKG_VERSION"))
        .map_err(|e| e.to_string())?;
    let operation = SendMessage::new(&target.thread_id, CONTENT);
    let mut call = Call::new(operation, ctx, config, REQUEST_ID, 1).map_err(|e| e.to_string())?;
    let token = AccessToken::from_jwt(target.token.clone()).map_err(|e| e.to_string())?;
    let mut token = Some(token);
    loop {
        match call.poll(SystemTime::now()) {
            CallPoll::NeedToken { .. } => match token.take() {
                Some(t) => call.handle_token(t),
                None => return Err("the call asked for a second token".into()),
            },
            CallPoll::Transmit(request) => return Ok(wire_order(request)),
            CallPoll::Sleep(_) => return Err("the call wants to sleep before its first try".into()),
            CallPoll::Done(result) => {
                return Err(format!("the call ended before sending: {:?}", result.err()))
            }
        }
    }
}

/// `host` first, the request's own headers, `content-length` last: the order both transports
/// write (a copy of their private `wire_order`; the capture check keeps the two in step).
fn wire_order(request: Request<Vec<u8>>) -> Request<Vec<u8>> {
    let (mut parts, body) = request.into_parts();
    let mut headers = HeaderMap::with_capacity(parts.headers.len() + 2);
    if let Some(host) = parts
        .uri
        .authority()
        .and_then(|a| HeaderValue::from_str(a.as_str()).ok())
    {
        headers.insert(HOST, host);
    }
    for (name, value) in &parts.headers {
        if name != HOST && name != CONTENT_LENGTH {
            headers.append(name.clone(), value.clone());
        }
    }
    let has_body_method = matches!(parts.method, Method::POST | Method::PUT | Method::PATCH);
    if !body.is_empty() || has_body_method {
        headers.insert(CONTENT_LENGTH, HeaderValue::from(body.len()));
    }
    parts.headers = headers;
    Request::from_parts(parts, body)
}

/// `command` run by `taskset -c <cpus>` when a CPU list is given.
pub(crate) fn pinned(command: Command, cpus: Option<&str>) -> Command {
    let Some(cpus) = cpus else { return command };
    let mut wrapped = Command::new("taskset");
    wrapped
        .args(["-c", cpus])
        .arg(command.get_program())
        .args(command.get_args());
    for (key, value) in command.get_envs() {
        if let Some(value) = value {
            wrapped.env(key, value);
        }
    }
    wrapped
}
