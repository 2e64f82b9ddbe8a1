//! `playgate serve`: a directory of HLS files behind the gate (via `playgate-tower`), plus the
//! demo-only endpoints that make it a self-contained "it works" demo: a token endpoint, a page that
//! plays the stream with hls.js, and a feed of the gate's recent decisions.
//!
//! Routes (demo ones only without `--no-demo`):
//! - `/<token>/...`, `/<sid>.<token>/...`, `/...?token=...`: the files, through the gate.
//! - `GET /` → `/demo/`; `GET /demo/` the page, `/demo/app.js`, `/demo/hls.min.js` (from npm).
//! - `GET /tokengenerate?asset=master.m3u8&mode=path|query&ttl=300`: a playback URL (like the AWS
//!   seed's endpoint of the same name).
//! - `POST /sessionrevoke?session=<id>`: revokes a session live (like the seed's endpoint of the
//!   same name), when the configuration has a `revocation` section.
//! - `GET /api/decisions`: the gate's recent decisions, tokens redacted.

use anyhow::{bail, Context, Result};
use axum::extract::{Query, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::{Json, Router};
use playgate::config::Alg;
use playgate::mint::SigningKey;
use playgate::revocation::{FilterBuilder, Kind, Params, RevocationFilter, SEED_LEN};
use playgate::{Config, Decision, Gate};
use playgate_tower::{DecisionEvent, PlaygateLayer};
use serde_json::{json, Value};
use std::collections::{HashMap, VecDeque};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use tower::Layer;
use tower_http::services::ServeDir;

/// Arguments of `playgate serve`.
#[derive(clap::Args)]
pub struct ServeArgs {
    /// Directory of HLS files to serve (default: the bundled test stream, fixtures/hls).
    #[arg(long)]
    dir: Option<PathBuf>,
    /// Address to listen on. The default stays on this machine.
    #[arg(long, default_value = "127.0.0.1:8080")]
    listen: SocketAddr,
    /// Gate configuration JSON (the same file every playgate surface reads). Without it, a dev
    /// configuration with a key generated at start is used.
    #[arg(long)]
    config: Option<PathBuf>,
    /// Signing key document (`playgate keygen` output) for the demo token endpoint when `--config`
    /// is given. Without it, /tokengenerate is off.
    #[arg(long)]
    signing_key: Option<PathBuf>,
    /// Revocation filter file (`playgate revoke build` output), reloaded when it changes; the demo's
    /// /sessionrevoke extends it in place. Without it, a config with a `revocation` section gets an
    /// in-memory filter that starts empty.
    #[arg(long)]
    revocation: Option<PathBuf>,
    /// Turn the demo page and endpoints off: only gated files are served.
    #[arg(long)]
    no_demo: bool,
    /// Serve the directory WITHOUT the gate. For benchmark baselines only.
    #[arg(long)]
    no_gate: bool,
    /// Folder with the demo's package.json and node_modules (hls.js). Default: cli/demo.
    #[arg(long)]
    demo_dir: Option<PathBuf>,
    /// Seconds a client may take to send a complete request head before the connection is closed
    /// (slow-header clients would otherwise hold connections open forever).
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u64).range(1..=3600))]
    header_read_timeout: u64,
}

/// How many decisions /api/decisions remembers.
const DECISION_LOG: usize = 200;
/// Longest lifetime the token endpoint will mint (tokens carry `aws:viewer-id`, capped at 600 s).
const MAX_TTL: u64 = 600;

struct Demo {
    signing: Option<SigningKey>,
    revocations: Arc<Revocations>,
    /// How long a revoked session id must stay in the filter: the longest token lifetime.
    max_lifetime: u64,
    decisions: Mutex<Decisions>,
    hls_js: PathBuf,
    dev_config: bool,
}

#[derive(Default)]
struct Decisions {
    recent: VecDeque<Value>,
    allowed: u64,
    denied: u64,
}

pub fn run(args: ServeArgs) -> Result<ExitCode> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        // tower-http's ServeDir reads files on tokio's blocking pool; left at its default (512) the
        // pool grew to ~200 threads under wrk with 32 connections, for no throughput gain.
        .max_blocking_threads(32)
        .build()?;
    runtime.block_on(serve(args))?;
    Ok(ExitCode::SUCCESS)
}

