//! GraphQL over HTTP: media types, status codes, the CSRF rules, limits and error codes.

use resident_hub::auth::Role;
use serde_json::{Value, json};

use crate::helpers::{TestApp, raw_http};

const PING: &str =
    "mutation Ping($m: String!) { ping(input: { message: $m }) { ping { id message } } }";

async fn post(
    app: &TestApp,
    accept: Option<&str>,
    content_type: Option<&str>,
    body: String,
) -> reqwest::Response {
    let mut request = app.http.post(app.url("/graphql")).body(body);
    if let Some(accept) = accept {
        request = request.header("accept", accept);
    }
    if let Some(content_type) = content_type {
        request = request.header("content-type", content_type);
    }
    request.send().await.unwrap()
}

fn content_type(response: &reqwest::Response) -> String {
    response.headers()["content-type"]
        .to_str()
        .unwrap()
        .to_owned()
}

#[tokio::test]
async fn a_query_is_answered_in_the_media_type_the_client_accepts() {
    let app = TestApp::spawn().await;
    let body = json!({ "query": "{ serverInfo { version } }" }).to_string();

    let modern = post(
        &app,
        Some("application/graphql-response+json"),
        Some("application/json"),
        body.clone(),
    )
    .await;
    assert_eq!(modern.status(), 200);
    assert!(content_type(&modern).starts_with("application/graphql-response+json"));

    let legacy = post(
        &app,
        Some("application/json"),
        Some("application/json"),
        body.clone(),
    )
    .await;
    assert_eq!(legacy.status(), 200);
    assert!(content_type(&legacy).starts_with("application/json"));
    let json: Value = legacy.json().await.unwrap();
    assert_eq!(
        json["data"]["serverInfo"]["version"],
        env!("CARGO_PKG_VERSION")
    );

    let preferred = post(
        &app,
        Some("application/graphql-response+json;q=0.5, application/json"),
        Some("application/json"),
        body.clone(),
    )
    .await;
    assert!(content_type(&preferred).starts_with("application/json"));

    // reqwest always sends `Accept: */*`; a request with no Accept header at all is written by hand.
    let (status, head, _) = raw_http(
        app.addr,
        &format!(
            "POST /graphql HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        ),
    )
    .await;
    assert_eq!(status, 200);
    assert!(head.contains("content-type: application/json"), "{head}");

    let refused = post(&app, Some("text/plain"), Some("application/json"), body).await;
    assert_eq!(refused.status(), 406);
    let json: Value = refused.json().await.unwrap();
    assert_eq!(json["errors"][0]["extensions"]["code"], "NOT_ACCEPTABLE");
}

#[tokio::test]
async fn a_wildcard_or_missing_accept_gets_application_json_and_named_types_win() {
    let app = TestApp::spawn().await;
    let valid = json!({ "query": "{ serverInfo { version } }" }).to_string();
    let invalid = json!({ "query": "{ serverInfo { nope } }" }).to_string();
    // (Accept, expected media type). `None` is a request without any Accept header, written by
    // hand because reqwest adds `Accept: */*` by itself.
    let cases: [(Option<&str>, &str); 9] = [
        (None, "application/json"),
        (Some("*/*"), "application/json"),
        (Some("application/*"), "application/json"),
        (Some("text/html, */*;q=0.8"), "application/json"),
        (
            Some("application/graphql-response+json, */*"),
            "application/graphql-response+json",
        ),
        (
            Some("application/json, application/graphql-response+json"),
            "application/graphql-response+json",
        ),
        (
            Some("application/graphql-response+json, application/json;q=0.9"),
            "application/graphql-response+json",
        ),
        (
            Some("*/*, application/json;q=0"),
            "application/graphql-response+json",
        ),
        (
            Some("*/*, application/graphql-response+json;q=0.5"),
            "application/json",
        ),
    ];
    for (accept, expected) in cases {
        for (body, executes) in [(&valid, true), (&invalid, false)] {
            let (status, content_type, json) = match accept {
                Some(accept) => {
                    let response =
                        post(&app, Some(accept), Some("application/json"), body.clone()).await;
                    let status = response.status().as_u16();
                    let content_type = content_type(&response);
                    (
                        status,
                        content_type,
                        response.json::<Value>().await.unwrap(),
                    )
                }
                None => {
                    let (status, head, text) = raw_http(
                        app.addr,
                        &format!(
                            "POST /graphql HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                            body.len()
                        ),
                    )
                    .await;
                    let content_type = head
                        .lines()
                        .find_map(|line| line.strip_prefix("content-type: "))
                        .unwrap_or_default()
                        .to_owned();
                    (status, content_type, serde_json::from_str(&text).unwrap())
                }
            };
            assert!(
                content_type.starts_with(expected),
                "Accept {accept:?}: {content_type}, expected {expected}"
            );
            // The status code follows the media type: a request that cannot run is 400 only
            // with application/graphql-response+json.
            let expected_status = if executes || expected == "application/json" {
                200
            } else {
                400
            };
            assert_eq!(status, expected_status, "Accept {accept:?}: {json}");
            if executes {
                assert_eq!(
                    json["data"]["serverInfo"]["version"],
                    env!("CARGO_PKG_VERSION"),
                    "Accept {accept:?}"
                );
            } else {
                assert_eq!(
                    json["errors"][0]["extensions"]["code"], "GRAPHQL_VALIDATION_FAILED",
                    "Accept {accept:?}"
                );
            }
        }
    }
}

#[tokio::test]
async fn a_validation_error_is_400_without_data_for_graphql_response_json_and_200_for_json() {
    let app = TestApp::spawn().await;
    let body = json!({ "query": "{ serverInfo { nope } }" }).to_string();

    let modern = post(
        &app,
        Some("application/graphql-response+json"),
        Some("application/json"),
        body.clone(),
    )
    .await;
    assert_eq!(modern.status(), 400);
    let json: Value = modern.json().await.unwrap();
    assert!(json.get("data").is_none(), "{json}");
    assert_eq!(
        json["errors"][0]["extensions"]["code"],
        "GRAPHQL_VALIDATION_FAILED"
    );

    let legacy = post(
        &app,
        Some("application/json"),
        Some("application/json"),
        body,
    )
    .await;
    assert_eq!(legacy.status(), 200);
    let json: Value = legacy.json().await.unwrap();
    assert!(json.get("data").is_none(), "{json}");
    assert_eq!(
        json["errors"][0]["extensions"]["code"],
        "GRAPHQL_VALIDATION_FAILED"
    );
}

#[tokio::test]
async fn an_unparsable_document_is_a_parse_failure() {
    let app = TestApp::spawn().await;
    let (status, json) = app.graphql("{ serverInfo { ", json!({}), None).await;
    assert_eq!(status, 400);
    assert!(json.get("data").is_none());
    assert_eq!(
        json["errors"][0]["extensions"]["code"],
        "GRAPHQL_PARSE_FAILED"
    );
}

#[tokio::test]
async fn queries_work_over_get_but_mutations_are_refused_with_405() {
    let app = TestApp::spawn().await;
    let token = app.token(&[Role::Admin]).await;
    let ok = app
        .http
        .get(app.url("/graphql"))
        .query(&[
            ("query", "query Info { serverInfo { database } }"),
            ("operationName", "Info"),
        ])
        .header("accept", "application/graphql-response+json")
        .send()
        .await
        .unwrap();
    assert_eq!(ok.status(), 200);
    let json: Value = ok.json().await.unwrap();
    assert!(json["data"]["serverInfo"]["database"].is_string());

    for accept in ["application/graphql-response+json", "application/json"] {
        let refused = app
            .http
            .get(app.url("/graphql"))
            .query(&[("query", PING), ("variables", r#"{"m":"over get"}"#)])
            .header("accept", accept)
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        assert_eq!(refused.status(), 405);
        assert_eq!(refused.headers()["allow"], "POST");
        let json: Value = refused.json().await.unwrap();
        assert!(json.get("data").is_none());
        assert_eq!(
            json["errors"][0]["extensions"]["code"],
            "METHOD_NOT_ALLOWED"
        );
    }
    assert_eq!(app.event_count().await, 0, "nothing was written");
}

#[tokio::test]
async fn a_post_without_a_json_content_type_is_refused_and_writes_nothing() {
    let app = TestApp::spawn().await;
    let token = app.token(&[Role::Admin]).await;
    let body = json!({ "query": PING, "variables": { "m": "csrf" } }).to_string();
    for content_type in [
        Some("text/plain"),
        Some("application/x-www-form-urlencoded"),
        None,
        Some("application/json; charset=latin1"),
    ] {
        let mut request = app
            .http
            .post(app.url("/graphql"))
            .bearer_auth(&token)
            .body(body.clone());
        if let Some(content_type) = content_type {
            request = request.header("content-type", content_type);
        }
        let response = request.send().await.unwrap();
        assert_eq!(response.status(), 415, "{content_type:?}");
        let json: Value = response.json().await.unwrap();
        assert_eq!(
            json["errors"][0]["extensions"]["code"],
            "UNSUPPORTED_MEDIA_TYPE"
        );
    }
    assert_eq!(app.event_count().await, 0);
}

#[tokio::test]
async fn malformed_bodies_are_bad_requests() {
    let app = TestApp::spawn().await;
    for body in [
        "{not json".to_owned(),
        json!({ "operationName": "x" }).to_string(),
        json!([{ "query": "{ serverInfo { version } }" }]).to_string(),
        json!({ "query": "{ serverInfo { version } }", "variables": "nope" }).to_string(),
        json!({ "query": 42 }).to_string(),
    ] {
        let response = post(
            &app,
            Some("application/graphql-response+json"),
            Some("application/json"),
            body.clone(),
        )
        .await;
        assert_eq!(response.status(), 400, "{body}");
        let json: Value = response.json().await.unwrap();
        assert_eq!(
            json["errors"][0]["extensions"]["code"], "BAD_REQUEST",
            "{body}"
        );
        assert!(json.get("data").is_none());
    }
    // The server is still serving.
    let (status, _) = app
        .graphql("{ serverInfo { version } }", json!({}), None)
        .await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn an_oversize_body_is_413() {
    let app = TestApp::builder()
        .config(|c| c.max_body_bytes = 4096)
        .spawn()
        .await;
    let big =
        json!({ "query": "{ serverInfo { version } }", "variables": { "pad": "x".repeat(5000) } })
            .to_string();
    let response = post(
        &app,
        Some("application/graphql-response+json"),
        Some("application/json"),
        big,
    )
    .await;
    assert_eq!(response.status(), 413);
    let json: Value = response.json().await.unwrap();
    assert_eq!(json["errors"][0]["extensions"]["code"], "PAYLOAD_TOO_LARGE");
}

#[tokio::test]
async fn an_unknown_operation_name_and_invalid_variables_are_validation_failures() {
    let app = TestApp::spawn().await;
    let token = app.token(&[Role::Admin]).await;
    let body =
        json!({ "query": "query A { serverInfo { version } }", "operationName": "B" }).to_string();
    let response = post(
        &app,
        Some("application/graphql-response+json"),
        Some("application/json"),
        body,
    )
    .await;
    assert_eq!(response.status(), 400);
    let json: Value = response.json().await.unwrap();
    assert_eq!(
        json["errors"][0]["extensions"]["code"],
        "GRAPHQL_VALIDATION_FAILED"
    );

    let (status, json) = app.graphql(PING, json!({ "m": 12 }), Some(&token)).await;
    assert_eq!(status, 400);
    assert!(json.get("data").is_none());
    assert_eq!(
        json["errors"][0]["extensions"]["code"],
        "GRAPHQL_VALIDATION_FAILED"
    );
    let (status, _) = app.graphql(PING, json!({}), Some(&token)).await;
    assert_eq!(status, 400);
    assert_eq!(app.event_count().await, 0);
}

#[tokio::test]
async fn queries_past_the_depth_complexity_or_alias_limits_are_refused() {
    let app = TestApp::builder()
        .config(|c| {
            c.limits.max_depth = 1;
        })
        .spawn()
        .await;
    let (status, json) = app
        .graphql("{ serverInfo { version } }", json!({}), None)
        .await;
    assert_eq!(status, 400);
    assert_eq!(json["errors"][0]["extensions"]["code"], "QUERY_TOO_COMPLEX");

    let app = TestApp::builder()
        .config(|c| c.limits.max_complexity = 3)
        .spawn()
        .await;
    let (status, json) = app
        .graphql(
            "{ serverInfo { version database eventBus } }",
            json!({}),
            None,
        )
        .await;
    assert_eq!(status, 400);
    assert_eq!(json["errors"][0]["extensions"]["code"], "QUERY_TOO_COMPLEX");

    let app = TestApp::builder()
        .config(|c| c.limits.max_aliases = 3)
        .spawn()
        .await;
    let (status, _) = app
        .graphql(
            "{ a: serverInfo { version } b: serverInfo { version } }",
            json!({}),
            None,
        )
        .await;
    assert_eq!(status, 200);
    let (status, json) = app
        .graphql(
            "{ a: serverInfo { v: version } b: serverInfo { version } c: serverInfo { version } }",
            json!({}),
            None,
        )
        .await;
    assert_eq!(status, 400);
    assert_eq!(json["errors"][0]["extensions"]["code"], "QUERY_TOO_COMPLEX");
}

/// The query GraphiQL sends on load, much deeper than the data-query limit.
const INTROSPECTION: &str = r"
query IntrospectionQuery {
  __schema {
    queryType { name } mutationType { name } subscriptionType { name }
    types { ...FullType }
    directives { name description locations args { ...InputValue } }
  }
}
fragment FullType on __Type {
  kind name description
  fields(includeDeprecated: true) { name description args { ...InputValue } type { ...TypeRef } isDeprecated deprecationReason }
  inputFields { ...InputValue }
  interfaces { ...TypeRef }
  enumValues(includeDeprecated: true) { name description isDeprecated deprecationReason }
  possibleTypes { ...TypeRef }
}
fragment InputValue on __InputValue { name description type { ...TypeRef } defaultValue }
fragment TypeRef on __Type {
  kind name
  ofType { kind name ofType { kind name ofType { kind name ofType { kind name
    ofType { kind name ofType { kind name ofType { kind name ofType { kind name } } } } } } } }
}";

#[tokio::test]
async fn the_playground_introspection_query_passes_the_limits() {
    let app = TestApp::spawn().await;
    let (status, json) = app.graphql(INTROSPECTION, json!({}), None).await;
    assert_eq!(status, 200, "{json}");
    assert_eq!(json["data"]["__schema"]["queryType"]["name"], "Query");
}

#[tokio::test]
async fn introspection_and_suggestions_can_be_switched_off() {
    let app = TestApp::spawn().await;
    let (_, json) = app
        .graphql("{ serverInf { version } }", json!({}), None)
        .await;
    assert!(
        json["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("Did you mean"),
        "{json}"
    );

    let app = TestApp::builder()
        .config(|c| c.introspection = false)
        .spawn()
        .await;
    let (status, json) = app
        .graphql("{ __schema { queryType { name } } }", json!({}), None)
        .await;
    assert_eq!(status, 200);
    assert!(json["data"]["__schema"].is_null(), "{json}");
    let (_, json) = app
        .graphql("{ serverInf { version } }", json!({}), None)
        .await;
    let message = json["errors"][0]["message"].as_str().unwrap();
    assert!(!message.contains("Did you mean"), "{message}");
}

#[tokio::test]
async fn a_tampered_token_is_unauthenticated_and_anonymous_writes_are_refused() {
    let app = TestApp::spawn().await;
    let mut token = app.token(&[Role::Admin]).await;
    token.push('x');
    let (status, json) = app.graphql(PING, json!({ "m": "hi" }), Some(&token)).await;
    assert_eq!(status, 401);
    assert_eq!(json["errors"][0]["extensions"]["code"], "UNAUTHENTICATED");

    let (status, json) = app.graphql(PING, json!({ "m": "hi" }), None).await;
    assert_eq!(status, 200, "executed, the resolver refused");
    assert!(json["data"].is_null());
    assert_eq!(json["errors"][0]["extensions"]["code"], "UNAUTHENTICATED");
    assert_eq!(app.event_count().await, 0);
}

#[tokio::test]
async fn bad_user_input_names_the_field_and_writes_nothing() {
    let app = TestApp::spawn().await;
    let token = app.token(&[Role::Staff]).await;
    let (status, json) = app.graphql(PING, json!({ "m": "   " }), Some(&token)).await;
    assert_eq!(status, 200);
    assert_eq!(json["errors"][0]["extensions"]["code"], "BAD_USER_INPUT");
    assert_eq!(json["errors"][0]["extensions"]["field"], "input.message");
    assert_eq!(app.event_count().await, 0);

    let (status, json) = app
        .graphql(PING, json!({ "m": "hello" }), Some(&token))
        .await;
    assert_eq!(status, 200);
    assert_eq!(json["data"]["ping"]["ping"]["message"], "hello");
    assert_eq!(app.event_count().await, 1);
}

#[tokio::test]
async fn an_internal_error_is_masked_and_carries_the_request_id() {
    let app = TestApp::spawn().await;
    let token = app.token(&[Role::Admin]).await;
    use sea_orm::ConnectionTrait;
    app.state
        .db
        .execute_unprepared("DROP TABLE event")
        .await
        .unwrap();
    let response = app
        .http
        .post(app.url("/graphql"))
        .header("accept", "application/graphql-response+json")
        .header("x-request-id", "req-12345")
        .bearer_auth(&token)
        .json(&json!({ "query": PING, "variables": { "m": "boom" } }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["x-request-id"], "req-12345");
    let json: Value = response.json().await.unwrap();
    let error = &json["errors"][0];
    assert_eq!(error["extensions"]["code"], "INTERNAL");
    assert_eq!(error["message"], "internal error");
    assert_eq!(error["extensions"]["requestId"], "req-12345");
    assert!(
        !json.to_string().to_lowercase().contains("event"),
        "no SQL leaks: {json}"
    );
}

#[tokio::test]
async fn a_subscription_over_http_is_refused() {
    let app = TestApp::spawn().await;
    let (status, json) = app
        .graphql("subscription { pings { cursor } }", json!({}), None)
        .await;
    assert_eq!(status, 400);
    assert_eq!(json["errors"][0]["extensions"]["code"], "BAD_REQUEST");
}
