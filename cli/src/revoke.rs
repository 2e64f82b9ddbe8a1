//! `playgate revoke ...`: build, extend, inspect, query and export revocation filters (issue 5),
//! and [`RevocationStore`], the file-backed filter a native server reloads without restarting.
//!
//! Input lists (CSV or JSON lines, mixed freely, one entry per line; `#` comments and blank lines
//! are skipped):
//!
//! ```text
//! sid,<session id>,<expires>              {"sid":"<session id>","exp":<expires>}
//! jti,<token id>,<expires>                {"jti":"<token id>","exp":<expires>}
//! <id>,<expires>          (kind from --kind, default sid)
//! viewer,<channel arn>,<viewer id>,<max version>,<expires>
//!                                         {"channel_arn":"..","viewer_id":"..","max_version":N,"exp":..}
//! ```
//! `expires` is Unix seconds: the latest `exp` of any token the entry covers.

use anyhow::{bail, Context, Result};
use indicatif::{ProgressBar, ProgressStyle};
use playgate::revocation::{
    element_digest, hex, optimal_bits_per_element, FilterBuilder, Kind, Params, RevocationFilter,
    SEED_LEN,
};
use serde_json::{json, Value};
use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant, SystemTime};

/// Revocation subcommands.
#[derive(clap::Subcommand)]
pub enum RevokeCommand {
    /// Build a filter from revocation lists, leaving out generations already past.
    Build {
        #[command(flatten)]
        inputs: Inputs,
        /// Target false-positive rate.
        #[arg(long, default_value_t = 1e-6)]
        fp: f64,
        /// Block size in bytes: 64..=1024, a power of two; at most 512 for a KeyValueStore export.
        #[arg(long, default_value_t = 512)]
        block_bytes: u32,
        /// Size for at least this many elements (room for later `extend`s); default: the list.
        #[arg(long)]
        capacity: Option<u64>,
        /// Seed as 24 hex digits (default: random; reused from --like).
        #[arg(long)]
        seed: Option<String>,
        /// Previous filter: keep its seed and parameters (same lineage, next serial) when they still
        /// meet --fp, so a KeyValueStore can be updated block by block.
        #[arg(long)]
        like: Option<PathBuf>,
        /// Output filter file.
        #[arg(long, short)]
        out: PathBuf,
        /// Also write a KeyValueStore import file.
        #[arg(long)]
        kvs: Option<PathBuf>,
        /// Key prefix in the KeyValueStore.
        #[arg(long, default_value = "pg:")]
        kvs_prefix: String,
    },
    /// Add entries to an existing filter (same lineage: only the touched blocks change).
    Extend {
        /// The filter to extend.
        #[arg(long)]
        filter: PathBuf,
        #[command(flatten)]
        inputs: Inputs,
        /// Warn (and exit 1) when the extended filter's predicted false-positive rate exceeds this.
        #[arg(long)]
        fp: Option<f64>,
        /// Output filter file (may be the same as --filter).
        #[arg(long, short)]
        out: PathBuf,
    },
    /// Print a filter's parameters, size, predicted false-positive rate and generations.
    Inspect {
        /// Filter file.
        filter: PathBuf,
    },
    /// Look ids up in a filter: exit 0 if all are absent, 1 if any is (possibly falsely) revoked.
    Query {
        /// Filter file.
        #[arg(long)]
        filter: PathBuf,
        /// Session ids.
        #[arg(long)]
        sid: Vec<String>,
        /// Token ids.
        #[arg(long)]
        jti: Vec<String>,
        /// Viewer session as `CHANNEL_ARN,VIEWER_ID,VERSION`.
        #[arg(long)]
        viewer: Vec<String>,
    },
    /// Write a filter as a KeyValueStore import file (`{"data":[{"key","value"}]}`).
    ExportKvs {
        /// Filter file.
        #[arg(long)]
        filter: PathBuf,
        /// Output JSON file.
        #[arg(long, short)]
        out: PathBuf,
        /// Key prefix.
        #[arg(long, default_value = "pg:")]
        prefix: String,
        /// Only the header and the blocks that differ from this older filter of the same lineage.
        #[arg(long)]
        since: Option<PathBuf>,
    },
    /// Decide one request with a filter (like `playgate check`, plus `--filter`).
    Check {
        /// Gate configuration JSON (with a `revocation` section).
        #[arg(long)]
        config: PathBuf,
        /// Request: a CloudFront Functions event, a Lambda@Edge event or the plain shape.
        #[arg(long)]
        request: PathBuf,
        /// Filter file; leave out to see the `on_unavailable` behaviour.
        #[arg(long)]
        filter: Option<PathBuf>,
        /// Current time (Unix seconds); defaults to the system clock.
        #[arg(long)]
        now: Option<u64>,
    },
}

