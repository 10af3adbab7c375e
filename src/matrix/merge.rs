//! `twinbuild merge REPORT.json...`: joins the JSON reports of `verify
//! --shard K/N` (one per CI job) into the report one run would have given,
//! rendered in any format, with the attestation.
//!
//! It refuses what cannot be one run: reports of different sources (the
//! tree's digest), settings, toolchains or unit lists, a shard given twice
//! or missing, an artifact in two shards. The merged report is built by
//! the same [`MatrixReport::new`] as a run's, from the shards' artifacts, so
//! its verdict, roots and order are the ones a single run computes.

use std::path::PathBuf;

use anyhow::{bail, Context as _, Result};
use clap::Args;

use crate::cli::ReportArgs;
use crate::report::matrix::{ArtifactResult, MatrixReport, Unit};
use crate::report::Verdict;

/// A report file larger than this is not one twinbuild wrote.
const MAX_REPORT_BYTES: u64 = 512 * 1024 * 1024;

#[derive(Debug, Args)]
pub struct MergeArgs {
    /// The shards' JSON reports (`verify --shard K/N --format json`), one per shard, any order.
    #[arg(required = true, value_name = "REPORT.json")]
    pub reports: Vec<PathBuf>,
    #[command(flatten)]
    pub report: ReportArgs,
    /// Human format: each differing artifact's whole report.
    #[arg(long, short)]
    pub verbose: bool,
    /// Also write an unsigned in-toto Statement v1 about the merged result to FILE.
    #[arg(long, value_name = "FILE")]
    pub attest: Option<PathBuf>,
}

/// `twinbuild merge`: the merged report's exit code.
pub fn run(args: MergeArgs) -> Result<i32> {
    let mut reports = Vec::with_capacity(args.reports.len());
    for path in &args.reports {
        let name = path.display().to_string();
        let len = std::fs::metadata(path)
            .with_context(|| format!("cannot read {name}"))?
            .len();
        if len > MAX_REPORT_BYTES {
            bail!("{name}: {len} bytes, more than a twinbuild report can be ({MAX_REPORT_BYTES})");
        }
        let text = std::fs::read_to_string(path).with_context(|| format!("cannot read {name}"))?;
        let report = MatrixReport::from_json(&name, &text).map_err(anyhow::Error::msg)?;
        reports.push((name, report));
    }
    let merged = merge(reports)?;
    let options = crate::report::RenderOptions {
        verbose: args.verbose,
        ..Default::default()
    };
    crate::cli::publish_to(&merged, &args.report, args.attest.as_deref(), options)
}

/// The one report the named shard reports make, or why they cannot.
pub fn merge(reports: Vec<(String, MatrixReport)>) -> Result<MatrixReport> {
    let Some((first_name, first)) = reports.first() else {
        bail!("no report to merge");
    };
    for (name, r) in &reports[1..] {
        if r.source.sha256 != first.source.sha256 {
            bail!(
                "{name} verified another source than {first_name} (tree sha256 {} against {}): the shards must build the same checkout",
                r.source.sha256,
                first.source.sha256
            );
        }
        if r.settings != first.settings {
            bail!(
                "{name} was verified with other settings than {first_name} ({}): the shards must run the same verify command",
                differing_settings(first, r)
            );
        }
        let version = |m: &MatrixReport| m.toolchain.as_ref().map(|t| t.version.clone());
        if version(r) != version(first) {
            bail!(
                "{name} was built with toolchain {} and {first_name} with {}: pin the toolchain (go.mod's toolchain line, --toolchain)",
                version(r).unwrap_or_else(|| "?".into()),
                version(first).unwrap_or_else(|| "?".into())
            );
        }
        if r.units != first.units {
            bail!(
                "{name} lists other units than {first_name} ({} against {}): the patterns matched different packages",
                r.units.len(),
                first.units.len()
            );
        }
    }
    check_shards(&reports)?;

    let mut artifacts = Vec::new();
    let mut seen: Vec<(&Unit, &str)> = Vec::new();
    for (name, r) in &reports {
        for a in &r.artifacts {
            if let Some((_, other)) = seen.iter().find(|(u, _)| **u == a.unit) {
                bail!("{} is in both {other} and {name}", a.unit);
            }
            check_artifact(name, a)?;
            seen.push((&a.unit, name));
            artifacts.push(a.clone());
        }
    }
    if let Some(missing) = first
        .units
        .iter()
        .find(|u| !seen.iter().any(|(s, _)| s == u))
    {
        bail!("no report holds {missing}: a shard's report is incomplete");
    }
    if let Some((stray, name)) = seen.iter().find(|(u, _)| !first.units.contains(u)) {
        bail!("{name} holds {stray}, which is not one of the run's units");
    }
    Ok(MatrixReport::new(
        first.source.clone(),
        first.settings.clone(),
        first.toolchain.clone(),
        None,
        first.units.clone(),
        artifacts,
        Vec::new(),
    ))
}

