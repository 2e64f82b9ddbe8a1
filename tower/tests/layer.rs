//! The layer seen from outside: real `http` requests through `ServiceExt::oneshot`.

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::routing::get;
use axum::{Extension, Router};
use http::{Request, StatusCode};
use http_body_util::BodyExt;
use playgate::config::Alg;
use playgate::mint::SigningKey;
use playgate_tower::{ClientIp, PlaygateLayer, VerifiedClaims};
use serde_json::{json, Value};
use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use tower::{service_fn, ServiceExt};
use tower_layer::Layer;

const NOW: u64 = 1_800_000_000;

fn key() -> SigningKey {
    SigningKey::hs_from_bytes("k1", Alg::HS256, &[7u8; 32]).unwrap()
}

fn config(debug: bool) -> String {
    json!({
        "keys": [key().verifying_entry()],
        "token": { "sources": [{ "query": "token" }, { "cookie": "pg" }, { "bearer": true }, { "path_segment": true }] },
        "deny": { "debug": debug }
    })
    .to_string()
}

fn token(exp: u64) -> String {
    key()
        .mint(&json!({ "exp": exp, "aws:viewer-id": "v-1" }), true)
        .unwrap()
}

fn layer(debug: bool) -> PlaygateLayer {
    PlaygateLayer::from_json(&config(debug))
        .unwrap()
        .clock(|| NOW)
}

/// An inner service that echoes the URI it received and the claims extension it was given.
fn echo() -> Router {
    Router::new().fallback(|uri: http::Uri, claims: Option<Extension<VerifiedClaims>>| async move {
        let c = claims.map(|Extension(c)| json!({ "viewer": c.viewer_id, "kid": c.kid, "sid": c.path_session_id }));
        json!({ "uri": uri.to_string(), "claims": c }).to_string()
    })
}

async fn send(layer: PlaygateLayer, req: Request<Body>) -> (StatusCode, http::HeaderMap, String) {
    let res = layer.layer(echo()).oneshot(req).await.unwrap();
    let (parts, body) = res.into_parts();
    let bytes = body.collect().await.unwrap().to_bytes();
    (
        parts.status,
        parts.headers,
        String::from_utf8(bytes.to_vec()).unwrap(),
    )
}

fn get_req(uri: &str) -> Request<Body> {
    Request::get(uri).body(Body::empty()).unwrap()
}

#[tokio::test]
async fn query_token_is_removed_and_claims_are_passed_on() {
    let uri = format!("/live/index.m3u8?a=1&token={}&b=%20x", token(NOW + 60));
    let (status, _, body) = send(layer(false), get_req(&uri)).await;
    assert_eq!(status, StatusCode::OK);
    let v: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(v["uri"], "/live/index.m3u8?a=1&b=%20x");
    assert_eq!(v["claims"]["viewer"], "v-1");
    assert_eq!(v["claims"]["kid"], "k1");
}

#[tokio::test]
async fn path_token_segment_is_removed() {
    let uri = format!("/sess42.{}/360p/seg_001.ts?x=1", token(NOW + 60));
    let (status, _, body) = send(layer(false), get_req(&uri)).await;
    assert_eq!(status, StatusCode::OK);
    let v: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(v["uri"], "/360p/seg_001.ts?x=1");
    assert_eq!(v["claims"]["sid"], "sess42");
}

#[tokio::test]
async fn cookie_and_bearer_tokens_leave_the_uri_alone() {
    let req = Request::get("/a.ts?x=1")
        .header("cookie", format!("other=1; pg={}", token(NOW + 60)))
        .body(Body::empty())
        .unwrap();
    let (status, _, body) = send(layer(false), req).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        serde_json::from_str::<Value>(&body).unwrap()["uri"],
        "/a.ts?x=1"
    );

    let req = Request::get("/b.ts")
        .header("authorization", format!("Bearer {}", token(NOW + 60)))
        .body(Body::empty())
        .unwrap();
    assert_eq!(send(layer(false), req).await.0, StatusCode::OK);
}

#[tokio::test]
async fn missing_token_is_401_not_cached_and_says_nothing_without_debug() {
    let (status, headers, body) = send(layer(false), get_req("/live/index.m3u8")).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(headers["cache-control"], "no-store");
    assert!(headers.get("x-playgate-reason").is_none());
    assert!(!body.contains("missing_token"), "{body}");
}

#[tokio::test]
async fn debug_mode_tells_the_reason() {
    let (status, headers, body) = send(layer(true), get_req("/live/index.m3u8")).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(headers["x-playgate-reason"], "missing_token");
    assert!(body.contains("missing_token"));
}

