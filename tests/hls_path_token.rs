//! A path token (`/<sessionId>.<jwt>/…`) carried by relative URIs through a real multivariant and
//! variant playlists (fixtures/hls): a player resolving each URI against the playlist's URL keeps the
//! token segment, the gate strips it, and every forwarded path is a file of the stream. Root-relative
//! and absolute URIs lose the token segment and are denied.

use playgate::config::Alg;
use playgate::mint::{playback_url, Placement, SigningKey};
use playgate::{Decision, Gate, Reason, Request};
use serde_json::json;
use std::path::Path;

const NOW: u64 = 1_800_000_000;

fn setup() -> (Gate, String) {
    let key = SigningKey::hs_from_bytes("k1", Alg::HS256, &[3; 32]).unwrap();
    let cfg = json!({"keys": [key.verifying_entry()],
                     "token": {"sources": [{"path_segment": true}]},
                     "paths": {}});
    let gate = Gate::from_json(&cfg.to_string()).unwrap();
    let token = key
        .mint(&json!({"exp": NOW + 600, "paths": ["/vod/demo/"]}), true)
        .unwrap();
    (gate, token)
}

/// RFC 3986 reference resolution for the relative forms a playlist uses (`a/b`, `../a`, `/a`).
fn resolve(base: &str, reference: &str) -> String {
    if reference.contains("://") || reference.starts_with('/') {
        return reference.to_string();
    }
    let dir = &base[..=base.rfind('/').unwrap()];
    let joined = format!("{dir}{reference}");
    let mut out: Vec<&str> = Vec::new();
    for seg in joined.split('/').skip(1) {
        match seg {
            "." => {}
            ".." => {
                out.pop();
            }
            s => out.push(s),
        }
    }
    format!("/{}", out.join("/"))
}

fn check(gate: &Gate, uri: &str) -> Result<String, Reason> {
    let req = Request {
        method: "GET",
        uri,
        client_ip: "192.0.2.1",
        ..Default::default()
    };
    match gate.check(&req, NOW) {
        Decision::Allow(a) => Ok(a.forward.uri),
        Decision::Deny(d) => Err(d.reason),
    }
}

#[test]
fn relative_uris_carry_the_path_token_through_hls_playlists() {
    let (gate, token) = setup();
    let hls = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/hls");
    let start = playback_url(
        "/vod/demo/master.m3u8",
        &token,
        Placement::PathSegment {
            session: Some("sess-1"),
        },
    )
    .unwrap();
    let mut queue = vec![start];
    let (mut playlists, mut segments) = (0, 0);
    while let Some(uri) = queue.pop() {
        let forwarded = check(&gate, &uri).unwrap_or_else(|r| panic!("{uri}: {r}"));
        let file = hls.join(forwarded.strip_prefix("/vod/demo/").unwrap());
        assert!(file.is_file(), "{uri} forwarded to {forwarded}, not a file");
        if forwarded.ends_with(".m3u8") {
            playlists += 1;
            let text = std::fs::read_to_string(&file).unwrap();
            for line in text.lines().map(str::trim) {
                if !line.is_empty() && !line.starts_with('#') {
                    let next = resolve(&uri, line);
                    assert!(next.starts_with(&format!("/sess-1.{token}/")), "{next}");
                    queue.push(next);
                }
            }
        } else {
            segments += 1;
        }
    }
    assert_eq!(playlists, 3, "multivariant + two variants");
    assert!(segments >= 12, "{segments} segments");
}

#[test]
fn root_relative_and_absolute_uris_lose_the_token() {
    let (gate, token) = setup();
    let base = format!("/{token}/vod/demo/240p/index.m3u8");
    // A sibling rendition through `..` keeps the token (the player resolves it).
    let sibling = resolve(&base, "../360p/seg_000.ts");
    assert_eq!(
        check(&gate, &sibling).as_deref(),
        Ok("/vod/demo/360p/seg_000.ts")
    );
    // Root-relative: the token segment is gone.
    let rooted = resolve(&base, "/vod/demo/240p/seg_000.ts");
    assert_eq!(check(&gate, &rooted), Err(Reason::MissingToken));
    // Leaving the scope through the token segment's own level is still a scope check.
    let escaped = resolve(&base, "../../other/seg_000.ts");
    assert_eq!(check(&gate, &escaped), Err(Reason::PathNotAllowed));
}
