//! Pagination over a long listing, and resuming from a continuation token.

mod support;

use chat_ureq::{ChatClient, ClientOptions, CommunicationTokenCredential};
use support::Server;

const TOTAL: usize = 1000;

fn client(server: &Server) -> ChatClient {
    let options = ClientOptions::default().allow_loopback_http(true);
    let credential = CommunicationTokenCredential::new(support::token());
    ChatClient::with_options(&server.http_url(), credential, options).unwrap()
}

fn expected(from: usize) -> Vec<String> {
    (from..TOTAL).map(|i| format!("t{i}")).collect()
}

#[test]
fn every_item_once_and_in_order_in_pages_of_seven() {
    let server = Server::http(|r, _| support::thread_listing(&r.target, TOTAL));
    let chat = client(&server);
    let ids: Vec<String> = chat
        .list_chat_threads()
        .max_page_size(7)
        .into_iter()
        .map(|t| t.unwrap().id)
        .collect();
    assert_eq!(ids, expected(0));
    assert_eq!(server.requests().len(), TOTAL.div_ceil(7));
}

#[test]
fn resuming_from_the_third_pages_token_yields_the_rest() {
    let server = Server::http(|r, _| support::thread_listing(&r.target, TOTAL));
    let chat = client(&server);
    let pages: Vec<_> = chat
        .list_chat_threads()
        .max_page_size(7)
        .pages()
        .take(3)
        .collect::<Result<_, _>>()
        .unwrap();
    assert!(pages.iter().all(|p| p.items.len() == 7));
    let token = pages[2].continuation_token().unwrap().to_owned();
    let rest: Vec<String> = chat
        .list_chat_threads()
        .resume_from(token)
        .into_iter()
        .map(|t| t.unwrap().id)
        .collect();
    assert_eq!(rest, expected(21));
    let last = server.requests().pop().unwrap();
    assert!(
        last.target.ends_with("&api-version=2025-03-15"),
        "{}",
        last.target
    );
}

#[test]
fn next_on_the_listing_reads_it_and_items_continue_it() {
    let server = Server::http(|r, _| support::thread_listing(&r.target, TOTAL));
    let chat = client(&server);
    let mut threads = chat.list_chat_threads().max_page_size(7);
    assert_eq!(threads.next().unwrap().unwrap().id, "t0");
    assert_eq!(threads.next().unwrap().unwrap().id, "t1");
    let rest: Vec<String> = threads.items().map(|t| t.unwrap().id).collect();
    assert_eq!(rest, expected(2));
    assert_eq!(server.requests().len(), TOTAL.div_ceil(7));
}
