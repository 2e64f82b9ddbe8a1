//! wasm-bindgen bindings of playgate: the raw classes behind the npm package's JavaScript API
//! (`pkg/js/`). Wrappers only: every decision is the core's. A request object is written by the JS
//! side straight into a buffer in wasm memory and the decision comes back as a number; request
//! JSON text crosses as one string and the decision as compact JSON.
#![forbid(unsafe_code)]
// Without the `mint` feature (the verify-only web build) the minting imports and helpers are unused.
#![cfg_attr(not(feature = "mint"), allow(unused_imports, dead_code))]
#![deny(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use js_sys::{Error, Reflect};
use playgate::akamai::{self, AkamaiAlg, AkamaiClaims, AkamaiKey, AkamaiMintError};
use playgate::es384::Es384Verifier;
use playgate::event::OwnedRequest;
use playgate::mint::{self, Placement, SigningKey, UrlError};
use playgate::revocation::{FilterError, RevocationFilter, RevocationSource};
use playgate::{CachingGate, ConfigError, Decision, Gate, Host, Reason, Request};
use serde_json::Value;
use std::borrow::Cow;
use wasm_bindgen::prelude::*;

/// An `Error` (a real `TypeError` for that name) carrying a stable `code` (and `field` for
/// configuration errors).
fn coded_error(name: &str, code: &str, message: &str, field: Option<&str>) -> JsValue {
    let e: Error = if name == "TypeError" {
        js_sys::TypeError::new(message).into()
    } else {
        let e = Error::new(message);
        e.set_name(name);
        e
    };
    // Setting own properties on a fresh Error object cannot fail.
    let _ = Reflect::set(&e, &"code".into(), &code.into());
    if let Some(f) = field {
        let _ = Reflect::set(&e, &"field".into(), &f.into());
    }
    e.into()
}

fn filter_error(e: FilterError) -> JsValue {
    let err = coded_error(
        "RevocationFilterError",
        "invalid_revocation_filter",
        &e.to_string(),
        None,
    );
    let _ = Reflect::set(&err, &"detail".into(), &e.code().into());
    err
}

fn config_error(e: &ConfigError) -> JsValue {
    coded_error("ConfigError", e.code(), &e.to_string(), Some(e.field()))
}

/// Default capacity of the verified-token cache (entries; rounded up to a power of two).
pub const DEFAULT_CACHE_SIZE: usize = 1024;

/// A prepared gate (`Gate` in the JS API) with its own verified-token cache.
#[wasm_bindgen]
pub struct RawGate {
    gate: CachingGate,
    /// The last good revocation filter (`None`: none loaded, the config's `on_unavailable` applies).
    filter: Option<RevocationFilter>,
    /// The forwarded strings of the last allowed `check_input` (buffer reused across calls).
    last_forward: String,
    /// The host's synchronous ES384 verifier (`node:crypto` in Node), if any.
    es384: Option<HostEs384>,
    /// The packed request of [`RawGate::check_input`]: `pkg/js/api.js` writes it straight into this
    /// buffer in wasm memory (`TextEncoder.encodeInto` on a view at [`RawGate::input_buffer`]), so
    /// nothing is allocated or copied per call. Its length is its capacity.
    input: Vec<u8>,
    /// The packed request's header ([`INPUT_HEAD`] numbers, written by JS through a `Uint32Array`).
    input_head: Vec<u32>,
    /// The ES384 public keys the host verifier has been handed, by index (see [`HostEs384::Native`]).
    es384_keys: core::cell::RefCell<Vec<Box<[u8]>>>,
}

/// A host ES384 verifier.
enum HostEs384 {
    /// A user function `(publicKey, signingInput, signature) → boolean` over copies (it may keep them).
    Copies(js_sys::Function),
    /// The package's own `node:crypto` verifier, `(keyIndex, keyPtr, signedPtr, signedLen, sigPtr)`:
    /// it reads the bytes through views on wasm memory during the call (no copies) and keeps one
    /// `KeyObject` per key index (the same index always names the same key bytes).
    Native(js_sys::Function),
}

