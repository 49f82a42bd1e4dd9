//! Client CPU per `send_message`, compared in one run against one local server (DESIGN.md §6):
//! chat-ureq and chat-hyper, bare ureq / hyper-util / hyper sending the same bytes, a
//! hand-written socket loop (the floor), and Microsoft's Python SDK when its venv exists.
//! Then client CPU per listed message (pages of 200 from one seeded thread): chat-ureq,
//! chat-hyper, bare ureq + serde_json of the same model, and the Python SDK. The run ends with
//! the goals of issue 12, met or missed.
//!
//! ```sh
//! cargo bench -p chat-testkit --bench client_cpu
//! cargo bench -p chat-testkit --bench client_cpu -- --requests 5000 --rounds 1 --no-strace
//! ```
//!
//! The server is the `acs-emulator` binary in its own process. Each client runs in a process of
//! its own (this binary with `--child`, or `bench/python_send_message.py`), sends warm-up
//! messages on one kept-alive connection, then measures its own process CPU (user + system,
//! all threads) over the loop; wall time is shown but is not the figure, since the server
//! shares the machine. With `strace` installed, each client is run once more under
//! `strace -f` to count the loop's system calls. Run without `--bench` (as `cargo test
//! --benches` would), it only makes a quick smoke run.

#[path = "../common/emulator.rs"]
mod emulator;
mod measure;
mod report;
mod rows;
mod strace;
mod wire;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};

use crate::emulator::{pinned, Server, Setup};
use crate::measure::Sample;
use crate::report::RowResult;
use crate::rows::Row;
use crate::strace::Syscalls;
use crate::wire::{Capture, Target};

/// Environment variable that hands the user access token to a client process.
const TOKEN_ENV: &str = "CLIENT_CPU_TOKEN";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.iter().any(|a| a == "-h" || a == "--help") {
        println!("{USAGE}");
        return ExitCode::SUCCESS;
    }
    let result = match args.first().map(String::as_str) {
        Some("--child") => child(&args[1..]),
        _ => Config::parse(&args).and_then(|config| parent(&config)),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("client_cpu: {message}");
            ExitCode::FAILURE
        }
    }
}

/// `--child <row> <endpoint> <thread id> <warm-up> <requests>`, token in [`TOKEN_ENV`].
fn child(args: &[String]) -> Result<(), String> {
    let [key, endpoint, thread_id, warmup, requests] = args else {
        return Err("usage: --child <row> <endpoint> <thread id> <warm-up> <requests>".into());
    };
    let row = Row::from_key(key).ok_or_else(|| format!("unknown row {key:?}"))?;
    let target = Target {
        endpoint: endpoint.clone(),
        thread_id: thread_id.clone(),
        token: std::env::var(TOKEN_ENV).map_err(|_| format!("{TOKEN_ENV} is not set"))?,
    };
    let number = |s: &String| s.parse::<u64>().map_err(|e| format!("{s:?}: {e}"));
    let sample = row.run(&target, number(warmup)?, number(requests)?)?;
    println!("{}", sample.line());
    Ok(())
}

#[derive(Debug)]
struct Config {
    rows: Vec<Row>,
    rounds: u32,
    requests: u64,
    warmup: u64,
    python_requests: u64,
    python_warmup: u64,
    strace_requests: u64,
    /// Messages in the listing rows' thread, and listings per round (after one warm-up).
    list_messages: u64,
    listings: u64,
    python: bool,
    strace: bool,
    quick: bool,
    /// CPUs (a `taskset -c` list) the clients and the server are pinned to, if any.
    client_cpus: Option<String>,
    server_cpus: Option<String>,
}

