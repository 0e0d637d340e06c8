//! The binary as an operator runs it: start, serve, stop on SIGTERM.

use std::{
    io::{BufRead, BufReader},
    process::{Child, Command, ExitStatus, Stdio},
    sync::mpsc,
    time::{Duration, Instant},
};

/// How long the binary may take to start listening, and to stop after SIGTERM.
const PROCESS_WAIT: Duration = Duration::from_secs(30);

/// Waits for `child` to exit; kills it and fails the test when it outlives `limit`.
fn wait_bounded(child: &mut Child, limit: Duration) -> ExitStatus {
    let deadline = Instant::now() + limit;
    loop {
        if let Some(status) = child.try_wait().expect("try_wait") {
            return status;
        }
        if Instant::now() >= deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("the binary did not exit within {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn the_binary_serves_and_stops_gracefully_on_sigterm() {
    let dir = tempfile::tempdir().unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_resident-hub"))
        .args(["serve", "--listen", "127.0.0.1:0", "--data-dir"])
        .arg(dir.path())
        .env_remove("DATABASE_URL")
        .env_remove("REDIS_URL")
        .env("RESIDENT_HUB_LOG_FORMAT", "json")
        .env("RUST_LOG", "info")
        .env_remove("RESIDENT_HUB_ADMIN_PASSWORD")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary starts");
    // Log lines arrive through a channel, so that every wait for one is bounded.
    let (tx, lines) = mpsc::channel::<String>();
    let stderr = child.stderr.take().unwrap();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let deadline = Instant::now() + PROCESS_WAIT;
    let addr = loop {
        let left = deadline.saturating_duration_since(Instant::now());
        let line = match lines.recv_timeout(left) {
            Ok(line) => line,
            Err(err) => {
                let _ = child.kill();
                let _ = child.wait();
                panic!("no log line with the listening address within {PROCESS_WAIT:?}: {err}");
            }
        };
        let entry: serde_json::Value = serde_json::from_str(&line).expect("JSON log lines");
        if let Some(addr) = entry["addr"].as_str() {
            break addr.to_owned();
        }
    };
    let health = plain_http::get(&format!("http://{addr}/healthz"));
    assert_eq!(health, 200);
    assert!(
        dir.path().join("resident-hub.db").exists(),
        "the database was created"
    );
    assert!(
        dir.path().join("jwt-secret").exists(),
        "the secret was created"
    );

    let mut stdout = String::new();
    let mut out = child.stdout.take().unwrap();
    let killed = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let status = wait_bounded(&mut child, PROCESS_WAIT);
    // The process has exited: the reader thread reaches the end of its stderr and ends too.
    let mut rest = Vec::new();
    let deadline = Instant::now() + PROCESS_WAIT;
    loop {
        match lines.recv_timeout(deadline.saturating_duration_since(Instant::now())) {
            Ok(line) => rest.push(line),
            Err(mpsc::RecvTimeoutError::Disconnected) => break,
            Err(mpsc::RecvTimeoutError::Timeout) => {
                panic!("stderr stayed open after the binary exited: {rest:?}")
            }
        }
    }
    std::io::Read::read_to_string(&mut out, &mut stdout).unwrap();
    assert!(
        stdout.contains("First administrator created: admin@resident-hub.local with password "),
        "the generated password is printed once: {stdout}"
    );
    assert!(status.success(), "exit status {status}; log: {rest:?}");
    assert!(rest.iter().any(|line| line.contains("stopped")), "{rest:?}");
}

#[test]
fn an_invalid_setting_stops_the_binary_with_a_clear_message() {
    let output = Command::new(env!("CARGO_BIN_EXE_resident-hub"))
        .args(["--listen", "not-an-address"])
        .env_remove("DATABASE_URL")
        .env_remove("REDIS_URL")
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("--listen / RESIDENT_HUB_LISTEN"),
        "{stderr}"
    );
}

#[test]
fn export_schema_prints_the_committed_schema() {
    let output = Command::new(env!("CARGO_BIN_EXE_resident-hub"))
        .arg("export-schema")
        .output()
        .unwrap();
    assert!(output.status.success());
    let committed =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/schema.graphql")).unwrap();
    assert_eq!(String::from_utf8_lossy(&output.stdout), committed);
}

/// A tiny blocking GET, to keep this test free of an async runtime.
mod plain_http {
    use std::io::{Read, Write};

    pub fn get(url: &str) -> u16 {
        let rest = url.strip_prefix("http://").unwrap();
        let (host, path) = rest
            .split_once('/')
            .map_or((rest, "/".to_owned()), |(h, p)| (h, format!("/{p}")));
        let mut stream = std::net::TcpStream::connect(host).unwrap();
        stream
            .set_read_timeout(Some(super::Duration::from_secs(10)))
            .unwrap();
        write!(
            stream,
            "GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"
        )
        .unwrap();
        let mut response = String::new();
        stream.read_to_string(&mut response).unwrap();
        response.split(' ').nth(1).unwrap().parse().unwrap()
    }
}