#[tokio::test]
async fn expired_and_tampered_tokens_are_403() {
    // The injected clock decides: the token expires exactly at NOW.
    let uri = format!("/x.ts?token={}", token(NOW));
    let (status, headers, _) = send(layer(true), get_req(&uri)).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(headers["x-playgate-reason"], "expired");
    assert_eq!(headers["cache-control"], "no-store");
    // Same token one second earlier in time is fine.
    let (status, _, _) = send(layer(true).clock(|| NOW - 1), get_req(&uri)).await;
    assert_eq!(status, StatusCode::OK);

    // Change a character in the middle of the signature (the last one may only hold padding bits).
    let mut t = token(NOW + 60).into_bytes();
    let i = t.len() - 10;
    t[i] = if t[i] == b'A' { b'B' } else { b'A' };
    let t = String::from_utf8(t).unwrap();
    let (status, headers, _) = send(layer(true), get_req(&format!("/x.ts?token={t}"))).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(headers["x-playgate-reason"], "bad_signature");
}

#[tokio::test]
async fn denied_requests_never_reach_the_inner_service() {
    let calls = Arc::new(Mutex::new(0));
    let c = calls.clone();
    let inner = service_fn(move |_req: Request<Body>| {
        *c.lock().unwrap() += 1;
        async { Ok::<_, Infallible>(http::Response::new(Body::empty())) }
    });
    let svc = layer(false).layer(inner);
    let res = svc.clone().oneshot(get_req("/x.ts")).await.unwrap();
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(*calls.lock().unwrap(), 0);
    let res = svc
        .oneshot(get_req(&format!("/x.ts?token={}", token(NOW + 5))))
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(*calls.lock().unwrap(), 1);
}

#[tokio::test]
async fn client_ip_from_connect_info_or_a_configured_header() {
    let seen = Arc::new(Mutex::new(Vec::<String>::new()));
    let s = seen.clone();
    let observe = move |ev: &playgate_tower::DecisionEvent<'_>| {
        s.lock().unwrap().push(ev.client_ip.to_string())
    };

    let mut req = get_req("/x.ts");
    let mapped: SocketAddr = "[::ffff:203.0.113.7]:5000".parse().unwrap();
    req.extensions_mut().insert(ConnectInfo(mapped));
    send(layer(false).on_decision(observe.clone()), req).await;

    let req = Request::get("/x.ts")
        .header("x-forwarded-for", "198.51.100.1, 192.0.2.9")
        .body(Body::empty())
        .unwrap();
    let l = layer(false)
        .client_ip(ClientIp::Header(http::HeaderName::from_static(
            "x-forwarded-for",
        )))
        .on_decision(observe);
    send(l, req).await;

    assert_eq!(*seen.lock().unwrap(), ["203.0.113.7", "192.0.2.9"]);
}

#[tokio::test]
async fn works_in_front_of_an_axum_router_as_a_fallback() {
    let protected = Router::new().route(
        "/live/{file}",
        get(|Extension(c): Extension<VerifiedClaims>| async move {
            format!("viewer {}", c.viewer_id.unwrap_or_default())
        }),
    );
    let app = Router::new()
        .route("/healthz", get(|| async { "ok" }))
        .fallback_service(layer(false).layer(protected));
    let res = app.clone().oneshot(get_req("/healthz")).await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let res = app
        .clone()
        .oneshot(get_req(&format!("/{}/live/a.ts", token(NOW + 9))))
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(
        res.into_body().collect().await.unwrap().to_bytes(),
        "viewer v-1"
    );
    let res = app.oneshot(get_req("/live/a.ts")).await.unwrap();
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn revocation_source_is_consulted_on_every_request() {
    use playgate::revocation::{FilterBuilder, Kind, Params, RevocationFilter};
    let config = json!({
        "keys": [key().verifying_entry()],
        "token": { "sources": [{ "path_segment": true }] },
        "revocation": { "path_session": true, "on_unavailable": "deny" },
        "deny": { "debug": true }
    })
    .to_string();
    let mut b = FilterBuilder::new(Params::plan(10, 1e-6, 9).unwrap(), [1; 12], 3600);
    b.insert(Kind::Session, "gone", NOW + 3600);
    let filter = Arc::new(b.finish(NOW));
    let slot: Arc<Mutex<Option<Arc<RevocationFilter>>>> = Arc::new(Mutex::new(None));
    let s = slot.clone();
    let l = PlaygateLayer::from_json(&config)
        .unwrap()
        .clock(|| NOW)
        .revocation(move || s.lock().unwrap().clone());
    let t = token(NOW + 60);

    // Nothing loaded yet: the config says fail closed.
    let (status, h, _) = send(l.clone(), get_req(&format!("/kept.{t}/a.ts"))).await;
    assert_eq!(
        (status, h["x-playgate-reason"].to_str().unwrap()),
        (StatusCode::FORBIDDEN, "revocation_unavailable")
    );

    // A filter swapped in at run time applies from the next request.
    *slot.lock().unwrap() = Some(filter);
    let (status, _, _) = send(l.clone(), get_req(&format!("/kept.{t}/a.ts"))).await;
    assert_eq!(status, StatusCode::OK);
    let (status, h, _) = send(l, get_req(&format!("/gone.{t}/a.ts"))).await;
    assert_eq!(
        (status, h["x-playgate-reason"].to_str().unwrap()),
        (StatusCode::FORBIDDEN, "revoked")
    );
}
