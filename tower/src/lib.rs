//! A [`tower::Layer`](tower_layer::Layer) that runs the playgate gate in front of any
//! `http`-based service (axum, hyper, tower-http's `ServeDir`): one decision per request, the
//! token stripped before the inner service sees the request, denials answered here.
#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]
#![deny(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]
#![warn(missing_docs)]

use bytes::Bytes;
use http::header::{HeaderName, HeaderValue, CACHE_CONTROL, CONTENT_TYPE, COOKIE};
use http::uri::PathAndQuery;
use http::{Method, Request, Response, StatusCode, Uri};
use http_body_util::{Either, Full};
use playgate::revocation::RevocationSource;
use playgate::{ConfigError, Decision, Deny, Gate};
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::{SystemTime, UNIX_EPOCH};
use tower_layer::Layer;
use tower_service::Service;

pub use playgate;
pub use playgate::VerifiedClaims;

/// Body of a denial answered by the layer.
pub type DenyBody = Full<Bytes>;

/// Response body of a gated service: the inner service's body, or the layer's denial.
pub type GateBody<B> = Either<B, DenyBody>;

/// Header carrying the denial reason when the configuration has `deny.debug = true`.
pub const REASON_HEADER: &str = "x-playgate-reason";

/// Where the viewer's IP address comes from.
#[derive(Clone, Debug, Default)]
pub enum ClientIp {
    /// The peer address of the connection: axum's `ConnectInfo<SocketAddr>` extension (with the
    /// `axum` feature; serve with `into_make_service_with_connect_info::<SocketAddr>()`), or a
    /// plain `SocketAddr` request extension put there by your own hyper accept loop.
    #[default]
    ConnectInfo,
    /// A header set by a proxy you trust, e.g. `x-forwarded-for`: the last value of its last
    /// occurrence (the address that proxy saw). Only use this behind a proxy that sets the header;
    /// a viewer can write any header it likes.
    Header(HeaderName),
    /// No client address (policies that need one will not match).
    None,
}

/// What the layer tells an observer about each decision (for logs and metrics).
#[derive(Debug)]
#[non_exhaustive]
pub struct DecisionEvent<'a> {
    /// Request method.
    pub method: &'a Method,
    /// The URI as received, token included: redact before logging it.
    pub uri: &'a Uri,
    /// The client address the gate saw.
    pub client_ip: &'a str,
    /// The decision.
    pub decision: &'a Decision,
    /// Time the decision was made for (Unix seconds).
    pub now: u64,
}

type Clock = Arc<dyn Fn() -> u64 + Send + Sync>;
type Observer = Arc<dyn Fn(&DecisionEvent<'_>) + Send + Sync>;
/// The revocation data in service right now (`None`: not loaded yet).
type Revocation = Arc<dyn Fn() -> Option<Arc<dyn RevocationSource + Send + Sync>> + Send + Sync>;

/// The layer. Cheap to clone: the gate is shared.
#[derive(Clone)]
pub struct PlaygateLayer {
    gate: Arc<Gate>,
    clock: Clock,
    client_ip: ClientIp,
    observer: Option<Observer>,
    revocation: Option<Revocation>,
}

impl std::fmt::Debug for PlaygateLayer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PlaygateLayer")
            .field("client_ip", &self.client_ip)
            .field("observer", &self.observer.is_some())
            .field("revocation", &self.revocation.is_some())
            .finish_non_exhaustive()
    }
}

impl PlaygateLayer {
    /// A layer around a prepared gate, with the system clock and the connection's peer address.
    pub fn new(gate: Gate) -> Self {
        Self::from_shared(Arc::new(gate))
    }

    /// Same as [`PlaygateLayer::new`] for a gate shared with other code.
    pub fn from_shared(gate: Arc<Gate>) -> Self {
        PlaygateLayer {
            gate,
            clock: Arc::new(system_now),
            client_ip: ClientIp::default(),
            observer: None,
            revocation: None,
        }
    }

    /// A layer from the JSON configuration every playgate surface reads, with the ES384 keys'
    /// verification tables built now ([`Gate::precompute`]) rather than on the first request.
    pub fn from_json(json: &str) -> Result<Self, ConfigError> {
        let gate = Gate::from_json(json)?;
        gate.precompute();
        Ok(Self::new(gate))
    }

    /// Where the client IP comes from (default: [`ClientIp::ConnectInfo`]).
    pub fn client_ip(mut self, source: ClientIp) -> Self {
        self.client_ip = source;
        self
    }

    /// Inject the clock (Unix seconds). Tests pin time with `|| 1_700_000_000`.
    pub fn clock(mut self, now: impl Fn() -> u64 + Send + Sync + 'static) -> Self {
        self.clock = Arc::new(now);
        self
    }

