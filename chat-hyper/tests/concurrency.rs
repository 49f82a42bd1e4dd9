//! Many concurrent calls on one client, on both kinds of tokio runtime.

#[path = "../../chat-ureq/tests/support/mod.rs"]
mod support;

use std::collections::BTreeSet;
use std::future::IntoFuture;

use chat_hyper::{ChatClient, ClientOptions, CommunicationTokenCredential};
use support::{Action, Server};

const CALLS: usize = 1000;

async fn thousand_calls(server: &Server) {
    let options = ClientOptions::default().allow_loopback_http(true);
    let credential = CommunicationTokenCredential::new(support::token());
    let chat = ChatClient::with_options(&server.http_url(), credential, options).unwrap();
    let tasks: Vec<_> = (0..CALLS)
        .map(|i| {
            tokio::spawn(
                chat.delete_chat_thread(format!("19:{i}@thread.v2"))
                    .into_future(),
            )
        })
        .collect();
    for task in tasks {
        task.await.unwrap().unwrap();
    }
    let requests = server.requests();
    assert_eq!(requests.len(), CALLS);
    let targets: BTreeSet<_> = requests.iter().map(|r| r.target.clone()).collect();
    assert_eq!(targets.len(), CALLS, "every call arrived exactly once");
    let ids: BTreeSet<_> = requests
        .iter()
        .filter_map(|r| r.header("x-ms-client-request-id").map(str::to_owned))
        .collect();
    assert_eq!(ids.len(), CALLS, "one request id per call");
}

#[test]
fn on_a_current_thread_runtime() {
    let server = Server::http(|_, _| Action::empty(204));
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(thousand_calls(&server));
}

#[test]
fn on_a_multi_thread_runtime() {
    let server = Server::http(|_, _| Action::empty(204));
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(4)
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(thousand_calls(&server));
}
