//! Fault injection on `playgate serve`, the real binary on a loopback port:
//! - runtime: the hostile raw requests of `tower/tests/fault_catalogue/` (oversized URLs, headers and
//!   cookies, thousands of query parameters, repeated tokens, non-UTF-8 and NUL bytes, percent
//!   garbage, malformed HTTP, odd-case names) must be denied or rejected, never served; the process
//!   must not panic and must still serve a good request afterwards;
//! - startup: missing, empty, invalid, mistyped and unknown-field configs, bad keys, unreadable
//!   paths, bad signing keys and listen addresses must stop the server with a message on stderr and
//!   exit code 2, the message naming what is wrong and never containing a secret;
//! - revocation filter files that are missing, empty, corrupt or truncated: the server keeps
//!   running (the file is reloaded when it changes), says so on stderr, and fails closed
//!   (`revocation_unavailable`) until a good filter appears.
//!
//! Counts go to `target/faults/serve.json`; `cargo test -p playgate-cli --test faults --
//! --nocapture` prints one line per fault.

#[path = "../../tower/tests/fault_catalogue/mod.rs"]
mod fault_catalogue;

use fault_catalogue as fc;
use playgate::revocation::{FilterBuilder, Kind, Params};
use serde_json::{json, Value};
use std::io::{BufRead, BufReader, Read};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn work() -> PathBuf {
    let d = root().join("target/faults-serve");
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// A running `playgate serve`; killed when dropped.
struct Server {
    child: Child,
    addr: SocketAddr,
    stderr: Arc<Mutex<String>>,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Server {
    fn stderr(&self) -> String {
        self.stderr.lock().unwrap().clone()
    }
    /// Still running, and nothing panicked (tokio keeps a process alive after a task panics).
    fn healthy(&mut self) -> Result<(), String> {
        if let Some(status) = self.child.try_wait().unwrap() {
            return Err(format!("exited with {status}: {}", self.stderr()));
        }
        if self.stderr().contains("panicked") {
            return Err(format!("panicked: {}", self.stderr()));
        }
        Ok(())
    }
}

fn playgate() -> Command {
    Command::new(env!("CARGO_BIN_EXE_playgate"))
}

/// Starts `playgate serve --no-demo` with `args` and waits for its listening line.
fn serve(args: &[&std::ffi::OsStr]) -> Server {
    let mut child = playgate()
        .args(["serve", "--no-demo", "--listen", "127.0.0.1:0"])
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = Arc::new(Mutex::new(String::new()));
    let mut err = child.stderr.take().unwrap();
    let sink = stderr.clone();
    std::thread::spawn(move || {
        let mut buf = [0u8; 4096];
        while let Ok(n) = err.read(&mut buf) {
            if n == 0 {
                break;
            }
            sink.lock()
                .unwrap()
                .push_str(&String::from_utf8_lossy(&buf[..n]));
        }
    });
    let mut out = BufReader::new(child.stdout.take().unwrap());
    let mut addr = None;
    let mut line = String::new();
    while out.read_line(&mut line).unwrap_or(0) > 0 {
        if let Some(rest) = line.trim().strip_prefix("listening on http://") {
            addr = Some(rest.trim_end_matches('/').parse().unwrap());
            break;
        }
        line.clear();
    }
    // Keep draining stdout so the server never blocks on a full pipe.
    std::thread::spawn(move || std::io::copy(&mut out, &mut std::io::sink()));
    let addr = addr.unwrap_or_else(|| panic!("serve did not start: {}", stderr.lock().unwrap()));
    Server {
        child,
        addr,
        stderr,
    }
}

fn write(name: &str, bytes: impl AsRef<[u8]>) -> PathBuf {
    let p = work().join(name);
    std::fs::write(&p, bytes).unwrap();
    p
}

/// `serve` with gate `config` over the catalogue's content (files named with `tag`), plus `extra`
/// args.
fn gated(tag: &str, config: &Value, extra: &[&std::ffi::OsStr]) -> Server {
    let dir = fc::content_dir(&work(), &format!("content{tag}"));
    let config = write(&format!("gate{tag}.json"), config.to_string());
    let mut args = vec![
        "--config".as_ref(),
        config.as_os_str(),
        "--dir".as_ref(),
        dir.as_os_str(),
    ];
    args.extend_from_slice(extra);
    serve(&args)
}

#[test]
fn hostile_requests_are_denied_or_rejected_never_served() {
    let out = root().join("target/faults");
    let _ = std::fs::remove_file(out.join("serve.json"));
    let mut server = gated("", &fc::config(), &[]);
    let tokens = fc::Tokens::new();
    let before = fc::check_controls(server.addr, &tokens);
    assert!(before.is_empty(), "controls before the faults: {before:?}");

    let mut tally = fc::Tally::default();
    for fault in fc::catalogue(&tokens) {
        let answer = fc::send(server.addr, &fault.bytes);
        tally.record(&fault, &answer);
        if let Err(e) = server.healthy() {
            tally.crashes += 1;
            tally.failures.push(format!("after {}: {e}", fault.name));
            break;
        }
    }
    let after = fc::check_controls(server.addr, &tokens);
    if !after.is_empty() {
        tally.crashes += 1;
        tally.failures.extend(after);
    }

    startup_faults(&mut tally);
    revocation_file_faults(&mut tally);

    tally.write(&out, "serve");
    tally.assert_clean();
    assert!(tally.faults >= 100, "only {} faults", tally.faults);
}

#[test]
fn a_half_sent_request_head_is_cut_off_and_good_requests_still_pass() {
    use std::io::Write;
    let mut server = gated(
        "-slow",
        &fc::config(),
        &["--header-read-timeout".as_ref(), "1".as_ref()],
    );
    // Slowloris: a request line and one header, then nothing.
    let mut slow = std::net::TcpStream::connect(server.addr).unwrap();
    slow.write_all(b"GET /index.m3u8 HTTP/1.1\r\nHost: x\r\n")
        .unwrap();
    slow.set_read_timeout(Some(Duration::from_secs(20)))
        .unwrap();
    let started = Instant::now();
    let mut answer = Vec::new();
    // The server answers 408 or just closes; either way the read ends well before 20 s.
    let _ = slow.read_to_end(&mut answer);
    let waited = started.elapsed();
    assert!(
        waited < Duration::from_secs(10),
        "slow client held the connection for {waited:?}"
    );
    let head = String::from_utf8_lossy(&answer);
    assert!(
        answer.is_empty() || head.starts_with("HTTP/1.1 408"),
        "unexpected answer to a half-sent head: {head}"
    );
    let tokens = fc::Tokens::new();
    let controls = fc::check_controls(server.addr, &tokens);
    assert!(controls.is_empty(), "{controls:?}");
    server.healthy().unwrap();
}

/// Secrets planted in broken configs: none may appear on stderr.
const PLANTED: [&str; 5] = [
    // the valid key's secret (base64url of 32 × 0x07)
    "BwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwc",
    "c2hvcnQtc2VjcmV0LWRvLW5vdC1wcmludA",
    "LEAKME",
    "4f7c1e0b9a",
    // digits of secrets written as JSON numbers (serde echoes numbers)
    "3141592653",
];

fn startup_faults(tally: &mut fc::Tally) {
    let dir = fc::content_dir(&work(), "content");
    let good = fc::config();
    let key = good["keys"][0].clone();
    let with = |patch: Value| -> String {
        let mut c = good.clone();
        for (k, v) in patch.as_object().unwrap() {
            c[k] = v.clone();
        }
        c.to_string()
    };
    let key_with = |member: &str, v: Value| -> String {
        let mut k = key.clone();
        k[member] = v;
        with(json!({ "keys": [k] }))
    };
    let valid_filter = filter_bytes();

    // (name, config file contents or None for a path that is not a readable file, what stderr must
    // mention, extra arguments)
    let missing = work().join("does-not-exist.json");
    let not_a_dir = write("plain-file", "x").join("config.json");
    let mut cases: Vec<(String, PathBuf, &str, Vec<PathBuf>)> = Vec::new();
    let mut file = |name: &str, contents: Vec<u8>, hint: &'static str| {
        let p = write(&format!("startup-{}.json", cases.len()), contents);
        cases.push((name.to_string(), p, hint, Vec::new()));
    };
    file("empty file", Vec::new(), "EOF");
    file("only whitespace", b"  \n\t ".to_vec(), "EOF");
    file(
        "invalid JSON (truncated)",
        br#"{"keys": [{"kid": "k1""#.to_vec(),
        "EOF",
    );
    file(
        "invalid JSON (trailing comma)",
        format!("{{\"keys\": [{key}],}}").into_bytes(),
        "trailing comma",
    );
    file("not UTF-8", b"{\"keys\": [\"\xff\xfe\"]}".to_vec(), "UTF-8");
    file("JSON null", b"null".to_vec(), "invalid type");
    file(
        "JSON array",
        format!("[{good}]").into_bytes(),
        "invalid type",
    );
    file(
        "200,000 nested arrays",
        "[".repeat(200_000).into_bytes(),
        // Either refused at the first level or at serde_json's depth limit: never a stack overflow.
        "invalid type|recursion limit",
    );
    file(
        "keys: a string",
        with(json!({ "keys": "k1" })).into_bytes(),
        "keys",
    );
    file(
        "keys: empty",
        with(json!({ "keys": [] })).into_bytes(),
        "keys",
    );
    file(
        "kid: a number",
        key_with("kid", json!(1)).into_bytes(),
        "kid",
    );
    file(
        "token.max_length: a string",
        with(json!({ "token": { "max_length": "big" } })).into_bytes(),
        "max_length",
    );
    file(
        "token.max_length: 10^30",
        with(json!({ "token": { "max_length": 1e30 } })).into_bytes(),
        "max_length",
    );
    file(
        "claims.leeway: negative",
        with(json!({ "claims": { "leeway": -1 } })).into_bytes(),
        "leeway",
    );
    file(
        "deny.status: 200 (an allow)",
        with(json!({ "deny": { "status": 200 } })).into_bytes(),
        "deny.status",
    );
    file(
        "unknown top-level field",
        with(json!({ "keyz": [] })).into_bytes(),
        "keyz",
    );
    file(
        "unknown key field",
        key_with("secrett", json!("LEAKME")).into_bytes(),
        "secrett",
    );
    file(
        "unknown token source",
        with(json!({ "token": { "sources": [{ "querry": "token" }] } })).into_bytes(),
        "querry",
    );
    file(
        "alg: none",
        key_with("alg", json!("none")).into_bytes(),
        "alg",
    );
    file(
        "short HS256 secret",
        key_with("secret", json!(PLANTED[1])).into_bytes(),
        "keys[0].secret",
    );
    file(
        "secret not base64url",
        key_with("secret", json!("LEAKME*LEAKME*LEAKME*LEAKME*LEAKME*LEAKME")).into_bytes(),
        "keys[0].secret",
    );
    file(
        "secret with padding",
        key_with("secret", json!(format!("{}=", PLANTED[0]))).into_bytes(),
        "keys[0].secret",
    );
    file(
        "secret: an array",
        key_with("secret", json!(["LEAKME"])).into_bytes(),
        "secret",
    );
    file(
        "secret as a JSON number",
        br#"{"keys": [{"kid": "k1", "alg": "HS256", "secret": 31415926535897932384}]}"#.to_vec(),
        "keys[0].secret",
    );
    file(
        "Akamai secret_hex as a JSON number",
        b"{\"keys\": [], \"akamai\": {\"keys\": [{\"kid\": \"a\", \"secret_hex\": 3141592653589793}]}}".to_vec(),
        "secret_hex",
    );
    file(
        "HS512 with a 32-byte secret",
        key_with("alg", json!("HS512")).into_bytes(),
        "keys[0]",
    );
    file(
        "duplicate kid",
        with(json!({ "keys": [key.clone(), key.clone()] })).into_bytes(),
        "duplicate kid",
    );
    file(
        "duplicate member",
        format!("{{\"keys\": [{key}], \"keys\": [{key}]}}").into_bytes(),
        "duplicate",
    );
    file("ES384 key with a broken PEM", with(json!({ "keys": [{ "kid": "e", "alg": "ES384", "public_key": "-----BEGIN PUBLIC KEY-----\nLEAKME\n-----END PUBLIC KEY-----\n" }] })).into_bytes(), "keys[0]");
    file("ES384 JWK with a private `d`", with(json!({ "keys": [{ "kid": "e", "alg": "ES384", "jwk": { "kty": "EC", "crv": "P-384", "x": "AA", "y": "AA", "d": "LEAKME" } }] })).into_bytes(), "keys[0]");
    cases.push((
        "config path missing".into(),
        missing,
        "cannot read",
        Vec::new(),
    ));
    cases.push((
        "config path is a directory".into(),
        work(),
        "cannot read",
        Vec::new(),
    ));
    cases.push((
        "config path under a plain file".into(),
        not_a_dir,
        "cannot read",
        Vec::new(),
    ));

    let good_config = write("startup-good.json", good.to_string());
    let rev_config = write(
        "startup-revocation.json",
        with(json!({ "revocation": { "on_unavailable": "deny" } })),
    );
    let filter = write("startup-filter.pgrf", &valid_filter);
    let run = |name: &str, args: Vec<&std::ffi::OsStr>, hint: &str, tally: &mut fc::Tally| {
        let verdict = startup(&args, hint);
        tally.faults += 1;
        let ok = verdict.is_ok();
        if ok {
            tally.startup_errors += 1;
        } else {
            tally.wrong_answers += 1;
        }
        let d = verdict.unwrap_or_else(|e| {
            tally.failures.push(format!("startup: {name}: {e}"));
            e
        });
        *tally
            .by_group
            .entry("startup".into())
            .or_default()
            .entry(if ok { "exit 2".into() } else { "wrong".into() })
            .or_default() += 1;
        tally.answers.push(format!(
            "startup: {name} → {}",
            d.lines().next().unwrap_or("")
        ));
        println!(
            "{} {:<18} {:<62} {}",
            if ok { "ok  " } else { "FAIL" },
            "startup",
            name,
            d.lines().next().unwrap_or("")
        );
    };
    for (name, path, hint, _) in &cases {
        run(
            name,
            vec![
                "--config".as_ref(),
                path.as_os_str(),
                "--dir".as_ref(),
                dir.as_os_str(),
            ],
            hint,
            tally,
        );
    }
    let signing_missing = work().join("no-signing-key.json");
    let signing_bad = write(
        "startup-signing.json",
        b"{\"kid\": \"k1\", \"alg\": \"HS256\", \"secret\": \"LEAKME\"}",
    );
    let signing_garbage = write("startup-signing-garbage.json", b"\xff\xfe LEAKME");
    let busy = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let busy_addr = busy.local_addr().unwrap().to_string();
    let missing_dir = work().join("no-such-dir");
    let extra: Vec<(&str, Vec<&std::ffi::OsStr>, &str)> = vec![
        (
            "--signing-key missing",
            vec![
                "--config".as_ref(),
                good_config.as_os_str(),
                "--signing-key".as_ref(),
                signing_missing.as_os_str(),
            ],
            "cannot read",
        ),
        (
            "--signing-key with a short secret",
            vec![
                "--config".as_ref(),
                good_config.as_os_str(),
                "--signing-key".as_ref(),
                signing_bad.as_os_str(),
            ],
            "secret",
        ),
        (
            "--signing-key not JSON",
            vec![
                "--config".as_ref(),
                good_config.as_os_str(),
                "--signing-key".as_ref(),
                signing_garbage.as_os_str(),
            ],
            "signing",
        ),
        (
            "--dir missing",
            vec![
                "--config".as_ref(),
                good_config.as_os_str(),
                "--dir".as_ref(),
                missing_dir.as_os_str(),
            ],
            "not a directory",
        ),
        (
            "--revocation without a revocation section",
            vec![
                "--config".as_ref(),
                good_config.as_os_str(),
                "--revocation".as_ref(),
                filter.as_os_str(),
            ],
            "revocation",
        ),
        (
            "--listen on a busy port",
            vec![
                "--config".as_ref(),
                rev_config.as_os_str(),
                "--listen".as_ref(),
                busy_addr.as_ref(),
            ],
            "cannot listen",
        ),
    ];
    for (name, mut args, hint) in extra {
        if !args.contains(&"--dir".as_ref()) {
            args.extend(["--dir".as_ref(), dir.as_os_str()]);
        }
        run(name, args, hint, tally);
    }
    drop(busy);
}

/// Runs `playgate serve` expecting it to refuse to start: exit code 2 within a few seconds, stderr
/// mentioning `hint` (alternatives separated by `|`), no planted secret on stderr. Returns the
/// first stderr line.
fn startup(args: &[&std::ffi::OsStr], hint: &str) -> Result<String, String> {
    let listen: &[&str] = if args.contains(&"--listen".as_ref()) {
        &[]
    } else {
        &["--listen", "127.0.0.1:0"]
    };
    let mut child = playgate()
        .args(["serve", "--no-demo"])
        .args(listen)
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let started = Instant::now();
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break Some(s);
        }
        if started.elapsed() > Duration::from_secs(20) {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let mut err = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut err)
        .unwrap();
    let Some(status) = status else {
        return Err(format!("still running after 20 s: {err}"));
    };
    if status.code() != Some(2) {
        return Err(format!("exit {status}: {err}"));
    }
    if !err.starts_with("playgate: ") || !hint.split('|').any(|h| err.contains(h)) {
        return Err(format!("stderr does not say {hint:?}: {err}"));
    }
    if err.contains("panicked") {
        return Err(format!("panicked: {err}"));
    }
    if let Some(s) = PLANTED.iter().find(|s| err.contains(*s)) {
        return Err(format!("stderr shows a secret ({s}): {err}"));
    }
    Ok(err.trim().to_string())
}

