//! Running the example programs as real child processes.
#![allow(dead_code, unreachable_pub, clippy::unwrap_used, clippy::expect_used)]

use std::{
    collections::HashMap,
    io::{BufRead, BufReader, Write as _},
    path::PathBuf,
    process::{Child, Command, ExitStatus, Stdio},
    sync::{Arc, Condvar, Mutex, OnceLock},
    time::{Duration, Instant},
};

use nix::{sys::signal, unistd::Pid};

/// The path of an example binary, built once per test run.
pub fn example(name: &str) -> PathBuf {
    built("topology-examples", name)
}

/// The path of the lifecycle tests' program, built once per test run.
pub fn lifecycle_program() -> PathBuf {
    test_program("lifecycle")
}

/// The path of a program of this package (`src/bin/{name}.rs`), built once
/// per test run.
pub fn test_program(name: &str) -> PathBuf {
    built("topology-tests", name)
}

/// The binary `name` of `package`, built in release once per test run.
fn built(package: &str, name: &str) -> PathBuf {
    static BUILT: OnceLock<Mutex<HashMap<(String, String), PathBuf>>> = OnceLock::new();
    let built = BUILT.get_or_init(Default::default);
    let mut built = built.lock().unwrap();
    built
        .entry((package.to_owned(), name.to_owned()))
        .or_insert_with(|| {
            escargot::CargoBuild::new()
                .package(package)
                .bin(name)
                .current_release()
                .current_target()
                .run()
                .unwrap_or_else(|error| panic!("cannot build {name} of {package}: {error}"))
                .path()
                .to_owned()
        })
        .clone()
}

/// A free loopback port (bound and released).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A running example, its stderr collected line by line.
pub struct Running {
    child: Child,
    lines: Arc<(Mutex<Vec<String>>, Condvar)>,
}

impl Running {
    /// Starts `binary` with `args` and `env` (on top of a clean `TOPOLOGY_*`-free environment).
    pub fn start(binary: &PathBuf, args: &[&str], env: &[(&str, &str)]) -> Self {
        let mut command = Command::new(binary);
        command
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        for (key, _) in std::env::vars() {
            if key.starts_with("TOPOLOGY_") || key == "RUST_LOG" {
                command.env_remove(key);
            }
        }
        command.envs(env.iter().copied());
        let mut child = command.spawn().expect("the example starts");
        let stderr = child.stderr.take().expect("piped stderr");
        let lines = Arc::new((Mutex::new(Vec::new()), Condvar::new()));
        let sink = Arc::clone(&lines);
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines() {
                let Ok(line) = line else { break };
                let (store, ready) = &*sink;
                store.lock().unwrap().push(line);
                ready.notify_all();
            }
        });
        Self { child, lines }
    }

    /// Waits until a stderr line contains `needle`; panics with the log after `timeout`.
    pub fn wait_for(&self, needle: &str, timeout: Duration) -> String {
        self.wait_for_nth(needle, 1, timeout)
    }

    /// Waits until `count` stderr lines contain `needle` and returns the last of them;
    /// panics with the log after `timeout`.
    pub fn wait_for_nth(&self, needle: &str, count: usize, timeout: Duration) -> String {
        let deadline = Instant::now() + timeout;
        let (store, ready) = &*self.lines;
        let mut lines = store.lock().unwrap();
        loop {
            if let Some(line) = lines.iter().filter(|line| line.contains(needle)).nth(count - 1) {
                return line.clone();
            }
            let left = deadline.saturating_duration_since(Instant::now());
            assert!(
                !left.is_zero(),
                "not {count} lines with {needle:?} within {timeout:?}; stderr so far:\n{}",
                lines.join("\n")
            );
            lines = ready.wait_timeout(lines, left).unwrap().0;
        }
    }

    /// The process id.
    pub fn id(&self) -> u32 {
        self.child.id()
    }

    /// Sends `sig` to the process.
    pub fn signal(&self, sig: signal::Signal) {
        let pid = Pid::from_raw(i32::try_from(self.child.id()).unwrap());
        signal::kill(pid, sig).expect("the signal is delivered");
    }

    /// Waits for the exit; kills the process and panics after `timeout`.
    pub fn wait_exit(&mut self, timeout: Duration) -> ExitStatus {
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                // Let the reader thread drain the last lines.
                std::thread::sleep(Duration::from_millis(50));
                return status;
            }
            if Instant::now() >= deadline {
                let _ = self.child.kill();
                panic!("did not exit within {timeout:?}; stderr:\n{}", self.stderr());
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Everything written to stderr so far.
    pub fn stderr(&self) -> String {
        self.lines.0.lock().unwrap().join("\n")
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A program run to its end without signals (for start-up errors).
pub fn run_to_exit(binary: &PathBuf, args: &[&str], env: &[(&str, &str)]) -> (ExitStatus, String) {
    let mut running = Running::start(binary, args, env);
    let status = running.wait_exit(Duration::from_secs(30));
    (status, running.stderr())
}

/// The status and body of a GET to `url`.
pub fn get(url: &str) -> (u16, String) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let response = reqwest::get(url).await.expect("the endpoint answers");
        (response.status().as_u16(), response.text().await.unwrap())
    })
}

/// Runs promtool with `args` (and `input` on its standard input) where it
/// is installed (Debian's `prometheus` package; `.ci/run` installs it), and
/// fails on anything it reports.
pub fn promtool(args: &[&str], input: Option<&str>) {
    let Ok(mut child) = std::process::Command::new("promtool")
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
    else {
        println!("promtool is not installed: `promtool {}` skipped", args.join(" "));
        return;
    };
    // Dropped after writing (or at once), so that promtool sees the end.
    let mut stdin = child.stdin.take().unwrap();
    if let Some(input) = input {
        stdin.write_all(input.as_bytes()).unwrap();
    }
    drop(stdin);
    let output = child.wait_with_output().unwrap();
    let said = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    let clean = if args[1] == "rules" {
        // `check rules` reports what it read; anything else is a finding.
        output.status.success() && !said.contains("WARNING") && !said.contains("FAILED")
    } else {
        output.status.success() && said.trim().is_empty()
    };
    assert!(clean, "promtool {}:\n{said}", args.join(" "));
}