#[wasm_bindgen]
extern "C" {
    /// A [`HostEs384::Native`] verifier: a function called with numbers, not objects.
    #[wasm_bindgen(extends = js_sys::Function)]
    type NativeVerifier;

    /// `f.call(undefined, keyIndex, keyPtr, signedPtr, signedLen, sigPtr)`.
    #[wasm_bindgen(method, catch, js_name = call)]
    fn call_native(
        this: &NativeVerifier,
        ctx: &JsValue,
        key_index: u32,
        key_ptr: u32,
        signed_ptr: u32,
        signed_len: u32,
        sig_ptr: u32,
    ) -> Result<JsValue, JsValue>;
}

#[wasm_bindgen]
impl RawGate {
    /// Parses and validates a configuration document, with a cache of `cache_size` tokens
    /// (`undefined`: [`DEFAULT_CACHE_SIZE`]; 0 disables the cache).
    #[wasm_bindgen(js_name = fromJson)]
    pub fn from_json(config: &str, cache_size: Option<u32>) -> Result<RawGate, JsValue> {
        let gate = Gate::from_json(config).map_err(|e| config_error(&e))?;
        let capacity = cache_size.map_or(DEFAULT_CACHE_SIZE, |n| n as usize);
        Ok(RawGate {
            gate: CachingGate::new(gate, capacity),
            filter: None,
            last_forward: String::new(),
            es384: None,
            input: Vec::new(),
            input_head: vec![0; INPUT_HEAD],
            es384_keys: core::cell::RefCell::new(Vec::new()),
        })
    }

    /// Cache statistics as `[hits, misses]`.
    #[wasm_bindgen(js_name = cacheStats)]
    pub fn cache_stats(&self) -> Vec<f64> {
        let (h, m) = self.gate.stats();
        vec![h as f64, m as f64]
    }

    /// Verifies a revocation filter file (`.pgrf`) and uses it from the next `check` on. A corrupt,
    /// truncated or unsupported file throws `code: "invalid_revocation_filter"` (`detail`: `checksum`,
    /// `length`, …) and the previous filter, if any, stays in use.
    #[wasm_bindgen(js_name = setRevocationFilter)]
    pub fn set_revocation_filter(&mut self, bytes: &[u8]) -> Result<(), JsValue> {
        let f = RevocationFilter::from_bytes(bytes).map_err(filter_error)?;
        self.filter = Some(f);
        Ok(())
    }

    /// Hands ES384 signature checks to `verifier(publicKey, signingInput, signature)` (three
    /// `Uint8Array`s: the configured key as a SEC1 uncompressed point, the JWS signing input, the
    /// raw `R ‖ S`), or back to Rust (`undefined`). The core still picks the key and range-checks
    /// the signature first; the verdict is allowed only for a return value of exactly `true`. A
    /// throw or any other value denies (`bad_signature`), except `undefined`: "cannot decide",
    /// verified in Rust.
    #[wasm_bindgen(js_name = setEs384Verifier)]
    pub fn set_es384_verifier(&mut self, verifier: Option<js_sys::Function>) {
        self.es384 = verifier.map(HostEs384::Copies);
    }

    /// Installs the package's own `node:crypto` verifier (see [`HostEs384::Native`]).
    #[wasm_bindgen(js_name = setEs384Native)]
    pub fn set_es384_native(&mut self, verifier: js_sys::Function) {
        self.es384 = Some(HostEs384::Native(verifier));
    }

    /// Builds the ES384 keys' verification tables now (`playgate::Gate::precompute`).
    pub fn precompute(&self) {
        self.gate.gate().precompute();
    }

    /// Whether a host ES384 verifier is installed.
    #[wasm_bindgen(getter, js_name = hasEs384Verifier)]
    pub fn has_es384_verifier(&self) -> bool {
        self.es384.is_some()
    }

    /// Drops the revocation filter: lookups are then unavailable (the config's `on_unavailable`).
    #[wasm_bindgen(js_name = clearRevocationFilter)]
    pub fn clear_revocation_filter(&mut self) {
        self.filter = None;
    }

    /// The loaded filter as `[serial, created, not_after, elements]`, or `undefined`.
    #[wasm_bindgen(js_name = revocationFilterInfo)]
    pub fn revocation_filter_info(&self) -> Option<Vec<f64>> {
        self.filter.as_ref().map(|f| {
            vec![
                f64::from(f.serial()),
                f.created() as f64,
                f.not_after() as f64,
                f.element_count() as f64,
            ]
        })
    }

