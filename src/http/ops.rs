//! Operational endpoints: liveness, readiness and metrics.

use axum::{
    Json,
    extract::State,
    http::{StatusCode, header},
    response::{IntoResponse, Response},
};
use serde_json::json;

use super::HttpContext;
use crate::{db, events::BusHealth};

/// `/healthz`: the process is up and serving.
pub(super) async fn healthz() -> Response {
    Json(json!({ "status": "ok" })).into_response()
}

/// `/readyz`: the database answers and the event bus is connected. 503 with the failing part
/// otherwise, so a load balancer stops routing here.
pub(super) async fn readyz(State(ctx): State<HttpContext>) -> Response {
    let database = match db::ping(&ctx.state.db).await {
        Ok(()) => json!({ "status": "up" }),
        Err(err) => {
            tracing::warn!(error = %err, "readiness: database does not answer");
            json!({ "status": "down", "reason": "database does not answer" })
        }
    };
    let bus = match ctx.state.bus.health().await {
        BusHealth::Up => json!({ "status": "up", "kind": ctx.state.bus.kind() }),
        BusHealth::Degraded(reason) => {
            json!({ "status": "degraded", "kind": ctx.state.bus.kind(), "reason": reason })
        }
    };
    let ready = database["status"] == "up" && bus["status"] == "up";
    let status = if ready {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    let body = json!({
        "status": if ready { "ready" } else { "not_ready" },
        "database": database,
        "eventBus": bus,
    });
    (status, Json(body)).into_response()
}

/// `/metrics`: Prometheus text format.
pub(super) async fn metrics(State(ctx): State<HttpContext>) -> Response {
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        ctx.state.metrics.render(),
    )
        .into_response()
}
