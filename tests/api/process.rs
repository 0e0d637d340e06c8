//! The binary as an operator runs it: start, serve, stop on SIGTERM.

use std::{
    io::{BufRead, BufReader},
    process::{Command, Stdio},
    time::Duration,
};

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
    let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
    let addr = loop {
        let line = lines.next().expect("a log line").expect("readable");
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
    let rest: Vec<String> = lines.map_while(Result::ok).collect();
    let status = child.wait().unwrap();
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
