//! Record once, replay forever, for both transports: the quickstart flow with paged listings
//! goes through `chat-replay record` to the emulator; the emulator is stopped; the same flow
//! then runs against `chat-replay serve` on the recording and prints the very same lines, ids
//! and times included.

mod cli_support;
mod flows;

use chat_core::Error;
use chat_testkit::emulator::Emulator;
use chat_testkit::recording::{check_folder, Recording};
use cli_support::{connection_string, Cli, TempDir};

/// Records `flow` through the proxy against a fresh emulator, stops the emulator, plays the
/// recording back through the server, and returns both runs' lines.
fn round_trip(
    name: &str,
    flow: impl Fn(&str) -> Result<Vec<String>, Error>,
) -> (Vec<String>, Vec<String>) {
    let dir = TempDir::new(name);
    let file = dir.join(&format!("{name}.json"));

    let emulator = Emulator::start();
    let proxy = Cli::record(&emulator.connection_string(), &file);
    // The client's key is not the emulator's: identity calls pass because the proxy signs them
    // again with the key of the connection string it was given.
    let recorded = flow(&connection_string(&proxy.endpoint)).expect("the recorded run");
    let stopped = proxy.stop();
    assert!(stopped.status.success(), "{stopped:?}");
    let entries = Recording::load(&file).unwrap().entries.len();
    assert!(
        stopped
            .stdout
            .starts_with(&format!("recorded {entries} exchanges to ")),
        "{stopped:?}"
    );
    let served_by_emulator = emulator.request_count_matching("GET", "/chat/threads");
    assert!(served_by_emulator.handled > 0);
    drop(emulator);

    let server = Cli::start(&["serve", &file, "--port", "0"]);
    let played = flow(&connection_string(&server.endpoint)).expect("the played-back run");
    let stopped = server.stop();
    assert_eq!(
        stopped.stdout,
        format!("answered {entries} of {entries} recorded requests; 0 did not match"),
        "{stopped:?}"
    );
    assert!(stopped.status.success(), "{stopped:?}");
    assert!(!stopped.stderr.contains("mismatch"), "{}", stopped.stderr);

    // What was written is a recording like any other: every entry parses.
    let report = check_folder(dir.path()).unwrap();
    assert_eq!(
        report.summary(),
        format!("{entries} passed, 0 failed"),
        "{:#?}",
        report.failures
    );
    (recorded, played)
}

#[test]
fn the_blocking_flow_plays_back_exactly_as_recorded() {
    let (recorded, played) = round_trip("ureq-flow", flows::blocking);
    assert_eq!(recorded, played);
    assert_listing_is_paged(&played);
}

#[test]
fn the_async_flow_plays_back_exactly_as_recorded() {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let (recorded, played) =
        round_trip("hyper-flow", |cs| runtime.block_on(flows::non_blocking(cs)));
    assert_eq!(recorded, played);
    assert_listing_is_paged(&played);
}

/// The flow saw what it should: service ids, several pages, the partial failure, the 404.
fn assert_listing_is_paged(lines: &[String]) {
    let text = lines.join("\n");
    assert!(text.contains("users 8:acs:"), "{text}");
    assert!(text.contains("thread 19:"), "{text}");
    for page in [
        "messages page 0:",
        "messages page 2:",
        "participants page 1:",
    ] {
        assert!(text.contains(page), "{page} in\n{text}");
    }
    assert!(text.contains("could not add 4:+14255550123"), "{text}");
    assert!(text.contains("\nafter delete: 404 "), "{text}");
}
