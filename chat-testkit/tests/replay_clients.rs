//! The real transports against the replay server: the recorded chat flows replayed through
//! `chat-ureq` (blocking) and `chat-hyper` (async), over sockets, each request matched against
//! the recorded one.
//!
//! Recordings that also hold identity calls are left to `replay_server.rs`: the transports'
//! `IdentityClient`s have per-operation methods only, no generic "run this operation".

use std::time::{Duration, SystemTime};

use chat_core::identity::IdentityContext;
use chat_core::{AccessToken, ChatContext, Error, ListOperation, Operation};
use chat_testkit::recording::{route, ApiVersionMatch, Matcher, Recording, RoutedOperation};
use chat_testkit::replay::{replay_with, Mismatch, ReplayServer, Replayer, Runner};

const RECORDINGS: &str = chat_testkit::RECORDINGS_DIR;

fn matcher() -> Matcher {
    Matcher::new()
        .api_version(ApiVersionMatch::Exact)
        .allow_default("type", serde_json::json!("text"))
}

fn token() -> AccessToken {
    AccessToken::new(
        "replay-client-token",
        SystemTime::now() + Duration::from_secs(86_400),
    )
}

/// The recordings whose every entry is a chat call, with their chat API version.
fn chat_only_recordings() -> Vec<(String, Recording)> {
    let mut files = Vec::new();
    for folder in ["python", "python-testproxy", "js"] {
        collect(&format!("{RECORDINGS}/{folder}"), &mut files);
    }
    files.sort();
    files
        .into_iter()
        .map(|f| {
            let r = Recording::load(&f).unwrap();
            (f, r)
        })
        .filter(|(_, r)| {
            r.entries.iter().all(|e| {
                !matches!(
                    route(e).unwrap().operation,
                    RoutedOperation::CreateUser(_)
                        | RoutedOperation::IssueToken(_)
                        | RoutedOperation::DeleteUser(_)
                        | RoutedOperation::RevokeTokens(_)
                        | RoutedOperation::ExchangeTeamsToken(_)
                )
            })
        })
        .collect()
}

fn collect(dir: &str, out: &mut Vec<String>) {
    for item in std::fs::read_dir(dir).unwrap() {
        let path = item.unwrap().path();
        let text = path.to_str().unwrap().to_owned();
        if path.is_dir() {
            collect(&text, out);
        } else if text.ends_with(".json") {
            out.push(text);
        }
    }
}

/// A continuation link on the recorded host, moved to the server.
fn on_server(server: &ReplayServer, link: &str) -> String {
    let rest = link.split_once("://").map_or(link, |(_, r)| r);
    let path = rest.find('/').map_or("/", |i| &rest[i..]);
    format!("{}{path}", server.endpoint())
}

fn no_identity() -> Error {
    Error::invalid_input(
        "operation",
        "identity",
        chat_core::InputErrorKind::NotAllowed,
        "identity calls are not replayed through this client",
        "a chat operation",
    )
}

struct Ureq<'a> {
    server: &'a ReplayServer,
    client: chat_ureq::ChatClient,
}

impl Runner for Ureq<'_> {
    fn chat<O: Operation<Context = ChatContext> + Send + 'static>(
        &mut self,
        op: O,
        _: &ChatContext,
    ) -> Result<(), Error> {
        self.client.run(op).call().map(drop)
    }

    fn list<L: ListOperation + Send + 'static>(
        &mut self,
        list: L,
        _: &ChatContext,
        continuation: Option<&str>,
    ) -> Result<usize, Error>
    where
        L::Item: Send + 'static,
    {
        let mut pending = self.client.list(list);
        if let Some(link) = continuation {
            pending = pending.resume_from(on_server(self.server, link));
        }
        pending.items().try_fold(0, |n, item| item.map(|_| n + 1))
    }

    fn identity<O: Operation<Context = IdentityContext> + Send + 'static>(
        &mut self,
        _: O,
        _: &IdentityContext,
    ) -> Result<(), Error> {
        Err(no_identity())
    }
}

struct Hyper<'a> {
    server: &'a ReplayServer,
    client: chat_hyper::ChatClient,
    runtime: tokio::runtime::Runtime,
}

impl Runner for Hyper<'_> {
    fn chat<O: Operation<Context = ChatContext> + Send + 'static>(
        &mut self,
        op: O,
        _: &ChatContext,
    ) -> Result<(), Error> {
        self.runtime.block_on(self.client.run(op).call()).map(drop)
    }

    fn list<L: ListOperation + Send + 'static>(
        &mut self,
        list: L,
        _: &ChatContext,
        continuation: Option<&str>,
    ) -> Result<usize, Error>
    where
        L::Item: Send + 'static,
    {
        let mut pending = self.client.list(list);
        if let Some(link) = continuation {
            pending = pending.resume_from(on_server(self.server, link));
        }
        self.runtime.block_on(async {
            let mut items = pending.items();
            let mut n = 0;
            while let Some(item) = items.next().await {
                item?;
                n += 1;
            }
            Ok(n)
        })
    }

    fn identity<O: Operation<Context = IdentityContext> + Send + 'static>(
        &mut self,
        _: O,
        _: &IdentityContext,
    ) -> Result<(), Error> {
        Err(no_identity())
    }
}

macro_rules! replayer {
    ($t:ty) => {
        impl Replayer for $t {
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
    };
}
replayer!(Ureq<'_>);
replayer!(Hyper<'_>);

fn version(recording: &Recording) -> chat_core::ApiVersion {
    let v = recording.entries[0]
        .query()
        .split('&')
        .find_map(|p| p.strip_prefix("api-version="));
    chat_core::ApiVersion::parse(v.unwrap()).unwrap()
}

#[test]
fn chat_flows_replay_through_ureq() {
    let recordings = chat_only_recordings();
    assert_eq!(recordings.len(), 28);
    for (file, recording) in recordings {
        let server = ReplayServer::start(&recording, matcher()).unwrap();
        let options = chat_ureq::ClientOptions::default()
            .allow_loopback_http(true)
            .api_version(version(&recording));
        let credential = chat_ureq::CommunicationTokenCredential::new(token());
        let client =
            chat_ureq::ChatClient::with_options(&server.endpoint(), credential, options).unwrap();
        let mut runner = Ureq {
            server: &server,
            client,
        };
        let report = replay_with(&recording, &mut runner);
        assert!(
            report.problems().is_empty(),
            "{file}:\n{}",
            report.problems().join("\n")
        );
        assert_eq!(server.answered(), recording.entries.len());
    }
}

#[test]
fn chat_flows_replay_through_hyper() {
    let recordings = chat_only_recordings();
    assert_eq!(recordings.len(), 28);
    for (file, recording) in recordings {
        let server = ReplayServer::start(&recording, matcher()).unwrap();
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let options = chat_hyper::ClientOptions::default()
            .allow_loopback_http(true)
            .api_version(version(&recording));
        let credential = chat_hyper::CommunicationTokenCredential::new(token());
        let client = runtime
            .block_on(async {
                chat_hyper::ChatClient::with_options(&server.endpoint(), credential, options)
            })
            .unwrap();
        let mut runner = Hyper {
            server: &server,
            client,
            runtime,
        };
        let report = replay_with(&recording, &mut runner);
        assert!(
            report.problems().is_empty(),
            "{file}:\n{}",
            report.problems().join("\n")
        );
        assert_eq!(server.answered(), recording.entries.len());
    }
}