async fn serve(args: ServeArgs) -> Result<()> {
    let dir = locate(args.dir.as_deref(), "fixtures/hls", "../fixtures/hls")?;
    let demo_on = !args.no_demo && !args.no_gate;
    if demo_on && !args.listen.ip().is_loopback() {
        bail!("the demo endpoints mint tokens for anyone who asks: listen on a loopback address, or pass --no-demo");
    }

    let setup = gate_and_key(&args)?;
    let (gate, signing, dev_config, what) =
        (setup.gate, setup.signing, setup.dev_config, setup.what);
    let revocations = Arc::new(match (&args.revocation, setup.revocation) {
        (Some(_), false) => bail!(
            "--revocation: the gate config has no `revocation` section, the filter would never be consulted"
        ),
        (None, false) => Revocations::Off,
        (None, true) => Revocations::Memory(RwLock::new(Arc::new(empty_filter()?))),
        (Some(path), true) => {
            let store = crate::revoke::RevocationStore::open(path, Duration::from_secs(1));
            if let Some(e) = store.last_error() {
                eprintln!(
                    "playgate serve: {}: {e} (revocation lookups answer `unavailable` until it loads)",
                    path.display()
                );
            }
            Revocations::File {
                store,
                path: path.clone(),
                write: Mutex::new(()),
            }
        }
    });
    let files = tower::ServiceBuilder::new()
        .map_response(hls_content_type)
        .service(ServeDir::new(&dir));
    let (app, banner) = if args.no_gate {
        (
            Router::new().fallback_service(files),
            "WITHOUT the gate (--no-gate: benchmark baseline)".to_string(),
        )
    } else {
        let demo = Arc::new(Demo {
            signing,
            revocations: revocations.clone(),
            max_lifetime: setup.max_lifetime,
            decisions: Mutex::new(Decisions::default()),
            hls_js: locate(args.demo_dir.as_deref(), "cli/demo", "demo")
                .unwrap_or_else(|_| PathBuf::from("cli/demo"))
                .join("node_modules/hls.js/dist/hls.min.js"),
            dev_config,
        });
        let mut layer = PlaygateLayer::new(gate);
        if !matches!(*revocations, Revocations::Off) {
            let r = revocations.clone();
            layer = layer.revocation(move || r.current());
        }
        if demo_on {
            let log = demo.clone();
            layer = layer.on_decision(move |ev| log.record(ev));
        }
        let gated = layer.layer(files);
        let router = if demo_on {
            demo_routes(demo)
        } else {
            Router::new()
        };
        (
            router.fallback_service(gated),
            format!("behind the gate ({what})"),
        )
    };

    let listener = tokio::net::TcpListener::bind(args.listen)
        .await
        .with_context(|| {
            format!(
                "cannot listen on {} (another server there? try --listen 127.0.0.1:0)",
                args.listen
            )
        })?;
    let addr = listener.local_addr()?;
    println!("playgate serve: {} {banner}", dir.display());
    if demo_on {
        println!("open http://{addr}/demo/ to play the stream");
    } else {
        println!("listening on http://{addr}/");
    }
    use std::io::Write;
    std::io::stdout().flush()?;

    accept_loop(listener, app, Duration::from_secs(args.header_read_timeout)).await;
    Ok(())
}

/// What `axum::serve` does, plus a header-read timeout (without it, a client that sends half a
/// request head keeps its connection and a task forever; `axum::serve` has no such setting):
/// accept, set TCP_NODELAY, hand the peer address to the router as `ConnectInfo`, serve HTTP/1.1
/// and HTTP/2, and drain on shutdown.
async fn accept_loop(listener: tokio::net::TcpListener, app: Router, header_timeout: Duration) {
    use axum::extract::ConnectInfo;
    use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
    use hyper_util::server::conn::auto;
    use hyper_util::server::graceful::GracefulShutdown;
    use hyper_util::service::TowerToHyperService;
    use tower::ServiceExt;

    let mut builder = auto::Builder::new(TokioExecutor::new());
    builder
        .http1()
        .timer(TokioTimer::new())
        .header_read_timeout(header_timeout);
    let graceful = GracefulShutdown::new();
    let mut stop = std::pin::pin!(shutdown());
    loop {
        let (tcp, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(c) => c,
                // Out of file descriptors and the like: back off instead of spinning.
                Err(_) => {
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut stop => break,
        };
        // Without TCP_NODELAY, a response written as headers + body waits for the peer's delayed
        // ACK (~40 ms on Linux) before the body goes out: measured as a 44 ms p50 floor under wrk.
        let _ = tcp.set_nodelay(true);
        let svc =
            app.clone()
                .map_request(move |mut req: axum::http::Request<hyper::body::Incoming>| {
                    req.extensions_mut().insert(ConnectInfo(peer));
                    req
                });
        let conn = builder
            .serve_connection_with_upgrades(TokioIo::new(tcp), TowerToHyperService::new(svc))
            .into_owned();
        let conn = graceful.watch(conn);
        tokio::spawn(async move {
            let _ = conn.await;
        });
    }
    // Let requests in flight finish, but do not wait on idle keep-alive clients for long.
    let _ = tokio::time::timeout(Duration::from_secs(5), graceful.shutdown()).await;
}

async fn shutdown() {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut term =
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(s) => s,
                Err(_) => return std::future::pending().await,
            };
        tokio::select! { _ = ctrl_c => {}, _ = term.recv() => {} }
    }
    #[cfg(not(unix))]
    let _ = ctrl_c.await;
}

