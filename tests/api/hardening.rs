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

const PINGS: &str = "subscription { pings { cursor ping { message } } }";

#[tokio::test]
async fn a_socket_runs_at_most_the_configured_number_of_operations() {
    let app = TestApp::builder()
        .config(|config| config.ws_max_subscriptions = 3)
        .spawn()
        .await;
    let mut ws = app.ws().await;
    ws.init(json!({})).await;
    for id in ["1", "2", "3"] {
        ws.subscribe(id, PINGS, json!({})).await;
    }
    ws.subscribe("4", PINGS, json!({})).await;
    let message = ws.recv().await;
    assert_eq!(message["type"], "error", "{message}");
    assert_eq!(message["id"], "4");
    assert_eq!(message["payload"][0]["extensions"]["code"], "RATE_LIMITED");
    // The socket stays open; completing one frees a place.
    ws.send(json!({ "id": "1", "type": "complete" })).await;
    ws.subscribe("5", "{ __typename }", json!({})).await;
    let message = ws.recv().await;
    assert_eq!(message["type"], "next", "{message}");
    assert_eq!(message["id"], "5");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn queries_over_a_websocket_run_under_the_request_timeout_but_subscriptions_do_not() {
    let app = TestApp::builder()
        .config(|config| config.request_timeout = Duration::from_millis(1))
        .spawn()
        .await;
    let mut ws = app.ws().await;
    ws.init(json!({})).await;
    let heavy = format!(
        "{{ __schema {{ {} }} }}",
        (0..20)
            .map(|i| format!("a{i}: types {{ name fields {{ name args {{ name type {{ name }} }} type {{ name kind }} }} }}"))
            .collect::<Vec<_>>()
            .join(" ")
    );
    ws.subscribe("slow", &heavy, json!({})).await;
    let message = ws.recv().await;
    assert_eq!(
        message["type"],
        "error",
        "{}",
        &message.to_string()[..200.min(message.to_string().len())]
    );
    assert_eq!(message["payload"][0]["extensions"]["code"], "TIMEOUT");

    // A subscription outlives the timeout.
    let app = TestApp::builder()
        .config(|config| config.request_timeout = Duration::from_millis(200))
        .spawn()
        .await;
    let token = app.token(&[resident_hub::auth::Role::Resident]).await;
    let mut ws = app.ws().await;
    ws.init(json!({})).await;
    ws.subscribe("pings", PINGS, json!({})).await;
    assert!(ws.try_recv(Duration::from_millis(600)).await.is_none());
    ws.warm_up_pings(&app, &token).await;
}

#[tokio::test]
async fn a_user_holds_at_most_the_configured_number_of_sockets() {
    let app = TestApp::builder()
        .config(|config| config.ws_max_sockets_per_user = 2)
        .spawn()
        .await;
    let token = app.token(&[resident_hub::auth::Role::Resident]).await;
    let auth = json!({ "Authorization": format!("Bearer {token}") });
    let mut first = app.ws().await;
    first.init(auth.clone()).await;
    let mut second = app.ws().await;
    second.init(auth.clone()).await;
    let mut third = app.ws().await;
    third
        .send(json!({ "type": "connection_init", "payload": auth.clone() }))
        .await;
    assert_eq!(third.closed().await.code, 4430);
    // Others (and anonymous sockets) are not affected.
    let other = app.token(&[resident_hub::auth::Role::Resident]).await;
    let mut fourth = app.ws().await;
    fourth
        .init(json!({ "Authorization": format!("Bearer {other}") }))
        .await;
    // A closed socket frees its place.
    drop(first);
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let mut again = app.ws().await;
        again
            .send(json!({ "type": "connection_init", "payload": auth.clone() }))
            .await;
        let message = again.try_recv(Duration::from_secs(2)).await;
        if message.is_some_and(|m| m["type"] == "connection_ack") {
            break;
        }
        assert!(Instant::now() < deadline, "the place was never freed");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn metrics_are_served_only_on_the_separate_listener() {
    let app = TestApp::spawn().await;
    let public = app.http.get(app.url("/metrics")).send().await.unwrap();
    assert_eq!(public.status(), 404);
    let internal = app.http.get(app.metrics_url()).send().await.unwrap();
    assert_eq!(internal.status(), 200);
    assert!(
        internal
            .text()
            .await
            .unwrap()
            .contains("resident_hub_graphql_requests_total")
    );
    // Off by default.
    let config = resident_hub::config::Settings::defaults()
        .into_config()
        .unwrap();
    assert!(config.metrics_listen.is_none());
}

#[tokio::test]
async fn a_client_request_id_is_used_only_when_it_is_short_and_safe() {
    let app = TestApp::spawn().await;
    let echoed = |id: &str| {
        let request = app
            .http
            .get(app.url("/healthz"))
            .header("x-request-id", id)
            .send();
        async move {
            request.await.unwrap().headers()["x-request-id"]
                .to_str()
                .unwrap()
                .to_owned()
        }
    };
    assert_eq!(echoed("abc-123_X.y:z").await, "abc-123_X.y:z");
    for bad in [
        "x".repeat(129),
        "a b".to_owned(),
        "<script>".to_owned(),
        "id\"injected".to_owned(),
        "ünïcode".to_owned(),
    ] {
        let got = echoed(&bad).await;
        assert_ne!(got, bad);
        assert!(uuid::Uuid::parse_str(&got).is_ok(), "{got}");
    }
}

/// Sends `head` then `dribble` one byte every 100 ms (at most 60 bytes, 6 s), reading meanwhile;
/// returns what the server answered and after how long it closed or answered.
async fn dribble(addr: std::net::SocketAddr, head: &str, dribble: &str) -> (String, Duration) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut tcp = tokio::net::TcpStream::connect(addr).await.unwrap();
    let started = Instant::now();
    tcp.write_all(head.as_bytes()).await.unwrap();
    let mut answer = Vec::new();
    for byte in dribble.bytes().take(60) {
        if tcp.write_all(&[byte]).await.is_err() {
            break;
        }
        let mut buf = [0u8; 4096];
        match tokio::time::timeout(Duration::from_millis(100), tcp.read(&mut buf)).await {
            Err(_) => continue,
            Ok(Ok(0)) | Ok(Err(_)) => break,
            Ok(Ok(n)) => {
                answer.extend_from_slice(&buf[..n]);
                break;
            }
        }
    }
    (
        String::from_utf8_lossy(&answer).into_owned(),
        started.elapsed(),
    )
}

#[tokio::test]
async fn a_client_dribbling_headers_or_body_is_cut_off() {
    let app = TestApp::builder()
        .config(|config| {
            config.header_read_timeout = Duration::from_millis(500);
            config.body_read_timeout = Duration::from_millis(500);
        })
        .spawn()
        .await;
    let (_, took) = dribble(
        app.addr,
        "GET /healthz HTTP/1.1\r\nhost: x\r\n",
        "x-slow: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
    )
    .await;
    assert!(took < Duration::from_secs(3), "headers kept open {took:?}");

    let (answer, took) = dribble(
        app.addr,
        "POST /graphql HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: 1000\r\n\r\n",
        "{\"query\": \"{ __typename }\"                                                ",
    )
    .await;
    assert!(took < Duration::from_secs(3), "body kept open {took:?}");
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(answer.contains("TIMEOUT"), "{answer}");

    // A normal request still works.
    let health = app.http.get(app.url("/healthz")).send().await.unwrap();
    assert_eq!(health.status(), 200);
}

#[tokio::test]
async fn the_playground_pins_its_assets_keeps_no_token_and_sends_a_csp() {
    use base64::Engine as _;
    use sha2::Digest as _;
    let app = TestApp::spawn().await;
    let response = app
        .http
        .get(app.url("/"))
        .header("accept", "text/html")
        .send()
        .await
        .unwrap();
    let csp = response.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_owned();
    let html = response.text().await.unwrap();
    // Every script and the stylesheet carry an integrity hash.
    assert_eq!(html.matches("<script src=").count(), 4);
    assert_eq!(html.matches("integrity=\"sha384-").count(), 5, "{html}");
    assert_eq!(html.matches("crossorigin=\"anonymous\"").count(), 5);
    // Headers (the bearer token) are not persisted.
    assert!(html.contains("shouldPersistHeaders: false"));
    assert!(!html.contains("shouldPersistHeaders: true"));
    assert!(!html.contains("getItem('graphiql:headers')"));
    // The policy allows the asset origin and exactly the inline script.
    let inline = html
        .split("<script>")
        .nth(1)
        .and_then(|rest| rest.split("</script>").next())
        .unwrap();
    let hash = base64::engine::general_purpose::STANDARD.encode(sha2::Sha256::digest(inline));
    assert!(csp.contains(&format!("'sha256-{hash}'")), "{csp}");
    assert!(csp.contains("default-src 'none'"));
    assert!(csp.contains("script-src https://unpkg.com "), "{csp}");
    assert!(!csp.contains("'unsafe-eval'"));
    assert!(csp.contains("connect-src 'self'"));
    // A mirror under a path is this origin.
    let app = TestApp::builder()
        .config(|c| c.playground_assets_url = "/static/vendor".to_owned())
        .spawn()
        .await;
    let response = app
        .http
        .get(app.url("/"))
        .header("accept", "text/html")
        .send()
        .await
        .unwrap();
    let csp = response.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(csp.contains("script-src 'self' 'sha256-"), "{csp}");
}
