//! `TestSession` in each mode: playback needs no network and reads no credentials, record
//! writes a recording the checker passes, emulator and live talk to the right place, and the
//! errors for a missing recording or a request off the recording say what to do.

mod cli_support;
mod flows;

use std::cell::RefCell;
use std::rc::Rc;

use std::time::{Duration, UNIX_EPOCH};

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use chat_core::identity::TokenScope;
use chat_core::Error;
use chat_testkit::emulator::Emulator;
use chat_testkit::recording::{fake_token, Recording};
use chat_testkit::replay::ReplayServer;
use chat_testkit::session::PLAYBACK_ACCESS_KEY;
use chat_testkit::{SessionError, TestMode, TestSession};
use chat_ureq::{ChatClient, ClientOptions, CommunicationTokenCredential, IdentityClient};
use cli_support::{chat_replay, TempDir};

/// Variables the session asked for, in order.
type Asked = Rc<RefCell<Vec<String>>>;

/// A session of `name` in `dir`, with an environment of `vars` that notes what is read.
fn start_session(
    name: &str,
    dir: &TempDir,
    vars: &[(&str, &str)],
) -> (Result<TestSession, SessionError>, Asked) {
    let vars: Vec<(String, String)> = vars
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    let asked = Asked::default();
    let log = Rc::clone(&asked);
    let session = TestSession::builder(name)
        .recordings_dir(dir.path())
        .env(move |name| {
            log.borrow_mut().push(name.to_owned());
            vars.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone())
        })
        .start();
    (session, asked)
}

/// A record-mode session of `name` in `dir`, to `emulator`.
fn recording_session(
    name: &str,
    dir: &TempDir,
    emulator: &Emulator,
) -> (Result<TestSession, SessionError>, Asked) {
    let cs = emulator.connection_string();
    start_session(
        name,
        dir,
        &[("ACS_TEST_MODE", "record"), ("ACS_CONNECTION_STRING", &cs)],
    )
}

/// Records `name` against a fresh emulator with the blocking flow; returns its lines.
fn record(name: &str, dir: &TempDir) -> Vec<String> {
    let emulator = Emulator::start();
    let (session, _) = recording_session(name, dir, &emulator);
    let session = session.unwrap();
    assert_eq!(session.mode(), TestMode::Record);
    let lines = flows::blocking(&session.connection_string()).unwrap();
    session.finish().unwrap();
    lines
}

#[test]
fn playback_needs_no_network_and_reads_no_credentials() {
    let dir = TempDir::new("playback");
    let recorded = record("quickstart", &dir);

    // No emulator runs now. A connection string is there to be read, and is not.
    let (session, asked) = start_session(
        "quickstart",
        &dir,
        &[
            ("ACS_TEST_MODE", "playback"),
            (
                "ACS_CONNECTION_STRING",
                "endpoint=https://unreachable.invalid/;accesskey=c2VjcmV0",
            ),
        ],
    );
    let session = session.unwrap();
    assert_eq!(session.mode(), TestMode::Playback);
    let endpoint = session.endpoint().to_owned();
    let port = endpoint
        .strip_prefix("http://127.0.0.1:")
        .unwrap_or_else(|| panic!("{endpoint} is not on loopback"));
    assert!(port.parse::<u16>().is_ok(), "{endpoint}");
    assert_eq!(
        session.connection_string(),
        format!("endpoint={endpoint}/;accesskey={PLAYBACK_ACCESS_KEY}")
    );
    let played = flows::blocking(&session.connection_string()).unwrap();
    assert_eq!(played, recorded);
    session.finish().unwrap();
    assert_eq!(*asked.borrow(), ["ACS_TEST_MODE"]);

    // Playback is the default.
    let (session, asked) = start_session("quickstart", &dir, &[]);
    assert_eq!(session.unwrap().mode(), TestMode::Playback);
    assert_eq!(*asked.borrow(), ["ACS_TEST_MODE"]);
}