/// A path given on the command line, else `default` under the working directory, else `fallback`
/// next to this crate (so `cargo run` works from anywhere in the checkout).
fn locate(given: Option<&Path>, default: &str, fallback: &str) -> Result<PathBuf> {
    if let Some(p) = given {
        if !p.is_dir() {
            bail!("{} is not a directory", p.display());
        }
        return Ok(p.to_path_buf());
    }
    let here = PathBuf::from(default);
    if here.is_dir() {
        return Ok(here);
    }
    let there = Path::new(env!("CARGO_MANIFEST_DIR")).join(fallback);
    if there.is_dir() {
        return Ok(there);
    }
    bail!("{default} not found: run from the repository root or pass the path")
}

struct Setup {
    gate: Gate,
    /// The key the token endpoint signs with.
    signing: Option<SigningKey>,
    /// Whether the config is the built-in dev one.
    dev_config: bool,
    /// Whether the config has a `revocation` section.
    revocation: bool,
    max_lifetime: u64,
    /// Which config is in use, for the banner.
    what: String,
}

fn setup(
    config: &Config,
    signing: Option<SigningKey>,
    dev_config: bool,
    what: String,
) -> Result<Setup> {
    let gate = Gate::new(config).map_err(|e| anyhow::anyhow!("{what}: {e}"))?;
    // ES384 verification tables at start-up (≈ 2.5 ms a key), not on the first viewer's request.
    gate.precompute();
    Ok(Setup {
        gate,
        signing,
        dev_config,
        revocation: config.revocation.is_some(),
        max_lifetime: config.claims.max_lifetime,
        what,
    })
}

fn gate_and_key(args: &ServeArgs) -> Result<Setup> {
    if let Some(path) = &args.config {
        let config = Config::from_json(&crate::read(path)?)
            .map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
        let signing = match &args.signing_key {
            Some(k) => {
                let doc: Value =
                    serde_json::from_str(&crate::read(k)?).context("signing key is not JSON")?;
                let doc = doc.get("signing_key").cloned().unwrap_or(doc);
                Some(
                    SigningKey::from_json(&doc.to_string())
                        .map_err(|e| anyhow::anyhow!("{}: {e}", k.display()))?,
                )
            }
            None => None,
        };
        return setup(
            &config,
            signing,
            false,
            format!("config {}", path.display()),
        );
    }
    if args.signing_key.is_some() {
        bail!("--signing-key needs --config (the dev config generates its own key)");
    }
    let kid = format!("dev-{}", hex(&random::<4>()?));
    let key = crate::generate_key(Alg::HS256, &kid)?;
    let config = json!({
        "keys": [key.verifying_entry()],
        // Path tokens first: relative playlist URIs carry them to every request. Query tokens work
        // too (the demo page adds them to every request it makes).
        "token": { "sources": [{ "path_segment": true }, { "query": "token" }] },
        "claims": { "max_lifetime": 3600 },
        // The demo shows why a request was denied; production configs keep debug off.
        "deny": { "debug": true },
        // Path session ids are looked up in a filter the server keeps (/sessionrevoke adds to it).
        "revocation": { "path_session": true, "on_unavailable": "deny" }
    });
    let config =
        Config::from_json(&config.to_string()).map_err(|e| anyhow::anyhow!("dev config: {e}"))?;
    setup(
        &config,
        Some(key),
        true,
        format!("dev config: HS256 key {kid} generated at start, debug reasons on"),
    )
}

