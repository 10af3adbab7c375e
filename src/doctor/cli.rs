//! The `doctor` subcommand's arguments and glue (kept here so `src/cli.rs`
//! only gains a variant and a dispatch line).
//!
//! Input: the parsed [`DoctorArgs`]. Output: the exit code (0 no errors, 1
//! an error-level finding, 2 could not tell, as an error carrying one line).

use std::path::PathBuf;

use anyhow::{bail, Result};
use clap::Args;

use crate::report::OutputFormat;

#[derive(Debug, Args)]
pub struct DoctorArgs {
    /// The Go module directory (never written to).
    #[arg(default_value = ".")]
    pub dir: PathBuf,
    /// Also check this GitHub Actions workflow file (repeatable); DIR/.github/workflows/*.y(a)ml are always read.
    #[arg(long, value_name = "FILE")]
    pub workflow: Vec<PathBuf>,
    /// One build's action graph (go build -debug-actiongraph=FILE): check -p values against what the build runs at once.
    #[arg(long, value_name = "FILE")]
    pub action_graph: Option<PathBuf>,
    /// Output format: human, json or markdown.
    #[arg(long, value_enum, default_value = "human")]
    pub format: OutputFormat,
    /// Write the result to FILE instead of stdout.
    #[arg(long, value_name = "FILE")]
    pub output: Option<PathBuf>,
}

/// Runs `doctor`; returns the exit code.
pub fn run(args: DoctorArgs) -> Result<i32> {
    let render = match args.format {
        OutputFormat::Human => super::render::human,
        OutputFormat::Json => super::render::json,
        OutputFormat::Markdown => super::render::markdown,
        OutputFormat::Html => bail!("doctor writes human, json or markdown, not html"),
    };
    let diagnosis = super::diagnose(&args.dir, &args.workflow, args.action_graph.as_deref())?;
    crate::cli::emit(&render(&diagnosis), args.output.as_deref(), false)?;
    Ok(diagnosis.exit_code())
}
