//! One replay test per recording: our client performs the recorded flow with the core's own
//! operations (inputs read from the recorded requests), through the call driver and the pager
//! on the in-memory replay transport, and every request must match the recorded one and every
//! response must parse.

use chat_testkit::recording::{ApiVersionMatch, Matcher, Recording};
use chat_testkit::replay::replay_recording;

const RECORDINGS: &str = chat_testkit::RECORDINGS_DIR;

/// Identity versions the recorders used that our client does not pin: ours sends 2023-10-01.
/// Chat versions are pinned exactly as recorded. Our send-message always states
/// `"type": "text"`, the service's default, which the JS SDK leaves out.
fn matcher() -> Matcher {
    let ours = "2023-10-01";
    let map = ["2021-10-31-preview", "2022-06-01", "2022-10-01"]
        .into_iter()
        .map(|v| (v.to_owned(), ours.to_owned()))
        .collect();
    Matcher::new()
        .api_version(ApiVersionMatch::Substitute(map))
        .allow_default("type", serde_json::json!("text"))
}

fn replay(file: &str) {
    let path = format!("{RECORDINGS}/{file}");
    let recording = Recording::load(&path).unwrap();
    assert!(!recording.entries.is_empty(), "{path} has no entries");
    let report = replay_recording(&recording, matcher());
    let problems = report.problems();
    assert!(problems.is_empty(), "{file}:\n{}", problems.join("\n"));
    // Every entry was answered, each exactly once.
    let mut answered: Vec<usize> = report
        .steps
        .iter()
        .flat_map(|s| s.answered_by.iter().copied())
        .collect();
    answered.sort_unstable();
    assert_eq!(answered, (0..recording.entries.len()).collect::<Vec<_>>());
}