    /// Called once per request with the decision, before the inner service runs. Keep it cheap:
    /// it runs on the request path.
    pub fn on_decision(mut self, f: impl Fn(&DecisionEvent<'_>) + Send + Sync + 'static) -> Self {
        self.observer = Some(Arc::new(f));
        self
    }

    /// Consult revocation data on every request: `current` returns the data in service (e.g. a
    /// loaded `playgate::revocation::RevocationFilter` that a reloader swaps), or `None` while
    /// nothing is loaded (the configuration's `revocation.on_unavailable` then decides). Only
    /// configurations with a `revocation` section look anything up.
    pub fn revocation<R>(
        mut self,
        current: impl Fn() -> Option<Arc<R>> + Send + Sync + 'static,
    ) -> Self
    where
        R: RevocationSource + Send + Sync + 'static,
    {
        self.revocation = Some(Arc::new(move || {
            current().map(|r| r as Arc<dyn RevocationSource + Send + Sync>)
        }));
        self
    }

    /// The gate this layer runs.
    pub fn gate(&self) -> &Gate {
        &self.gate
    }
}

impl<S> Layer<S> for PlaygateLayer {
    type Service = Playgate<S>;
    fn layer(&self, inner: S) -> Playgate<S> {
        Playgate {
            inner,
            layer: self.clone(),
        }
    }
}

/// The gated service built by [`PlaygateLayer`].
#[derive(Clone, Debug)]
pub struct Playgate<S> {
    inner: S,
    layer: PlaygateLayer,
}

impl<S> Playgate<S> {
    /// The wrapped service.
    pub fn get_ref(&self) -> &S {
        &self.inner
    }
}

impl<S, ReqBody, ResBody> Service<Request<ReqBody>> for Playgate<S>
where
    S: Service<Request<ReqBody>, Response = Response<ResBody>>,
{
    type Response = Response<GateBody<ResBody>>;
    type Error = S::Error;
    type Future = ResponseFuture<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut req: Request<ReqBody>) -> Self::Future {
        let l = &self.layer;
        let now = (l.clock)();
        let ip = client_ip(&req, &l.client_ip);
        let revocation = l.revocation.as_ref().and_then(|current| current());
        let decision = check(
            &l.gate,
            &req,
            &ip,
            now,
            revocation.as_deref().map(|r| r as &dyn RevocationSource),
        );
        if let Some(observe) = &l.observer {
            observe(&DecisionEvent {
                method: req.method(),
                uri: req.uri(),
                client_ip: &ip,
                decision: &decision,
                now,
            });
        }
        match decision {
            Decision::Allow(allow) => match forwarded_uri(req.uri(), &allow.forward) {
                Some(uri) => {
                    *req.uri_mut() = uri;
                    req.extensions_mut()
                        .insert(std::sync::Arc::unwrap_or_clone(allow.claims));
                    ResponseFuture::Inner {
                        fut: self.inner.call(req),
                    }
                }
                // The core only removes bytes from a URI that parsed; this is unreachable in practice.
                None => ResponseFuture::Deny {
                    response: Some(deny_response(&l.gate.deny(playgate::Reason::BadRequest))),
                },
            },
            Decision::Deny(deny) => ResponseFuture::Deny {
                response: Some(deny_response(&deny)),
            },
        }
    }
}

pub use future::ResponseFuture;

/// Runs the gate on an `http::Request` (what the service does, without the service): useful for
/// custom middleware and for tests.
pub fn check<B>(
    gate: &Gate,
    req: &Request<B>,
    client_ip: &str,
    now: u64,
    revocation: Option<&dyn RevocationSource>,
) -> Decision {
    // Values that are not visible ASCII are kept as "" so a repeated header stays ambiguous.
    let headers: Vec<(&str, &str)> = req
        .headers()
        .iter()
        .map(|(n, v)| (n.as_str(), v.to_str().unwrap_or("")))
        .collect();
    let cookies: Vec<(&str, &str)> = req
        .headers()
        .get_all(COOKIE)
        .iter()
        .flat_map(|v| cookie_pairs(v.as_bytes()))
        .collect();
    let view = playgate::Request {
        method: req.method().as_str(),
        uri: req.uri().path(),
        querystring: req.uri().query().unwrap_or(""),
        headers: &headers,
        cookies: &cookies,
        client_ip,
    };
    gate.check_with(&view, now, revocation)
}