    /// Decides one request (plain, CloudFront Functions or Lambda@Edge shape, as JSON text) at
    /// `now` (Unix seconds). Returns `{"allow","status","reason"[,"forward":{"uri","querystring"}]}`
    /// as JSON text; throws `invalid_request` when the document is not a request.
    pub fn check(&mut self, request: &str, now: f64) -> Result<String, JsValue> {
        let now = checked_now(now)?;
        let (_, req) = OwnedRequest::from_json(request)
            .map_err(|e| coded_error("TypeError", "invalid_request", e.0, None))?;
        let decision = req.with_view(|r| self.decide(r, now));
        Ok(decision_json(&decision))
    }

    /// The request buffer's address in wasm memory, grown to at least `min` bytes (contents kept).
    /// `pkg/js/api.js` writes the packed request there, then calls [`RawGate::check_input`].
    #[wasm_bindgen(js_name = inputBuffer)]
    pub fn input_buffer(&mut self, min: usize) -> usize {
        if self.input.len() < min {
            self.input.resize(min, 0);
        }
        self.input.as_ptr() as usize
    }

    /// Shrinks the request buffer back to `len` bytes (after an outsized request); its new address.
    #[wasm_bindgen(js_name = shrinkInput)]
    pub fn shrink_input(&mut self, len: usize) -> usize {
        self.input.truncate(len);
        self.input.shrink_to_fit();
        self.input.as_ptr() as usize
    }

    /// The address of the packed request's header ([`INPUT_HEAD`] `u32`s, 4-byte aligned).
    #[wasm_bindgen(js_name = inputHead)]
    pub fn input_head(&self) -> usize {
        self.input_head.as_ptr() as usize
    }

    /// The hot path for request objects: the fields the core reads, already extracted by
    /// `pkg/js/api.js` and written into [`RawGate::input_buffer`] (`len` bytes of UTF-8) and
    /// [`RawGate::input_head`] (see [`PackedRequest`]), so nothing crosses but two numbers and no
    /// JSON is written or parsed. Returns the decision as a number:
    /// - `0`: the packing is inconsistent (a header value contained NUL, or not UTF-8): use
    ///   [`RawGate::check`];
    /// - [`BAD_TIME`]: `now` is not a time ([`check_now`] throws the error). Not throwing here
    ///   keeps the call a plain number return (no multi-value shim and array per call);
    /// - [`DENIED`]` | status << 8 | index in Reason::ALL` for a denial;
    /// - [`ALLOWED`]` | flags`: [`URI_CHANGED`] and/or [`QUERY_NON_EMPTY`]; when either is set,
    ///   [`RawGate::last_forward`] returns the forwarded `uri` (if changed, then NUL) and query.
    #[wasm_bindgen(js_name = checkInput)]
    pub fn check_input(&mut self, len: usize, now: f64) -> u32 {
        let Some(now) = seconds(now) else {
            return BAD_TIME;
        };
        // Taken out for the call (a `Vec::new()` in its place allocates nothing) so the request can
        // borrow it while the gate is borrowed mutably; put back below.
        let input = core::mem::take(&mut self.input);
        let head = <[u32; INPUT_HEAD]>::try_from(self.input_head.as_slice()).ok();
        let packed = head.zip(input.get(..len)).and_then(|(head, bytes)| {
            let text = core::str::from_utf8(bytes).ok()?;
            PackedRequest::parse(head, text)
        });
        let r = match packed {
            Some(p) => {
                let decision = p.with_view(|r| self.decide(r, now));
                self.encode(&decision, p.uri)
            }
            None => 0,
        };
        self.input = input;
        r
    }

    /// The forwarded `[uri NUL] querystring` of the last allowed [`RawGate::check_input`].
    #[wasm_bindgen(js_name = lastForward)]
    pub fn last_forward(&self) -> String {
        self.last_forward.clone()
    }
}