/// Where the revocation filter in service comes from.
enum Revocations {
    /// The configuration has no `revocation` section.
    Off,
    /// Kept by this server, starting empty; /sessionrevoke swaps in an extended copy.
    Memory(RwLock<Arc<RevocationFilter>>),
    /// A filter file, reloaded when it changes; /sessionrevoke extends the file (write, rename).
    File {
        store: crate::revoke::RevocationStore,
        path: PathBuf,
        write: Mutex<()>,
    },
}

impl Revocations {
    fn current(&self) -> Option<Arc<RevocationFilter>> {
        match self {
            Revocations::Off => None,
            Revocations::Memory(f) => f.read().ok().map(|f| f.clone()),
            Revocations::File { store, .. } => store.current(),
        }
    }

    /// Adds a session id, kept until `expires`. Returns the new filter.
    fn revoke_session(&self, id: &str, expires: u64) -> Result<Arc<RevocationFilter>> {
        let now = crate::now_unix();
        let extended = |base: Option<&RevocationFilter>| -> Result<RevocationFilter> {
            let mut b = match base {
                Some(f) => FilterBuilder::extend(f, GENERATION_SECS),
                None => builder()?,
            };
            b.insert(Kind::Session, id, expires);
            Ok(b.finish(now))
        };
        match self {
            Revocations::Off => bail!("revocation is not configured"),
            Revocations::Memory(slot) => {
                let mut slot = slot
                    .write()
                    .map_err(|_| anyhow::anyhow!("revocation state poisoned"))?;
                *slot = Arc::new(extended(Some(&slot))?);
                Ok(slot.clone())
            }
            Revocations::File { path, write, .. } => {
                let _one_writer = write
                    .lock()
                    .map_err(|_| anyhow::anyhow!("revocation state poisoned"))?;
                let base = match crate::revoke::load(path) {
                    Ok(f) => Some(f),
                    Err(_) if !path.exists() => None,
                    Err(e) => return Err(e.context("not overwriting an unreadable filter")),
                };
                let f = extended(base.as_ref())?;
                // Write then rename: the store (and any other reader) never sees half a file.
                let tmp = path.with_extension("pgrf.tmp");
                std::fs::write(&tmp, f.to_bytes())
                    .with_context(|| format!("cannot write {}", tmp.display()))?;
                std::fs::rename(&tmp, path)
                    .with_context(|| format!("cannot write {}", path.display()))?;
                Ok(Arc::new(f))
            }
        }
    }
}

/// Width of an expiry generation in the demo's filters.
const GENERATION_SECS: u64 = 3600;

fn builder() -> Result<FilterBuilder> {
    // Room for 10 000 revoked sessions at a one-in-a-million false-positive rate.
    let params =
        Params::plan(10_000, 1e-6, 9).map_err(|e| anyhow::anyhow!("filter parameters: {e}"))?;
    Ok(FilterBuilder::new(
        params,
        random::<SEED_LEN>()?,
        GENERATION_SECS,
    ))
}

fn empty_filter() -> Result<RevocationFilter> {
    Ok(builder()?.finish(crate::now_unix()))
}

/// The registered HLS media types (RFC 8216 §4), where the generic MIME table says otherwise.
fn hls_content_type<B>(mut res: axum::http::Response<B>) -> axum::http::Response<B> {
    let fixed = match res
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
    {
        Some("audio/x-mpegurl" | "application/x-mpegurl") => "application/vnd.apple.mpegurl",
        Some("video/vnd.dlna.mpeg-tts" | "text/x-typescript" | "application/typescript") => {
            "video/mp2t"
        }
        _ => return res,
    };
    res.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(fixed));
    res
}

fn demo_routes(demo: Arc<Demo>) -> Router {
    Router::new()
        .route("/", get(|| async { Redirect::temporary("/demo/") }))
        .route("/favicon.ico", get(|| async { StatusCode::NO_CONTENT }))
        .route("/demo", get(|| async { Redirect::permanent("/demo/") }))
        .route(
            "/demo/",
            get(|| async {
                page(
                    include_str!("../demo/index.html"),
                    "text/html; charset=utf-8",
                )
            }),
        )
        .route(
            "/demo/app.js",
            get(|| async {
                page(
                    include_str!("../demo/app.js"),
                    "text/javascript; charset=utf-8",
                )
            }),
        )
        .route("/demo/hls.min.js", get(hls_js))
        .route("/tokengenerate", get(token_generate))
        .route("/sessionrevoke", axum::routing::post(session_revoke))
        .route("/api/decisions", get(decisions))
        .with_state(demo)
}

