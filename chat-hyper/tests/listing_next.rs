//! Reading an async listing as a newcomer writes it, from the user's side: `next().await` on
//! the listing itself, on `.items()` and on `.pages()`, with no `StreamExt` in scope (this file
//! imports nothing from `futures`). Also: a prepared call is a `Send + 'static` future that can
//! be spawned as it is, and blank content is refused before sending.

#[path = "../../chat-ureq/tests/support/mod.rs"]
mod support;

use chat_hyper::threads::ChatThreadItem;
use chat_hyper::{ChatClient, ClientOptions, CommunicationTokenCredential, Error, InputErrorKind};
use support::{Action, Server};

const TOTAL: usize = 25;

fn client(server: &Server) -> ChatClient {
    let options = ClientOptions::default().allow_loopback_http(true);
    let credential = CommunicationTokenCredential::new(support::token());
    ChatClient::with_options(&server.http_url(), credential, options).unwrap()
}

fn ids(items: &[ChatThreadItem]) -> Vec<String> {
    items.iter().map(|t| t.id.clone()).collect()
}

fn expected(range: std::ops::Range<usize>) -> Vec<String> {
    range.map(|i| format!("t{i}")).collect()
}

#[tokio::test]
async fn while_let_next_await_reads_every_item_of_the_listing_itself() {
    let server = Server::http(|r, _| support::thread_listing(&r.target, TOTAL));
    let chat = client(&server);
    let mut threads = chat.list_chat_threads().max_page_size(10);
    let mut read = Vec::new();
    while let Some(thread) = threads.next().await {
        read.push(thread.unwrap());
    }
    assert_eq!(ids(&read), expected(0..TOTAL));
    assert_eq!(server.requests().len(), 3, "pages of 10, 10 and 5");
    assert!(threads.next().await.is_none(), "it stays over");
    assert_eq!(server.requests().len(), 3);
}

#[tokio::test]
async fn items_after_next_continue_where_next_stopped() {
    let server = Server::http(|r, _| support::thread_listing(&r.target, TOTAL));
    let chat = client(&server);
    let mut threads = chat.list_chat_threads().max_page_size(10);
    let first = threads.next().await.unwrap().unwrap();
    assert_eq!(first.id, "t0");
    let mut rest = threads.items();
    let mut read = Vec::new();
    while let Some(thread) = rest.next().await {
        read.push(thread.unwrap());
    }
    assert_eq!(ids(&read), expected(1..TOTAL));
}

#[tokio::test]
async fn pages_with_their_continuation_tokens_and_a_resume() {
    let server = Server::http(|r, _| support::thread_listing(&r.target, TOTAL));
    let chat = client(&server);
    let mut pages = chat.list_chat_threads().max_page_size(10).pages();
    let first = pages.next().await.unwrap().unwrap();
    assert_eq!(ids(&first.items), expected(0..10));
    let token = first.continuation_token().unwrap().to_owned();
    drop(pages);
    let mut resumed = chat.list_chat_threads().resume_from(token);
    let mut read = Vec::new();
    while let Some(thread) = resumed.next().await {
        read.push(thread.unwrap());
    }
    assert_eq!(ids(&read), expected(10..TOTAL));
}

#[tokio::test]
async fn an_error_ends_the_listing_after_it_is_yielded() {
    let server =
        Server::http(|_, _| Action::json(403, r#"{"error":{"code":"Forbidden","message":"no"}}"#));
    let chat = client(&server);
    let mut threads = chat.list_chat_threads();
    let err = threads.next().await.unwrap().unwrap_err();
    assert_eq!(err.status(), Some(403));
    assert!(threads.next().await.is_none());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_prepared_call_is_a_future_to_spawn_as_it_is() {
    let server = Server::http(|_, _| Action::empty(204));
    let chat = client(&server);
    let task = tokio::spawn(chat.delete_chat_thread("19:a@thread.v2"));
    task.await.unwrap().unwrap();
    assert_eq!(server.requests().len(), 1);
}

#[tokio::test]
async fn blank_content_is_refused_before_sending() {
    let server = Server::http(|_, _| Action::json(201, r#"{"id":"1"}"#));
    let thread = client(&server).chat_thread_client("19:a@thread.v2");
    let err = thread.send_message(" \n").await.unwrap_err();
    assert!(
        matches!(
            err,
            Error::InvalidInput {
                argument: "content",
                kind: InputErrorKind::Empty,
                ..
            }
        ),
        "{err:?}"
    );
    assert!(server.requests().is_empty());
}
