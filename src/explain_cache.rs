//! `twinbuild explain-cache`: the CI question "why is every build cold?".
//!
//! Builds DIR twice with the same settings, at the same paths, into one
//! cache (`harness::GoBuilder::build_twice`): the first build into an empty
//! cache, the second from a fresh copy of the tree into the cache the first
//! filled. Then `actions::explain` says which packages the second build
//! compiled again and which input busted each; `report::cache` renders it.
//! Exit 0 when every package came from the cache, 1 when some did not, 2
//! when it could not tell.

use anyhow::{bail, Result};
use clap::Args;

use crate::actions;
use crate::cli::{side_log, BuildArgs, ReportArgs};
use crate::harness::{self, BuildRecord};
use crate::report::cache::CacheReport;
use crate::report::OutputFormat;

#[derive(Debug, Args)]
pub struct ExplainCacheArgs {
    #[command(flatten)]
    pub build: BuildArgs,
    #[command(flatten)]
    pub report: ReportArgs,
}

/// Runs `explain-cache`; returns the exit code.
pub fn run(args: ExplainCacheArgs) -> Result<i32> {
    if let Some(f) = args.report.formats().find(|f| *f == OutputFormat::Html) {
        bail!("explain-cache writes human, json or markdown, not {f:?}");
    }
    let request = args.build.request()?;
    let (builder, progress) = crate::cli::start_builds(&args.report)?;
    let runs = builder
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
    args.report
        .publish(|format, color| report.render(format, color))?;
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
