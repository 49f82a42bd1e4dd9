//! The replay server over real sockets: every recorded flow replayed by a minimal blocking
//! HTTP/1.1 client that runs the core's call driver and pager, exactly as a transport does.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, SystemTime};

use chat_core::http::{Request, Response};
use chat_core::identity::IdentityContext;
use chat_core::{
    AccessKey, AccessToken, Auth, Call, CallConfig, CallPoll, ChatContext, Endpoint, Error,
    ListOperation, Operation, Pager, TransportError, TransportErrorKind,
};
use chat_testkit::recording::{ApiVersionMatch, Matcher, Recording};
use chat_testkit::replay::transport::TEST_ACCESS_KEY;
use chat_testkit::replay::{replay_with, Mismatch, ReplayServer, Replayer, Runner};

const RECORDINGS: &str = chat_testkit::RECORDINGS_DIR;

fn matcher() -> Matcher {
    let map = ["2021-10-31-preview", "2022-06-01", "2022-10-01"]
        .into_iter()
        .map(|v| (v.to_owned(), "2023-10-01".to_owned()))
        .collect();
    Matcher::new()
        .api_version(ApiVersionMatch::Substitute(map))
        .allow_default("type", serde_json::json!("text"))
}

/// One request per connection, `connection: close`, read to the end.
fn send(
    server: &ReplayServer,
    request: Request<Vec<u8>>,
) -> Result<Response<Vec<u8>>, TransportError> {
    let io =
        |e: std::io::Error| TransportError::after_sending(TransportErrorKind::Io, e.to_string());
    let mut stream = TcpStream::connect(server.addr())
        .map_err(|e| TransportError::before_sending(TransportErrorKind::Connect, e.to_string()))?;
    let target = request.uri().path_and_query().map_or("/", |pq| pq.as_str());
    let mut head = format!(
        "{} {target} HTTP/1.1\r\nhost: {}\r\n",
        request.method(),
        server.addr()
    );
    for (name, value) in request.headers() {
        head.push_str(&format!("{name}: {}\r\n", value.to_str().unwrap()));
    }
    head.push_str(&format!(
        "content-length: {}\r\nconnection: close\r\n\r\n",
        request.body().len()
    ));
    let mut bytes = head.into_bytes();
    bytes.extend_from_slice(request.body());
    stream.write_all(&bytes).map_err(io)?;
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).map_err(io)?;
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("a response head");
    let head = std::str::from_utf8(&raw[..split]).unwrap();
    let mut lines = head.split("\r\n");
    let status: u16 = lines
        .next()
        .unwrap()
        .split(' ')
        .nth(1)
        .unwrap()
        .parse()
        .unwrap();
    let mut response = Response::builder().status(status);
    for line in lines {
        let (name, value) = line.split_once(':').unwrap();
        assert!(!name.eq_ignore_ascii_case("transfer-encoding"), "{head}");
        response = response.header(name.trim(), value.trim());
    }
    Ok(response.body(raw[split + 4..].to_vec()).unwrap())
}

/// Runs operations against the server through the core's call driver and pager.
struct SocketReplayer<'a> {
    server: &'a ReplayServer,
    endpoint: Endpoint,
    now: SystemTime,
    calls: u64,
}

impl SocketReplayer<'_> {
    fn run<O: Operation>(
        &mut self,
        op: O,
        ctx: O::Context,
        auth: Auth,
    ) -> Result<O::Output, Error> {
        self.calls += 1;
        let id = format!("00000000-0000-4000-8000-{:012}", self.calls);
        let mut call = Call::new(op, ctx, CallConfig::new(auth), &id, self.calls)?;
        let token = AccessToken::new("socket-test-token", self.now + Duration::from_secs(86_400));
        loop {
            match call.poll(self.now) {
                CallPoll::Transmit(request) => match send(self.server, request) {
                    Ok(response) => call.handle_response(self.now, response),
                    Err(e) => call.handle_transport_error(self.now, e),
                },
                CallPoll::NeedToken { .. } => call.handle_token(token.clone()),
                CallPoll::Sleep(until) => self.now = until,
                CallPoll::Done(result) => return result,
            }
        }
    }

    fn chat_context(&self, recorded: &ChatContext) -> ChatContext {
        ChatContext::new(self.endpoint.clone()).with_api_version(recorded.api_version)
    }
}