macro_rules! replay_tests {
    ($($name:ident => $file:literal,)*) => {
        $(
            #[test]
            fn $name() {
                replay($file);
            }
        )*

        /// The list above covers every JSON recording in the folders it names.
        #[test]
        fn every_recording_has_a_replay_test() {
            let listed: Vec<&str> = vec![$($file),*];
            let mut found = Vec::new();
            for folder in ["python", "python-testproxy", "js"] {
                collect(&format!("{RECORDINGS}/{folder}"), &mut found);
            }
            let mut found: Vec<String> = found
                .into_iter()
                .map(|p| p.strip_prefix(&format!("{RECORDINGS}/")).unwrap().to_owned())
                .collect();
            found.sort();
            let mut listed: Vec<String> = listed.into_iter().map(str::to_owned).collect();
            listed.sort();
            assert_eq!(listed, found);
        }
    };
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

replay_tests! {
    py_access_token_validation => "python/test_chat_client_e2e.pyTestChatClienttest_access_token_validation.json",
    py_create_chat_thread => "python/test_chat_client_e2e.pyTestChatClienttest_create_chat_thread.json",
    py_create_chat_thread_w_repeatability_request_id => "python/test_chat_client_e2e.pyTestChatClienttest_create_chat_thread_w_repeatability_request_id.json",
    py_delete_chat_thread => "python/test_chat_client_e2e.pyTestChatClienttest_delete_chat_thread.json",
    py_get_thread_client => "python/test_chat_client_e2e.pyTestChatClienttest_get_thread_client.json",
    py_list_chat_threads => "python/test_chat_client_e2e.pyTestChatClienttest_list_chat_threads.json",
    py_add_participants => "python/test_chat_thread_client_e2e.pyTestChatThreadClienttest_add_participants.json",
    py_delete_message => "python/test_chat_thread_client_e2e.pyTestChatThreadClienttest_delete_message.json",
    py_get_message => "python/test_chat_thread_client_e2e.pyTestChatThreadClienttest_get_message.json",
    py_get_properties => "python/test_chat_thread_client_e2e.pyTestChatThreadClienttest_get_properties.json",
    py_list_participants => "python/test_chat_thread_client_e2e.pyTestChatThreadClienttest_list_participants.json",
    py_list_read_receipts => "python/test_chat_thread_client_e2e.pyTestChatThreadClienttest_list_read_receipts.json",
    py_remove_participant => "python/test_chat_thread_client_e2e.pyTestChatThreadClienttest_remove_participant.json",
    py_send_message => "python/test_chat_thread_client_e2e.pyTestChatThreadClienttest_send_message.json",
    py_send_read_receipt => "python/test_chat_thread_client_e2e.pyTestChatThreadClienttest_send_read_receipt.json",
    py_send_typing_notification => "python/test_chat_thread_client_e2e.pyTestChatThreadClienttest_send_typing_notification.json",
    py_send_typing_notification_with_display_name => "python/test_chat_thread_client_e2e.pyTestChatThreadClienttest_send_typing_notification_with_display_name.json",
    py_update_message => "python/test_chat_thread_client_e2e.pyTestChatThreadClienttest_update_message.json",
    py_update_topic => "python/test_chat_thread_client_e2e.pyTestChatThreadClienttest_update_topic.json",
    pytp_create_chat_thread_w_no_participants => "python-testproxy/test_chat_client_e2e.test_create_chat_thread_w_no_participants.json",
    pytp_list_messages => "python-testproxy/test_chat_thread_client_e2e.test_list_messages.json",
    pytp_send_typing_notification_with_display_name => "python-testproxy/test_chat_thread_client_e2e.test_send_typing_notification_with_display_name.json",
    js_creates_a_thread => "js/node/chatclient_chat_operations/recording_successfully_creates_a_thread.json",
    js_adds_participants => "js/node/chatthreadclient/recording_successfully_adds_participants.json",
    js_deletes_a_message => "js/node/chatthreadclient/recording_successfully_deletes_a_message.json",
    js_gets_the_thread_properties => "js/node/chatthreadclient/recording_successfully_gets_the_thread_properties.json",
    js_initializes_chatthreadclient => "js/node/chatthreadclient/recording_successfully_initializes_chatthreadclient.json",
    js_lists_messages_one_by_one_and_by_page => "js/node/chatthreadclient/recording_successfully_lists_messages_one_by_one_and_by_page.json",
    js_lists_participants => "js/node/chatthreadclient/recording_successfully_lists_participants.json",
    js_lists_read_receipts => "js/node/chatthreadclient/recording_successfully_lists_read_receipts.json",
    js_remove_a_participant => "js/node/chatthreadclient/recording_successfully_remove_a_participant.json",
    js_sends_a_message => "js/node/chatthreadclient/recording_successfully_sends_a_message.json",
    js_sends_read_receipt => "js/node/chatthreadclient/recording_successfully_sends_read_receipt.json",
    js_sends_typing_notification => "js/node/chatthreadclient/recording_successfully_sends_typing_notification.json",
}

/// The replay is not vacuous: a recorded request our client would not send is caught.
#[test]
fn a_request_body_our_client_would_not_send_is_a_mismatch() {
    let path = format!(
        "{RECORDINGS}/js/node/chatthreadclient/recording_successfully_adds_participants.json"
    );
    let mut recording = Recording::load(path).unwrap();
    // Our client writes `communicationUser.id` as the raw id; claim the SDK wrote another.
    let body = &mut recording.entries[1].request_body;
    body["participants"][0]["communicationIdentifier"]["communicationUser"]["id"] =
        serde_json::json!("8:acs:someone-else");
    let report = replay_recording(&recording, matcher());
    assert_eq!(report.mismatches.len(), 1, "{:?}", report.problems());
    let difference = report.mismatches[0].difference.as_ref().unwrap();
    assert_eq!(difference.part, "body");
    assert!(report.unused.contains(&1));
}

/// A listing that follows a `nextLink` the recording does not hold fails the replay.
#[test]
fn a_page_missing_from_the_recording_is_a_mismatch() {
    let path = format!(
        "{RECORDINGS}/js/node/chatthreadclient/recording_successfully_lists_messages_one_by_one_and_by_page.json"
    );
    let mut recording = Recording::load(path).unwrap();
    recording.entries.truncate(2);
    let report = replay_recording(&recording, matcher());
    assert_eq!(report.mismatches.len(), 1);
    assert_eq!(report.mismatches[0].entry, None);
    assert!(report.mismatches[0].uri.contains("syncState="));
    assert!(report.steps[1].result.is_err());
}
