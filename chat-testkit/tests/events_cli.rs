//! `acs-emulator --webhook URL --event-schema ...`: documented in `--help`, and delivering to
//! the webhook from a separate process.

mod events_support;

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use chat_core::events::{EventData, EventSchema, Webhook};
use chat_core::identity::TokenScope;
use chat_testkit::emulator::WebhookReceiver;
use chat_ureq::{ChatClient, ClientOptions, CommunicationTokenCredential, IdentityClient};
use events_support::WAIT;

const EMULATOR: &str = env!("CARGO_BIN_EXE_acs-emulator");

#[test]
fn help_documents_the_webhook_flags() {
    let out = Command::new(EMULATOR).arg("--help").output().unwrap();
    assert!(out.status.success());
    let help = String::from_utf8(out.stdout).unwrap();
    for flag in [
        "--webhook URL",
        "--event-schema SCHEMA",
        "eventgrid",
        "cloudevents",
    ] {
        assert!(help.contains(flag), "{flag} missing from:\n{help}");
    }
    let bad = Command::new(EMULATOR)
        .args(["--event-schema", "xml"])
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(2));
}

/// Kills the child on every exit path of the test.
struct Child(std::process::Child);

impl Drop for Child {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn the_standalone_emulator_delivers_cloud_events_to_its_webhook() {
    let receiver = WebhookReceiver::start(Webhook::new()).unwrap();
    let mut child = Child(
        Command::new(EMULATOR)
            .args(["--port", "0", "--webhook", &receiver.url()])
            .args(["--event-schema", "cloudevents"])
            .stdout(Stdio::piped())
            .spawn()
            .unwrap(),
    );
    let mut lines = BufReader::new(child.0.stdout.take().unwrap()).lines();
    let mut connection_string = None;
    for line in lines.by_ref() {
        let line = line.unwrap();
        if let Some(cs) = line.strip_prefix("connection string: ") {
            connection_string = Some(cs.to_owned());
        }
        if line.starts_with("webhook sub-1: ") {
            assert!(line.ends_with("(cloudevents)"), "{line}");
            break;
        }
    }
    let options = ClientOptions::default().allow_loopback_http(true);
    let identity = IdentityClient::from_connection_string_with_options(
        &connection_string.unwrap(),
        options.clone(),
    )
    .unwrap();
    let me = identity
        .create_user_and_token([TokenScope::Chat])
        .call()
        .unwrap();
    let endpoint = identity.endpoint().as_str().to_owned();
    let credential = CommunicationTokenCredential::new(me.access_token.unwrap());
    let chat = ChatClient::with_options(&endpoint, credential, options).unwrap();
    let thread = chat
        .create_chat_thread("From a process")
        .call()
        .unwrap()
        .thread;
    chat.chat_thread_client(&thread.id)
        .send_message("Hi")
        .call()
        .unwrap();

    // Thread created (in thread, and to its one participant), message received in thread.
    assert!(receiver.wait_for_events(3, WAIT));
    let events = receiver.events();
    assert!(events.iter().all(|e| e.schema == EventSchema::CloudEvents));
    assert!(events.iter().any(|e| matches!(
        &e.data,
        EventData::ChatMessageReceivedInThread(m) if m.message_body == "Hi" && m.thread_id == thread.id
    )));
    assert_eq!(receiver.handshakes(), 1);
}
