//! A protected axum app: `cargo run -p playgate-tower --example axum`, then try the printed `curl`
//! commands. The key is a fixed example secret so the printed token is easy to reproduce; real
//! deployments read the gate configuration from a file (`PlaygateLayer::from_json`).

use axum::serve::ListenerExt;
use axum::{routing::get, Extension, Router};
use playgate::config::Alg;
use playgate::mint::SigningKey;
use playgate_tower::{PlaygateLayer, VerifiedClaims};
use serde_json::json;
use std::net::SocketAddr;
use std::time::{SystemTime, UNIX_EPOCH};
use tower_layer::Layer;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    // Example only: never ship a key in code.
    let key = SigningKey::hs_from_bytes(
        "example-1",
        Alg::HS256,
        b"example-secret-do-not-use-0123456",
    )
    .ok_or("bad example key")?;
    let config = json!({
        "keys": [key.verifying_entry()],
        "token": { "sources": [{ "query": "token" }, { "path_segment": true }, { "bearer": true }] },
        "deny": { "debug": true }
    });
    let gate = PlaygateLayer::from_json(&config.to_string())?.on_decision(|ev| {
        // The URI holds the token: log the decision, not the URI.
        let reason = ev.decision.reason().map_or("allowed", |r| r.code());
        eprintln!(
            "{} from {:?} -> {} {reason}",
            ev.method,
            ev.client_ip,
            ev.decision.status()
        );
    });

    let protected = Router::new().route(
        "/{*path}",
        get(
            |uri: axum::http::Uri, Extension(claims): Extension<VerifiedClaims>| async move {
                format!(
                    "allowed: {uri} (kid {:?}, viewer {:?})\n",
                    claims.kid, claims.viewer_id
                )
            },
        ),
    );
    let app = Router::new()
        .route("/healthz", get(|| async { "ok\n" }))
        .fallback_service(gate.layer(protected));

    let now = SystemTime::now().duration_since(UNIX_EPOCH)?.as_secs();
    let token = key.mint(
        &json!({ "exp": now + 600, "aws:viewer-id": "example-viewer" }),
        true,
    )?;
    let addr = "127.0.0.1:3000";
    println!("listening on http://{addr}/ ; try:");
    println!("  curl -i http://{addr}/live/index.m3u8                 # 401 missing_token");
    println!("  curl -i 'http://{addr}/live/index.m3u8?token={token}&x=1'");
    println!("  curl -i http://{addr}/{token}/live/index.m3u8");
    println!("  curl -i -H 'authorization: Bearer {token}x' http://{addr}/live/a.ts   # 403 bad_signature");
    // TCP_NODELAY: otherwise small responses wait ~40 ms for the client's delayed ACK.
    let listener = tokio::net::TcpListener::bind(addr).await?.tap_io(|tcp| {
        let _ = tcp.set_nodelay(true);
    });
    axum::serve(
        listener,
        app.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .await?;
    Ok(())
}
