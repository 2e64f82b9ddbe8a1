//! Setup shared by the native benches (`check.rs`: criterion, `interleaved.rs`): the IVS-style
//! claims, the HS256 and ES384 keys, gates, tokens and requests, and the peers' claim types.
// Each bench uses part of this module.
#![allow(dead_code)]

use playgate::config::Alg;
use playgate::mint::SigningKey;
use playgate::{Gate, Request};
use serde_json::json;

/// The fixed clock of `check.rs` (2027-01-15); `interleaved.rs` uses the system clock instead so the
/// peers can validate `exp` against theirs.
pub const NOW: u64 = 1_800_000_000;
pub const ARN: &str = "arn:aws:ivs:us-west-2:123456789012:channel/AbCdEf123456";
pub const HS_SECRET: [u8; 32] = [7u8; 32];
pub const HS_KID: &str = "k1";

/// Amazon IVS-style playback claims, issued 100 s before `now`, expiring 500 s after.
pub fn claims(now: u64) -> serde_json::Value {
    json!({"aws:channel-arn": ARN, "aws:access-control-allow-origin": "*", "aws:viewer-id": "viewer-42",
           "aws:viewer-session-version": 1, "exp": now + 500, "iat": now - 100})
}

/// What `jsonwebtoken` deserialises the claims into.
#[derive(serde::Deserialize)]
pub struct IvsClaims {
    pub exp: u64,
    #[serde(rename = "aws:channel-arn")]
    pub channel: String,
}

/// jwt-simple parses the registered claims itself; this is the rest.
#[derive(serde::Serialize, serde::Deserialize)]
pub struct IvsCustom {
    #[serde(rename = "aws:channel-arn")]
    pub channel: String,
}

/// A gate that requires the channel ARN, one token for it, and the query carrying the token.
pub struct Fixture {
    pub key: SigningKey,
    pub gate: Gate,
    pub token: String,
    pub query: String,
    pub uri: &'static str,
}

impl Fixture {
    fn new(key: SigningKey, with_kid: bool, uri: &'static str, now: u64) -> Fixture {
        let config = json!({"keys": [key.verifying_entry()], "claims": {"channel": {"arn": ARN}}});
        let gate = Gate::from_json(&config.to_string()).expect("bench config");
        let token = key.mint(&claims(now), with_kid).expect("mint");
        let query = format!("token={token}");
        Fixture {
            key,
            gate,
            token,
            query,
            uri,
        }
    }

    /// HS256 with a `kid`, on a segment request.
    pub fn hs256(now: u64) -> Fixture {
        let key = SigningKey::hs_from_bytes(HS_KID, Alg::HS256, &HS_SECRET).expect("HS256 key");
        Fixture::new(key, true, "/live/720p/seg_00042.ts", now)
    }

    /// ES384 without a `kid` (as IVS mints them), on a playlist request.
    pub fn es384(now: u64) -> Fixture {
        let key = SigningKey::es384_from_scalar("ivs", &[0x11; 48]).expect("ES384 key");
        Fixture::new(key, false, "/live/index.m3u8", now)
    }

    pub fn request(&self) -> Request<'_> {
        Request {
            method: "GET",
            uri: self.uri,
            querystring: &self.query,
            ..Request::default()
        }
    }
}
