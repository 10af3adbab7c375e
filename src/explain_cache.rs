//! `twinbuild explain-cache`: the CI question "why is every build cold?".
//!
//! Builds DIR twice with the same settings, at the same paths, into one
//! cache (`harness::GoBuilder::build_twice`): the first build into an empty
//! cache, the second from a fresh copy of the tree into the cache the first
//! filled. Then `actions::explain` says which packages the second build
//! compiled again and which input busted each; `report::cache` renders it.
//! Exit 0 when every package came from the cache, 1 when some did not, 2
//! when it could not tell.

use std::io::IsTerminal;
use std::path::PathBuf;

use anyhow::{bail, Context as _, Result};
use clap::Args;

use crate::actions;
use crate::cli::{emit, parse_write, side_log, BuildArgs};
use crate::harness::{self, BuildRecord};
use crate::report::cache::CacheReport;
use crate::report::OutputFormat;

#[derive(Debug, Args)]
pub struct ExplainCacheArgs {
    #[command(flatten)]
    pub build: BuildArgs,
    /// Output format: human, json or markdown.
    #[arg(long, value_enum, default_value = "human")]
    pub format: OutputFormat,
    /// Write the report to FILE instead of stdout.
    #[arg(long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// No progress display and no report on stdout (the exit code still tells).
    #[arg(long, short)]
    pub quiet: bool,
    /// Also write the report in another format to FILE (repeatable), e.g. --write markdown=summary.md.
    #[arg(long, value_name = "FORMAT=FILE", value_parser = parse_write)]
    pub write: Vec<(OutputFormat, PathBuf)>,
}

/// Runs `explain-cache`; returns the exit code.
pub fn run(args: ExplainCacheArgs) -> Result<i32> {
    let formats = std::iter::once(args.format).chain(args.write.iter().map(|(f, _)| *f));
    if let Some(f) = formats.into_iter().find(|f| *f == OutputFormat::Html) {
        bail!("explain-cache writes human, json or markdown, not {f:?}");
    }
    let request = args.build.request()?;
    harness::cleanup::install()
        .map_err(|e| anyhow::anyhow!("cannot install the Ctrl-C handler: {e}"))?;
    let progress =
        crate::report::progress::Spinner::new(!args.quiet && std::io::stderr().is_terminal());
    let runs = harness::GoBuilder::new()
        .build_twice(&request, &harness::Twice::default(), &|| Ok(()), &progress)
        .map_err(anyhow::Error::new)?;
    progress.clear();
    let (cold, warm) = (&runs.first, &runs.second);
    let explanation = actions::explain(&side_log(cold), &side_log(warm));
    let mut notes = runs.notes.clone();
    if forces_rebuild(warm) {
        notes.push(
            "the build command or GOFLAGS holds -a: go build -a compiles every package again without looking in the cache".into(),
        );
    }
    let report = CacheReport::new(runs.toolchain.clone(), cold, warm, explanation, notes);
    for (format, path) in &args.write {
        std::fs::write(path, report.render(*format, false))
            .with_context(|| format!("cannot write {}", path.display()))?;
    }
    let color = args.format == OutputFormat::Human
        && args.output.is_none()
        && std::io::stdout().is_terminal()
        && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty());
    emit(
        &report.render(args.format, color),
        args.output.as_deref(),
        args.quiet,
    )?;
    Ok(report.exit_code)
}

/// Whether the build's command line (a `--build-cmd` script's words
/// included) or its GOFLAGS holds `-a`.
fn forces_rebuild(b: &BuildRecord) -> bool {
    let goflags = b.env.get("GOFLAGS").map(String::as_str).unwrap_or("");
    b.command
        .iter()
        .flat_map(|c| c.split_whitespace())
        .chain(goflags.split_whitespace())
        .any(|a| matches!(a, "-a" | "--a" | "-a=true" | "--a=true"))
}
