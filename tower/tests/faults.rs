//! Fault injection on the tower layer: the layer in front of an axum router on a real socket,
//! hostile requests written as raw bytes (oversized URLs, headers and cookies, thousands of query
//! parameters, repeated tokens, non-UTF-8 and NUL bytes, percent garbage, malformed HTTP, odd-case
//! names; catalogue in `fault_catalogue/`). Each must be denied or rejected, never served, never
//! panic; the layer must still serve a good request afterwards. Counts go to
//! `target/faults/tower.json` (`cargo test -p playgate-tower --test faults -- --nocapture` prints
//! one line per fault).

mod fault_catalogue;

use axum::routing::get;
use axum::Router;
use fault_catalogue as fc;
use playgate_tower::PlaygateLayer;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use tower_layer::Layer;

/// The protected route, and 404 for everything else, behind the layer.
fn app() -> Router {
    let protected = Router::new().route(
        fc::PROTECTED,
        get(|| async { format!("#EXTM3U\n# {}\n", fc::MARKER) }),
    );
    let layer = PlaygateLayer::from_json(&fc::config().to_string()).unwrap();
    Router::new().fallback_service(layer.layer(protected))
}

/// Serves `app()` on a loopback port from a runtime on its own thread.
fn start() -> SocketAddr {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async move {
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            tx.send(listener.local_addr().unwrap()).unwrap();
            axum::serve(
                listener,
                app().into_make_service_with_connect_info::<SocketAddr>(),
            )
            .await
            .unwrap();
        });
    });
    rx.recv().unwrap()
}

#[test]
fn hostile_requests_are_denied_or_rejected_never_served() {
    // A panic inside the layer would only drop that connection (tokio catches it per task), which
    // looks like a rejection from outside: count panics explicitly.
    let panics = Arc::new(AtomicUsize::new(0));
    let p = panics.clone();
    let default_hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        p.fetch_add(1, Ordering::SeqCst);
        default_hook(info);
    }));

    let out = Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/faults");
    let _ = std::fs::remove_file(out.join("tower.json"));
    let addr = start();
    let tokens = fc::Tokens::new();
    let before = fc::check_controls(addr, &tokens);
    assert!(before.is_empty(), "controls before the faults: {before:?}");

    let mut tally = fc::Tally::default();
    for fault in fc::catalogue(&tokens) {
        let answer = fc::send(addr, &fault.bytes);
        tally.record(&fault, &answer);
    }
    let after = fc::check_controls(addr, &tokens);
    tally.crashes = panics.load(Ordering::SeqCst) + usize::from(!after.is_empty());
    tally.failures.extend(after);
    tally.write(&out, "tower");
    tally.assert_clean();
    assert!(tally.faults >= 80, "only {} faults", tally.faults);
}

/// Regression: a `Cookie` header that is not visible ASCII used to be dropped whole before the
/// cookies were split, so `pg=<token>` plus a second `pg=` cookie with one non-ASCII byte looked
/// like a single token cookie and was served. A repeated token cookie is ambiguous: deny.
#[tokio::test]
async fn a_non_ascii_cookie_header_does_not_hide_a_repeated_token_cookie() {
    use axum::body::Body;
    use http::header::{HeaderValue, COOKIE};
    use tower::ServiceExt;

    let t = fc::Tokens::new();
    for second in [
        &b"pg=\xff"[..],
        "pg=\u{e9}t\u{e9}".as_bytes(),
        b"a=1; pg=x\x80y",
    ] {
        let mut req = http::Request::get(fc::PROTECTED)
            .body(Body::empty())
            .unwrap();
        let h = req.headers_mut();
        h.append(
            COOKIE,
            HeaderValue::from_str(&format!("pg={}", t.valid)).unwrap(),
        );
        h.append(COOKIE, HeaderValue::from_bytes(second).unwrap());
        let res = app().oneshot(req).await.unwrap();
        assert_eq!(res.status(), http::StatusCode::FORBIDDEN, "{second:?}");
        assert_eq!(res.headers()["x-playgate-reason"], "malformed_token");
    }
    // A lone token cookie with a non-ASCII byte is a present-but-unusable token.
    let mut req = http::Request::get(fc::PROTECTED)
        .body(Body::empty())
        .unwrap();
    let bad = [format!("pg={}", t.valid).as_bytes(), b"\xff"].concat();
    req.headers_mut()
        .append(COOKIE, HeaderValue::from_bytes(&bad).unwrap());
    let res = app().oneshot(req).await.unwrap();
    assert_eq!(res.headers()["x-playgate-reason"], "malformed_token");
    // Other cookies in the same header still reach the gate.
    let mut req = http::Request::get(fc::PROTECTED)
        .body(Body::empty())
        .unwrap();
    let ok = [b"junk=\xff\xfe; pg=".as_slice(), t.valid.as_bytes()].concat();
    req.headers_mut()
        .append(COOKIE, HeaderValue::from_bytes(&ok).unwrap());
    let res = app().oneshot(req).await.unwrap();
    assert_eq!(res.status(), http::StatusCode::OK);
}
