//! Every operation's response parser, on any status, headers and body: never a panic.
#![no_main]

use arbitrary::Arbitrary;
use chat_core::http::Response;
use chat_core::identifier::CommunicationIdentifier;
use chat_core::identity::{
    CreateUser, DeleteUser, ExchangeTeamsToken, IssueToken, RevokeTokens, TokenScope,
};
use chat_core::messages::{DeleteMessage, GetMessage, ListMessages, SendMessage, UpdateMessage};
use chat_core::participants::{AddParticipants, ChatParticipant, ListParticipants, RemoveParticipant};
use chat_core::read_receipts::{ListReadReceipts, SendReadReceipt};
use chat_core::threads::{CreateThread, DeleteThread, GetThreadProperties, ListThreads, UpdateThread};
use chat_core::typing::SendTypingNotification;
use chat_core::{ListOperation, Operation, Pager, ChatContext, Endpoint};
use libfuzzer_sys::fuzz_target;

#[derive(Arbitrary, Debug)]
struct Input<'a> {
    op: u8,
    status: u16,
    headers: Vec<(&'a str, &'a str)>,
    body: &'a [u8],
}

fn response(input: &Input<'_>) -> Option<Response<Vec<u8>>> {
    let mut b = Response::builder().status(input.status.clamp(100, 999));
    for (k, v) in input.headers.iter().take(16) {
        b = b.header(*k, *v);
    }
    b.body(input.body.to_vec()).ok()
}

fn parse<O: Operation>(op: O, r: Response<Vec<u8>>) {
    let _ = op.parse_response(r);
}

fn page<L: ListOperation>(list: L, r: Response<Vec<u8>>) {
    let ctx = ChatContext::new(Endpoint::parse("https://acs.example.com").unwrap());
    let mut pager = Pager::new(list, ctx);
    if let Some(req) = pager.poll_page() {
        if let Ok(p) = req.parse_response(r) {
            let _ = pager.handle_page(p);
        }
    }
}

fuzz_target!(|input: Input<'_>| {
    let Some(r) = response(&input) else { return };
    let who = CommunicationIdentifier::from_raw_id("4:+14255550123");
    let participants = vec![ChatParticipant::new(who.clone())];
    match input.op % 21 {
        0 => parse(CreateThread::new("t").participants(participants), r),
        1 => page(ListThreads::new(), r),
        2 => parse(GetThreadProperties::new("19:a@thread.v2"), r),
        3 => parse(UpdateThread::new("19:a@thread.v2").topic("x"), r),
        4 => parse(DeleteThread::new("19:a@thread.v2"), r),
        5 => parse(SendMessage::new("19:a@thread.v2", "hi"), r),
        6 => parse(GetMessage::new("19:a@thread.v2", "1"), r),
        7 => page(ListMessages::new("19:a@thread.v2"), r),
        8 => parse(UpdateMessage::new("19:a@thread.v2", "1").content("x"), r),
        9 => parse(DeleteMessage::new("19:a@thread.v2", "1"), r),
        10 => page(ListParticipants::new("19:a@thread.v2"), r),
        11 => parse(AddParticipants::new("19:a@thread.v2", participants), r),
        12 => parse(RemoveParticipant::new("19:a@thread.v2", who), r),
        13 => parse(SendReadReceipt::new("19:a@thread.v2", "1"), r),
        14 => page(ListReadReceipts::new("19:a@thread.v2"), r),
        15 => parse(SendTypingNotification::new("19:a@thread.v2"), r),
        16 => parse(CreateUser::new(), r),
        17 => parse(IssueToken::new("8:acs:x", [TokenScope::Chat]), r),
        18 => parse(RevokeTokens::new("8:acs:x"), r),
        19 => parse(DeleteUser::new("8:acs:x"), r),
        _ => parse(ExchangeTeamsToken::new("t", "a", "u"), r),
    }
});
