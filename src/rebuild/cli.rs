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
    /// The published Go binary, or a release archive (tar, tar.gz, zip) holding it.
    pub binary: PathBuf,
    /// With an archive holding several binaries: the member to rebuild (its name in the archive).
    #[arg(long, value_name = "NAME")]
    pub member: Option<String>,
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
    crate::harness::cleanup::install().map_err(anyhow::Error::msg)?;
    let archive = archive_member(&args)?;
    let req = RebuildRequest {
        binary: archive
            .as_ref()
            .map_or_else(|| args.binary.clone(), |a| a.file.clone()),
        source: source.clone(),
        allow_network: args.allow_network,
        proxy: Some(args.proxy.clone()),
        timeout: Duration::from_secs(args.timeout),
        fetch_only: args.fetch_only,
        keep_binary: args.keep_binary.clone(),
        try_ldflags: args.try_ldflags.clone(),
    };
    let mut outcome = super::rebuild(&req).map_err(|e| match &archive {
        // The member's temp file means nothing to the user: name the archive and the member.
        Some(a) => anyhow::anyhow!(format!("{e:#}").replace(
            &a.file.display().to_string(),
            &format!("{} (member {:?})", args.binary.display(), a.name)
        )),
        None => e.into(),
    })?;
    if let Some(a) = &archive {
        outcome.published.path = a.name.clone();
        outcome.notes.push(format!(
            "rebuilt the member {} of the archive {}: the archive's own packing (entry order, times, owners, compression) is not in the binary's recipe; `twinbuild diff` of two archives compares it",
            a.name,
            args.binary.display()
        ));
    }
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

/// The member of a release archive that `rebuild` rebuilds, in a temp file.
struct ArchiveMember {
    name: String,
    file: PathBuf,
    /// Keeps the temp file.
    _members: crate::archive::BinaryMembers,
}

/// With an archive: its one binary member, or the one `--member` names.
fn archive_member(args: &RebuildArgs) -> Result<Option<ArchiveMember>> {
    let path = &args.binary;
    if !crate::archive::is_archive(path)
        .with_context(|| format!("cannot read {}", path.display()))?
    {
        if args.member.is_some() {
            bail!(
                "--member picks a binary inside an archive; {} is not one",
                path.display()
            );
        }
        return Ok(None);
    }
    let members = crate::archive::binary_members(path).map_err(anyhow::Error::msg)?;
    // Quoted: a member's name is the archive's, control characters included.
    let names: Vec<String> = members
        .binaries
        .iter()
        .map(|(n, _)| format!("{n:?}"))
        .collect();
    let chosen = match (&args.member, names.as_slice()) {
        (Some(m), _) => members
            .binaries
            .iter()
            .find(|(n, _)| n == m)
            .ok_or_else(|| {
                anyhow::anyhow!(
                    "{} has no binary member {m:?}; its binaries: {}",
                    path.display(),
                    names.join(", ")
                )
            })?,
        (None, [_]) => &members.binaries[0],
        (None, []) => bail!(
            "{} holds no binary (ELF, Mach-O or PE) to rebuild",
            path.display()
        ),
        (None, _) => bail!(
            "{} holds {} binaries: pick one with --member ({})",
            path.display(),
            names.len(),
            names.join(", ")
        ),
    };
    let (name, file) = chosen.clone();
    Ok(Some(ArchiveMember {
        name,
        file,
        _members: members,
    }))
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
