//! `chat-replay`: tools over recorded sessions.
//!
//! `chat-replay check <folder>` routes every recorded chat or identity interaction in the
//! folder (recursively, `*.json` test-proxy files) to the core's parser for that operation,
//! prints one line per failure, and ends with `N passed, M failed`. The exit code is 1 when
//! anything failed, 2 on a usage or I/O error.

use std::process::ExitCode;

use chat_testkit::recording::check_folder;

const USAGE: &str = "usage: chat-replay check <folder>";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [command, folder] = args.as_slice() else {
        eprintln!("{USAGE}");
        return ExitCode::from(2);
    };
    if command != "check" {
        eprintln!("unknown command {command:?}\n{USAGE}");
        return ExitCode::from(2);
    }
    match check_folder(folder) {
        Ok(report) => {
            for failure in &report.failures {
                println!("{failure}");
            }
            println!("{}", report.summary());
            if report.failures.is_empty() {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            }
        }
        Err(e) => {
            eprintln!("chat-replay: {e}");
            ExitCode::from(2)
        }
    }
}
