//! `verify` of several binaries: every main package that the `--package`
//! patterns match, for every `--target`, or one shard of those units
//! (`--shard K/N`); and `twinbuild merge` of the shards' reports (`merge`).
//!
//! The pipeline per target is the one of a single verify, run once for all
//! that target's packages: the harness builds them in **one** `go build -o
//! DIR/` per side into the side's own empty cache (the standard library and
//! shared dependencies compile once per side per target), then each binary
//! goes through `binary` → `diff` → `attribute` → `report` on its own. The
//! reports are joined into a [`MatrixReport`](crate::report::matrix::MatrixReport).
//!
//! Units are (package, target) pairs in a fixed order: targets as given,
//! each with its packages as `go list` lists them. Shard K of N takes the
//! units whose index is K-1 modulo N, so shards are disjoint, together
//! complete, and balanced to one unit.

pub mod merge;
mod source;

use anyhow::{bail, Result};

use crate::cli::{self, VerifyArgs};
use crate::harness::{self, BuildRequest, Builder};
use crate::report;
use crate::report::matrix::{ArtifactResult, MatrixReport, Settings, Unit};

pub use crate::report::matrix::Shard;

/// `verify` with several packages, patterns, targets or a shard.
pub fn verify(args: VerifyArgs) -> Result<i32> {
    if args.confirm {
        bail!(
            "--confirm rebuilds one binary: verify one package for one target to confirm its roots"
        );
    }
    if args.build.build_cmd.is_some() {
        bail!("--build-cmd leaves one artifact: give one --package and at most one --target");
    }
    let targets = args.build.target_list()?;
    let base = cli::build_request(&args, args.build.base_request()?)?;
    let source = source::digest(&base.source_dir)?;
    let (builder, progress) = cli::start_builds(&args.output.report)?;
    let mains = builder
        .list_mains(&base, &targets)
        .map_err(anyhow::Error::new)?;
    let listed = &mains.targets;
    let mut units: Vec<Unit> = Vec::new();
    for (target, packages) in listed {
        for p in packages {
            units.push(Unit {
                package: p.clone(),
                target: target.clone(),
            });
        }
    }
    if units.is_empty() {
        bail!(
            "no main package matched {} for {}",
            base.packages.join(" "),
            listed
                .iter()
                .map(|(t, _)| t.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    let mine: Vec<&Unit> = units
        .iter()
        .enumerate()
        .filter(|(i, _)| args.shard.is_none_or(|s| s.takes(*i)))
        .map(|(_, u)| u)
        .collect();

    let mut artifacts = Vec::with_capacity(mine.len());
    for (target, _) in listed {
        let packages: Vec<String> = mine
            .iter()
            .filter(|u| &u.target == target)
            .map(|u| u.package.clone())
            .collect();
        if packages.is_empty() {
            continue;
        }
        let (os, arch) = target.split_once('/').unwrap_or((target, ""));
        let request = BuildRequest {
            packages,
            target: Some((os.to_string(), arch.to_string())),
            ..base.clone()
        };
        let pair = builder
            .build(&request, &progress)
            .map_err(anyhow::Error::new)?;
        progress.clear();
        for a in &pair.artifacts {
            let unit = Unit {
                package: a.package.clone(),
                target: target.clone(),
            };
            artifacts.push(verify_artifact(&args, &request, &pair, a, unit)?);
        }
    }
    let mut notes = Vec::new();
    // A package named without a pattern that gave no unit is not a main package (for any target).
    let norm = |p: &str| p.trim().trim_end_matches('/').to_string();
    for p in base.packages.iter().filter(|p| !p.contains("...")) {
        if !units.iter().any(|u| norm(&u.package) == norm(p)) {
            notes.push(format!(
                "--package {p}: not a main package for any target, so no binary to verify"
            ));
        }
    }
    if let Some(shard) = args.shard {
        notes.push(format!(
            "shard {shard}: {} of the {} units; `twinbuild merge` joins the shards' JSON reports",
            mine.len(),
            units.len()
        ));
        if mine.is_empty() {
            notes.push(format!(
                "shard {shard} has no units: there are fewer units than shards"
            ));
        }
    }
    let report = MatrixReport::new(
        source,
        settings(&args, listed),
        Some(mains.toolchain.clone()),
        args.shard,
        units,
        artifacts,
        notes,
    );
    cli::publish(&report, &args.output)
}

/// One binary of a pair, diffed, attributed and judged as a verify of it alone.
fn verify_artifact(
    args: &VerifyArgs,
    request: &BuildRequest,
    pair: &harness::BuildPair,
    a: &harness::ArtifactPair,
    unit: Unit,
) -> Result<ArtifactResult> {
    let context = cli::verify_context(pair, &args.output.allow);
    let mut report = cli::analyse(&a.lhs, &a.rhs, &pair.hints, context)?;
    // The binaries lie in temp dirs gone after the run: named by side, target and file.
    let name = |side: &str, path: &std::path::Path| {
        let file = path.file_name().unwrap_or_default().to_string_lossy();
        format!("{side}/{}/{file}", unit.target.replace('/', "_"))
    };
    report.lhs.path = name("lhs", &a.lhs);
    report.rhs.path = name("rhs", &a.rhs);
    if request.record_inputs {
        report.build_inputs = Some(cli::build_inputs(&pair.lhs, &pair.rhs));
    }
    Ok(ArtifactResult {
        unit,
        verdict: report.verdict,
        exit_code: report.exit_code,
        report,
    })
}

/// The settings every shard of the run must share.
fn settings(args: &VerifyArgs, listed: &[(String, Vec<String>)]) -> Settings {
    let b = &args.build;
    Settings {
        packages: b.package.clone(),
        targets: listed.iter().map(|(t, _)| t.clone()).collect(),
        profile: match b.profile {
            harness::Profile::Release => "release".into(),
            harness::Profile::Plain => "plain".into(),
        },
        cgo: b.cgo,
        tags: b.tags.clone(),
        ldflags: b.ldflags.clone(),
        go_flags: b.go_flags.clone(),
        toolchain: b.toolchain.clone(),
        lhs_env: args.lhs_env.clone(),
        rhs_env: args.rhs_env.clone(),
        git_lhs: args.git_lhs,
        build_inputs: !args.no_build_inputs,
        allowances: args.output.allow.clone(),
    }
}

impl cli::Published for MatrixReport {
    fn rendered(&self, format: report::OutputFormat, options: report::RenderOptions) -> String {
        self.render(format, options)
    }
    fn statement(&self) -> String {
        MatrixReport::statement(self)
    }
    fn exit_code(&self) -> i32 {
        self.exit_code
    }
}
