//! The emulator over TLS: in process (`Emulator::builder().tls()`) and standalone
//! (`acs-emulator --tls`), reached by both clients that trust its certificate through
//! `ClientOptions`, and refused by clients that do not.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

use chat_core::identity::TokenScope;
use chat_core::{Error, TransportErrorKind};
use chat_testkit::emulator::Emulator;

/// Identity, then a thread, three messages and a listing one message per page (the `nextLink`s
/// must be `https://` too, or the pager refuses them), with the blocking client.
fn flow_ureq(connection_string: &str, options: chat_ureq::ClientOptions) -> Result<usize, Error> {
    use chat_ureq::{ChatClient, CommunicationTokenCredential, IdentityClient};
    let identity =
        IdentityClient::from_connection_string_with_options(connection_string, options.clone())?;
    let created = identity.create_user_and_token([TokenScope::Chat]).call()?;
    let token = created.access_token.expect("a token");
    let endpoint = identity.endpoint().as_str().to_owned();
    let chat =
        ChatClient::with_options(&endpoint, CommunicationTokenCredential::new(token), options)?;
    let thread = chat.create_chat_thread("over tls").call()?.thread.id;
    let thread = chat.chat_thread_client(thread);
    for text in ["one", "two", "three"] {
        thread.send_message(text).call()?;
    }
    let mut pages = 0;
    for page in thread.list_messages().max_page_size(1).pages() {
        page?;
        pages += 1;
    }
    Ok(pages)
}

/// The same flow with the async client.
async fn flow_hyper(
    connection_string: &str,
    options: chat_hyper::ClientOptions,
) -> Result<usize, Error> {
    use chat_hyper::{ChatClient, CommunicationTokenCredential, IdentityClient};
    let identity =
        IdentityClient::from_connection_string_with_options(connection_string, options.clone())?;
    let created = identity.create_user_and_token([TokenScope::Chat]).await?;
    let token = created.access_token.expect("a token");
    let endpoint = identity.endpoint().as_str().to_owned();
    let chat =
        ChatClient::with_options(&endpoint, CommunicationTokenCredential::new(token), options)?;
    let thread = chat.create_chat_thread("over tls").await?.thread.id;
    let thread = chat.chat_thread_client(thread);
    for text in ["one", "two", "three"] {
        thread.send_message(text).await?;
    }
    let mut pages = 0;
    let mut listing = thread.list_messages().max_page_size(1).pages();
    while let Some(page) = listing.next().await {
        page?;
        pages += 1;
    }
    Ok(pages)
}

/// Three messages and the two system messages of a new thread (creator added, topic), one a page.
const PAGES: usize = 5;

fn assert_tls_refusal(result: Result<usize, Error>) {
    let err = result.unwrap_err();
    let Error::Transport(t) = &err else {
        panic!("{err:?}")
    };
    assert_eq!(t.kind, TransportErrorKind::Tls, "{t}");
    assert!(!t.may_have_reached_service);
}

#[test]
fn the_blocking_client_runs_the_flow_when_it_trusts_the_emulator_and_only_then() {
    let emulator = Emulator::builder().tls().start().unwrap();
    assert!(emulator.endpoint().starts_with("https://127.0.0.1:"));
    assert!(emulator
        .connection_string()
        .starts_with("endpoint=https://127.0.0.1:"));
    let der = emulator.root_certificate_der().unwrap();
    let trusting = chat_ureq::ClientOptions::default().add_root_certificate(der);
    assert_eq!(
        flow_ureq(&emulator.connection_string(), trusting).unwrap(),
        PAGES
    );
    let pem = emulator.root_certificate_pem().unwrap();
    let from_pem = chat_ureq::ClientOptions::default()
        .add_root_certificates_pem(pem.as_bytes())
        .unwrap();
    assert_eq!(
        flow_ureq(&emulator.connection_string(), from_pem).unwrap(),
        PAGES
    );
    assert_tls_refusal(flow_ureq(
        &emulator.connection_string(),
        chat_ureq::ClientOptions::default(),
    ));
    // Another emulator's authority is no good either.
    let other = Emulator::builder().tls().start().unwrap();
    let wrong = chat_ureq::ClientOptions::default()
        .add_root_certificate(other.root_certificate_der().unwrap());
    assert_tls_refusal(flow_ureq(&emulator.connection_string(), wrong));
}

#[tokio::test]
async fn the_async_client_runs_the_flow_when_it_trusts_the_emulator_and_only_then() {
    let emulator = Emulator::builder().tls().start().unwrap();
    let der = emulator.root_certificate_der().unwrap();
    let trusting = chat_hyper::ClientOptions::default().add_root_certificate(der);
    assert_eq!(
        flow_hyper(&emulator.connection_string(), trusting)
            .await
            .unwrap(),
        PAGES
    );
    assert_tls_refusal(
        flow_hyper(
            &emulator.connection_string(),
            chat_hyper::ClientOptions::default(),
        )
        .await,
    );
}

#[test]
fn a_certificate_for_other_names_fails_the_handshake_and_plain_emulators_have_none() {
    let emulator = Emulator::builder()
        .tls_names(&["emulator.example"])
        .start()
        .unwrap();
    let options = chat_ureq::ClientOptions::default()
        .add_root_certificate(emulator.root_certificate_der().unwrap());
    assert_tls_refusal(flow_ureq(&emulator.connection_string(), options));
    let plain = Emulator::start();
    assert!(plain.endpoint().starts_with("http://"));
    assert_eq!(plain.root_certificate_der(), None);
    assert_eq!(plain.root_certificate_pem(), None);
}

/// The standalone emulator, stopped when dropped.
struct Standalone(Child);

impl Drop for Standalone {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn acs_emulator_tls_prints_the_https_endpoint_and_writes_its_certificate() {
    let help = Command::new(env!("CARGO_BIN_EXE_acs-emulator"))
        .arg("--help")
        .output()
        .unwrap();
    let help = String::from_utf8(help.stdout).unwrap();
    assert!(help.contains("--tls"), "{help}");
    assert!(help.contains("CA certificate"), "{help}");

    let ca_file = std::env::temp_dir().join(format!(
        "chat-testkit-emulator-tls-{}.pem",
        std::process::id()
    ));
    let mut child = Standalone(
        Command::new(env!("CARGO_BIN_EXE_acs-emulator"))
            .args(["--port", "0", "--tls", "--ca-out"])
            .arg(&ca_file)
            .stdout(Stdio::piped())
            .spawn()
            .unwrap(),
    );
    let stdout = child.0.stdout.take().unwrap();
    let mut lines = BufReader::new(stdout).lines();
    let mut field = |prefix: &str| {
        let line = lines.next().expect("a line").unwrap();
        line.strip_prefix(prefix)
            .unwrap_or_else(|| panic!("{line:?} does not start with {prefix:?}"))
            .to_owned()
    };
    let endpoint = field("listening on ");
    let connection_string = field("connection string: ");
    let printed_path = field("CA certificate: ");
    assert!(endpoint.starts_with("https://127.0.0.1:"), "{endpoint}");
    assert!(connection_string.starts_with(&format!("endpoint={endpoint}/;accesskey=")));
    assert_eq!(printed_path, ca_file.display().to_string());

    let pem = std::fs::read(&ca_file).unwrap();
    let options = chat_ureq::ClientOptions::default()
        .add_root_certificates_pem(&pem)
        .unwrap();
    assert_eq!(flow_ureq(&connection_string, options).unwrap(), PAGES);
    drop(child);
    let _ = std::fs::remove_file(&ca_file);
}
