//! The GraphiQL playground page, wired for queries over HTTP and subscriptions over WebSocket.
//! Its scripts come from a configurable base URL, so an intranet can serve them itself; each is
//! pinned by its Subresource Integrity hash (a mirror must serve the same files), the page sends
//! a Content-Security-Policy that allows exactly those assets and its own inline script, and
//! headers typed in the playground (the bearer token) are kept in memory only, never in
//! `localStorage`.

use axum::{
    extract::State,
    http::header,
    response::{Html, IntoResponse, Response},
};

use super::HttpContext;

/// Versions of the assets the page loads, as paths under the asset base URL, with the SHA-384
/// Subresource Integrity hash of each file as published on npm (and served by unpkg). Changing
/// a version means changing its hash: `openssl dgst -sha384 -binary FILE | base64`.
const ASSETS: [(&str, &str, &str); 5] = [
    (
        "REACT_JS",
        "react@18.3.1/umd/react.production.min.js",
        "sha384-DGyLxAyjq0f9SPpVevD6IgztCFlnMF6oW/XQGmfe+IsZ8TqEiDrcHkMLKI6fiB/Z",
    ),
    (
        "GRAPHQL_WS_JS",
        "graphql-ws@5.16.2/umd/graphql-ws.min.js",
        "sha384-+EVxFEOpy8LWPRQcpntm0FKN2O+BzrMNSL0G3HIgVWFmeb6xqZqjuLivrQUTXZKi",
    ),
    (
        "REACT_DOM_JS",
        "react-dom@18.3.1/umd/react-dom.production.min.js",
        "sha384-gTGxhz21lVGYNMcdJOyq01Edg0jhn/c22nsx0kyqP0TxaV5WVdsSH1fSDUf5YJj1",
    ),
    (
        "GRAPHIQL_JS",
        "graphiql@3.8.3/graphiql.min.js",
        "sha384-HbRVEFG0JGJZeAHCJ9Xm2+tpknBQ7QZmNlO/DgZtkZ0aJSypT96YYGRNod99l9Ie",
    ),
    (
        "GRAPHIQL_CSS",
        "graphiql@3.8.3/graphiql.min.css",
        "sha384-Mq3vbRBY71jfjQAt/DcjxUIYY33ksal4cgdRt9U/hNPvHBCaT2JfJ/PTRiPKf0aM",
    ),
];

/// The page's one inline script (its hash is allowed by the Content-Security-Policy).
const SCRIPT: &str = r#"
    // Same origin for HTTP; ws(s):// of the same origin for subscriptions. The token typed in
    // the Headers tab as {"Authorization": "Bearer …"} is sent with both, and kept in memory
    // only: headers are not persisted, and what older versions stored is removed.
    try { localStorage.removeItem('graphiql:headers'); } catch (_) {}
    const http = new URL('/graphql', window.location.href).toString();
    const ws = http.replace(/^http/, 'ws');
    let authorization = null;
    // GraphiQL's bundle cannot load graphql-ws by itself: hand it a client made from the
    // graphql-ws bundle, so subscriptions go over the WebSocket.
    const wsClient = graphqlWs.createClient({
      url: ws,
      lazy: true,
      connectionParams: () => (authorization ? { Authorization: authorization } : {}),
    });
    const base = GraphiQL.createFetcher({ url: http, wsClient });
    const fetcher = (params, options) => {
      const headers = (options && options.headers) || {};
      const next = headers.Authorization || headers.authorization || null;
      if (next !== authorization) {
        authorization = next;
        // A new token: the next subscription opens a socket that carries it.
        wsClient.terminate();
      }
      return base(params, options);
    };
    ReactDOM.createRoot(document.getElementById('graphiql')).render(
      React.createElement(GraphiQL, { fetcher, defaultEditorToolsVisibility: true, shouldPersistHeaders: false }),
    );
  "#;

const TEMPLATE: &str = r#"<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <meta name="robots" content="noindex">
  <title>Resident Hub — GraphiQL</title>
  <style>html, body, #graphiql { height: 100%; margin: 0; }</style>
  <link rel="stylesheet" href="{{GRAPHIQL_CSS}}" integrity="{{GRAPHIQL_CSS_SRI}}" crossorigin="anonymous">
</head>
<body>
  <div id="graphiql">Loading the playground… (its scripts come from {{BASE}})</div>
  <script src="{{REACT_JS}}" integrity="{{REACT_JS_SRI}}" crossorigin="anonymous"></script>
  <script src="{{REACT_DOM_JS}}" integrity="{{REACT_DOM_JS_SRI}}" crossorigin="anonymous"></script>
  <script src="{{GRAPHIQL_JS}}" integrity="{{GRAPHIQL_JS_SRI}}" crossorigin="anonymous"></script>
  <script src="{{GRAPHQL_WS_JS}}" integrity="{{GRAPHQL_WS_JS_SRI}}" crossorigin="anonymous"></script>
  <script>{{SCRIPT}}</script>
</body>
</html>
"#;

/// Renders the page for the asset base URL `base` (no trailing slash).
pub(super) fn render(base: &str) -> String {
    let mut page = TEMPLATE
        .replace("{{BASE}}", &escape(base))
        .replace("{{SCRIPT}}", SCRIPT);
    for (key, path, integrity) in ASSETS {
        page = page
            .replace(&format!("{{{{{key}_SRI}}}}"), integrity)
            .replace(
                &format!("{{{{{key}}}}}"),
                &escape(&format!("{base}/{path}")),
            );
    }
    page
}

/// The Content-Security-Policy of the page: scripts and styles only from the asset origin (and
/// the one inline script, by hash), requests only to this origin, nothing else.
pub(super) fn content_security_policy(base: &str) -> String {
    use base64::Engine as _;
    use sha2::Digest as _;
    // The origin of an http(s) base URL; a path base is this server.
    let assets = base
        .split_once("://")
        .map(|(scheme, rest)| format!("{scheme}://{}", rest.split('/').next().unwrap_or(rest)))
        .unwrap_or_else(|| "'self'".to_owned());
    let script = base64::engine::general_purpose::STANDARD.encode(sha2::Sha256::digest(SCRIPT));
    format!(
        "default-src 'none'; script-src {assets} 'sha256-{script}'; \
         style-src {assets} 'unsafe-inline'; font-src {assets} data:; img-src 'self' {assets} data:; \
         connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
    )
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('"', "&quot;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// `GET /`: the playground.
pub(super) async fn page(State(ctx): State<HttpContext>) -> Response {
    html(&ctx)
}

/// The playground as a response.
pub(super) fn html(ctx: &HttpContext) -> Response {
    let base = &ctx.state.config.playground_assets_url;
    let mut response = ([(header::CACHE_CONTROL, "no-cache")], Html(render(base))).into_response();
    if let Ok(policy) = header::HeaderValue::from_str(&content_security_policy(base)) {
        response
            .headers_mut()
            .insert(header::CONTENT_SECURITY_POLICY, policy);
    }
    response
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_asset_comes_from_the_configured_base() {
        let page = super::render("http://mirror.local/assets");
        assert!(!page.contains("{{"));
        assert!(!page.contains("unpkg"));
        assert_eq!(page.matches("http://mirror.local/assets/").count(), 5);
    }
}