/// An async test, as a chat-hyper user writes it: the session runs beside its runtime.
#[tokio::test]
async fn record_writes_a_recording_that_chat_replay_check_passes() {
    let dir = TempDir::new("record");
    let emulator = Emulator::start();
    let (session, asked) = recording_session("async_quickstart", &dir, &emulator);
    let session = session.unwrap();
    assert_eq!(*asked.borrow(), ["ACS_TEST_MODE", "ACS_CONNECTION_STRING"]);
    assert!(session.endpoint().starts_with("http://127.0.0.1:"));
    assert_ne!(session.endpoint(), emulator.endpoint());
    flows::non_blocking(&session.connection_string())
        .await
        .unwrap();
    let path = session.recording_path().to_owned();
    assert_eq!(path, dir.path().join("async_quickstart.json"));
    session.finish().unwrap();

    let text = std::fs::read_to_string(&path).unwrap();
    assert!(!text.contains(emulator.access_key_base64()));
    let output = chat_replay()
        .args(["check", &dir.join("")])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{stdout}");
    let entries = Recording::load(&path).unwrap().entries.len();
    assert!(entries > 20, "{entries}");
    assert_eq!(stdout.trim_end(), format!("{entries} passed, 0 failed"));
}

#[test]
fn emulator_mode_runs_against_the_in_process_emulator() {
    let dir = TempDir::new("emulator");
    let (session, asked) = start_session("in_emulator", &dir, &[("ACS_TEST_MODE", "Emulator")]);
    let session = session.unwrap();
    assert_eq!(session.mode(), TestMode::Emulator);
    assert!(session.endpoint().starts_with("http://127.0.0.1:"));
    assert!(!session.connection_string().contains(PLAYBACK_ACCESS_KEY));
    // The emulator checks HMAC signatures: the flow passing shows the key is the emulator's.
    flows::blocking(&session.connection_string()).unwrap();
    session.finish().unwrap();
    assert_eq!(*asked.borrow(), ["ACS_TEST_MODE"]);
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
}

#[test]
fn live_mode_goes_straight_to_the_resource() {
    let dir = TempDir::new("live");
    let resource = Emulator::start();
    let cs = resource.connection_string();
    let (session, _) = start_session(
        "in_live",
        &dir,
        &[("ACS_TEST_MODE", "live"), ("ACS_CONNECTION_STRING", &cs)],
    );
    let session = session.unwrap();
    assert_eq!(session.mode(), TestMode::Live);
    assert_eq!(session.endpoint(), resource.endpoint());
    assert_eq!(session.connection_string(), cs);
    flows::blocking(&session.connection_string()).unwrap();
    session.finish().unwrap();
    assert!(resource.request_count_matching("POST", "/messages").handled >= 5);
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
}

#[test]
fn a_missing_recording_says_how_to_record_it() {
    let dir = TempDir::new("missing");
    let (session, _) = start_session("never_recorded", &dir, &[]);
    let err = session.unwrap_err();
    let path = dir.path().join("never_recorded.json");
    assert_eq!(
        err,
        SessionError::MissingRecording {
            test: "never_recorded".into(),
            path: path.clone(),
        }
    );
    assert_eq!(
        err.to_string(),
        format!(
            "no recording for test `never_recorded` at {}: record it once against your \
             resource with ACS_TEST_MODE=record ACS_CONNECTION_STRING=\"endpoint=https://\
             <resource>.communication.azure.com/;accesskey=<key>\" cargo test never_recorded, \
             then commit the file",
            path.display()
        )
    );
}

#[test]
fn record_and_live_need_a_connection_string_and_names_must_be_file_names() {
    let dir = TempDir::new("no-cs");
    for mode in ["record", "live"] {
        let (session, _) = start_session("t", &dir, &[("ACS_TEST_MODE", mode)]);
        assert_eq!(
            session.unwrap_err().to_string(),
            format!(
                "ACS_TEST_MODE={mode} needs ACS_CONNECTION_STRING=\"endpoint=https://\
                 <resource>.communication.azure.com/;accesskey=<key>\""
            )
        );
    }
    let (session, _) = start_session("t", &dir, &[("ACS_TEST_MODE", "replay")]);
    assert!(matches!(
        session.unwrap_err(),
        SessionError::UnknownMode { .. }
    ));
    let (session, _) = start_session("../escape", &dir, &[]);
    assert_eq!(
        session.unwrap_err().to_string(),
        "\"../escape\" cannot name a recording: use letters, digits, `_`, `-` and `.`"
    );
}

