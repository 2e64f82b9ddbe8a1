//! `playgate serve`: HLS files behind the gate, with the demo page (issue 7).

use anyhow::Result;
use std::process::ExitCode;

/// Arguments of `playgate serve`.
#[derive(clap::Args)]
pub struct ServeArgs {}

pub fn run(_args: ServeArgs) -> Result<ExitCode> {
    anyhow::bail!("serve is not implemented yet")
}