impl Runner for SocketReplayer<'_> {
    fn chat<O: Operation<Context = ChatContext> + Send + 'static>(
        &mut self,
        op: O,
        ctx: &ChatContext,
    ) -> Result<(), Error> {
        let ctx = self.chat_context(ctx);
        self.run(op, ctx, Auth::Bearer).map(drop)
    }

    fn list<L: ListOperation + Send + 'static>(
        &mut self,
        list: L,
        ctx: &ChatContext,
        continuation: Option<&str>,
    ) -> Result<usize, Error>
    where
        L::Item: Send + 'static,
    {
        let ctx = self.chat_context(ctx);
        let mut pager = match continuation {
            Some(link) => {
                let path = &link[link.find("://").map_or(0, |i| i + 3)..];
                let path = &path[path.find('/').unwrap_or(0)..];
                Pager::resume(list, ctx.clone(), &format!("{}{path}", self.endpoint))?
            }
            None => Pager::new(list, ctx.clone()),
        };
        let mut n = 0;
        while let Some(page) = pager.poll_page() {
            let raw = self.run(page, ctx.clone(), Auth::Bearer)?;
            n += pager.handle_page(raw)?.len();
        }
        Ok(n)
    }

    fn identity<O: Operation<Context = IdentityContext> + Send + 'static>(
        &mut self,
        op: O,
        ctx: &IdentityContext,
    ) -> Result<(), Error> {
        let ctx = IdentityContext::new(self.endpoint.clone()).with_api_version(ctx.api_version);
        let key = AccessKey::from_base64(TEST_ACCESS_KEY)?;
        self.run(op, ctx, Auth::AccessKey(key)).map(drop)
    }
}

impl Replayer for SocketReplayer<'_> {
    fn answered(&self) -> Vec<usize> {
        self.server.answered_entries()
    }
    fn mismatches(&self) -> Vec<Mismatch> {
        self.server.mismatches()
    }
    fn unused(&self) -> Vec<usize> {
        self.server.remaining()
    }
}

fn recordings(dir: &str, out: &mut Vec<String>) {
    for item in std::fs::read_dir(dir).unwrap() {
        let path = item.unwrap().path();
        let text = path.to_str().unwrap().to_owned();
        if path.is_dir() {
            recordings(&text, out);
        } else if text.ends_with(".json") {
            out.push(text);
        }
    }
}

#[test]
fn every_recorded_flow_replays_over_sockets() {
    let mut files = Vec::new();
    for folder in ["python", "python-testproxy", "js"] {
        recordings(&format!("{RECORDINGS}/{folder}"), &mut files);
    }
    assert_eq!(files.len(), 34);
    let mut requests = 0;
    for file in files {
        let recording = Recording::load(&file).unwrap();
        let server = ReplayServer::start(&recording, matcher()).unwrap();
        let endpoint = Endpoint::parse_allowing_loopback_http(&server.endpoint()).unwrap();
        let mut replayer = SocketReplayer {
            server: &server,
            endpoint,
            now: SystemTime::UNIX_EPOCH,
            calls: 0,
        };
        let report = replay_with(&recording, &mut replayer);
        let problems = report.problems();
        assert!(problems.is_empty(), "{file}:\n{}", problems.join("\n"));
        assert_eq!(server.answered(), recording.entries.len(), "{file}");
        requests += server.answered();
    }
    assert_eq!(requests, 97);
}

#[test]
fn the_server_keeps_what_matched_nothing() {
    let path = format!(
        "{RECORDINGS}/js/node/chatthreadclient/recording_successfully_sends_read_receipt.json"
    );
    let recording = Recording::load(path).unwrap();
    let server = ReplayServer::start(&recording, matcher()).unwrap();
    let request = Request::builder()
        .method("POST")
        .uri("/chat/threads/19%3Aother%40thread.v2/readReceipts?api-version=2021-09-07")
        .header("content-type", "application/json")
        .body(br#"{"chatMessageId":"1648676192118"}"#.to_vec())
        .unwrap();
    let response = send(&server, request).unwrap();
    assert_eq!(response.status(), 404);
    let body: serde_json::Value = serde_json::from_slice(response.body()).unwrap();
    assert_eq!(body["error"]["code"], "ReplayMismatch");
    let mismatches = server.mismatches();
    assert_eq!(mismatches.len(), 1);
    assert_eq!(mismatches[0].entry, Some(0));
    assert_eq!(mismatches[0].difference.as_ref().unwrap().part, "path");
    assert_eq!(server.remaining(), [0]);
}
