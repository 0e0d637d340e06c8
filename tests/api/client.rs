//! The real `graphql-ws` npm client, with its default options, against the server. Needs Node.js
//! and npm (the test says so and passes without them, since `cargo test` must pass on a machine
//! with only the Rust toolchain; CI has both).

use std::{path::Path, process::Command};

use resident_hub::auth::Role;
use serde_json::Value;

use crate::helpers::TestApp;

fn have(program: &str) -> bool {
    Command::new(program)
        .arg("--version")
        .output()
        .is_ok_and(|out| out.status.success())
}

#[tokio::test]
async fn the_graphql_ws_client_works_with_its_default_options() {
    if !have("node") || !have("npm") {
        eprintln!("skipped: Node.js and npm are needed to run the graphql-ws client");
        return;
    }
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/client");
    if !dir.join("node_modules/graphql-ws").exists() {
        let install = Command::new("npm")
            .args(["ci", "--no-audit", "--no-fund", "--loglevel=error"])
            .current_dir(&dir)
            .status()
            .expect("npm runs");
        assert!(install.success(), "npm ci failed in tests/client");
    }
    let app = TestApp::spawn().await;
    let token = app.token(&[Role::Admin]).await;
    let output = tokio::process::Command::new("node")
        .arg("check.mjs")
        .arg(app.url(""))
        .arg(&token)
        .current_dir(&dir)
        .output()
        .await
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