fn page(body: &'static str, content_type: &'static str) -> Response {
    (
        [
            (header::CONTENT_TYPE, content_type),
            (header::CACHE_CONTROL, "no-cache"),
        ],
        body,
    )
        .into_response()
}

async fn hls_js(State(demo): State<Arc<Demo>>) -> Response {
    match tokio::fs::read(&demo.hls_js).await {
        Ok(js) => (
            [(header::CONTENT_TYPE, "text/javascript; charset=utf-8")],
            js,
        )
            .into_response(),
        Err(_) => (
            StatusCode::NOT_FOUND,
            format!(
                "hls.js is not installed at {}: run `npm ci` in cli/demo (scripts/demo.sh does)\n",
                demo.hls_js.display()
            ),
        )
            .into_response(),
    }
}

/// Mints a token and returns a playback URL, like the AWS seed's `/tokengenerate`.
async fn token_generate(
    State(demo): State<Arc<Demo>>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let Some(key) = &demo.signing else {
        return (
            StatusCode::NOT_FOUND,
            "no signing key: start serve without --config, or pass --signing-key\n",
        )
            .into_response();
    };
    let asset = q
        .get("asset")
        .map_or("master.m3u8", String::as_str)
        .trim_start_matches('/');
    if asset.is_empty()
        || asset.split('/').any(|s| s == ".." || s.is_empty())
        || asset.contains(['?', '#', '%'])
    {
        return (
            StatusCode::BAD_REQUEST,
            "asset: a relative path like master.m3u8\n",
        )
            .into_response();
    }
    let ttl = match q.get("ttl").map(|t| t.parse::<u64>()) {
        None => 300,
        Some(Ok(t)) if (1..=MAX_TTL).contains(&t) => t,
        _ => {
            return (
                StatusCode::BAD_REQUEST,
                format!("ttl: seconds, 1 to {MAX_TTL}\n"),
            )
                .into_response()
        }
    };
    let path_mode = match q.get("mode").map(String::as_str) {
        None | Some("path") => true,
        Some("query") => false,
        _ => return (StatusCode::BAD_REQUEST, "mode: path or query\n").into_response(),
    };
    let (Ok(sid), Ok(viewer)) = (random::<8>(), random::<6>()) else {
        return (StatusCode::INTERNAL_SERVER_ERROR, "no system randomness\n").into_response();
    };
    let (sid, viewer) = (
        hex(&sid),
        q.get("viewer")
            .cloned()
            .unwrap_or_else(|| format!("viewer-{}", hex(&viewer))),
    );
    let now = crate::now_unix();
    let claims = json!({
        "iat": now,
        "exp": now + ttl,
        // The session id is also a claim, so a query-token session can be revoked too.
        "sid": sid,
        "aws:viewer-id": viewer,
        "aws:viewer-session-version": 0,
    });
    let token = match key.mint(&claims, true) {
        Ok(t) => t,
        Err(e) => return (StatusCode::INTERNAL_SERVER_ERROR, format!("{e}\n")).into_response(),
    };
    let path = if path_mode {
        format!("/{sid}.{token}/{asset}")
    } else {
        format!("/{asset}?token={token}")
    };
    let mut res = Json(json!({
        "playback_url": path,
        "mode": if path_mode { "path" } else { "query" },
        "token": token,
        "session_id": sid,
        "claims": claims,
        "expires_at": now + ttl,
    }))
    .into_response();
    res.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    res
}

