//! The recording reader, router, matcher and replayer on any text: never a panic. A recording
//! that reads also writes back and reads again with the same entries, and each entry's own
//! request matches it. The seeds are the vendored recordings (whole files and one entry each).
#![no_main]

use chat_testkit::recording::check::check_entry;
use chat_testkit::recording::format::DEFAULT_BASE;
use chat_testkit::recording::scrub::{restored_response_body, scrub_entry};
use chat_testkit::recording::{route, Matcher, Recording};
use chat_testkit::replay::replay_recording;
use libfuzzer_sys::fuzz_target;
use serde_json::Value;

/// Longer recordings add time, not paths.
const MAX_ENTRIES: usize = 32;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(recording) = Recording::from_json(text) else {
        return;
    };
    if recording.entries.len() > MAX_ENTRIES {
        return;
    }
    let written = recording.to_json();
    let again = Recording::from_json(&written)
        .unwrap_or_else(|e| panic!("a recording we wrote does not read back: {e}\n{written}"));
    assert_eq!(again.entries.len(), recording.entries.len());
    for (a, b) in again.entries.iter().zip(&recording.entries) {
        assert_eq!(
            (&a.request_uri, &a.request_method, a.status_code),
            (&b.request_uri, &b.request_method, b.status_code)
        );
    }

    let matcher = Matcher::new();
    for (index, entry) in recording.entries.iter().enumerate() {
        let _ = (
            entry.path(),
            entry.query(),
            entry.request_header("content-type"),
        );
        let _ = entry.to_response();
        let _ = restored_response_body(&recording.entries, index);
        let _ = check_entry(&recording.entries, index);
        if let Ok(route) = route(entry) {
            let _ = route.name();
        }
        let request = entry.to_request(DEFAULT_BASE);
        if let (Ok(request), false) = (request, has_float(&entry.request_body)) {
            if let Err(d) = matcher.check(&request, entry) {
                panic!("entry {index} does not match its own request: {d}\n{entry:?}");
            }
        }
        let mut scrubbed = entry.clone();
        scrub_entry(&mut scrubbed);
    }
    let _ = replay_recording(&recording, Matcher::new()).problems();
});

/// serde_json reads floats to within a unit in the last place (without its `float_roundtrip`
/// feature), so a float written and read back may differ: a body holding one is not checked
/// against itself.
fn has_float(value: &Value) -> bool {
    match value {
        Value::Number(n) => n.is_f64(),
        Value::Array(items) => items.iter().any(has_float),
        Value::Object(map) => map.values().any(has_float),
        _ => false,
    }
}