impl RawGate {
    /// A decision as the number [`RawGate::check_input`] returns (forwarded strings kept in
    /// `last_forward`).
    fn encode(&mut self, decision: &Decision, uri: &str) -> u32 {
        match decision {
            Decision::Deny(d) => {
                let index = Reason::ALL.iter().position(|r| *r == d.reason).unwrap_or(0);
                DENIED | u32::from(d.status) << 8 | index as u32
            }
            Decision::Allow(a) => {
                let f = &a.forward;
                let uri_changed = f.uri != uri;
                self.last_forward.clear();
                if uri_changed {
                    self.last_forward.push_str(&f.uri);
                    self.last_forward.push('\0');
                }
                self.last_forward.push_str(&f.querystring);
                let mut flags = ALLOWED;
                if uri_changed {
                    flags |= URI_CHANGED;
                }
                if !f.querystring.is_empty() {
                    flags |= QUERY_NON_EMPTY;
                }
                flags
            }
        }
    }

    /// The one call into the core for both request paths (kept out of line: one copy in the module).
    #[inline(never)]
    fn decide(&mut self, r: &Request<'_>, now: u64) -> Decision {
        let keys = &self.es384_keys;
        let verifier = self.es384.as_ref().map(|f| JsEs384(f, keys));
        let host = Host {
            revocation: self.filter.as_ref().map(|f| f as &dyn RevocationSource),
            es384: verifier.as_ref().map(|v| v as &dyn Es384Verifier),
        };
        self.gate.check_host(r, now, host)
    }
}

/// A JavaScript ES384 verifier (see [`RawGate::set_es384_verifier`]). Fails closed: only `true`
/// allows; a throw is `Some(false)`.
struct JsEs384<'f>(&'f HostEs384, &'f core::cell::RefCell<Vec<Box<[u8]>>>);

/// The host keeps a `KeyObject` per index; a gate has at most 16 keys, the bound guards misuse.
const MAX_HOST_KEYS: usize = 64;

impl Es384Verifier for JsEs384<'_> {
    fn verify(&self, public_key: &[u8], signed: &[u8], signature: &[u8]) -> Option<bool> {
        let verdict = match self.0 {
            HostEs384::Copies(f) => {
                let key = js_sys::Uint8Array::from(public_key);
                let signed = js_sys::Uint8Array::from(signed);
                let signature = js_sys::Uint8Array::from(signature);
                f.call3(&JsValue::UNDEFINED, &key, &signed, &signature)
            }
            HostEs384::Native(f) => {
                // The core hands SEC1 uncompressed keys and raw `R ‖ S` signatures; the host reads
                // exactly those lengths.
                if public_key.len() != 97 || signature.len() != 96 {
                    return None;
                }
                // The index of these key bytes among those handed out before (compared in full).
                let mut keys = self.1.try_borrow_mut().ok()?;
                let index = match keys.iter().position(|k| **k == *public_key) {
                    Some(i) => i,
                    None if keys.len() < MAX_HOST_KEYS => {
                        keys.push(public_key.into());
                        keys.len() - 1
                    }
                    None => return None,
                };
                drop(keys);
                // Addresses in wasm memory: the host reads the bytes during this call only.
                f.unchecked_ref::<NativeVerifier>().call_native(
                    &JsValue::UNDEFINED,
                    index as u32,
                    public_key.as_ptr() as u32,
                    signed.as_ptr() as u32,
                    signed.len() as u32,
                    signature.as_ptr() as u32,
                )
            }
        };
        match verdict {
            Ok(v) if v.is_undefined() => None,
            Ok(v) => Some(v.as_bool() == Some(true)),
            Err(_) => Some(false),
        }
    }
}

/// The `WebAssembly.Memory` of this instance (the JS side writes requests into it and reads ES384
/// inputs from it; see [`RawGate::input_buffer`]).
#[wasm_bindgen(js_name = wasmMemory)]
pub fn wasm_memory() -> JsValue {
    wasm_bindgen::memory()
}

/// Numbers in the packed request's header: shape (`p`, `c` or `l` as a char code), header count,
/// cookie count, ASCII flag (1: every field is ASCII, so the lengths below are byte lengths), and the
/// lengths of method, uri, querystring and client IP.
pub const INPUT_HEAD: usize = 8;

/// [`RawGate::check_input`] result bits.
pub const DENIED: u32 = 1 << 24;
/// `now` is not a time.
pub const BAD_TIME: u32 = 1;
/// An allowed request.
pub const ALLOWED: u32 = 2 << 24;
/// The forwarded path differs from the request's (path token removed, or normalised).
pub const URI_CHANGED: u32 = 1;
/// The forwarded query string is not empty.
pub const QUERY_NON_EMPTY: u32 = 2;

