//! URL-ready playback URLs for `playgate mint --url`, and `playgate mint-akamai` (Akamai Auth Token
//! 2.0 tokens and URLs): the job of the seed solutions' `/tokengenerate` endpoints.

use anyhow::{bail, Context, Result};
use clap::{Args, ValueEnum};
use playgate::akamai::{self, AkamaiAlg, AkamaiClaims, AkamaiKey};
use playgate::mint::{playback_url, Placement};

/// Where `--url` puts the token.
#[derive(Args, Clone, Debug)]
pub struct UrlArgs {
    /// Print a playback URL for this path or URL (`/live/index.m3u8` or `https://host/live/index.m3u8`)
    /// instead of the bare token.
    #[arg(long)]
    pub url: Option<String>,
    /// Put the token in the first path segment (AWS seed style) instead of the query.
    #[arg(long, requires = "url")]
    pub path_token: bool,
    /// Query parameter name for the token.
    #[arg(long, requires = "url", conflicts_with = "path_token")]
    pub param: Option<String>,
    /// Session id put before a path token (`/<session>.<jwt>/...`).
    #[arg(long, requires = "path_token")]
    pub session: Option<String>,
}

impl UrlArgs {
    /// The token itself, or the playback URL carrying it.
    pub fn render(&self, token: &str, default_param: &str) -> Result<String> {
        let Some(url) = &self.url else {
            return Ok(token.to_string());
        };
        let placement = if self.path_token {
            Placement::PathSegment {
                session: self.session.as_deref(),
            }
        } else {
            Placement::Query(self.param.as_deref().unwrap_or(default_param))
        };
        playback_url(url, token, placement).map_err(|e| anyhow::anyhow!("--url: {e}"))
    }
}

#[derive(Clone, Copy, ValueEnum)]
pub enum AlgArg {
    Sha256,
    Sha1,
    Md5,
}

/// `playgate mint-akamai`.
#[derive(Args)]
pub struct MintAkamaiArgs {
    /// File holding the key as hex (Akamai's format). Never pass keys on the command line.
    #[arg(long)]
    key_file: std::path::PathBuf,
    /// HMAC algorithm.
    #[arg(long, value_enum, default_value = "sha256")]
    alg: AlgArg,
    /// ACL patterns, `!`-separated (`*` crosses `/`). Without it the token is a URL token for `--url`'s path.
    #[arg(long)]
    acl: Option<String>,
    /// Lifetime in seconds (`exp = now + ttl`).
    #[arg(long, default_value_t = 3600)]
    ttl: u64,
    /// Start time (Unix seconds).
    #[arg(long)]
    st: Option<u64>,
    /// Bind to this client IP.
    #[arg(long)]
    ip: Option<String>,
    /// Session id field.
    #[arg(long)]
    id: Option<String>,
    /// Opaque data field.
    #[arg(long)]
    data: Option<String>,
    /// File holding the salt, if the gate is configured with one.
    #[arg(long)]
    salt_file: Option<std::path::PathBuf>,
    /// Print a playback URL for this path or URL instead of the bare token.
    #[arg(long)]
    url: Option<String>,
    /// Query parameter name for `--url` (`__token__` or `hdnts`).
    #[arg(long, default_value = "__token__")]
    param: String,
}

pub fn mint_akamai(a: &MintAkamaiArgs, now: u64) -> Result<()> {
    let hex = crate::read(&a.key_file)?;
    let key = AkamaiKey::from_hex("cli", hex.trim())
        .with_context(|| format!("{}: not an even-length hex key", a.key_file.display()))?;
    let salt = a
        .salt_file
        .as_ref()
        .map(|p| crate::read(p).map(|s| s.trim().to_string()))
        .transpose()?;
    let alg = match a.alg {
        AlgArg::Sha256 => AkamaiAlg::Sha256,
        AlgArg::Sha1 => AkamaiAlg::Sha1,
        AlgArg::Md5 => AkamaiAlg::Md5,
    };
    let url_path = a.url.as_deref().map(|u| {
        let after = u
            .split_once("://")
            .map_or(u, |(_, r)| r.find('/').map_or("", |i| &r[i..]));
        after.split('?').next().unwrap_or("")
    });
    if a.acl.is_none() && url_path.is_none() {
        bail!("give --acl, or --url for a URL token");
    }
    let claims = AkamaiClaims {
        ip: a.ip.as_deref(),
        st: a.st,
        exp: now + a.ttl,
        acl: a.acl.as_deref(),
        id: a.id.as_deref(),
        data: a.data.as_deref(),
        url: url_path,
    };
    let token = akamai::mint(&claims, &key, alg, salt.as_deref())?;
    match &a.url {
        None => println!("{token}"),
        Some(u) => println!(
            "{}",
            playback_url(u, &token, Placement::Query(&a.param))
                .map_err(|e| anyhow::anyhow!("--url: {e}"))?
        ),
    }
    Ok(())
}