/// RFC 6265 `name=value; name2=value2` pairs, as the core's event adapters split them. Split on
/// bytes, not after `to_str`: a whole `Cookie` header dropped for one non-ASCII byte would hide a
/// repeated token cookie in it. A value that is not visible ASCII is kept as "" (so a repeated
/// cookie stays ambiguous, and a token cookie is `malformed_token`); a non-UTF-8 name is dropped.
fn cookie_pairs(value: &[u8]) -> impl Iterator<Item = (&str, &str)> {
    value.split(|&b| b == b';').filter_map(|pair| {
        let mut halves = pair.splitn(2, |&b| b == b'=');
        let name = std::str::from_utf8(halves.next()?.trim_ascii()).ok()?;
        let value = halves.next()?.trim_ascii();
        let visible = value
            .iter()
            .all(|&b| b == b'\t' || (0x20..0x7f).contains(&b));
        let value = if visible {
            std::str::from_utf8(value).unwrap_or("")
        } else {
            ""
        };
        Some((name, value))
    })
}

fn client_ip<B>(req: &Request<B>, source: &ClientIp) -> String {
    match source {
        ClientIp::ConnectInfo => peer_addr(req)
            .map(|a| canonical(a.ip()).to_string())
            .unwrap_or_default(),
        ClientIp::Header(name) => req
            .headers()
            .get_all(name)
            .iter()
            .next_back()
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.rsplit(',').next())
            .map(|v| v.trim())
            .map(|v| {
                v.parse::<IpAddr>()
                    .map(|ip| canonical(ip).to_string())
                    .unwrap_or_else(|_| v.to_string())
            })
            .unwrap_or_default(),
        ClientIp::None => String::new(),
    }
}

fn peer_addr<B>(req: &Request<B>) -> Option<SocketAddr> {
    #[cfg(feature = "axum")]
    if let Some(axum::extract::ConnectInfo(addr)) = req
        .extensions()
        .get::<axum::extract::ConnectInfo<SocketAddr>>()
    {
        return Some(*addr);
    }
    req.extensions().get::<SocketAddr>().copied()
}

/// IPv4-mapped IPv6 (`::ffff:203.0.113.7`, what a dual-stack socket reports) as plain IPv4.
fn canonical(ip: IpAddr) -> IpAddr {
    ip.to_canonical()
}

fn forwarded_uri(original: &Uri, forward: &playgate::Forward) -> Option<Uri> {
    let pq = if forward.querystring.is_empty() {
        PathAndQuery::try_from(forward.uri.as_str()).ok()?
    } else {
        PathAndQuery::try_from(format!("{}?{}", forward.uri, forward.querystring)).ok()?
    };
    let mut parts = original.clone().into_parts();
    parts.path_and_query = Some(pq);
    Uri::from_parts(parts).ok()
}

/// The response for a denial: the configured status, never cached, the reason only in debug mode.
pub fn deny_response(deny: &Deny) -> Response<DenyBody> {
    let status = StatusCode::from_u16(deny.status).unwrap_or(StatusCode::FORBIDDEN);
    let text = status.canonical_reason().unwrap_or("Denied");
    let body = if deny.debug {
        format!("{text}: {}\n", deny.reason.code())
    } else {
        format!("{text}\n")
    };
    let mut res = Response::new(Full::new(Bytes::from(body)));
    *res.status_mut() = status;
    let h = res.headers_mut();
    h.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    h.insert(
        CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    if deny.debug {
        h.insert(
            HeaderName::from_static(REASON_HEADER),
            HeaderValue::from_static(deny.reason.code()),
        );
    }
    res
}

fn system_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

mod future {
    // pin-project-lite generates an undocumented projection type.
    #![allow(missing_docs)]
    use super::{DenyBody, GateBody};
    use http::Response;
    use http_body_util::Either;
    use pin_project_lite::pin_project;
    use std::future::Future;
    use std::pin::Pin;
    use std::task::{Context, Poll};

    pin_project! {
        /// Future of [`Playgate`]: the inner service's response, or a ready denial.
        #[project = ResponseFutureProj]
        pub enum ResponseFuture<F> {
            /// Allowed: the inner service is answering.
            Inner { #[pin] fut: F },
            /// Denied: answered by the layer.
            Deny { response: Option<Response<DenyBody>> },
        }
    }

    impl<F, B, E> Future for ResponseFuture<F>
    where
        F: Future<Output = Result<Response<B>, E>>,
    {
        type Output = Result<Response<GateBody<B>>, E>;

        fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
            match self.project() {
                ResponseFutureProj::Inner { fut } => {
                    fut.poll(cx).map(|r| r.map(|res| res.map(Either::Left)))
                }
                ResponseFutureProj::Deny { response } => {
                    Poll::Ready(Ok(response.take().unwrap_or_default().map(Either::Right)))
                }
            }
        }
    }
}
