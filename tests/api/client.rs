//! The real `graphql-ws` npm client, with its default options, against the server. Needs Node.js
//! (20 or newer) and, the first time, npm to install the client from `tests/client/package-lock.json`
//! (`npm ci`, from whatever registry npm is configured with; the lockfile names no registry host).
//! Without them the test is skipped with a printed reason, since `cargo test` must pass on a
//! machine with only the Rust toolchain, unless the `CI` environment variable is set (CI systems
//! set `CI=true`): then a missing tool or a failed install fails the test.

use std::{
    path::{Path, PathBuf},
    process::{Command, Stdio},
    time::{Duration, SystemTime},
};

use resident_hub::auth::Role;
use serde_json::Value;

use crate::helpers::TestApp;

/// The longest `npm ci` may take.
const INSTALL_WAIT: Duration = Duration::from_secs(300);
/// The longest the client script may take (its own steps time out after 10 s each).
const CLIENT_WAIT: Duration = Duration::from_secs(60);

fn have(program: &str) -> bool {
    Command::new(program)
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|status| status.success())
}

/// Whether this run is CI's (`CI` set to anything but empty, `0` or `false`).
fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "0" && !v.eq_ignore_ascii_case("false"))
}

/// Skips the test with `reason` (returns `true`), or fails it under CI.
fn skip(reason: &str) -> bool {
    assert!(
        !in_ci(),
        "{reason}; CI (CI is set) must run the graphql-ws client test: install Node.js and npm \
         (`.ci/run` does: apt-get install nodejs npm)"
    );
    eprintln!("skipped: {reason} (with CI=true this fails instead)");
    true
}

fn modified(path: &Path) -> Option<SystemTime> {
    std::fs::metadata(path).and_then(|m| m.modified()).ok()
}

/// Whether `node_modules` is missing or older than the lockfile (npm writes
/// `node_modules/.package-lock.json` at the end of every install).
fn needs_install(dir: &Path) -> bool {
    let installed = modified(&dir.join("node_modules/.package-lock.json"));
    let wanted = [dir.join("package-lock.json"), dir.join("package.json")]
        .iter()
        .filter_map(|p| modified(p))
        .max();
    !dir.join("node_modules/graphql-ws").exists() || installed.is_none() || installed < wanted
}

/// Installs the client with `npm ci`; `Err` with npm's output when it fails or times out.
async fn install(dir: &PathBuf) -> Result<(), String> {
    let run = tokio::process::Command::new("npm")
        .args(["ci", "--no-audit", "--no-fund", "--loglevel=error"])
        .current_dir(dir)
        .kill_on_drop(true)
        .output();
    match tokio::time::timeout(INSTALL_WAIT, run).await {
        Err(_) => Err(format!("npm ci did not finish within {INSTALL_WAIT:?}")),
        Ok(Err(err)) => Err(format!("npm did not run: {err}")),
        Ok(Ok(out)) if out.status.success() => Ok(()),
        Ok(Ok(out)) => Err(format!(
            "npm ci failed ({}); is the registry (`npm config get registry`) reachable?\n{}{}",
            out.status,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )),
    }
}

#[tokio::test]
async fn the_graphql_ws_client_works_with_its_default_options() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/client");
    if !have("node") && skip("Node.js (`node`) is not installed") {
        return;
    }
    if needs_install(&dir) {
        if !have("npm") && skip("npm is not installed, and tests/client/node_modules is not there")
        {
            return;
        }
        if let Err(err) = install(&dir).await
            && skip(&format!(
                "the graphql-ws client could not be installed: {err}"
            ))
        {
            return;
        }
    }
    let app = TestApp::spawn().await;
    let token = app.token(&[Role::Admin]).await;
    let run = tokio::process::Command::new("node")
        .arg("check.mjs")
        .arg(app.url(""))
        .arg(&token)
        .current_dir(&dir)
        .kill_on_drop(true)
        .output();
    let output = tokio::time::timeout(CLIENT_WAIT, run)
        .await
        .unwrap_or_else(|_| panic!("the client did not finish within {CLIENT_WAIT:?}"))
        .expect("node runs");
    assert!(
        output.status.success(),
        "the client failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let seen: Value = serde_json::from_slice(&output.stdout).expect("one JSON line");
    assert!(
        seen["info"]["data"]["serverInfo"]["database"].is_string(),
        "{seen}"
    );
    assert_eq!(
        seen["ping"]["data"]["pings"]["ping"]["message"],
        "from graphql-ws"
    );
    assert_eq!(
        seen["error"][0]["extensions"]["code"],
        "GRAPHQL_VALIDATION_FAILED"
    );
}
