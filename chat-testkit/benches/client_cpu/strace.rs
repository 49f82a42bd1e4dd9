//! System calls per request: a client process is run again under `strace -f`, and the log is
//! cut to the lines between the two marker `stat`s around its measured loop (every thread of
//! the process counts).

use std::collections::BTreeMap;
use std::path::Path;
use std::process::{Command, Stdio};

use crate::measure::{MARKER_END, MARKER_START};

/// The system calls of one measured loop.
#[derive(Clone, Debug, Default)]
pub(crate) struct Syscalls {
    pub(crate) requests: u64,
    pub(crate) total: u64,
    /// Calls that failed with `EAGAIN` (a read or write that found nothing to do).
    pub(crate) eagain: u64,
    pub(crate) by_name: BTreeMap<String, u64>,
}

impl Syscalls {
    pub(crate) fn per_request(&self, count: u64) -> f64 {
        count as f64 / self.requests.max(1) as f64
    }

    /// Calls per request counting only those made at least once per 100 requests (the
    /// steady state; the rest, a buffer growing or a timer, is [`Syscalls::rare`]).
    pub(crate) fn steady_per_request(&self) -> f64 {
        self.total as f64 / self.requests.max(1) as f64 - self.rare_per_request()
    }

    /// Calls per request of the kinds made less than once per 100 requests.
    pub(crate) fn rare_per_request(&self) -> f64 {
        let rare: u64 = self
            .by_name
            .values()
            .filter(|count| self.per_request(**count) < 0.01)
            .sum();
        self.per_request(rare)
    }

    /// `name count/request` pairs, most frequent first.
    pub(crate) fn breakdown(&self) -> String {
        let mut names: Vec<(&String, &u64)> = self.by_name.iter().collect();
        names.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
        // Calls made fewer than once per 100 requests (a buffer growing, say) are summed up.
        let (common, rare): (Vec<_>, Vec<_>) = names
            .into_iter()
            .partition(|(_, count)| self.per_request(**count) >= 0.01);
        let mut parts: Vec<String> = common
            .iter()
            .map(|(name, count)| format!("{name} {:.2}", self.per_request(**count)))
            .collect();
        let rare: u64 = rare.iter().map(|(_, count)| **count).sum();
        if rare > 0 {
            parts.push(format!("{rare} other call(s) in all"));
        }
        parts.join(", ")
    }
}

/// Whether `strace` can be run here.
pub(crate) fn available() -> bool {
    Command::new("strace")
        .arg("-V")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// Runs `command` (which measures `requests` requests between the markers) under
/// `strace -f` and counts the loop's system calls.
pub(crate) fn count(command: &Command, log: &Path, requests: u64) -> Result<Syscalls, String> {
    let program = command.get_program().to_owned();
    let args: Vec<_> = command.get_args().map(ToOwned::to_owned).collect();
    let mut traced = Command::new("strace");
    traced
        .args(["-f", "-qq", "-o"])
        .arg(log)
        .arg(program)
        .args(args);
    for (key, value) in command.get_envs() {
        if let Some(value) = value {
            traced.env(key, value);
        }
    }
    let output = traced.output().map_err(|e| format!("strace: {e}"))?;
    let text = std::fs::read_to_string(log).map_err(|e| format!("strace log: {e}"));
    let _ = std::fs::remove_file(log);
    if !output.status.success() {
        return Err(format!(
            "the traced client failed: {}",
            String::from_utf8_lossy(&output.stderr).trim()
        ));
    }
    parse(&text?, requests)
}

/// Counts the calls between the markers in an `strace -f -o` log (`<pid> name(args) = result`
/// lines; a call interrupted by another thread's is one `<unfinished ...>` line and one
/// `<... name resumed>` line, counted once).
pub(crate) fn parse(log: &str, requests: u64) -> Result<Syscalls, String> {
    let mut lines = log.lines();
    lines
        .by_ref()
        .find(|l| l.contains(MARKER_START))
        .ok_or("no start marker in the strace log")?;
    let mut counts = Syscalls {
        requests,
        ..Syscalls::default()
    };
    let mut ended = false;
    for line in lines {
        if line.contains(MARKER_END) {
            ended = true;
            break;
        }
        // Drop the pid column.
        let call = line
            .trim_start()
            .split_once(char::is_whitespace)
            .map_or(line, |(_, rest)| rest.trim_start());
        if call.contains("EAGAIN") {
            counts.eagain += 1;
        }
        if call.starts_with("<...") || call.starts_with("---") || call.starts_with("+++") {
            continue;
        }
        let Some((name, _)) = call.split_once('(') else {
            continue;
        };
        counts.total += 1;
        *counts.by_name.entry(name.to_owned()).or_default() += 1;
    }
    if !ended {
        return Err("no end marker in the strace log".into());
    }
    Ok(counts)
}