/// Revokes a session live, like the AWS seed's `/sessionrevoke`: requests carrying that session id
/// (the `<sid>.` prefix of a path token) are refused from the next request on.
async fn session_revoke(
    State(demo): State<Arc<Demo>>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let Some(id) = q
        .get("session")
        .filter(|s| !s.is_empty() && s.len() <= 128)
        .cloned()
    else {
        return (
            StatusCode::BAD_REQUEST,
            "session: the session id to revoke\n",
        )
            .into_response();
    };
    if matches!(*demo.revocations, Revocations::Off) {
        let msg = "revocation is not configured (no `revocation` section in the gate config)\n";
        return (StatusCode::NOT_FOUND, msg).into_response();
    }
    let expires = crate::now_unix() + demo.max_lifetime;
    let revocations = demo.revocations.clone();
    let sid = id.clone();
    match tokio::task::spawn_blocking(move || revocations.revoke_session(&sid, expires)).await {
        Ok(Ok(f)) => {
            let mut res = Json(json!({
                "revoked": id,
                "filter": { "serial": f.serial(), "elements": f.element_count(), "bytes": f.file_len() },
            }))
            .into_response();
            res.headers_mut()
                .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
            res
        }
        Ok(Err(e)) => (StatusCode::INTERNAL_SERVER_ERROR, format!("{e:#}\n")).into_response(),
        Err(_) => (StatusCode::INTERNAL_SERVER_ERROR, "revocation failed\n").into_response(),
    }
}

async fn decisions(State(demo): State<Arc<Demo>>) -> Response {
    let d = match demo.decisions.lock() {
        Ok(d) => json!({
            "allowed": d.allowed,
            "denied": d.denied,
            "recent": d.recent.iter().collect::<Vec<_>>(),
            "dev_config": demo.dev_config,
            "revocation": !matches!(*demo.revocations, Revocations::Off),
        }),
        Err(_) => json!({"error": "decision log unavailable"}),
    };
    let mut res = Json(d).into_response();
    res.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    res
}

impl Demo {
    fn record(&self, ev: &DecisionEvent<'_>) {
        let (status, reason, session, viewer) = match ev.decision {
            Decision::Allow(a) => (
                200,
                None,
                a.claims.path_session_id.clone().or_else(|| {
                    a.claims
                        .extra
                        .get("sid")
                        .and_then(|v| v.as_str())
                        .map(String::from)
                }),
                a.claims.viewer_id.clone(),
            ),
            Decision::Deny(d) => (d.status, Some(d.reason.code()), None, None),
        };
        let entry = json!({
            "at_ms": SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_millis() as u64).unwrap_or(0),
            "method": ev.method.as_str(),
            "path": redact(ev.uri.path(), ev.uri.query()),
            "status": status,
            "reason": reason,
            "session": session,
            "viewer": viewer,
        });
        if let Ok(mut d) = self.decisions.lock() {
            if reason.is_some() {
                d.denied += 1;
            } else {
                d.allowed += 1;
            }
            if d.recent.len() == DECISION_LOG {
                d.recent.pop_back();
            }
            d.recent.push_front(entry);
        }
    }
}

/// The request path for display: a token-looking first segment and any `token=` value replaced.
fn redact(path: &str, query: Option<&str>) -> String {
    let rest = path.strip_prefix('/').unwrap_or(path);
    let (first, tail) = rest.split_once('/').map_or((rest, ""), |(f, t)| (f, t));
    let mut out = match first.matches('.').count() {
        2 => format!("/<token>/{tail}"),
        3 => format!("/{}.<token>/{tail}", first.split('.').next().unwrap_or("")),
        _ => path.to_string(),
    };
    if let Some(q) = query {
        let q: Vec<String> = q
            .split('&')
            .map(|p| match p.split_once('=') {
                Some(("token", _)) => "token=<token>".to_string(),
                _ => p.to_string(),
            })
            .collect();
        out.push('?');
        out.push_str(&q.join("&"));
    }
    out
}

fn random<const N: usize>() -> Result<[u8; N]> {
    let mut b = [0u8; N];
    getrandom::fill(&mut b).map_err(|e| anyhow::anyhow!("no system randomness: {e}"))?;
    Ok(b)
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::redact;

    #[test]
    fn redaction_hides_tokens() {
        assert_eq!(
            redact("/a.b.c/240p/seg_000.ts", None),
            "/<token>/240p/seg_000.ts"
        );
        assert_eq!(
            redact("/s1.a.b.c/master.m3u8", None),
            "/s1.<token>/master.m3u8"
        );
        assert_eq!(
            redact("/master.m3u8", Some("x=1&token=a.b.c")),
            "/master.m3u8?x=1&token=<token>"
        );
        assert_eq!(redact("/master.m3u8", None), "/master.m3u8");
    }
}
