//! Every chat and identity operation by name, with the parser a response for it goes through.

use chat_core::http::Response;
use chat_core::identifier::CommunicationIdentifier;
use chat_core::identity::{
    CreateUser, DeleteUser, ExchangeTeamsToken, IssueToken, RevokeTokens, TokenScope,
};
use chat_core::messages::{DeleteMessage, GetMessage, ListMessages, SendMessage, UpdateMessage};
use chat_core::participants::{
    AddParticipants, ChatParticipant, ListParticipants, RemoveParticipant,
};
use chat_core::read_receipts::{ListReadReceipts, SendReadReceipt};
use chat_core::threads::{
    CreateThread, DeleteThread, GetThreadProperties, ListThreads, UpdateThread,
};
use chat_core::typing::SendTypingNotification;
use chat_core::{ChatContext, Endpoint, Error, ListOperation, Operation, Pager};

/// The operations, named as the core's types and `chat_testkit::recording::Route::name` name
/// them.
pub const OPERATIONS: [&str; 21] = [
    "CreateThread",
    "ListThreads",
    "GetThreadProperties",
    "UpdateThread",
    "DeleteThread",
    "SendMessage",
    "GetMessage",
    "ListMessages",
    "UpdateMessage",
    "DeleteMessage",
    "ListParticipants",
    "AddParticipants",
    "RemoveParticipant",
    "SendReadReceipt",
    "ListReadReceipts",
    "SendTypingNotification",
    "CreateUser",
    "IssueToken",
    "RevokeTokens",
    "DeleteUser",
    "ExchangeTeamsToken",
];

/// The index of operation `name` in [`OPERATIONS`]; an unknown name picks one from its bytes,
/// so that every input reaches a parser.
pub fn index_of(name: &str) -> usize {
    OPERATIONS
        .iter()
        .position(|o| *o == name)
        .unwrap_or_else(|| name.bytes().map(usize::from).sum::<usize>() % OPERATIONS.len())
}

const THREAD: &str = "19:a@thread.v2";

/// Parses `response` with the parser of operation `index` (modulo [`OPERATIONS`]): the
/// operation's own, or for a listing the page parser, then the pager's handling of the page.
pub fn parse(index: usize, response: Response<Vec<u8>>) -> Result<(), Error> {
    let who = CommunicationIdentifier::from_raw_id("4:+14255550123");
    let participants = vec![ChatParticipant::new(who.clone())];
    match index % OPERATIONS.len() {
        0 => op(CreateThread::new("t").participants(participants), response),
        1 => page(ListThreads::new(), response),
        2 => op(GetThreadProperties::new(THREAD), response),
        3 => op(UpdateThread::new(THREAD).topic("x"), response),
        4 => op(DeleteThread::new(THREAD), response),
        5 => op(SendMessage::new(THREAD, "hi"), response),
        6 => op(GetMessage::new(THREAD, "1"), response),
        7 => page(ListMessages::new(THREAD), response),
        8 => op(UpdateMessage::new(THREAD, "1").content("x"), response),
        9 => op(DeleteMessage::new(THREAD, "1"), response),
        10 => page(ListParticipants::new(THREAD), response),
        11 => op(AddParticipants::new(THREAD, participants), response),
        12 => op(RemoveParticipant::new(THREAD, who), response),
        13 => op(SendReadReceipt::new(THREAD, "1"), response),
        14 => page(ListReadReceipts::new(THREAD), response),
        15 => op(SendTypingNotification::new(THREAD), response),
        16 => op(CreateUser::new(), response),
        17 => op(IssueToken::new("8:acs:x", [TokenScope::Chat]), response),
        18 => op(RevokeTokens::new("8:acs:x"), response),
        19 => op(DeleteUser::new("8:acs:x"), response),
        _ => op(ExchangeTeamsToken::new("t", "a", "u"), response),
    }
}

fn op<O: Operation>(op: O, response: Response<Vec<u8>>) -> Result<(), Error> {
    op.parse_response(response).map(drop)
}

/// The first page's parser; a parsed page then goes through the pager (which may refuse its
/// `nextLink`: that is not a parse failure).
fn page<L: ListOperation>(list: L, response: Response<Vec<u8>>) -> Result<(), Error> {
    let endpoint = Endpoint::parse("https://acs.example.com")?;
    let mut pager = Pager::new(list, ChatContext::new(endpoint));
    let Some(request) = pager.poll_page() else {
        return Ok(());
    };
    let raw = request.parse_response(response)?;
    let _ = pager.handle_page(raw);
    Ok(())
}
