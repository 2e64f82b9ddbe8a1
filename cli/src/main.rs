//! The `playgate` command: key generation, minting, checking requests against a config, and (in
//! their own modules) revocation filters and the demo server.

use anyhow::{Context, Result};
use clap::{Parser, Subcommand, ValueEnum};
use playgate::config::Alg;
use playgate::event::OwnedRequest;
use playgate::mint::SigningKey;
use playgate::{Decision, Gate};
use serde_json::{json, Value};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{SystemTime, UNIX_EPOCH};

mod mint_url;
mod revoke;
mod serve;

#[derive(Parser)]
#[command(
    name = "playgate",
    version,
    about = "Playback-token gate for video at the CDN edge"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Generate a key: prints a JSON document with the signing key and the gate-config key entry.
    Keygen {
        /// Algorithm.
        #[arg(long, value_enum, default_value = "hs256")]
        alg: AlgArg,
        /// Key id.
        #[arg(long, default_value = "k1")]
        kid: String,
    },
    /// Sign a token from claims JSON with a signing key document (from `keygen`).
    Mint {
        /// Signing key document (`{"kid","alg","secret"}` or `{"kid","alg":"ES384","private_key"}`).
        #[arg(long)]
        key: PathBuf,
        /// Claims JSON object (a file path, or `-` for stdin).
        #[arg(long)]
        claims: String,
        /// Add `exp = now + SECONDS` to the claims.
        #[arg(long)]
        ttl: Option<u64>,
        /// Leave `kid` out of the header (IVS style).
        #[arg(long)]
        no_kid: bool,
        #[command(flatten)]
        url: mint_url::UrlArgs,
    },
    /// Mint an Akamai Auth Token 2.0 token (or a playback URL carrying one).
    MintAkamai(mint_url::MintAkamaiArgs),
    /// Decide one request: prints the decision as JSON; exit 0 allowed, 1 denied, 2 usage/config error.
    Check {
        /// Gate configuration JSON.
        #[arg(long)]
        config: PathBuf,
        /// Request: a CloudFront Functions event, a Lambda@Edge event or the plain shape.
        #[arg(long)]
        request: PathBuf,
        /// Current time (Unix seconds); defaults to the system clock.
        #[arg(long)]
        now: Option<u64>,
    },
    /// Revocation filters (build, inspect, export).
    #[command(subcommand)]
    Revoke(revoke::RevokeCommand),
    /// Serve a directory of HLS files behind the gate (the local demo).
    Serve(serve::ServeArgs),
}

#[derive(Clone, Copy, ValueEnum)]
enum AlgArg {
    Hs256,
    Hs384,
    Hs512,
    Es384,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Keygen { alg, kid } => keygen(alg, &kid).map(|()| ExitCode::SUCCESS),
        Command::Mint {
            key,
            claims,
            ttl,
            no_kid,
            url,
        } => mint(&key, &claims, ttl, no_kid, &url).map(|()| ExitCode::SUCCESS),
        Command::MintAkamai(a) => mint_url::mint_akamai(&a, now_unix()).map(|()| ExitCode::SUCCESS),
        Command::Check {
            config,
            request,
            now,
        } => check(&config, &request, None, now),
        Command::Revoke(cmd) => revoke::run(cmd),
        Command::Serve(args) => serve::run(args),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("playgate: {e:#}");
            ExitCode::from(2)
        }
    }
}

pub(crate) fn now_unix() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

pub(crate) fn read(path: &std::path::Path) -> Result<String> {
    if path.as_os_str() == "-" {
        let mut s = String::new();
        std::io::Read::read_to_string(&mut std::io::stdin(), &mut s)?;
        return Ok(s);
    }
    std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))
}

fn random_bytes(n: usize) -> Result<Vec<u8>> {
    let mut b = vec![0u8; n];
    getrandom::fill(&mut b).map_err(|e| anyhow::anyhow!("no system randomness: {e}"))?;
    Ok(b)
}