#[test]
fn a_request_off_the_recording_fails_with_what_differs() {
    let dir = TempDir::new("off");
    let emulator = Emulator::start();
    let (session, _) = recording_session("greeting", &dir, &emulator);
    let session = session.unwrap();
    let thread_id = greet(&session, "Hello").unwrap();
    session.finish().unwrap();
    drop(emulator);

    // The test changed: it greets differently now.
    let (session, _) = start_session("greeting", &dir, &[]);
    let session = session.unwrap();
    let err = greet(&session, "Hi!").unwrap_err();
    let Error::Service(e) = &err else {
        panic!("{err:?}")
    };
    let recording = Recording::load(session.recording_path()).unwrap();
    let path = format!(
        "/chat/threads/{}/messages?api-version=2025-03-15",
        thread_id.replace(':', "%3A").replace('@', "%40")
    );
    let mismatch = format!(
        "POST {path} matches no recorded request: body differs: $.content: ours \"Hi!\", \
         recorded \"Hello\" (closest recorded request: entry 2, POST {})",
        recording.entries[2].request_uri
    );
    assert_eq!(e.status, 404);
    assert_eq!(e.code(), Some("ReplayMismatch"));
    assert_eq!(e.error.as_ref().unwrap().message, mismatch);
    let recording_path = session.recording_path().display().to_string();
    assert_eq!(
        session.finish().unwrap_err().to_string(),
        format!(
            "test `greeting` did not follow its recording {recording_path}\n  {mismatch}\n  \
             recorded entries [2] were never requested\nif the test changed on purpose, record \
             it again with ACS_TEST_MODE=record"
        )
    );
}

/// A user creates a thread and sends `greeting`; returns the thread id.
fn greet(session: &TestSession, greeting: &str) -> Result<String, Error> {
    let identity = IdentityClient::from_connection_string_with_options(
        &session.connection_string(),
        session.client_options(),
    )?;
    let user = identity.create_user_and_token([TokenScope::Chat]).call()?;
    let token = user.access_token.ok_or(Error::token_refresh("no token"))?;
    let chat = ChatClient::with_options(
        session.endpoint(),
        CommunicationTokenCredential::new(token),
        session.client_options(),
    )?;
    let thread_id = chat.create_chat_thread("Greetings").call()?.thread.id;
    chat.chat_thread_client(&thread_id)
        .send_message(greeting)
        .call()?;
    Ok(thread_id)
}

#[test]
fn a_recording_whose_token_has_expired_still_plays_back() {
    let dir = TempDir::new("expired");
    let emulator = Emulator::start();
    let (session, _) = recording_session("greeting", &dir, &emulator);
    let session = session.unwrap();
    greet(&session, "Hello").unwrap();
    let path = session.recording_path().to_owned();
    session.finish().unwrap();
    drop(emulator);

    // Years later: the recorded token expired on 2023-11-14T22:13:20Z.
    let mut recording = Recording::load(&path).unwrap();
    let expired = format!(
        "eyJhbGciOiJub25lIn0.{}.c2ln",
        URL_SAFE_NO_PAD.encode(r#"{"exp":1700000000}"#)
    );
    let access_token = &mut recording.entries[0].response_body["accessToken"];
    access_token["token"] = fake_token::stand_in(&expired).into();
    access_token["expiresOn"] = "2023-11-14T22:13:20.0000000+00:00".into();
    recording.save(&path).unwrap();

    // A client that refuses expired tokens still runs the session: the replay server renews
    // the stand-in, and the expiry beside it.
    let (session, _) = start_session("greeting", &dir, &[]);
    let session = session.unwrap();
    greet(&session, "Hello").unwrap();
    session.finish().unwrap();

    // What the client was given: the renewed expiry.
    let server = ReplayServer::for_clients(0, &recording).unwrap();
    let identity = IdentityClient::from_connection_string_with_options(
        &format!(
            "endpoint={}/;accesskey={PLAYBACK_ACCESS_KEY}",
            server.endpoint()
        ),
        ClientOptions::default().allow_loopback_http(true),
    )
    .unwrap();
    let created = identity
        .create_user_and_token([TokenScope::Chat])
        .call()
        .unwrap();
    let renewed = UNIX_EPOCH + Duration::from_secs(fake_token::RENEWED_EXPIRY);
    assert_eq!(created.access_token.unwrap().expires_on(), renewed);
}