/// Where entries come from.
#[derive(clap::Args)]
pub struct Inputs {
    /// Revocation lists (CSV or JSON lines; `-` for stdin). Repeatable.
    #[arg(long, short, required = true)]
    input: Vec<PathBuf>,
    /// Kind of two-column CSV lines (`<id>,<expires>`).
    #[arg(long, default_value = "sid", value_parser = ["sid", "jti"])]
    kind: String,
    /// Width of an expiry generation in seconds.
    #[arg(long, default_value_t = 3600)]
    generation: u64,
    /// Current time (Unix seconds); generations ending at or before it are left out.
    #[arg(long)]
    now: Option<u64>,
}

pub fn run(cmd: RevokeCommand) -> Result<ExitCode> {
    match cmd {
        RevokeCommand::Build {
            inputs,
            fp,
            block_bytes,
            capacity,
            seed,
            like,
            out,
            kvs,
            kvs_prefix,
        } => {
            let like = like.map(|p| load(&p)).transpose()?;
            let f = build(
                &inputs,
                fp,
                block_bytes,
                capacity,
                seed.as_deref(),
                like.as_ref(),
            )?;
            write_file(&out, &f.to_bytes())?;
            summary(&f, Some(fp), &out);
            if let Some(kvs) = kvs {
                let n = write_kvs(&f, None, &kvs_prefix, &kvs)?;
                eprintln!("kvs: {n} keys → {}", kvs.display());
            }
            Ok(ExitCode::SUCCESS)
        }
        RevokeCommand::Extend {
            filter,
            inputs,
            fp,
            out,
        } => {
            let old = load(&filter)?;
            let now = inputs.now.unwrap_or_else(crate::now_unix);
            let mut b = FilterBuilder::extend(&old, inputs.generation);
            let read = read_inputs(&inputs, old.seed(), now, &mut b)?;
            let f = b.finish(now);
            write_file(&out, &f.to_bytes())?;
            let changed = (0..f.params().blocks())
                .filter(|&i| f.block(i) != old.block(i))
                .count();
            eprintln!(
                "extended: +{} elements, +{} viewer entries, {} expired entries skipped, {changed} blocks changed",
                read.ids, read.viewers, read.expired
            );
            summary(&f, fp, &out);
            let past = f
                .generations()
                .iter()
                .filter(|g| g.not_after <= now)
                .map(|g| g.count)
                .sum::<u64>();
            if past > 0 {
                eprintln!("note: {past} elements belong to generations already past; `build` from the lists to drop them");
            }
            if let Some(target) = fp {
                if f.expected_fp() > target {
                    eprintln!(
                        "warning: predicted false-positive rate {:.3e} is above --fp {target:.1e}: rebuild with `build`",
                        f.expected_fp()
                    );
                    return Ok(ExitCode::from(1));
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        RevokeCommand::Inspect { filter } => {
            let f = load(&filter)?;
            println!("{}", serde_json::to_string_pretty(&describe(&f, None))?);
            Ok(ExitCode::SUCCESS)
        }
        RevokeCommand::Query {
            filter,
            sid,
            jti,
            viewer,
        } => {
            let f = load(&filter)?;
            let mut any = false;
            let mut out = Vec::new();
            for (kind, ids) in [(Kind::Session, &sid), (Kind::TokenId, &jti)] {
                for id in ids {
                    let hit = f.contains(kind, id);
                    any |= hit;
                    out.push(json!({"kind": kind.name(), "id": id, "revoked": hit}));
                }
            }
            for v in &viewer {
                let mut parts = v.rsplitn(3, ',');
                let (Some(version), Some(viewer_id), Some(arn)) =
                    (parts.next(), parts.next(), parts.next())
                else {
                    bail!("--viewer expects CHANNEL_ARN,VIEWER_ID,VERSION");
                };
                let version: i64 = version
                    .trim()
                    .parse()
                    .context("--viewer: VERSION is not an integer")?;
                let hit = f.viewer_revoked(arn, viewer_id, version);
                any |= hit;
                out.push(json!({"kind": "viewer", "channel_arn": arn, "viewer_id": viewer_id, "version": version, "revoked": hit}));
            }
            println!("{}", serde_json::to_string_pretty(&out)?);
            Ok(if any {
                ExitCode::from(1)
            } else {
                ExitCode::SUCCESS
            })
        }
        RevokeCommand::ExportKvs {
            filter,
            out,
            prefix,
            since,
        } => {
            let f = load(&filter)?;
            let since = since.map(|p| load(&p)).transpose()?;
            let n = write_kvs(&f, since.as_ref(), &prefix, &out)?;
            eprintln!("kvs: {n} keys → {}", out.display());
            Ok(ExitCode::SUCCESS)
        }
        RevokeCommand::Check {
            config,
            request,
            filter,
            now,
        } => crate::check(&config, &request, filter.as_deref(), now),
    }
}

/// Reads and verifies a filter file.
pub fn load(path: &Path) -> Result<RevocationFilter> {
    let bytes = std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
    RevocationFilter::from_bytes(&bytes).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))
}

fn write_file(path: &Path, bytes: &[u8]) -> Result<()> {
    // Write then rename, so a reader polling the path never sees half a file.
    let tmp = path.with_extension(format!("tmp{}", std::process::id()));
    std::fs::write(&tmp, bytes).with_context(|| format!("cannot write {}", tmp.display()))?;
    std::fs::rename(&tmp, path).with_context(|| format!("cannot write {}", path.display()))
}

fn parse_seed(s: &str) -> Result<[u8; SEED_LEN]> {
    let s = s.trim();
    if s.len() != SEED_LEN * 2 || !s.bytes().all(|b| b.is_ascii_hexdigit()) {
        bail!("--seed: expected {} hex digits", SEED_LEN * 2);
    }
    let mut seed = [0u8; SEED_LEN];
    for (i, b) in seed.iter_mut().enumerate() {
        *b = u8::from_str_radix(&s[2 * i..2 * i + 2], 16)?;
    }
    Ok(seed)
}

/// One parsed list entry, already hashed.
enum Entry {
    Id([u8; 32], u64),
    Viewer {
        arn: String,
        viewer: String,
        version: i64,
        exp: u64,
    },
}

#[derive(Default)]
struct ReadStats {
    ids: u64,
    viewers: u64,
    expired: u64,
}

/// Parses one line (CSV or JSON). `Ok(None)` for blank lines and comments.
fn parse_line(line: &str, default_kind: Kind) -> Result<Option<ParsedLine>> {
    let line = line.trim();
    if line.is_empty() || line.starts_with('#') {
        return Ok(None);
    }
    if line.starts_with('{') {
        let v: Value = serde_json::from_str(line).context("not a JSON object")?;
        let obj = v.as_object().context("not a JSON object")?;
        let exp = obj
            .get("exp")
            .and_then(Value::as_u64)
            .context("`exp` (Unix seconds) is required")?;
        let allowed: &[&str] = if obj.contains_key("channel_arn") {
            &["channel_arn", "viewer_id", "max_version", "exp"]
        } else {
            &["sid", "jti", "exp"]
        };
        if let Some(k) = obj.keys().find(|k| !allowed.contains(&k.as_str())) {
            bail!("unknown member `{k}`");
        }
        if let Some(arn) = obj.get("channel_arn") {
            let arn = arn.as_str().context("`channel_arn` must be a string")?;
            let viewer = obj
                .get("viewer_id")
                .and_then(Value::as_str)
                .context("`viewer_id` (string) is required")?;
            let version = obj
                .get("max_version")
                .and_then(Value::as_i64)
                .context("`max_version` (integer) is required")?;
            return Ok(Some(ParsedLine::Viewer(
                arn.into(),
                viewer.into(),
                version,
                exp,
            )));
        }
        return match (obj.get("sid"), obj.get("jti")) {
            (Some(Value::String(s)), None) => {
                Ok(Some(ParsedLine::Id(Kind::Session, s.clone(), exp)))
            }
            (None, Some(Value::String(s))) => {
                Ok(Some(ParsedLine::Id(Kind::TokenId, s.clone(), exp)))
            }
            _ => bail!("give exactly one of `sid`, `jti` (strings), or a viewer session"),
        };
    }
    let fields: Vec<&str> = line.split(',').map(str::trim).collect();
    let exp = |s: &str| {
        s.parse::<u64>()
            .with_context(|| format!("expiry {s:?} is not Unix seconds"))
    };
    match fields.as_slice() {
        // A header line (only these exact ones: an id that happens to read "kind" still counts).
        ["kind", "id", "expires"] | ["id", "expires"] => Ok(None),
        ["sid", id, e] => Ok(Some(ParsedLine::Id(Kind::Session, (*id).into(), exp(e)?))),
        ["jti", id, e] => Ok(Some(ParsedLine::Id(Kind::TokenId, (*id).into(), exp(e)?))),
        ["viewer", arn, viewer, version, e] => Ok(Some(ParsedLine::Viewer(
            (*arn).into(),
            (*viewer).into(),
            version.parse().context("viewer max version is not an integer")?,
            exp(e)?,
        ))),
        [id, e] if !id.is_empty() => Ok(Some(ParsedLine::Id(default_kind, (*id).into(), exp(e)?))),
        _ => bail!("expected `sid,ID,EXPIRES`, `jti,ID,EXPIRES`, `ID,EXPIRES` or `viewer,ARN,VIEWER,VERSION,EXPIRES`"),
    }
}

enum ParsedLine {
    Id(Kind, String, u64),
    Viewer(String, String, i64, u64),
}

fn progress(len: u64, what: &str) -> ProgressBar {
    // indicatif draws only on a terminal; piped output stays clean.
    let pb = ProgressBar::new(len);
    pb.set_style(
        ProgressStyle::with_template(
            "{msg:>9} [{bar:40}] {bytes}/{total_bytes} ({per_sec}, {eta})",
        )
        .unwrap_or_else(|_| ProgressStyle::default_bar())
        .progress_chars("=> "),
    );
    pb.set_message(what.to_string());
    pb
}

/// Reads every input, hashes ids with `seed`, and hands entries whose generation is not yet past to
/// `sink`.
fn for_each_entry(
    inputs: &Inputs,
    seed: &[u8; SEED_LEN],
    now: u64,
    generation_of: impl Fn(u64) -> u64,
    mut sink: impl FnMut(Entry),
) -> Result<ReadStats> {
    let default_kind = if inputs.kind == "jti" {
        Kind::TokenId
    } else {
        Kind::Session
    };
    let mut stats = ReadStats::default();
    for path in &inputs.input {
        let (reader, len): (Box<dyn Read>, u64) = if path.as_os_str() == "-" {
            (Box::new(std::io::stdin()), 0)
        } else {
            let f = std::fs::File::open(path)
                .with_context(|| format!("cannot read {}", path.display()))?;
            let len = f.metadata().map(|m| m.len()).unwrap_or(0);
            (Box::new(f), len)
        };
        let pb = progress(len, "reading");
        let mut reader = BufReader::with_capacity(1 << 20, pb.wrap_read(reader));
        let mut line = String::new();
        let mut lineno = 0u64;
        loop {
            line.clear();
            if reader
                .read_line(&mut line)
                .with_context(|| format!("{}: not UTF-8 text", path.display()))?
                == 0
            {
                break;
            }
            lineno += 1;
            let parsed = parse_line(&line, default_kind)
                .with_context(|| format!("{}:{lineno}", path.display()))?;
            match parsed {
                None => {}
                Some(ParsedLine::Id(kind, id, exp)) => {
                    if generation_of(exp) <= now {
                        stats.expired += 1;
                        continue;
                    }
                    stats.ids += 1;
                    sink(Entry::Id(element_digest(seed, kind, &id), exp));
                }
                Some(ParsedLine::Viewer(arn, viewer, version, exp)) => {
                    if exp <= now {
                        stats.expired += 1;
                        continue;
                    }
                    stats.viewers += 1;
                    sink(Entry::Viewer {
                        arn,
                        viewer,
                        version,
                        exp,
                    });
                }
            }
        }
        pb.finish_and_clear();
    }
    Ok(stats)
}

fn read_inputs(
    inputs: &Inputs,
    seed: &[u8; SEED_LEN],
    now: u64,
    b: &mut FilterBuilder,
) -> Result<ReadStats> {
    let gen = inputs.generation.max(1);
    let generation_of = move |exp: u64| exp.div_ceil(gen).saturating_mul(gen);
    let mut viewers = Vec::new();
    let mut digests = Vec::new();
    let stats = for_each_entry(inputs, seed, now, generation_of, |e| match e {
        Entry::Id(d, exp) => digests.push((d, exp)),
        v @ Entry::Viewer { .. } => viewers.push(v),
    })?;
    insert_all(b, &digests, viewers);
    b.drop_expired_viewers(now);
    Ok(stats)
}

fn insert_all(b: &mut FilterBuilder, digests: &[([u8; 32], u64)], viewers: Vec<Entry>) {
    let pb = ProgressBar::new(digests.len() as u64);
    pb.set_style(
        ProgressStyle::with_template("{msg:>9} [{bar:40}] {pos}/{len} ({per_sec}, {eta})")
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> "),
    );
    pb.set_message("inserting");
    for chunk in digests.chunks(65_536) {
        for (d, exp) in chunk {
            b.insert_digest(d, *exp);
        }
        pb.inc(chunk.len() as u64);
    }
    pb.finish_and_clear();
    for v in viewers {
        if let Entry::Viewer {
            arn,
            viewer,
            version,
            exp,
        } = v
        {
            b.insert_viewer(&arn, &viewer, version, exp);
        }
    }
}

fn build(
    inputs: &Inputs,
    fp: f64,
    block_bytes: u32,
    capacity: Option<u64>,
    seed: Option<&str>,
    like: Option<&RevocationFilter>,
) -> Result<RevocationFilter> {
    if !(fp > 0.0 && fp < 1.0) {
        bail!("--fp must be between 0 and 1");
    }
    if !block_bytes.is_power_of_two() || !(64..=1024).contains(&block_bytes) {
        bail!("--block-bytes must be a power of two from 64 to 1024");
    }
    let log2 = u8::try_from((block_bytes * 8).trailing_zeros())?;
    let now = inputs.now.unwrap_or_else(crate::now_unix);
    let seed = match (seed, like) {
        (Some(s), _) => parse_seed(s)?,
        (None, Some(old)) => *old.seed(),
        (None, None) => {
            let mut s = [0u8; SEED_LEN];
            getrandom::fill(&mut s).map_err(|e| anyhow::anyhow!("no system randomness: {e}"))?;
            s
        }
    };
    let gen = inputs.generation.max(1);
    let generation_of = move |exp: u64| exp.div_ceil(gen).saturating_mul(gen);
    let mut digests = Vec::new();
    let mut viewers = Vec::new();
    let stats = for_each_entry(inputs, &seed, now, generation_of, |e| match e {
        Entry::Id(d, exp) => digests.push((d, exp)),
        v @ Entry::Viewer { .. } => viewers.push(v),
    })?;
    let t = Instant::now();
    // The same id listed twice (e.g. revoked again with a later expiry) is one element, kept in the
    // generation of its latest expiry.
    digests.sort_unstable_by(|a, b| a.0.cmp(&b.0).then(b.1.cmp(&a.1)));
    digests.dedup_by(|later, kept| later.0 == kept.0);
    let duplicates = stats.ids - digests.len() as u64;
    let n = capacity.unwrap_or(0).max(digests.len() as u64);
    let reuse = like.filter(|old| {
        old.seed() == &seed
            && old.params().log2_block_bits() == log2
            && old.params().expected_fp(n) <= fp
    });
    let (params, serial) = match reuse {
        Some(old) => (old.params(), old.serial().saturating_add(1)),
        None => (
            Params::plan(n, fp, log2)
                .map_err(|e| anyhow::anyhow!("cannot plan the filter: {e}"))?,
            1,
        ),
    };
    if like.is_some() && reuse.is_none() {
        eprintln!("note: --like filter cannot hold {n} elements at --fp {fp:.1e} (or differs in seed/block size): new lineage");
    }
    let mut b = FilterBuilder::new(params, seed, gen).with_serial(serial);
    insert_all(&mut b, &digests, viewers);
    b.drop_expired_viewers(now);
    eprintln!(
        "read {} ids ({duplicates} duplicates), {} viewer entries; left out {} entries of past generations; built in {:.2?}",
        stats.ids,
        stats.viewers,
        stats.expired,
        t.elapsed()
    );
    Ok(b.finish(now))
}

/// The facts about a filter, as JSON.
fn describe(f: &RevocationFilter, target: Option<f64>) -> Value {
    let p = f.params();
    let n = f.element_count();
    let bits = (p.bits_bytes() * 8) as f64;
    let bits_per = if n > 0 { bits / n as f64 } else { 0.0 };
    let expected = f.expected_fp();
    let mut v = json!({
        "format_version": playgate::revocation::FORMAT_VERSION,
        "lineage": hex(&f.lineage()),
        "serial": f.serial(),
        "created": f.created(),
        "not_after": f.not_after(),
        "elements": n,
        "viewer_entries": f.viewers().len(),
        "block_bytes": p.block_bytes(),
        "blocks": p.blocks(),
        "k": p.k(),
        "file_bytes": f.file_len(),
        "bits_per_element": bits_per,
        "expected_fp": expected,
        "fill_fp": f.measured_fill_fp(),
        "generations": f.generations().iter().map(|g| json!({"not_after": g.not_after, "count": g.count})).collect::<Vec<_>>(),
    });
    if n > 0 && expected > 0.0 {
        // How far from an ideal (unblocked, real-valued k) bloom filter at the same FP rate.
        v["optimal_bits_per_element"] = json!(optimal_bits_per_element(expected));
        v["bits_vs_optimal"] = json!(bits_per / optimal_bits_per_element(expected));
    }
    if let Some(t) = target {
        v["target_fp"] = json!(t);
    }
    if p.log2_block_bits() <= playgate::revocation::MAX_KVS_LOG2_BLOCK_BITS {
        let (_, bytes) = kvs_entries(f, None, "pg:");
        v["kvs_bytes"] = json!(bytes);
    }
    v
}

fn summary(f: &RevocationFilter, target: Option<f64>, out: &Path) {
    let d = describe(f, target);
    eprintln!(
        "{}: {} elements + {} viewer entries in {} blocks of {} B (k={}), {} bytes, {:.2} bits/element ({:.3}× optimal), expected FP {:.3e}{}",
        out.display(),
        d["elements"],
        d["viewer_entries"],
        d["blocks"],
        d["block_bytes"],
        d["k"],
        d["file_bytes"],
        d["bits_per_element"].as_f64().unwrap_or(0.0),
        d["bits_vs_optimal"].as_f64().unwrap_or(0.0),
        d["expected_fp"].as_f64().unwrap_or(0.0),
        match d.get("kvs_bytes") {
            Some(b) => format!(", KeyValueStore {b} bytes"),
            None => String::new(),
        }
    );
    println!("{d}");
}

/// KeyValueStore entries (key, value) and their total size in bytes.
fn kvs_entries(
    f: &RevocationFilter,
    since: Option<&RevocationFilter>,
    prefix: &str,
) -> (Vec<(String, String)>, usize) {
    let mut out = vec![(format!("{prefix}h"), f.kvs_header_json(prefix))];
    for i in 0..f.params().blocks() {
        if since.is_some_and(|old| old.block(i) == f.block(i)) {
            continue;
        }
        if let Some(v) = f.kvs_block_value(i) {
            out.push((f.kvs_block_key(prefix, i), v));
        }
    }
    for v in f.viewers() {
        if since.is_some_and(|old| old.viewers().contains(v)) {
            continue;
        }
        out.push((
            RevocationFilter::kvs_viewer_key(prefix, v),
            RevocationFilter::kvs_viewer_value(v),
        ));
    }
    let bytes = out.iter().map(|(k, v)| k.len() + v.len()).sum();
    (out, bytes)
}

fn write_kvs(
    f: &RevocationFilter,
    since: Option<&RevocationFilter>,
    prefix: &str,
    out: &Path,
) -> Result<usize> {
    if f.params().log2_block_bits() > playgate::revocation::MAX_KVS_LOG2_BLOCK_BITS {
        bail!("blocks of {} bytes do not fit a KeyValueStore value: build with --block-bytes 512 or less", f.params().block_bytes());
    }
    if let Some(old) = since {
        if old.lineage() != f.lineage() {
            bail!("--since filter is of another lineage (seed or parameters differ): export the whole filter");
        }
    }
    if prefix.len() > 64 {
        bail!("--prefix is too long");
    }
    let (entries, bytes) = kvs_entries(f, since, prefix);
    for (k, v) in &entries {
        if k.len() > 512 || v.len() > 1024 {
            bail!("internal error: KeyValueStore entry {k} exceeds the size limits");
        }
    }
    if since.is_none() && bytes > 5 * 1024 * 1024 {
        eprintln!("warning: {bytes} bytes exceed one KeyValueStore's 5 MB");
    }
    let data: Vec<Value> = entries
        .iter()
        .map(|(k, v)| json!({"key": k, "value": v}))
        .collect();
    let mut file = Vec::with_capacity(bytes + entries.len() * 24);
    serde_json::to_writer(&mut file, &json!({"data": data}))?;
    file.write_all(b"\n")?;
    write_file(out, &file)?;
    Ok(entries.len())
}

/// A filter file that a long-running server consults per request and reloads when it changes,
/// without a restart. Cheap to call per request: the file is looked at most once per `poll`.
///
/// A file that fails to load keeps the last good filter in service (log it; pair with the gate's
/// `revocation.max_age` so a stuck pipeline eventually counts as unavailable). Before the first
/// good load, [`RevocationStore::current`] is `None` and the gate's `on_unavailable` applies.
///
/// ```ignore
/// let store = RevocationStore::open("revoked.pgrf", Duration::from_secs(5));
/// let filter = store.current();
/// let decision = gate.check_with(&req, now, filter.as_deref().map(|f| f as _));
/// ```
#[allow(dead_code)] // used by `serve` once it wires revocation in
pub struct RevocationStore {
    path: PathBuf,
    poll: Duration,
    filter: RwLock<Option<Arc<RevocationFilter>>>,
    state: Mutex<StoreState>,
}

#[allow(dead_code)]
struct StoreState {
    checked: Option<Instant>,
    stamp: Option<Stamp>,
    last_error: Option<String>,
}

/// What identifies a version of the filter file without reading it all: modification time,
/// length, inode (a write-then-rename always changes it) and the last 32 bytes (a valid filter's
/// SHA-256 trailer, for in-place rewrites). Filters of the same parameters all have the same length
/// and file timestamps come from a coarse clock: with (mtime, length) alone, a filter replaced
/// within one tick was never reloaded, so sessions revoked by that update stayed allowed.
type Stamp = (SystemTime, u64, u64, [u8; 32]);

fn stamp_of(path: &Path) -> Option<Stamp> {
    use std::io::{Seek, SeekFrom};
    let mut f = std::fs::File::open(path).ok()?;
    let m = f.metadata().ok()?;
    #[cfg(unix)]
    let inode = std::os::unix::fs::MetadataExt::ino(&m);
    #[cfg(not(unix))]
    let inode = 0;
    let mut tail = [0u8; 32];
    if m.len() >= 32 {
        f.seek(SeekFrom::End(-32)).ok()?;
        f.read_exact(&mut tail).ok()?;
    }
    Some((m.modified().ok()?, m.len(), inode, tail))
}

#[allow(dead_code)]
impl RevocationStore {
    /// Loads `path` now (a failure leaves the store empty) and re-checks it every `poll`.
    pub fn open(path: impl Into<PathBuf>, poll: Duration) -> RevocationStore {
        let store = RevocationStore {
            path: path.into(),
            poll,
            filter: RwLock::new(None),
            state: Mutex::new(StoreState {
                checked: None,
                stamp: None,
                last_error: None,
            }),
        };
        store.refresh(true);
        store
    }

    /// The filter in service, reloading first if the poll interval has passed and the file changed
    /// (modification time or length).
    pub fn current(&self) -> Option<Arc<RevocationFilter>> {
        self.refresh(false);
        self.filter.read().ok().and_then(|g| g.clone())
    }

    /// The last load error, if the latest attempt failed.
    pub fn last_error(&self) -> Option<String> {
        self.state.lock().ok().and_then(|s| s.last_error.clone())
    }

    fn refresh(&self, force: bool) {
        // try_lock: one request reloads, the others keep serving the current filter meanwhile.
        let Ok(mut st) = self.state.try_lock() else {
            return;
        };
        if !force && st.checked.is_some_and(|t| t.elapsed() < self.poll) {
            return;
        }
        st.checked = Some(Instant::now());
        let stamp = stamp_of(&self.path);
        if !force && stamp.is_some() && stamp == st.stamp {
            return;
        }
        match load(&self.path) {
            Ok(f) => {
                if let Ok(mut slot) = self.filter.write() {
                    *slot = Some(Arc::new(f));
                }
                st.stamp = stamp;
                st.last_error = None;
            }
            Err(e) => {
                st.stamp = stamp;
                st.last_error = Some(format!("{e:#}"));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_parse() {
        let k = Kind::Session;
        assert!(
            matches!(parse_line("sid,abc,100", k).unwrap(), Some(ParsedLine::Id(Kind::Session, s, 100)) if s == "abc")
        );
        assert!(
            matches!(parse_line(" jti , x , 5 ", k).unwrap(), Some(ParsedLine::Id(Kind::TokenId, s, 5)) if s == "x")
        );
        assert!(matches!(
            parse_line("abc,7", Kind::TokenId).unwrap(),
            Some(ParsedLine::Id(Kind::TokenId, _, 7))
        ));
        assert!(matches!(
            parse_line("viewer,arn:aws:ivs:us-west-2:1:channel/a,v1,3,9", k).unwrap(),
            Some(ParsedLine::Viewer(a, v, 3, 9)) if a == "arn:aws:ivs:us-west-2:1:channel/a" && v == "v1"
        ));
        assert!(matches!(
            parse_line(r#"{"sid":"a","exp":1}"#, k).unwrap(),
            Some(ParsedLine::Id(Kind::Session, _, 1))
        ));
        assert!(matches!(
            parse_line(r#"{"jti":"a","exp":1}"#, k).unwrap(),
            Some(ParsedLine::Id(Kind::TokenId, _, 1))
        ));
        assert!(matches!(
            parse_line(
                r#"{"channel_arn":"arn:x","viewer_id":"v","max_version":-1,"exp":2}"#,
                k
            )
            .unwrap(),
            Some(ParsedLine::Viewer(_, _, -1, 2))
        ));
        assert!(parse_line("# comment", k).unwrap().is_none());
        assert!(parse_line("kind,id,expires", k).unwrap().is_none());
        assert!(parse_line("id,expires", k).unwrap().is_none());
        // Only exact header lines are skipped: an id spelled "kind" is still revoked.
        assert!(
            matches!(parse_line("kind,5", k).unwrap(), Some(ParsedLine::Id(Kind::Session, s, 5)) if s == "kind")
        );
        assert!(parse_line("   ", k).unwrap().is_none());
        for bad in [
            "sid,abc",
            "sid,abc,soon",
            "a,b,c,d",
            r#"{"sid":"a"}"#,
            r#"{"sid":"a","jti":"b","exp":1}"#,
            r#"{"sid":"a","exp":1,"extra":2}"#,
            r#"{"sid":5,"exp":1}"#,
            r#"{"channel_arn":"arn:x","exp":2}"#,
        ] {
            assert!(parse_line(bad, k).is_err(), "{bad}");
        }
    }

    #[test]
    fn store_reloads_and_keeps_last_good() {
        let dir = std::env::temp_dir().join(format!("pg-store-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("f.pgrf");
        let store = RevocationStore::open(&path, Duration::ZERO);
        assert!(store.current().is_none());
        assert!(store.last_error().is_some());

        let mk = |id: &str, created: u64| {
            let mut b = FilterBuilder::new(Params::new(9, 4, 2).unwrap(), [1; SEED_LEN], 60);
            b.insert(Kind::Session, id, 100);
            b.finish(created)
        };
        write_file(&path, &mk("a", 1).to_bytes()).unwrap();
        let f = store.current().unwrap();
        assert!(f.contains(Kind::Session, "a"));

        // A new file (different length → different stamp even within one mtime tick).
        let mut b = FilterBuilder::new(Params::new(9, 4, 3).unwrap(), [1; SEED_LEN], 60);
        b.insert(Kind::Session, "b", 100);
        write_file(&path, &b.finish(2).to_bytes()).unwrap();
        assert!(store.current().unwrap().contains(Kind::Session, "b"));

        // A corrupt file keeps the last good filter and reports the error.
        write_file(&path, b"PGRF garbage").unwrap();
        assert!(store.current().unwrap().contains(Kind::Session, "b"));
        assert!(store.last_error().unwrap().contains("revocation filter"));
        std::fs::remove_dir_all(&dir).ok();
    }
}