/// An artifact whose verdict or exit code disagrees with its own report (or
/// whose report's verdict disagrees with its digests) is refused: the merged
/// verdict is computed from these, so they must be the report's.
fn check_artifact(name: &str, a: &ArtifactResult) -> Result<()> {
    let r = &a.report;
    let same = r.lhs.sha256 == r.rhs.sha256 && r.lhs.size == r.rhs.size;
    let consistent = a.verdict == r.verdict
        && a.exit_code == r.exit_code
        && same == (r.verdict == Verdict::Reproducible)
        && (r.verdict == Verdict::Differs || r.exit_code == 0)
        && (0..=1).contains(&r.exit_code);
    if !consistent {
        bail!(
            "{name}: {}'s verdict and exit code disagree with its own report (digests {} and {}): the report was edited",
            a.unit,
            r.lhs.sha256,
            r.rhs.sha256
        );
    }
    Ok(())
}

/// Every shard 1..=N once, or one report covering every unit.
fn check_shards(reports: &[(String, MatrixReport)]) -> Result<()> {
    let whole: Vec<&str> = reports
        .iter()
        .filter(|(_, r)| r.shard.is_none())
        .map(|(n, _)| n.as_str())
        .collect();
    match (whole.as_slice(), reports.len()) {
        ([], _) => {}
        ([_], 1) => return Ok(()),
        ([one, ..], _) => bail!(
            "{one} covers every unit (it is not a shard's report): merge joins the reports of verify --shard K/N"
        ),
    }
    let count = reports[0].1.shard.map_or(0, |s| s.count);
    let mut by_index: Vec<Option<&str>> = vec![None; count];
    for (name, r) in reports {
        let shard = r.shard.expect("checked: every report is a shard's");
        if shard.count != count {
            bail!(
                "{name} is shard {shard} and {} is of {count}: the shards must split the units the same way",
                reports[0].0
            );
        }
        match &mut by_index[shard.index - 1] {
            Some(other) => bail!("shard {shard} given twice: {other} and {name}"),
            slot => *slot = Some(name),
        }
    }
    if let Some(i) = by_index.iter().position(Option::is_none) {
        bail!("shard {}/{count} missing: give every shard's report", i + 1);
    }
    Ok(())
}

/// The settings that differ between two reports, named.
fn differing_settings(a: &MatrixReport, b: &MatrixReport) -> String {
    let (Ok(serde_json::Value::Object(x)), Ok(serde_json::Value::Object(y))) = (
        serde_json::to_value(&a.settings),
        serde_json::to_value(&b.settings),
    ) else {
        return "settings".into();
    };
    let names: Vec<String> = x
        .iter()
        .filter(|(k, v)| y.get(*k) != Some(*v))
        .map(|(k, v)| format!("{k}: {v} against {}", y.get(k).cloned().unwrap_or_default()))
        .collect();
    names.join("; ")
}
