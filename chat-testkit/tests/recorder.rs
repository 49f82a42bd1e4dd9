//! The recorder: our own session, written in the test-proxy shape with every secret scrubbed,
//! reads back, passes the checker and replays again.

use std::path::PathBuf;

use chat_testkit::recording::{
    check_folder, fake_token, ApiVersionMatch, Matcher, Recorder, Recording,
};
use chat_testkit::replay::transport::TEST_TOKEN;
use chat_testkit::replay::{replay_with, ReplayTransport};

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

/// Replays `file` with our operations while recording our side of it.
fn record_session(file: &str) -> (Recording, Recording) {
    let original = Recording::load(format!("{RECORDINGS}/{file}")).unwrap();
    let recorder = Recorder::new();
    let mut transport = ReplayTransport::new(&original, matcher());
    transport.record_into(recorder.clone());
    let report = replay_with(&original, &mut transport);
    assert!(report.problems().is_empty(), "{:?}", report.problems());
    assert_eq!(recorder.len(), original.entries.len());
    (original, recorder.recording())
}

#[test]
fn a_recorded_session_has_no_secrets_and_replays() {
    // Identity calls with tokens in their responses, HMAC-signed requests, chat calls with a
    // bearer token.
    let (original, ours) = record_session(
        "js/node/chatclient_chat_operations/recording_successfully_creates_a_thread.json",
    );
    let dir = std::env::temp_dir().join(format!("chat-recorder-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let path: PathBuf = dir.join("session.json");
    Recorder::new().save(dir.join("empty.json")).unwrap();
    let recorder = Recorder::new();
    for entry in &ours.entries {
        recorder.record_entry(entry.clone());
    }
    recorder.save(&path).unwrap();

    let text = std::fs::read_to_string(&path).unwrap();
    assert!(!text.contains(TEST_TOKEN), "the bearer token leaked");
    for entry in &original.entries {
        if let Some(token) = entry.response_body["accessToken"]["token"].as_str() {
            assert!(!text.contains(token), "a token leaked");
        }
    }
    assert!(!text.contains("HMAC-SHA256"), "a signature leaked");
    let back = Recording::load(&path).unwrap();
    assert_eq!(back, ours);
    for (entry, recorded) in back.entries.iter().zip(&original.entries) {
        assert_eq!(entry.request_header("authorization"), Some("Sanitized"));
        assert_eq!(entry.request_method, recorded.request_method);
        assert_eq!(entry.status_code, recorded.status_code);
        if entry.path() == "/identities" {
            assert_eq!(
                entry.request_header("x-ms-content-sha256"),
                Some("Sanitized")
            );
            // The token keeps its shape and its expiry, nothing else.
            let token = entry.response_body["accessToken"]["token"]
                .as_str()
                .unwrap();
            let original = recorded.response_body["accessToken"]["token"].as_str();
            assert!(fake_token::is_stand_in(token), "{token}");
            assert_eq!(
                fake_token::expiry(token),
                original.and_then(fake_token::expiry)
            );
            assert_eq!(
                entry.response_body["identity"],
                recorded.response_body["identity"]
            );
        }
    }

    // The written file is a recording like any other: the checker passes it (the empty one
    // has nothing to check) and our client replays it.
    let report = check_folder(&dir).unwrap();
    assert_eq!(
        report.summary(),
        format!("{} passed, 0 failed", back.entries.len())
    );
    let mut transport =
        ReplayTransport::new(&back, Matcher::new().api_version(ApiVersionMatch::Exact));
    let replayed = replay_with(&back, &mut transport);
    assert!(replayed.problems().is_empty(), "{:?}", replayed.problems());
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn paging_sessions_record_every_page() {
    let (original, ours) =
        record_session("python-testproxy/test_chat_thread_client_e2e.test_list_messages.json");
    assert_eq!(ours.entries.len(), original.entries.len());
    let pages: Vec<&str> = ours
        .entries
        .iter()
        .filter(|e| e.request_method == "GET")
        .map(|e| e.query())
        .collect();
    assert_eq!(pages.len(), 4);
    assert!(
        pages[0].starts_with("api-version=2021-09-07&maxPageSize=1"),
        "{}",
        pages[0]
    );
    assert!(
        pages[1..]
            .iter()
            .all(|q| q.contains("syncState=sanitized.")),
        "{pages:?}"
    );
}