impl Config {
    fn parse(args: &[String]) -> Result<Self, String> {
        let quick = !args.iter().any(|a| a == "--bench");
        let mut config = Self {
            rows: Row::ALL.to_vec(),
            rounds: if quick { 1 } else { 5 },
            requests: if quick { 200 } else { 8_000 },
            warmup: if quick { 20 } else { 500 },
            python_requests: 400,
            python_warmup: 50,
            strace_requests: 300,
            list_messages: if quick { 400 } else { 20_000 },
            listings: if quick { 1 } else { 3 },
            python: !quick,
            strace: !quick,
            quick,
            client_cpus: None,
            server_cpus: None,
        };
        let mut args = args.iter();
        while let Some(arg) = args.next() {
            let mut value = || args.next().ok_or_else(|| format!("{arg} needs a value"));
            let number = |s: &String| s.parse::<u64>().map_err(|e| format!("{arg} {s:?}: {e}"));
            match arg.as_str() {
                "--bench" => {}
                "--requests" => config.requests = number(value()?)?,
                "--python-requests" => config.python_requests = number(value()?)?,
                "--strace-requests" => config.strace_requests = number(value()?)?,
                "--rounds" => {
                    let rounds = number(value()?)?;
                    config.rounds = u32::try_from(rounds.max(1)).map_err(|e| e.to_string())?;
                }
                "--list-messages" => config.list_messages = number(value()?)?.max(1),
                "--listings" => config.listings = number(value()?)?.max(1),
                "--no-listing" => config.rows.retain(|r| !r.is_listing()),
                "--no-python" => config.python = false,
                "--no-strace" => config.strace = false,
                "--client-cpus" => config.client_cpus = Some(value()?.clone()),
                "--server-cpus" => config.server_cpus = Some(value()?.clone()),
                "--rows" => {
                    config.rows = value()?
                        .split(',')
                        .map(|k| Row::from_key(k).ok_or_else(|| format!("unknown row {k:?}")))
                        .collect::<Result<_, _>>()?;
                }
                other => return Err(format!("unknown argument {other:?}\n{USAGE}")),
            }
        }
        if !config.python {
            config.rows.retain(|r| !r.is_python());
        }
        Ok(config)
    }
}

const USAGE: &str = "usage: cargo bench -p chat-testkit --bench client_cpu -- [--requests N] \
[--rounds N] [--python-requests N] [--strace-requests N] [--no-python] [--no-strace] \
[--client-cpus LIST] [--server-cpus LIST] [--list-messages N] [--listings N] [--no-listing] \
[--rows chat-ureq,ureq,socket,chat-hyper,hyper-util,hyper,python,\
chat-ureq-list,ureq-list,chat-hyper-list,python-list]";

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map_or_else(|| PathBuf::from("."), Path::to_path_buf)
}

