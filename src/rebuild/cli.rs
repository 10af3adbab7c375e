//! The `rebuild` subcommand's arguments and glue (kept here so `src/cli.rs`
//! only gains a variant and a dispatch line).
//!
//! Input: the parsed [`RebuildArgs`]. Output: the exit code (0 identical, 1
//! differs, 2 could not tell, as an error carrying one line).

use std::path::PathBuf;
use std::time::Duration;

use anyhow::{bail, Context as _, Result};
use clap::Args;

use super::inputs::SourceSpec;
use super::RebuildRequest;

#[derive(Debug, Args)]
pub struct RebuildArgs {
    /// The published Go binary.
    pub binary: PathBuf,
    /// Build from this directory (the main module's root; never written to) instead of the module zip.
    #[arg(long, value_name = "DIR", conflicts_with = "module")]
    pub source: Option<PathBuf>,
    /// Build from this module version's zip (for binaries that record `(devel)` or a version the proxy lacks).
    #[arg(long, value_name = "PATH@VERSION")]
    pub module: Option<String>,
    /// Let the go command fetch the toolchain, the module and its dependencies through the module proxy
    /// into your module cache (default: offline, your module cache only).
    #[arg(long)]
    pub allow_network: bool,
    /// The module proxy for --allow-network.
    #[arg(long, value_name = "URL", default_value = super::inputs::DEFAULT_PROXY)]
    pub proxy: String,
    /// Get the inputs and stop (fills the module cache so a later rebuild works offline).
    #[arg(long)]
    pub fetch_only: bool,
    #[command(flatten)]
    pub report: crate::cli::ReportArgs,
    /// Write a shell script that repeats the rebuild without twinbuild.
    #[arg(long, value_name = "FILE")]
    pub emit_recipe: Option<PathBuf>,
    /// Write an unsigned in-toto Statement v1 about the rebuild.
    #[arg(long, value_name = "FILE")]
    pub attest: Option<PathBuf>,
    /// Copy the rebuilt binary (the identical one, or the closest) to FILE.
    #[arg(long, value_name = "FILE")]
    pub keep_binary: Option<PathBuf>,
    /// Also try these -ldflags (repeatable), after the forms the binary suggests, e.g. --try-ldflags='-s -w -X main.version=v1.2.3'.
    #[arg(long, value_name = "FLAGS", allow_hyphen_values = true)]
    pub try_ldflags: Vec<String>,
    /// Time limit per go command, in seconds.
    #[arg(long, default_value_t = 1800, value_name = "SECS")]
    pub timeout: u64,
}

pub fn run(args: RebuildArgs) -> Result<i32> {
    let source = match (&args.source, &args.module) {
        (Some(dir), _) => SourceSpec::Dir(dir.clone()),
        (None, Some(m)) => match m.rsplit_once('@') {
            Some((p, v)) if !p.is_empty() && v.starts_with('v') => SourceSpec::Module {
                path: p.to_string(),
                version: v.to_string(),
            },
            _ => bail!(
                "--module takes PATH@VERSION, e.g. github.com/bufbuild/buf@v1.75.0, not {m:?}"
            ),
        },
        (None, None) => SourceSpec::Recorded,
    };
    crate::harness::cleanup::install()
        .map_err(|e| anyhow::anyhow!("cannot install the Ctrl-C handler: {e}"))?;
    let req = RebuildRequest {
        binary: args.binary.clone(),
        source: source.clone(),
        allow_network: args.allow_network,
        proxy: Some(args.proxy.clone()),
        timeout: Duration::from_secs(args.timeout),
        fetch_only: args.fetch_only,
        keep_binary: args.keep_binary.clone(),
        try_ldflags: args.try_ldflags.clone(),
    };
    let outcome = super::rebuild(&req)?;
    if let Some(path) = &args.emit_recipe {
        if !outcome.fetched_only {
            write_script(path, &super::script::emit(&outcome, &source))?;
        }
    }
    if let Some(path) = &args.attest {
        if !outcome.fetched_only {
            std::fs::write(path, super::attest::statement(&outcome))
                .with_context(|| format!("cannot write attestation {}", path.display()))?;
        }
    }
    // The outcome has no colour.
    args.report
        .publish(|format, _| super::render::render(&outcome, format))?;
    Ok(outcome.exit_code)
}

fn write_script(path: &std::path::Path, text: &str) -> Result<()> {
    std::fs::write(path, text).with_context(|| format!("cannot write {}", path.display()))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755))
            .with_context(|| format!("cannot make {} executable", path.display()))?;
    }
    Ok(())
}
