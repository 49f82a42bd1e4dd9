//! Runs `chat-replay record` / `serve` as a child process the way a user does: reads its
//! `listening on` line, and stops it by closing its standard input. Every wait has a generous
//! limit, so a broken binary fails the test instead of hanging it.
#![allow(dead_code, unreachable_pub)]

use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// How long a child may take to say where it listens, or to stop.
pub const PATIENCE: Duration = Duration::from_secs(120);

/// The `chat-replay` binary of this package.
pub fn chat_replay() -> Command {
    Command::new(env!("CARGO_BIN_EXE_chat-replay"))
}

/// A running `chat-replay record` or `serve`.
pub struct Cli {
    child: Child,
    stdin: Option<ChildStdin>,
    pub endpoint: String,
    lines: mpsc::Receiver<String>,
    stderr: Option<std::thread::JoinHandle<String>>,
}

/// What a stopped child printed.
#[derive(Debug)]
pub struct Stopped {
    pub status: ExitStatus,
    /// Standard output after the `listening on` line.
    pub stdout: String,
    pub stderr: String,
}

impl Cli {
    /// Starts `chat-replay <args>` and waits for its `listening on` line.
    pub fn start(args: &[&str]) -> Self {
        let mut child = chat_replay()
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("chat-replay starts");
        let stdin = child.stdin.take();
        let stdout = child.stdout.take().expect("stdout");
        let mut stderr = child.stderr.take().expect("stderr");
        let (tx, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        let stderr = Some(std::thread::spawn(move || {
            let mut text = String::new();
            let _ = stderr.read_to_string(&mut text);
            text
        }));
        let first = lines.recv_timeout(PATIENCE).unwrap_or_else(|_| {
            let _ = child.kill();
            panic!("chat-replay {args:?} printed no line")
        });
        let endpoint = first
            .strip_prefix("listening on ")
            .unwrap_or_else(|| panic!("first line: {first:?}"))
            .to_owned();
        Self {
            child,
            stdin,
            endpoint,
            lines,
            stderr,
        }
    }

    /// `chat-replay record --upstream <upstream> --out <file> --port 0`.
    pub fn record(upstream: &str, file: &str) -> Self {
        Self::start(&[
            "record",
            "--upstream",
            upstream,
            "--out",
            file,
            "--port",
            "0",
        ])
    }

    /// Closes standard input (end of input: the child stops) and waits for it to exit.
    pub fn stop(mut self) -> Stopped {
        drop(self.stdin.take());
        let deadline = Instant::now() + PATIENCE;
        let status = loop {
            if let Some(status) = self.child.try_wait().expect("wait") {
                break status;
            }
            if Instant::now() > deadline {
                let _ = self.child.kill();
                panic!("chat-replay did not stop at the end of its input");
            }
            std::thread::sleep(Duration::from_millis(20));
        };
        let stdout: Vec<String> = self.lines.try_iter().collect();
        let stderr = self
            .stderr
            .take()
            .and_then(|reader| reader.join().ok())
            .unwrap_or_default();
        Stopped {
            status,
            stdout: stdout.join("\n"),
            stderr,
        }
    }

    /// Kills the child (SIGKILL: it cannot write anything more) and waits for it.
    pub fn kill(mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Cli {
    fn drop(&mut self) {
        if matches!(self.child.try_wait(), Ok(None)) {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// A fresh empty folder under the system's temporary folder, removed when dropped.
pub struct TempDir(pub PathBuf);

impl TempDir {
    pub fn new(name: &str) -> Self {
        let unique = format!(
            "chat-testkit-{name}-{}-{}",
            std::process::id(),
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_nanos())
        );
        let path = std::env::temp_dir().join(unique);
        std::fs::create_dir_all(&path).expect("temp dir");
        Self(path)
    }

    pub fn path(&self) -> &Path {
        &self.0
    }

    pub fn join(&self, name: &str) -> String {
        self.0.join(name).to_string_lossy().into_owned()
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A connection string for `endpoint` with a key that is not the upstream's: identity calls only
/// succeed through a proxy that signs them again.
pub fn connection_string(endpoint: &str) -> String {
    format!("endpoint={endpoint}/;accesskey=bm90LXRoZS11cHN0cmVhbS1rZXk=")
}
