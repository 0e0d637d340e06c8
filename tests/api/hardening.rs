//! Issue 8 (availability and operational hardening): each test replays an attack.

use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::helpers::TestApp;

fn nested(depth: usize) -> String {
    format!("{}{}", "[".repeat(depth), "]".repeat(depth))
}

async fn post_graphql(app: &TestApp, body: String) -> (u16, String, Value) {
    let response = app
        .http
        .post(app.url("/graphql"))
        .header("accept", "application/graphql-response+json")
        .header("content-type", "application/json")
        .body(body)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    let content_type = response.headers()["content-type"]
        .to_str()
        .unwrap()
        .to_owned();
    (status, content_type, response.json().await.unwrap())
}

#[tokio::test]
async fn deeply_nested_values_are_refused_before_the_parser_on_post_get_and_websocket() {
    let app = TestApp::spawn().await;
    let query = format!("{{ __typename @skip(if: {}) }}", nested(5000));
    let (status, content_type, json) =
        post_graphql(&app, json!({ "query": query }).to_string()).await;
    assert_eq!(status, 400, "{json}");
    assert!(content_type.starts_with("application/graphql-response+json"));
    assert_eq!(json["errors"][0]["extensions"]["code"], "QUERY_TOO_COMPLEX");
    assert!(json.get("data").is_none());

    // Objects, and selections, by GET.
    let objects = format!(
        "{{ __typename @skip(if: {}{}) }}",
        "{a: ".repeat(3000),
        "}".repeat(3000)
    );
    let selections = format!("{{{}{}", "a {".repeat(3000), "}".repeat(3001));
    for query in [objects, selections] {
        let response = app
            .http
            .get(app.url("/graphql"))
            .query(&[("query", query.as_str())])
            .header("accept", "application/graphql-response+json")
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 400);
        let json: Value = response.json().await.unwrap();
        assert_eq!(json["errors"][0]["extensions"]["code"], "QUERY_TOO_COMPLEX");
    }

    // Brackets inside strings, block strings and comments do not count.
    let harmless = format!(
        "{{ a: __type(name: \"{open}\\\"{brace}\") {{ name }} # {open}\n b: __type(name: \"\"\" \\\"\"\" {open} \"\"\") {{ name }} }}",
        open = "[".repeat(5000),
        brace = "{".repeat(5000),
    );
    let (status, _, json) = post_graphql(&app, json!({ "query": harmless }).to_string()).await;
    assert_eq!(status, 200, "{json}");

    // Variables nested past serde_json's own limit: a clean 400.
    let body = format!(
        "{{\"query\":\"query($v: [Boolean]) {{ __typename }}\",\"variables\":{{\"v\":{}}}}}",
        nested(5000)
    );
    let response = app
        .http
        .post(app.url("/graphql"))
        .header("content-type", "application/json")
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
    let variables = nested(5000);
    let response = app
        .http
        .get(app.url("/graphql"))
        .query(&[
            ("query", "query($v: [Boolean]) { __typename }"),
            ("variables", &format!("{{\"v\":{variables}}}")),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);

    // Over a WebSocket: an `error` for that operation, the socket stays open.
    let mut ws = app.ws().await;
    ws.init(json!({})).await;
    ws.subscribe("deep", &query_with(5000), json!({})).await;
    let message = ws.recv().await;
    assert_eq!(message["type"], "error", "{message}");
    assert_eq!(
        message["payload"][0]["extensions"]["code"],
        "QUERY_TOO_COMPLEX"
    );
    ws.subscribe("ok", "{ __typename }", json!({})).await;
    assert_eq!(ws.recv().await["type"], "next");

    // The server is still up.
    let health = app.http.get(app.url("/healthz")).send().await.unwrap();
    assert_eq!(health.status(), 200);
}

fn query_with(depth: usize) -> String {
    format!("{{ __typename @skip(if: {}) }}", nested(depth))
}

/// Eight chained fragments, each multiplying by every type's fields.
fn amplification() -> String {
    let mut query = String::from("{ __schema { types { ...F1 } } }\n");
    for i in 1..=8 {
        let next = if i < 8 {
            format!("...F{}", i + 1)
        } else {
            "name".to_owned()
        };
        query.push_str(&format!(
            "fragment F{i} on __Type {{ name fields {{ name type {{ name fields {{ name type {{ {next} }} }} }} }} }}\n"
        ));
    }
    query
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn introspection_amplification_is_refused_quickly_and_healthz_answers() {
    let app = TestApp::spawn().await;
    let started = Instant::now();
    let attack = {
        let http = app.http.clone();
        let url = app.url("/graphql");
        tokio::spawn(async move {
            let response = http
                .post(url)
                .header("accept", "application/graphql-response+json")
                .json(&json!({ "query": amplification() }))
                .timeout(Duration::from_secs(20))
                .send()
                .await
                .unwrap();
            (
                response.status().as_u16(),
                response.json::<Value>().await.unwrap(),
            )
        })
    };
    let health = app
        .http
        .get(app.url("/healthz"))
        .timeout(Duration::from_secs(5))
        .send()
        .await
        .unwrap();
    assert_eq!(health.status(), 200);
    let (status, json) = attack.await.unwrap();
    assert_eq!(status, 400, "{json}");
    assert_eq!(json["errors"][0]["extensions"]["code"], "QUERY_TOO_COMPLEX");
    assert!(started.elapsed() < Duration::from_secs(10));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn large_responses_are_refused_and_the_timeout_covers_introspection() {
    // Within the list cap, aliases still multiply: the response cap answers instead.
    let app = TestApp::builder()
        .config(|config| config.max_response_bytes = 16 * 1024)
        .spawn()
        .await;
    let query = "{ __schema { a: types { fields { args { name } type { name } } } b: types { name fields { name } } } }";
    let (status, json) = app.graphql(query, json!({}), None).await;
    assert_eq!(status, 400, "{json}");
    assert_eq!(json["errors"][0]["extensions"]["code"], "QUERY_TOO_COMPLEX");
    assert!(
        json["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("16384 bytes")
    );
    // The playground's introspection query still works with the default cap.
    let app = TestApp::spawn().await;
    let (status, json) = app.graphql(query, json!({}), None).await;
    assert_eq!(status, 200, "{json}");
}
