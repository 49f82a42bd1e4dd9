//! Client CPU per `send_message`, compared in one run against one local server (DESIGN.md §6):
//! chat-ureq and chat-hyper, bare ureq / hyper-util / hyper sending the same bytes, a
//! hand-written socket loop (the floor), and Microsoft's Python SDK when its venv exists.
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

mod measure;
mod report;
mod rows;
mod strace;
mod wire;

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitCode, Stdio};

use chat_core::identity::TokenScope;

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
            config.rows.retain(|r| *r != Row::Python);
        }
        Ok(config)
    }
}

const USAGE: &str = "usage: cargo bench -p chat-testkit --bench client_cpu -- [--requests N] \
[--rounds N] [--python-requests N] [--strace-requests N] [--no-python] [--no-strace] \
[--client-cpus LIST] [--server-cpus LIST] \
[--rows chat-ureq,ureq,socket,chat-hyper,hyper-util,hyper,python]";

/// The `acs-emulator` binary, in its own process for the whole run.
struct Server {
    process: Child,
    endpoint: String,
    connection_string: String,
}

impl Server {
    fn start(cpus: Option<&str>) -> Result<Self, String> {
        let mut command = Command::new(env!("CARGO_BIN_EXE_acs-emulator"));
        command.args(["--port", "0"]);
        let mut process = pinned(command, cpus)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .map_err(|e| format!("cannot start acs-emulator: {e}"))?;
        let stdout = process.stdout.take().ok_or("acs-emulator has no stdout")?;
        let mut server = Self {
            process,
            endpoint: String::new(),
            connection_string: String::new(),
        };
        for line in BufReader::new(stdout).lines() {
            let line = line.map_err(|e| format!("acs-emulator output: {e}"))?;
            if let Some(endpoint) = line.strip_prefix("listening on ") {
                server.endpoint = endpoint.to_owned();
            } else if let Some(cs) = line.strip_prefix("connection string: ") {
                server.connection_string = cs.to_owned();
                break;
            }
        }
        if server.endpoint.is_empty() || server.connection_string.is_empty() {
            return Err("acs-emulator did not report its endpoint".into());
        }
        Ok(server)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.process.kill();
        let _ = self.process.wait();
    }
}

/// A user with a chat token, and a way to make threads, on the emulator.
struct Setup {
    chat: chat_ureq::ChatClient,
    endpoint: String,
    token: String,
}

impl Setup {
    fn new(server: &Server) -> Result<Self, String> {
        let options = chat_ureq::ClientOptions::default().allow_loopback_http(true);
        let identity = chat_ureq::IdentityClient::from_connection_string_with_options(
            &server.connection_string,
            options.clone(),
        )
        .map_err(|e| e.to_string())?;
        let user = identity
            .create_user_and_token([TokenScope::Chat])
            .call()
            .map_err(|e| e.to_string())?;
        let token = user.access_token.ok_or("the emulator issued no token")?;
        let chat = chat_ureq::ChatClient::with_options(
            &server.endpoint,
            chat_ureq::CommunicationTokenCredential::new(token.clone()),
            options,
        )
        .map_err(|e| e.to_string())?;
        Ok(Self {
            chat,
            endpoint: server.endpoint.clone(),
            token: token.secret().to_owned(),
        })
    }

    /// A new thread for one client's loop (so no client's messages pile onto another's).
    fn target(&self, topic: &str) -> Result<Target, String> {
        let thread = self
            .chat
            .create_chat_thread(topic)
            .call()
            .map_err(|e| e.to_string())?;
        Ok(Target {
            endpoint: self.endpoint.clone(),
            thread_id: thread.thread.id,
            token: self.token.clone(),
        })
    }
}

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
        (Row::Python, Some(python)) => {
            let mut c = Command::new(python);
            c.arg(repo_root().join("bench/python_send_message.py"));
            c
        }
        (Row::Python, None) => return Err("no Python".into()),
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

/// `command` run by `taskset -c <cpus>` when a CPU list is given.
fn pinned(command: Command, cpus: Option<&str>) -> Command {
    let Some(cpus) = cpus else { return command };
    let mut wrapped = Command::new("taskset");
    wrapped
        .args(["-c", cpus])
        .arg(command.get_program())
        .args(command.get_args());
    for (key, value) in command.get_envs() {
        if let Some(value) = value {
            wrapped.env(key, value);
        }
    }
    wrapped
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
        .filter(|r| *r != Row::Python)
        .collect();
    wire_check(&setup, &rust_rows)?;

    let mut rows = config.rows.clone();
    let python = if rows.contains(&Row::Python) {
        match python() {
            Ok(p) => Some(p),
            Err(why) => {
                println!("Python row skipped: {why}");
                rows.retain(|r| *r != Row::Python);
                None
            }
        }
    } else {
        None
    };
    let (warmup_of, requests_of) = (
        |row: Row| match row {
            Row::Python => config.python_warmup,
            _ => config.warmup,
        },
        |row: Row| match row {
            Row::Python => config.python_requests,
            _ => config.requests,
        },
    );

    let mut samples: BTreeMap<usize, Vec<Sample>> = BTreeMap::new();
    for round in 1..=config.rounds {
        for (i, row) in rows.iter().copied().enumerate() {
            let target = setup.target(&format!("{} round {round}", row.key()))?;
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
                "round {round}/{}: {:<40} {:>8.1} µs CPU/request",
                config.rounds,
                row.label(),
                sample.cpu_per_request()
            );
            samples.entry(i).or_default().push(sample);
        }
    }

    let mut syscalls: BTreeMap<usize, Result<Syscalls, String>> = BTreeMap::new();
    if config.strace && !strace::available() {
        println!("system calls not counted: strace is not installed (apt-get install strace)");
    } else if config.strace {
        for (i, row) in rows.iter().copied().enumerate() {
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
    report::table(&results, config);
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
