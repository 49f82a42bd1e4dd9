//! Property: any sequence of chat operations keeps the emulator's invariants — listing returns
//! every message sent, exactly once, newest first, live ones with their latest content and
//! deleted ones only as tombstones; participants equal the adds minus the removes.

mod emulator_support;

use chat_testkit::emulator::Emulator;
use emulator_support::{enc, Client};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use serde_json::{json, Value};

const V: &str = "api-version=2023-11-07";
const USERS: usize = 5;

#[derive(Debug, Clone)]
enum Op {
    Send { user: usize, text: String },
    Edit { pick: usize, text: String },
    Delete { pick: usize },
    Add { user: usize },
    Remove { user: usize },
    Check { page: u32 },
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => (0..USERS, "[a-z]{1,8}").prop_map(|(user, text)| Op::Send { user, text }),
        1 => (any::<usize>(), "[a-z]{1,8}").prop_map(|(pick, text)| Op::Edit { pick, text }),
        2 => any::<usize>().prop_map(|pick| Op::Delete { pick }),
        2 => (1..USERS).prop_map(|user| Op::Add { user }),
        1 => (1..USERS).prop_map(|user| Op::Remove { user }),
        1 => (1u32..6).prop_map(|page| Op::Check { page }),
    ]
}

struct Sent {
    id: String,
    sender: usize,
    text: String,
    deleted: bool,
}

fn check(
    c: &Client<'_>,
    token: &str,
    thread: &str,
    page: u32,
    sent: &[Sent],
    members: &[usize],
    users: &[(String, String)],
) {
    let mut listed = Vec::new();
    let mut r = c.chat(
        token,
        "GET",
        &format!("/chat/threads/{thread}/messages?maxPageSize={page}&{V}"),
        None,
    );
    loop {
        assert_eq!(r.status, 200);
        let body = r.json();
        let items = body["value"].as_array().unwrap().clone();
        assert!(items.len() <= page as usize);
        listed.extend(items);
        match body["nextLink"].as_str() {
            Some(link) => r = c.follow(token, link),
            None => break,
        }
    }
    let seqs: Vec<u64> = listed
        .iter()
        .map(|m| m["sequenceId"].as_str().unwrap().parse().unwrap())
        .collect();
    assert!(
        seqs.windows(2).all(|w| w[0] > w[1]),
        "newest first, no repeats: {seqs:?}"
    );
    let user_messages: Vec<&Value> = listed
        .iter()
        .filter(|m| m["type"] == json!("text"))
        .collect();
    let expected: Vec<&Sent> = sent.iter().rev().collect();
    assert_eq!(
        user_messages.len(),
        expected.len(),
        "every sent message exactly once"
    );
    for (m, s) in user_messages.iter().zip(expected) {
        assert_eq!(m["id"], json!(s.id));
        assert_eq!(
            m["senderCommunicationIdentifier"]["rawId"],
            json!(users[s.sender].0)
        );
        if s.deleted {
            assert!(
                m["deletedOn"].is_string() && m.get("content").is_none(),
                "tombstone {m}"
            );
        } else {
            assert!(m.get("deletedOn").is_none());
            assert_eq!(m["content"]["message"], json!(s.text));
        }
    }
    let r = c.chat(
        token,
        "GET",
        &format!("/chat/threads/{thread}/participants?maxPageSize={page}&{V}"),
        None,
    );
    let mut ids = Vec::new();
    let mut body = r.json();
    loop {
        ids.extend(body["value"].as_array().unwrap().iter().map(|p| {
            p["communicationIdentifier"]["rawId"]
                .as_str()
                .unwrap()
                .to_owned()
        }));
        match body["nextLink"].as_str() {
            Some(link) => body = c.follow(token, link).json(),
            None => break,
        }
    }
    let expected: Vec<String> = members.iter().map(|&u| users[u].0.clone()).collect();
    assert_eq!(ids, expected, "participants = adds minus removes");
}

fn run(c: &Client<'_>, users: &[(String, String)], ops: &[Op]) {
    let owner = &users[0].1;
    let thread = enc(&c.thread(owner, "prop", &[]));
    let mut members = vec![0usize];
    let mut sent: Vec<Sent> = Vec::new();
    for op in ops {
        match op {
            Op::Send { user, text } => {
                let r = c.chat(
                    &users[*user].1,
                    "POST",
                    &format!("/chat/threads/{thread}/messages?{V}"),
                    Some(&json!({"content": text})),
                );
                if members.contains(user) {
                    assert_eq!(r.status, 201);
                    let id = r.json()["id"].as_str().unwrap().to_owned();
                    sent.push(Sent {
                        id,
                        sender: *user,
                        text: text.clone(),
                        deleted: false,
                    });
                } else {
                    assert_eq!(r.status, 403);
                }
            }
            Op::Edit { pick, text } if !sent.is_empty() => {
                let n = sent.len();
                let s = &mut sent[pick % n];
                let r = c.chat(
                    &users[s.sender].1,
                    "PATCH",
                    &format!("/chat/threads/{thread}/messages/{}?{V}", s.id),
                    Some(&json!({"content": text})),
                );
                match (members.contains(&s.sender), s.deleted) {
                    (false, _) => assert_eq!(r.status, 403),
                    (true, true) => assert_eq!(r.status, 404),
                    (true, false) => {
                        assert_eq!(r.status, 204);
                        s.text = text.clone();
                    }
                }
            }
            Op::Delete { pick } if !sent.is_empty() => {
                let n = sent.len();
                let s = &mut sent[pick % n];
                let r = c.chat(
                    &users[s.sender].1,
                    "DELETE",
                    &format!("/chat/threads/{thread}/messages/{}?{V}", s.id),
                    None,
                );
                if members.contains(&s.sender) {
                    assert_eq!(r.status, 204);
                    s.deleted = true;
                } else {
                    assert_eq!(r.status, 403);
                }
            }
            Op::Add { user } => {
                let id = &users[*user].0;
                let body = json!({"participants": [{"communicationIdentifier": {"rawId": id, "communicationUser": {"id": id}}}]});
                let r = c.chat(
                    owner,
                    "POST",
                    &format!("/chat/threads/{thread}/participants/:add?{V}"),
                    Some(&body),
                );
                assert_eq!((r.status, r.json()), (201, json!({})));
                if !members.contains(user) {
                    members.push(*user);
                }
            }
            Op::Remove { user } => {
                let id = &users[*user].0;
                let r = c.chat(
                    owner,
                    "POST",
                    &format!("/chat/threads/{thread}/participants/:remove?{V}"),
                    Some(&json!({"rawId": id})),
                );
                assert_eq!(r.status, 204);
                members.retain(|m| m != user);
            }
            Op::Check { page } => check(c, owner, &thread, *page, &sent, &members, users),
            Op::Edit { .. } | Op::Delete { .. } => {}
        }
    }
    check(c, owner, &thread, 4, &sent, &members, users);
}

#[test]
fn any_operation_sequence_keeps_the_invariants() {
    let emulator = Emulator::start();
    let c = Client::new(&emulator);
    let users: Vec<(String, String)> = (0..USERS).map(|_| c.user_with_token()).collect();
    let mut runner = TestRunner::new(Config {
        cases: 32,
        failure_persistence: None,
        ..Config::default()
    });
    runner
        .run(&proptest::collection::vec(op(), 0..24), |ops| {
            run(&c, &users, &ops);
            Ok(())
        })
        .unwrap();
}