/// The reason codes in `Reason::ALL` order, comma-separated (decodes [`RawGate::check_input`]).
#[wasm_bindgen(js_name = reasonCodes)]
pub fn reason_codes() -> String {
    let mut out = String::new();
    for r in Reason::ALL {
        if !out.is_empty() {
            out.push(',');
        }
        out.push_str(r.code());
    }
    out
}

/// Throws the `invalid_argument` error of a `now` that is not a time (see [`BAD_TIME`]).
#[wasm_bindgen(js_name = checkNow)]
pub fn check_now(now: f64) -> Result<(), JsValue> {
    checked_now(now).map(|_| ())
}

/// `now` as whole Unix seconds, if it is a time.
fn seconds(now: f64) -> Option<u64> {
    // `as` saturates and truncates: fractional seconds round down, as NumericDate comparisons
    // expect.
    (now.is_finite() && now >= 0.0).then_some(now as u64)
}

fn checked_now(now: f64) -> Result<u64, JsValue> {
    if let Some(now) = seconds(now) {
        Ok(now)
    } else {
        Err(coded_error(
            "TypeError",
            "invalid_argument",
            "now must be a non-negative number of seconds",
            None,
        ))
    }
}

/// A request packed by `pkg/js/api.js` from a request object whose fields are all strings, in two
/// parts. The header ([`INPUT_HEAD`] numbers): `shape, nHeaders, nCookies, ascii, len(method),
/// len(uri), len(querystring), len(clientIp)`. The text: `method NUL uri NUL querystring NUL
/// clientIp` followed by `NUL name NUL value` for each header and cookie. `shape` is `p` (plain), `c`
/// (CloudFront Functions, whose query object the JS side has already joined in the core's order) or
/// `l` (Lambda@Edge).
///
/// With `ascii` 1 (every field ASCII, so JavaScript's string lengths are byte lengths) the four
/// request fields are cut by length, checking the NUL after each: a NUL inside them is read as part
/// of the value, as the JSON path reads it. Otherwise every field is found by splitting on NUL. Either
/// way a header or cookie value containing NUL changes the field count, so the parse fails and the
/// caller falls back to the JSON path instead of misreading fields.
///
/// The view is what `playgate::event::OwnedRequest::from_value` reads from the same object as JSON,
/// up to the order of headers and cookies, which the core only looks up by name: header names
/// ASCII-lowercased, Lambda@Edge cookies read from the `cookie` header.
struct PackedRequest<'a> {
    method: &'a str,
    uri: &'a str,
    querystring: &'a str,
    client_ip: &'a str,
    headers: Vec<(Cow<'a, str>, &'a str)>,
    cookies: Vec<(&'a str, &'a str)>,
}

/// The NUL-separated fields of a string, as `str::split('\0')` gives them, found by a plain byte
/// scan: the header and cookie fields are short, where `memchr`'s word-at-a-time setup does not pay.
struct Fields<'a>(Option<&'a str>);

impl<'a> Iterator for Fields<'a> {
    type Item = &'a str;

    fn next(&mut self) -> Option<&'a str> {
        let s = self.0?;
        match s.bytes().position(|b| b == 0) {
            Some(i) => {
                self.0 = s.get(i + 1..);
                s.get(..i)
            }
            None => {
                self.0 = None;
                Some(s)
            }
        }
    }
}

/// The first `n` bytes of `s` (on a character boundary) and what follows the NUL after them.
fn cut(s: &str, n: u32) -> Option<(&str, &str)> {
    let (field, rest) = s.split_at_checked(n as usize)?;
    Some((field, rest.strip_prefix('\0')?))
}

