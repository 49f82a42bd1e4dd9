//! The checker over the recorded sessions: every chat and identity interaction routes to the
//! core's parser and parses, counted independently from the JSON files; and over made-up
//! recordings, failures are named and counted rather than skipped.

use std::path::{Path, PathBuf};
use std::process::Command;

use chat_testkit::recording::check_folder;

const RECORDINGS: &str = chat_testkit::RECORDINGS_DIR;
const CHECKER: &str = env!("CARGO_BIN_EXE_chat-replay");

/// Counts `Entries` in every `*.json` file under `dir`, reading the JSON directly.
fn count_entries(dir: &Path) -> usize {
    let mut n = 0;
    for item in std::fs::read_dir(dir).unwrap() {
        let path = item.unwrap().path();
        if path.is_dir() {
            n += count_entries(&path);
        } else if path.extension().is_some_and(|e| e == "json") {
            let v: serde_json::Value =
                serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
            n += v["Entries"].as_array().unwrap().len();
        }
    }
    n
}

fn run_checker(folder: &Path) -> (Option<i32>, Vec<String>) {
    let out = Command::new(CHECKER)
        .arg("check")
        .arg(folder)
        .output()
        .unwrap();
    let stdout = String::from_utf8(out.stdout).unwrap();
    (
        out.status.code(),
        stdout.lines().map(str::to_owned).collect(),
    )
}

fn check_recorded(folder: &str, expected: usize) {
    let dir = PathBuf::from(RECORDINGS).join(folder);
    assert_eq!(count_entries(&dir), expected, "entries in {folder}");
    let report = check_folder(&dir).unwrap();
    let failures: Vec<String> = report.failures.iter().map(ToString::to_string).collect();
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert_eq!(report.passed, expected);
    assert_eq!(report.summary(), format!("{expected} passed, 0 failed"));

    let (code, lines) = run_checker(&dir);
    assert_eq!(code, Some(0), "{lines:?}");
    assert_eq!(lines, [format!("{expected} passed, 0 failed")]);
}

#[test]
fn python_recordings_all_parse() {
    check_recorded("python", 51);
}

#[test]
fn python_testproxy_recordings_all_parse() {
    check_recorded("python-testproxy", 27);
}

#[test]
fn js_recordings_all_parse() {
    check_recorded("js", 19);
}

#[test]
fn the_three_folders_hold_97_interactions() {
    let total: usize = ["python", "python-testproxy", "js"]
        .iter()
        .map(|f| count_entries(&PathBuf::from(RECORDINGS).join(f)))
        .sum();
    assert_eq!(total, 97);
}

/// A scratch folder unique to this test process and name.
fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("chat-replay-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("nested")).unwrap();
    dir
}

fn entry(method: &str, uri: &str, status: u16, response: serde_json::Value) -> serde_json::Value {
    serde_json::json!({
        "RequestUri": uri, "RequestMethod": method, "RequestHeaders": {},
        "RequestBody": null, "StatusCode": status, "ResponseHeaders": {},
        "ResponseBody": response,
    })
}

#[test]
fn unknown_operations_and_bad_bodies_fail_by_name() {
    let dir = scratch("failures");
    let good = entry(
        "GET",
        "/chat/threads/19%3Aa%40thread.v2/messages/1?api-version=2023-11-07",
        200,
        serde_json::json!({"id": "1", "type": "text", "sequenceId": "1", "version": "1",
            "createdOn": "2023-01-01T00:00:00Z"}),
    );
    let error_status = entry(
        "DELETE",
        "https://h.example/chat/threads/x?api-version=2023-11-07",
        403,
        serde_json::json!({"error": {"code": "Forbidden", "message": "no"}}),
    );
    let bad_body = entry(
        "GET",
        "/chat/threads/x?api-version=2023-11-07",
        200,
        serde_json::json!({"id": "x"}),
    );
    let foreign = entry(
        "GET",
        "https://example.com/weather?city=x",
        200,
        serde_json::json!({}),
    );
    let recording = serde_json::json!({"Entries": [good, error_status, bad_body], "Variables": {}});
    std::fs::write(dir.join("a.json"), recording.to_string()).unwrap();
    let other = serde_json::json!({"Entries": [foreign]});
    std::fs::write(dir.join("nested/b.json"), other.to_string()).unwrap();
    std::fs::write(dir.join("nested/c.json"), "not json").unwrap();
    std::fs::write(dir.join("ignored.yaml"), "x: 1").unwrap();

    let report = check_folder(&dir).unwrap();
    assert_eq!(report.passed, 2, "{:?}", report.failures);
    assert_eq!(report.summary(), "2 passed, 3 failed");
    let [bad, unknown, not_json] = report.failures.as_slice() else {
        panic!("{:?}", report.failures)
    };
    assert_eq!((bad.entry, bad.method.as_str()), (Some(2), "GET"));
    assert_eq!(bad.path, "/chat/threads/x");
    assert!(
        bad.reason.starts_with("GetThreadProperties: status 200"),
        "{}",
        bad.reason
    );
    assert_eq!(unknown.entry, Some(0));
    assert_eq!(unknown.path, "/weather");
    assert_eq!(unknown.reason, "no operation matches");
    assert_eq!(not_json.entry, None);

    let (code, lines) = run_checker(&dir);
    assert_eq!(code, Some(1));
    assert_eq!(lines.len(), 4, "{lines:?}");
    assert!(lines[0].contains("a.json entry 2: GET /chat/threads/x: GetThreadProperties"));
    assert!(lines[1].contains("b.json entry 0: GET /weather: no operation matches"));
    assert!(lines[2].contains("c.json"));
    assert_eq!(lines[3], "2 passed, 3 failed");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn usage_errors_exit_with_2() {
    let out = Command::new(CHECKER).arg("frobnicate").output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let out = Command::new(CHECKER)
        .args(["check", "/nonexistent/chat-replay-folder"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}
