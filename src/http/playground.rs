//! The GraphiQL playground page, wired for queries over HTTP and subscriptions over WebSocket.
//! Its scripts come from a configurable base URL, so an intranet can serve them itself.

use axum::{
    extract::State,
    http::header,
    response::{Html, IntoResponse, Response},
};

use super::HttpContext;

/// Versions of the assets the page loads, as paths under the asset base URL.
const ASSETS: [(&str, &str); 5] = [
    ("REACT_JS", "react@18.3.1/umd/react.production.min.js"),
    ("GRAPHQL_WS_JS", "graphql-ws@5.16.2/umd/graphql-ws.min.js"),
    (
        "REACT_DOM_JS",
        "react-dom@18.3.1/umd/react-dom.production.min.js",
    ),
    ("GRAPHIQL_JS", "graphiql@3.8.3/graphiql.min.js"),
    ("GRAPHIQL_CSS", "graphiql@3.8.3/graphiql.min.css"),
];

const TEMPLATE: &str = r#"<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <meta name="robots" content="noindex">
  <title>Resident Hub — GraphiQL</title>
  <style>html, body, #graphiql { height: 100%; margin: 0; }</style>
  <link rel="stylesheet" href="{{GRAPHIQL_CSS}}">
</head>
<body>
  <div id="graphiql">Loading the playground… (its scripts come from {{BASE}})</div>
  <script src="{{REACT_JS}}"></script>
  <script src="{{REACT_DOM_JS}}"></script>
  <script src="{{GRAPHIQL_JS}}"></script>
  <script src="{{GRAPHQL_WS_JS}}"></script>
  <script>
    // Same origin for HTTP; ws(s):// of the same origin for subscriptions. The token typed in
    // the Headers tab as {"Authorization": "Bearer …"} is sent with both.
    const http = new URL('/graphql', window.location.href).toString();
    const ws = http.replace(/^http/, 'ws');
    // GraphiQL's bundle cannot load graphql-ws by itself: hand it a client made from the
    // graphql-ws bundle, so subscriptions go over the WebSocket.
    const wsClient = graphqlWs.createClient({
      url: ws,
      lazy: true,
      connectionParams: () => {
        try {
          const headers = JSON.parse(localStorage.getItem('graphiql:headers') || '{}');
          return headers.Authorization ? { Authorization: headers.Authorization } : {};
        } catch (_) { return {}; }
      },
    });
    const fetcher = GraphiQL.createFetcher({ url: http, wsClient });
    ReactDOM.createRoot(document.getElementById('graphiql')).render(
      React.createElement(GraphiQL, { fetcher, defaultEditorToolsVisibility: true, shouldPersistHeaders: true }),
    );
  </script>
</body>
</html>
"#;

/// Renders the page for the asset base URL `base` (no trailing slash).
pub(super) fn render(base: &str) -> String {
    let mut page = TEMPLATE.replace("{{BASE}}", &escape(base));
    for (key, path) in ASSETS {
        page = page.replace(
            &format!("{{{{{key}}}}}"),
            &escape(&format!("{base}/{path}")),
        );
    }
    page
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
    (
        [(header::CACHE_CONTROL, "no-cache")],
        Html(render(&ctx.state.config.playground_assets_url)),
    )
        .into_response()
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