/// A fresh signing key (`keygen` and the demo server's dev config).
pub(crate) fn generate_key(alg: Alg, kid: &str) -> Result<SigningKey> {
    match alg {
        Alg::ES384 => loop {
            // A random 48-byte string is a valid scalar except with negligible probability.
            if let Some(k) = SigningKey::es384_from_scalar(kid, &random_bytes(48)?) {
                return Ok(k);
            }
        },
        hs => SigningKey::hs_from_bytes(kid, hs, &random_bytes(hs.min_secret_len())?)
            .context("cannot build HS key"),
    }
}

fn keygen(alg: AlgArg, kid: &str) -> Result<()> {
    let alg = match alg {
        AlgArg::Hs256 => Alg::HS256,
        AlgArg::Hs384 => Alg::HS384,
        AlgArg::Hs512 => Alg::HS512,
        AlgArg::Es384 => Alg::ES384,
    };
    let key = generate_key(alg, kid)?;
    let verifying = key.verifying_entry();
    let signing = match alg {
        Alg::ES384 => json!({"kid": kid, "alg": "ES384", "private_key": key.private_key_pem()}),
        _ => json!({"kid": kid, "alg": alg.name(), "secret": verifying["secret"]}),
    };
    let mut out = json!({"signing_key": signing, "config_key": verifying});
    if let Some(pem) = key.public_key_pem() {
        out["public_key_pem"] = Value::String(pem);
    }
    println!("{}", serde_json::to_string_pretty(&out)?);
    Ok(())
}

fn mint(
    key: &std::path::Path,
    claims: &str,
    ttl: Option<u64>,
    no_kid: bool,
    url: &mint_url::UrlArgs,
) -> Result<()> {
    let key_doc = read(key)?;
    // Accept both a bare signing key and the whole `keygen` output.
    let key_json = match serde_json::from_str::<Value>(&key_doc)?.get("signing_key") {
        Some(k) => k.to_string(),
        None => key_doc,
    };
    let key =
        SigningKey::from_json(&key_json).map_err(|e| anyhow::anyhow!("{}: {e}", key.display()))?;
    let mut claims: Value = serde_json::from_str(&read(std::path::Path::new(claims))?)
        .context("claims are not JSON")?;
    if let Some(ttl) = ttl {
        claims["exp"] = json!(now_unix() + ttl);
    }
    println!("{}", url.render(&key.mint(&claims, !no_kid)?, "token")?);
    Ok(())
}

/// `playgate check` (and `playgate revoke check`, which adds a filter): one decision, printed as
/// JSON; exit 0 allowed, 1 denied.
pub(crate) fn check(
    config: &std::path::Path,
    request: &std::path::Path,
    filter: Option<&std::path::Path>,
    now: Option<u64>,
) -> Result<ExitCode> {
    let gate = Gate::from_json(&read(config)?)
        .map_err(|e| anyhow::anyhow!("{}: {e}", config.display()))?;
    let (_, req) = OwnedRequest::from_json(&read(request)?)
        .map_err(|e| anyhow::anyhow!("{}: {e}", request.display()))?;
    let filter = filter.map(revoke::load).transpose()?;
    let source = filter
        .as_ref()
        .map(|f| f as &dyn playgate::revocation::RevocationSource);
    let decision = req.with_view(|r| gate.check_with(r, now.unwrap_or_else(now_unix), source));
    println!("{}", decision_json(&decision));
    if decision.is_allowed() {
        Ok(ExitCode::SUCCESS)
    } else {
        Ok(ExitCode::from(1))
    }
}

/// The decision as the JSON object every surface prints.
pub(crate) fn decision_json(d: &Decision) -> Value {
    match d {
        Decision::Allow(a) => json!({
            "allow": true, "status": 200, "reason": null,
            "forward": {"uri": a.forward.uri, "querystring": a.forward.querystring},
            "kid": a.claims.kid,
        }),
        Decision::Deny(d) => json!({"allow": false, "status": d.status, "reason": d.reason.code()}),
    }
}
