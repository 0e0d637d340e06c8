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

/// The client directory with its packages installed; `None` when the test is skipped.
async fn client_dir() -> Option<PathBuf> {
    // Two tests may install at once; one `npm ci` at a time.
    static INSTALL: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/client");
    if !have("node") && skip("Node.js (`node`) is not installed") {
        return None;
    }
    let _installing = INSTALL.lock().await;
    if needs_install(&dir) {
        if !have("npm") && skip("npm is not installed, and tests/client/node_modules is not there")
        {
            return None;
        }
        if let Err(err) = install(&dir).await
            && skip(&format!(
                "the graphql-ws client could not be installed: {err}"
            ))
        {
            return None;
        }
    }
    Some(dir)
}

#[tokio::test]
async fn the_graphql_ws_client_works_with_its_default_options() {
    let Some(dir) = client_dir().await else {
        return;
    };
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

/// The binary serving `--demo` from an empty data directory, killed when dropped.
struct DemoServer {
    child: tokio::process::Child,
    url: String,
    _dir: tempfile::TempDir,
}

impl DemoServer {
    async fn start() -> DemoServer {
        use tokio::io::AsyncBufReadExt;
        let dir = tempfile::tempdir().unwrap();
        let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_resident-hub"))
            .args(["serve", "--demo", "--listen", "127.0.0.1:0", "--data-dir"])
            .arg(dir.path())
            .env_remove("DATABASE_URL")
            .env_remove("REDIS_URL")
            .env("RESIDENT_HUB_LOG_FORMAT", "json")
            .env("RUST_LOG", "info")
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .expect("the binary starts");
        let mut lines = tokio::io::BufReader::new(child.stderr.take().unwrap()).lines();
        let addr = tokio::time::timeout(SERVER_WAIT, async {
            while let Some(line) = lines.next_line().await.expect("stderr") {
                let entry: Value = serde_json::from_str(&line).expect("JSON log lines");
                if let Some(addr) = entry["addr"].as_str() {
                    return addr.to_owned();
                }
            }
            panic!("the binary exited before listening");
        })
        .await
        .unwrap_or_else(|_| panic!("not listening within {SERVER_WAIT:?}"));
        // Keep reading the log so the server never blocks on a full pipe.
        tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
        DemoServer {
            child,
            url: format!("http://{addr}"),
            _dir: dir,
        }
    }
}

/// How long `serve --demo` may take to seed an empty database and listen.
const SERVER_WAIT: Duration = Duration::from_secs(120);

/// The README's "Building a client" section, followed end to end by `walkthrough.mjs` against
/// `serve --demo` started from nothing: sign in, refresh in two tabs at once, refresh with a
/// stale header, the home screen in one request, errors by code, the live inbox with a
/// reconnect that replays what was missed, sign out.
#[tokio::test]
async fn the_client_walkthrough_in_the_readme_works_against_a_fresh_demo() {
    let Some(dir) = client_dir().await else {
        return;
    };
    let mut server = DemoServer::start().await;
    let run = tokio::process::Command::new("node")
        .arg("walkthrough.mjs")
        .arg(&server.url)
        .current_dir(&dir)
        .kill_on_drop(true)
        .output();
    let output = tokio::time::timeout(CLIENT_WAIT, run)
        .await
        .unwrap_or_else(|_| panic!("the walkthrough did not finish within {CLIENT_WAIT:?}"))
        .expect("node runs");
    let _ = server.child.start_kill();
    assert!(
        output.status.success(),
        "the walkthrough failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let seen: Value = serde_json::from_slice(&output.stdout).expect("one JSON line");
    assert_eq!(seen["signIn"]["status"], 200, "{seen}");
    assert_eq!(
        seen["twoTabs"]["statuses"],
        serde_json::json!([200, 200]),
        "{seen}"
    );
    assert_eq!(seen["twoTabs"]["distinct"], true, "{seen}");
    assert_eq!(seen["staleHeaderRefresh"]["ok"], true, "{seen}");
    assert_eq!(seen["home"]["errors"], Value::Null, "{seen}");
    let residency = &seen["home"]["residencies"][0];
    assert_eq!(residency["unit"]["number"], "101", "{seen}");
    assert!(residency["relation"].is_string(), "{seen}");
    assert_eq!(seen["home"]["notices"], 4, "{seen}");
    assert!(seen["home"]["unread"].as_i64().unwrap() >= 1, "{seen}");
    assert_eq!(
        seen["errors"]["malformed"]["code"], "BAD_USER_INPUT",
        "{seen}"
    );
    assert_eq!(seen["errors"]["malformed"]["field"], "id", "{seen}");
    assert_eq!(seen["errors"]["unknown"], "NOT_FOUND", "{seen}");
    assert_eq!(seen["inbox"]["live"]["title"], "Lift service", "{seen}");
    assert_eq!(
        seen["inbox"]["live"]["text"],
        "Lift service: the lift in your building is serviced on Monday.",
        "the text is plain: {seen}"
    );
    assert_eq!(
        seen["inbox"]["replayed"]["title"], "Lift service, while you were away",
        "{seen}"
    );
    assert_eq!(seen["signOut"], "UNAUTHENTICATED", "{seen}");
}