/// The venv's Python with the SDK importable, or why the Python row is skipped.
fn python() -> Result<PathBuf, String> {
    let venv = std::env::var_os("VENV")
        .map_or_else(|| repo_root().join("conformance/.venv"), PathBuf::from);
    let python = venv.join("bin/python");
    if !python.exists() {
        return Err(format!(
            "no venv at {} (run conformance/run.sh once, or set VENV)",
            venv.display()
        ));
    }
    let probe = Command::new(&python)
        .args(["-c", "import azure.communication.chat"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .map_err(|e| format!("{}: {e}", python.display()))?;
    if !probe.success() {
        return Err(format!(
            "azure-communication-chat is not installed in {}",
            venv.display()
        ));
    }
    Ok(python)
}

/// The command that runs one client's loop in a process of its own.
fn client_command(
    row: Row,
    target: &Target,
    warmup: u64,
    requests: u64,
    python: Option<&Path>,
    cpus: Option<&str>,
) -> Result<Command, String> {
    let mut command = match (row, python) {
        (Row::Python | Row::PythonList, Some(python)) => {
            let script = if row.is_listing() {
                "bench/python_list_messages.py"
            } else {
                "bench/python_send_message.py"
            };
            let mut c = Command::new(python);
            c.arg(repo_root().join(script));
            c
        }
        (Row::Python | Row::PythonList, None) => return Err("no Python".into()),
        _ => {
            let mut c = Command::new(std::env::current_exe().map_err(|e| e.to_string())?);
            c.args(["--child", row.key()]);
            c
        }
    };
    command
        .args([&target.endpoint, &target.thread_id])
        .args([warmup.to_string(), requests.to_string()])
        .env(TOKEN_ENV, &target.token);
    let mut command = pinned(command, cpus);
    command.stdin(Stdio::null());
    Ok(command)
}

fn run_client(mut command: Command, row: Row) -> Result<Sample, String> {
    let output = command
        .output()
        .map_err(|e| format!("{}: {e}", row.key()))?;
    let stdout = String::from_utf8_lossy(&output.stdout);
    match Sample::parse(&stdout) {
        Some(sample) if output.status.success() => Ok(sample),
        _ => Err(format!(
            "{} failed ({}): {}{}",
            row.key(),
            output.status,
            stdout.trim(),
            String::from_utf8_lossy(&output.stderr).trim()
        )),
    }
}

fn parent(config: &Config) -> Result<(), String> {
    report::machine(config);
    let server = Server::start(config.server_cpus.as_deref())?;
    let setup = Setup::new(&server)?;
    let rust_rows: Vec<Row> = config
        .rows
        .iter()
        .copied()
        .filter(|r| !r.is_python() && !r.is_listing())
        .collect();
    wire_check(&setup, &rust_rows)?;

    let mut rows = config.rows.clone();
    let python = if rows.iter().any(|r| r.is_python()) {
        match python() {
            Ok(p) => Some(p),
            Err(why) => {
                println!("Python rows skipped: {why}");
                rows.retain(|r| !r.is_python());
                None
            }
        }
    } else {
        None
    };
    let listing = if rows.iter().any(|r| r.is_listing()) {
        let started = std::time::Instant::now();
        let target = setup.seeded(config.list_messages)?;
        let bytes = rows::listing_bytes(&target)?;
        println!(
            "listing: a thread of {} messages, pages of {} ({:.1} KB a page, {} bytes of pages \
             per listing), seeded in {:.1} s; {} listing(s) per round after 1 warm-up",
            config.list_messages,
            rows::LIST_PAGE_SIZE,
            bytes.per_page() / 1000.0,
            bytes.total,
            started.elapsed().as_secs_f64(),
            config.listings
        );
        Some((target, bytes))
    } else {
        None
    };
    let (warmup_of, requests_of) = (
        |row: Row| match row {
            _ if row.is_listing() => 1,
            Row::Python => config.python_warmup,
            _ => config.warmup,
        },
        |row: Row| match row {
            _ if row.is_listing() => config.listings,
            Row::Python => config.python_requests,
            _ => config.requests,
        },
    );

    let mut samples: BTreeMap<usize, Vec<Sample>> = BTreeMap::new();
    for round in 1..=config.rounds {
        for (i, row) in rows.iter().copied().enumerate() {
            let target = match &listing {
                Some((target, _)) if row.is_listing() => target.clone(),
                _ => setup.target(&format!("{} round {round}", row.key()))?,
            };
            let command = client_command(
                row,
                &target,
                warmup_of(row),
                requests_of(row),
                python.as_deref(),
                config.client_cpus.as_deref(),
            )?;
            let sample = run_client(command, row)?;
            eprintln!(
                "round {round}/{}: {:<40} {:>8.2} µs CPU/{}",
                config.rounds,
                row.label(),
                sample.cpu_per_request(),
                if row.is_listing() {
                    "message"
                } else {
                    "request"
                }
            );
            samples.entry(i).or_default().push(sample);
        }
    }

    let mut syscalls: BTreeMap<usize, Result<Syscalls, String>> = BTreeMap::new();
    if config.strace && !strace::available() {
        println!("system calls not counted: strace is not installed (apt-get install strace)");
    } else if config.strace {
        for (i, row) in rows.iter().copied().enumerate() {
            if row.is_listing() {
                continue;
            }
            let target = setup.target(&format!("{} strace", row.key()))?;
            let requests = config.strace_requests;
            let command = client_command(
                row,
                &target,
                20,
                requests,
                python.as_deref(),
                config.client_cpus.as_deref(),
            )?;
            let log = std::env::temp_dir().join(format!(
                "client-cpu-strace-{}-{}.log",
                std::process::id(),
                row.key()
            ));
            syscalls.insert(i, strace::count(&command, &log, requests));
        }
    }

    let results: Vec<RowResult> = rows
        .iter()
        .enumerate()
        .map(|(i, row)| RowResult {
            row: *row,
            samples: samples.remove(&i).unwrap_or_default(),
            syscalls: syscalls.remove(&i),
        })
        .collect();
    let (list_results, send_results): (Vec<RowResult>, Vec<RowResult>) =
        results.into_iter().partition(|r| r.row.is_listing());
    report::table(&send_results, config);
    if let Some((_, bytes)) = &listing {
        report::listing_table(&list_results, bytes);
    }
    report::goals(
        &send_results,
        &list_results,
        listing.as_ref().map(|(_, b)| b),
    );
    Ok(())
}

/// Each Rust client sends one request to a capture server; all must send the reference bytes.
fn wire_check(setup: &Setup, rows: &[Row]) -> Result<(), String> {
    let capture = Capture::start()?;
    let target = Target {
        endpoint: capture.endpoint.clone(),
        thread_id: setup.target("wire check")?.thread_id,
        token: setup.token.clone(),
    };
    let reference = wire::serialize(&wire::send_message_request(&target)?)?;
    let mut differences = Vec::new();
    for row in rows {
        row.run(&target, 0, 1)?;
        let sent = capture
            .last()
            .ok_or("the capture server received nothing")?;
        if let Some(difference) = wire::difference(&reference, &sent) {
            differences.push(format!("  {}: {difference}", row.key()));
        }
    }
    if differences.is_empty() {
        let names: Vec<&str> = rows.iter().map(|r| r.key()).collect();
        println!(
            "wire check: {} send the same {}-byte request (x-ms-client-request-id aside)",
            names.join(", "),
            reference.len()
        );
    } else {
        println!("wire check: these clients send other bytes than chat-core renders:");
        for line in differences {
            println!("{line}");
        }
    }
    Ok(())
}
