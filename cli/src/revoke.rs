//! `playgate revoke ...`: build, inspect and export revocation filters (issue 5).

use anyhow::Result;
use std::process::ExitCode;

/// Revocation subcommands.
#[derive(clap::Subcommand)]
pub enum RevokeCommand {
    /// Not built yet.
    Todo,
}

pub fn run(_cmd: RevokeCommand) -> Result<ExitCode> {
    anyhow::bail!("revocation filters are not implemented yet")
}