impl<'a> PackedRequest<'a> {
    fn parse(head: [u32; INPUT_HEAD], text: &'a str) -> Option<PackedRequest<'a>> {
        let [shape, nh, nc, ascii, lm, lu, lq, li] = head;
        let lambda = match char::from_u32(shape)? {
            'l' => true,
            'p' | 'c' => false,
            _ => return None,
        };
        // The four request fields, then `it` over the header and cookie fields that follow them.
        let (method, uri, querystring, client_ip, mut it) = if ascii == 1 {
            let (method, rest) = cut(text, lm)?;
            let (uri, rest) = cut(rest, lu)?;
            let (querystring, rest) = cut(rest, lq)?;
            let (client_ip, rest) = rest.split_at_checked(li as usize)?;
            // Pairs start after a NUL; nothing after `clientIp` is no fields at all.
            let it = if rest.is_empty() {
                Fields(None)
            } else {
                Fields(Some(rest.strip_prefix('\0')?))
            };
            (method, uri, querystring, client_ip, it)
        } else {
            let mut it = Fields(Some(text));
            let (method, uri, querystring, client_ip) =
                (it.next()?, it.next()?, it.next()?, it.next()?);
            (method, uri, querystring, client_ip, it)
        };
        if nh == 0 && nc == 0 {
            return it.next().is_none().then(|| PackedRequest {
                method,
                uri,
                querystring,
                client_ip,
                headers: Vec::new(),
                cookies: Vec::new(),
            });
        }
        let (nh, nc) = (nh as usize, nc as usize);
        let mut headers = Vec::with_capacity(nh.min(64));
        let mut cookies = Vec::new();
        for _ in 0..nh {
            let (n, v) = (it.next()?, it.next()?);
            let name = if n.bytes().any(|b| b.is_ascii_uppercase()) {
                Cow::Owned(n.to_ascii_lowercase())
            } else {
                Cow::Borrowed(n)
            };
            if lambda && name == "cookie" {
                for c in playgate::parse_cookie_header(v) {
                    cookies.push(c);
                }
            }
            headers.push((name, v));
        }
        for _ in 0..nc {
            cookies.push((it.next()?, it.next()?));
        }
        if it.next().is_some() {
            return None;
        }
        Some(PackedRequest {
            method,
            uri,
            querystring,
            client_ip,
            headers,
            cookies,
        })
    }

    fn with_view<R>(&self, f: impl FnOnce(&Request<'_>) -> R) -> R {
        let headers: Vec<(&str, &str)> = self.headers.iter().map(|(n, v)| (&**n, *v)).collect();
        f(&Request {
            method: self.method,
            uri: self.uri,
            querystring: self.querystring,
            headers: &headers,
            cookies: &self.cookies,
            client_ip: self.client_ip,
        })
    }
}

/// The decision as compact JSON, written directly (no intermediate `Value`): this runs per request.
fn decision_json(d: &Decision) -> String {
    match d {
        Decision::Allow(a) => {
            let (uri, qs) = (&a.forward.uri, &a.forward.querystring);
            let mut out = String::with_capacity(80 + uri.len() + qs.len());
            out.push_str(r#"{"allow":true,"status":200,"reason":null,"forward":{"uri":"#);
            push_json_str(&mut out, uri);
            out.push_str(r#","querystring":"#);
            push_json_str(&mut out, qs);
            out.push_str("}}");
            out
        }
        // Reason codes are snake_case ASCII: nothing to escape.
        Decision::Deny(d) => {
            format!(
                r#"{{"allow":false,"status":{},"reason":"{}"}}"#,
                d.status,
                d.reason.code()
            )
        }
    }
}

fn push_json_str(out: &mut String, s: &str) {
    // Serialising a &str to JSON cannot fail.
    out.push_str(&serde_json::to_string(s).unwrap_or_default());
}

/// A prepared signing key (`SigningKey` in the JS API).
#[cfg(feature = "mint")]
#[wasm_bindgen]
pub struct RawSigningKey(SigningKey);

#[cfg(feature = "mint")]
#[wasm_bindgen]
impl RawSigningKey {
    /// Reads `{"kid","alg","secret"}` (HS*) or `{"kid","alg":"ES384","private_key":"<PKCS#8 PEM>"}`.
    #[wasm_bindgen(js_name = fromJson)]
    pub fn from_json(doc: &str) -> Result<RawSigningKey, JsValue> {
        SigningKey::from_json(doc)
            .map(RawSigningKey)
            .map_err(|e| config_error(&e))
    }

    /// Key id.
    #[wasm_bindgen(getter)]
    pub fn kid(&self) -> String {
        self.0.kid().into()
    }

    /// Algorithm name.
    #[wasm_bindgen(getter)]
    pub fn alg(&self) -> String {
        self.0.alg().name().into()
    }

    /// The gate-config key entry that verifies this key's tokens, as JSON text.
    #[wasm_bindgen(js_name = verifyingEntry)]
    pub fn verifying_entry(&self) -> String {
        self.0.verifying_entry().to_string()
    }

    /// Signs a claims object (JSON text) into a compact JWS.
    pub fn mint(&self, claims: &str, with_kid: bool) -> Result<String, JsValue> {
        let claims: Value = serde_json::from_str(claims).map_err(|_| {
            coded_error(
                "TypeError",
                "invalid_claims",
                "claims must be a JSON object",
                None,
            )
        })?;
        self.0
            .mint(&claims, with_kid)
            .map_err(|e| coded_error("TypeError", "invalid_claims", &e.to_string(), None))
    }
}

#[cfg(feature = "mint")]
fn url_error(e: UrlError) -> JsValue {
    let detail = match e {
        UrlError::NotAbsolute => "not_absolute",
        UrlError::NotPathSafe => "not_path_safe",
        UrlError::BadParam => "bad_param",
    };
    let err = coded_error("TypeError", "invalid_url", &e.to_string(), None);
    let _ = Reflect::set(&err, &"detail".into(), &detail.into());
    err
}

/// `playgate::mint::playback_url`: `url` with `token` in the query parameter `param`
/// (`path_segment` false) or as the first path segment, optionally `<session>.<token>`. Not in the
/// verify-only module (the `playgate/verify` entries do not export it).
#[cfg(feature = "mint")]
#[wasm_bindgen(js_name = playbackUrl)]
pub fn playback_url(
    url: &str,
    token: &str,
    path_segment: bool,
    param: &str,
    session: Option<String>,
) -> Result<String, JsValue> {
    let placement = if path_segment {
        Placement::PathSegment {
            session: session.as_deref(),
        }
    } else {
        Placement::Query(param)
    };
    mint::playback_url(url, token, placement).map_err(url_error)
}

/// `playgate::akamai::mint`: an Akamai Auth Token 2.0 token. `key_hex` is the key as hex,
/// `algorithm` `sha256` | `sha1` | `md5`; `url` (the path of a URL token) is used only without `acl`.
#[cfg(feature = "mint")]
#[wasm_bindgen(js_name = mintAkamai)]
#[allow(clippy::too_many_arguments)]
pub fn mint_akamai(
    key_hex: &str,
    algorithm: &str,
    salt: Option<String>,
    ip: Option<String>,
    st: Option<f64>,
    exp: f64,
    acl: Option<String>,
    id: Option<String>,
    data: Option<String>,
    url: Option<String>,
) -> Result<String, JsValue> {
    let key = AkamaiKey::from_hex("js", key_hex).ok_or_else(|| {
        coded_error(
            "ConfigError",
            "invalid_config",
            "secret_hex: expected an even-length hex string",
            Some("secret_hex"),
        )
    })?;
    let alg = match algorithm {
        "sha256" => AkamaiAlg::Sha256,
        "sha1" => AkamaiAlg::Sha1,
        "md5" => AkamaiAlg::Md5,
        _ => {
            return Err(coded_error(
                "ConfigError",
                "invalid_config",
                "algorithm: expected one of sha256, sha1, md5",
                Some("algorithm"),
            ))
        }
    };
    let seconds = |v: f64, what: &str| {
        if v.is_finite() && v >= 0.0 && v.fract() == 0.0 && v <= 9_007_199_254_740_991.0 {
            Ok(v as u64)
        } else {
            Err(coded_error(
                "TypeError",
                "invalid_argument",
                &format!("{what} must be a non-negative integer number of seconds"),
                None,
            ))
        }
    };
    let claims = AkamaiClaims {
        ip: ip.as_deref(),
        st: st.map(|v| seconds(v, "st")).transpose()?,
        exp: seconds(exp, "exp")?,
        acl: acl.as_deref(),
        id: id.as_deref(),
        data: data.as_deref(),
        url: url.as_deref(),
    };
    akamai::mint(&claims, &key, alg, salt.as_deref()).map_err(|e| {
        let detail = match e {
            AkamaiMintError::NoScope => "no_scope",
            AkamaiMintError::BadValue => "bad_value",
        };
        let err = coded_error("TypeError", "invalid_claims", &e.to_string(), None);
        let _ = Reflect::set(&err, &"detail".into(), &detail.into());
        err
    })
}