/// A valid filter file revoking session `gone`.
fn filter_bytes() -> Vec<u8> {
    filter_revoking(&["gone"])
}

fn filter_revoking(sessions: &[&str]) -> Vec<u8> {
    let now = fc::now();
    let mut b = FilterBuilder::new(Params::plan(100, 1e-6, 9).unwrap(), [3; 12], 3600);
    for s in sessions {
        b.insert(Kind::Session, s, now + 7200);
    }
    b.finish(now).to_bytes()
}

/// Broken filter files at start: the server runs, warns, and denies `revocation_unavailable`; a
/// good filter written in place is picked up and the same token is served.
fn revocation_file_faults(tally: &mut fc::Tally) {
    let mut config = fc::config();
    config["revocation"] = json!({ "on_unavailable": "deny" });
    let good = filter_bytes();
    let mut flipped = good.clone();
    let mid = flipped.len() / 2;
    flipped[mid] ^= 0x40;
    let mut wrong_magic = good.clone();
    wrong_magic[0] ^= 0xff;
    let cases: Vec<(&str, Option<Vec<u8>>)> = vec![
        ("filter file missing", None),
        ("filter file empty", Some(Vec::new())),
        (
            "filter file of random bytes",
            Some(
                (0..4096u32)
                    .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
                    .collect(),
            ),
        ),
        (
            "filter file truncated to half",
            Some(good[..good.len() / 2].to_vec()),
        ),
        (
            "filter file missing its last byte",
            Some(good[..good.len() - 1].to_vec()),
        ),
        ("filter file with one bit flipped", Some(flipped)),
        ("filter file with a wrong magic", Some(wrong_magic)),
        (
            "filter file with a byte appended",
            Some([good.as_slice(), &[0]].concat()),
        ),
    ];
    let k = fc::key();
    let token = k
        .mint(&json!({ "exp": fc::now() + 3600, "sid": "kept" }), true)
        .unwrap();
    let revoked = k
        .mint(&json!({ "exp": fc::now() + 3600, "sid": "gone" }), true)
        .unwrap();
    let get = |t: &str| fc::request(format!("{}?token={t}", fc::PROTECTED).as_bytes(), &[]);
    for (i, (name, bytes)) in cases.into_iter().enumerate() {
        let path = work().join(format!("revocation-{i}.pgrf"));
        let _ = std::fs::remove_file(&path);
        if let Some(b) = &bytes {
            std::fs::write(&path, b).unwrap();
        }
        let mut server = gated(
            "-revocation",
            &config,
            &["--revocation".as_ref(), path.as_os_str()],
        );
        let fault = fc::Fault {
            group: "revocation_file",
            name: name.to_string(),
            bytes: get(&token),
            expect: fc::Expect::Reason("revocation_unavailable"),
        };
        let answer = fc::send(server.addr, &fault.bytes);
        tally.record(&fault, &answer);
        // The warning is printed before the listening line; the reader thread may lag behind.
        let shown = path.display().to_string();
        let deadline = Instant::now() + Duration::from_secs(5);
        while !server.stderr().contains(&shown) && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(50));
        }
        let warned = server.stderr();
        if !warned.contains(&shown) {
            tally.failures.push(format!(
                "{name}: no warning naming the file on stderr: {warned:?}"
            ));
        }
        // A good filter written in place is loaded (poll: 1 s) and decides from then on.
        // Same modification time as the broken file: file timestamps come from a coarse clock, so
        // a quick replacement often gets it anyway (regression: the store compared only mtime and
        // length, and same-length filters were then never reloaded).
        let before = std::fs::metadata(&path).and_then(|m| m.modified()).ok();
        let tmp = path.with_extension("tmp");
        std::fs::write(&tmp, &good).unwrap();
        if let Some(t) = before {
            std::fs::File::options()
                .write(true)
                .open(&tmp)
                .unwrap()
                .set_modified(t)
                .unwrap();
        }
        std::fs::rename(&tmp, &path).unwrap();
        let deadline = Instant::now() + Duration::from_secs(15);
        let mut served = false;
        while Instant::now() < deadline && !served {
            std::thread::sleep(Duration::from_millis(250));
            served = fc::verdict(&fc::send(server.addr, &get(&token))) == fc::Verdict::Allowed;
        }
        let gone = fc::send(server.addr, &get(&revoked));
        let gone_ok = matches!(&gone, fc::Answer::Responses(rs) if rs[0].reason.as_deref() == Some("revoked"));
        if !served || !gone_ok {
            tally.failures.push(format!(
                "{name}: after a good filter was written: served {served}, revoked token → {}; stderr: {}",
                fc::describe(&gone),
                server.stderr()
            ));
        }
        if let Err(e) = server.healthy() {
            tally.crashes += 1;
            tally.failures.push(format!("{name}: {e}"));
        }
    }
    // A good filter replaced by a newer one of the same length and modification time (a quick
    // update under a coarse file clock): the newly revoked session must be refused.
    let path = work().join("revocation-update.pgrf");
    let first = filter_bytes();
    std::fs::write(&path, &first).unwrap();
    let mut server = gated(
        "-revocation",
        &config,
        &["--revocation".as_ref(), path.as_os_str()],
    );
    let newly = k
        .mint(&json!({ "exp": fc::now() + 3600, "sid": "newly" }), true)
        .unwrap();
    let before = fc::send(server.addr, &get(&newly));
    let second = filter_revoking(&["gone", "newly"]);
    assert_eq!(first.len(), second.len());
    let mtime = std::fs::metadata(&path).unwrap().modified().unwrap();
    let tmp = path.with_extension("tmp");
    std::fs::write(&tmp, &second).unwrap();
    std::fs::File::options()
        .write(true)
        .open(&tmp)
        .unwrap()
        .set_modified(mtime)
        .unwrap();
    std::fs::rename(&tmp, &path).unwrap();
    std::thread::sleep(Duration::from_millis(1500));
    let fault = fc::Fault {
        group: "revocation_file",
        name: "same-size update within one file-clock tick".into(),
        bytes: get(&newly),
        expect: fc::Expect::Reason("revoked"),
    };
    let mut answer = fc::send(server.addr, &fault.bytes);
    // The first request after the poll interval triggers the reload; allow it a few seconds.
    let deadline = Instant::now() + Duration::from_secs(10);
    while !fc::meets(&answer, fault.expect) && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(250));
        answer = fc::send(server.addr, &fault.bytes);
    }
    if fc::verdict(&before) != fc::Verdict::Allowed {
        tally.failures.push(format!(
            "update: before the update → {}",
            fc::describe(&before)
        ));
    }
    tally.record(&fault, &answer);
    if let Err(e) = server.healthy() {
        tally.crashes += 1;
        tally.failures.push(format!("update: {e}"));
    }
}
