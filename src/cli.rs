//! Stage 0, `cli`: the command-line contract (DESIGN.md "Commands") and the
//! glue that runs the pipeline: build → binary → diff → attribute → report.
//!
//! Exit codes are named constants; a difference is a result, not an error.

use std::collections::BTreeMap;
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{bail, Context as _, Result};
use clap::{Args, Parser, Subcommand};

use crate::actions;
use crate::attribute::{self, Cause};
use crate::diff;
use crate::harness::{self, BuildRequest, Builder, Profile, Side, VariationHints};
use crate::input::{parse, read_input};
use crate::report::{self, Artifact, OutputFormat, Report};

/// Same bytes (or every difference allowed).
pub const EXIT_REPRODUCIBLE: i32 = 0;
/// Different bytes.
pub const EXIT_DIFFERS: i32 = 1;
/// No answer: usage, build failure, unreadable or malformed input.
pub const EXIT_ERROR: i32 = 2;

#[derive(Debug, Parser)]
#[command(
    name = "twinbuild",
    version,
    about = "Build Go twice, diff the binaries section by section, and say why they differ",
    long_about = "twinbuild proves a Go build reproducible, or explains why it is not: it builds the same source twice under \
deliberately different conditions, diffs the binaries section by section (ELF, Mach-O, PE; compressed DWARF included) and \
attributes every differing byte to a cause with a fix.\n\nExit codes: 0 reproducible, 1 differs, 2 could not tell.",
    after_help = "Examples:\n  twinbuild verify ./cmd/server\n  twinbuild verify . --target windows/amd64 --format json --output report.json\n  twinbuild diff dist/app rebuilt/app\n  twinbuild inspect dist/app"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Build DIR's Go package twice, diff, attribute, judge.
    #[command(
        after_help = "Examples:\n  twinbuild verify .\n  twinbuild verify . --profile plain            # show what breaks without the release flags\n  twinbuild verify . --target darwin/arm64 --toolchain go1.26.8\n  twinbuild verify . --build-cmd 'make release' --artifact bin/app\n  twinbuild verify . --format markdown >> \"$GITHUB_STEP_SUMMARY\""
    )]
    Verify(Box<VerifyArgs>),
    /// Diff two existing binaries (no build), attribute, judge.
    #[command(
        after_help = "Examples:\n  twinbuild diff dist/app-v1.2.0 rebuilt/app\n  twinbuild diff a.exe b.exe --format json | jq .summary"
    )]
    Diff(DiffArgs),
    /// Show a binary's Go metadata: format, sections, build ID, buildinfo, embedded paths, DWARF units.
    #[command(
        after_help = "Examples:\n  twinbuild inspect dist/app\n  twinbuild inspect dist/app --format json | jq .buildinfo"
    )]
    Inspect(InspectArgs),
    /// Rebuild a published Go binary from the recipe it records and judge it byte for byte.
    #[command(
        after_help = "Exit codes: 0 byte-identical, 1 differs (with the attribution), 2 could not tell.\n\nExamples:\n  twinbuild rebuild ./shfmt --allow-network\n  twinbuild rebuild ./buf --module github.com/bufbuild/buf@v1.75.0 --allow-network\n  twinbuild rebuild ./app --source ~/src/app --emit-recipe rebuild.sh --attest rebuild.intoto.json"
    )]
    Rebuild(crate::rebuild::cli::RebuildArgs),
    /// Build DIR twice with the same settings into one cache and say which packages missed the cache the second time, and why.
    #[command(
        name = "explain-cache",
        after_help = "Exit codes: 0 every package came from the cache, 1 some were compiled again, 2 could not tell.\n\nExamples:\n  twinbuild explain-cache .\n  twinbuild explain-cache . --build-cmd 'make release' --artifact bin/app\n  twinbuild explain-cache . --go-flag=-gcflags=all=-N --format json"
    )]
    ExplainCache(Box<crate::explain_cache::ExplainCacheArgs>),
    /// Check that a shared GOCACHE or GOCACHEPROG cache serves what a cold build makes: build through it (never writing
    /// to it) and cold, compare every served entry, diff the binaries.
    #[command(
        name = "cache-audit",
        after_help = "Exit codes: 0 every served entry matches the cold build and the binaries are the same, 1 not, 2 could not tell.\n\nExamples:\n  twinbuild cache-audit . --gocache /ci/cache/go-build\n  twinbuild cache-audit . --gocacheprog 'my-cache-client --server cache.internal' --format json"
    )]
    CacheAudit(Box<crate::cache_audit::CacheAuditArgs>),
    /// The GOCACHEPROG cache-audit runs (internal).
    #[command(hide = true)]
    Cacheprog(crate::cache_audit::CacheprogArgs),
    /// Join the JSON reports of `verify --shard K/N` (one per CI job) into one report, in any format.
    #[command(
        after_help = "Exit codes: 0 every artifact reproducible (or allowed), 1 some differ, 2 the reports cannot be merged \
(different sources, settings or toolchains, a shard missing or given twice).\n\nExamples:\n  twinbuild merge shard-*.json\n  \
twinbuild merge reports/*.json --format markdown --output \"$GITHUB_STEP_SUMMARY\" --write json=report.json --attest verify.intoto.json"
    )]
    Merge(crate::matrix::merge::MergeArgs),
    /// Check a module's build setup and CI for reproducibility and cache footguns (no build).
    ///
    /// Reads go.mod, Makefiles, shell scripts, .goreleaser.y(a)ml and the GitHub Actions workflows
    /// (never builds, never writes into DIR) and reports each footgun with its file, line and fix.
    #[command(
        after_help = "Exit codes: 0 no error-level finding, 1 at least one, 2 could not tell (no go.mod, unreadable file, malformed YAML).\n\nExamples:\n  twinbuild doctor\n  twinbuild doctor ./service --workflow ci/release.yml --format json --output doctor.json"
    )]
    Doctor(crate::doctor::cli::DoctorArgs),
}

#[derive(Debug, Args)]
pub struct OutputArgs {
    #[command(flatten)]
    pub report: ReportArgs,
    /// Human format: list every section, also when the binaries are identical.
    #[arg(long, short)]
    pub verbose: bool,
    /// Human format, verify: each build's wall time, critical path, slowest packages and cache hits (JSON always has them).
    #[arg(long)]
    pub timings: bool,
    /// Accept differences whose root cause is CAUSE (repeatable), e.g. --allow build-id.
    #[arg(long, value_enum, value_name = "CAUSE")]
    pub allow: Vec<Cause>,
    /// Also write an unsigned in-toto Statement v1 about the result to FILE.
    #[arg(long, value_name = "FILE")]
    pub attest: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct BuildArgs {
    /// The Go module directory (never written to).
    #[arg(default_value = ".")]
    pub dir: PathBuf,
    /// Package to build, relative to DIR (repeatable; verify takes patterns such as ./... and builds every main package matched).
    #[arg(long, value_name = "PACKAGE", default_value = ".")]
    pub package: Vec<String>,
    /// Exact toolchain, e.g. go1.26.8 (default: go.mod's toolchain line, else the local go, unpinned).
    #[arg(long, value_name = "goX.Y.Z")]
    pub toolchain: Option<String>,
    /// Cross-compile for GOOS/GOARCH, e.g. windows/amd64 (repeatable with verify).
    #[arg(long, value_name = "GOOS/GOARCH")]
    pub target: Vec<String>,
    /// Several targets at once, comma-separated, e.g. linux/amd64,windows/amd64,darwin/arm64 (verify).
    #[arg(long, value_name = "LIST", value_delimiter = ',')]
    pub targets: Vec<String>,
    /// release: -trimpath -ldflags=-buildid= CGO_ENABLED=0; plain: only your flags.
    #[arg(long, value_enum, default_value = "release")]
    pub profile: Profile,
    /// Build with CGO_ENABLED=1.
    #[arg(long)]
    pub cgo: bool,
    /// Build tags (go build -tags).
    #[arg(long)]
    pub tags: Option<String>,
    /// Linker flags, added after the profile's own.
    #[arg(long, allow_hyphen_values = true)]
    pub ldflags: Option<String>,
    /// An extra go build flag (repeatable), e.g. --go-flag=-buildmode=pie.
    #[arg(long = "go-flag", value_name = "FLAG", allow_hyphen_values = true)]
    pub go_flags: Vec<String>,
    /// Run this shell command in each workdir instead of go build (with --artifact).
    #[arg(long, value_name = "CMD", requires = "artifact")]
    pub build_cmd: Option<String>,
    /// Where --build-cmd leaves the binary, relative to the workdir.
    #[arg(long, value_name = "PATH", requires = "build_cmd")]
    pub artifact: Option<PathBuf>,
    /// Keep the temp workdirs and say where they are.
    #[arg(long)]
    pub keep_workdirs: bool,
    /// Per-build time limit in seconds.
    #[arg(long, default_value_t = 1800, value_name = "SECS")]
    pub timeout: u64,
    /// Let the builds use the network (default: offline, modules from your module cache).
    #[arg(long)]
    pub allow_network: bool,
}

#[derive(Debug, Args)]
pub struct VerifyArgs {
    #[command(flatten)]
    pub build: BuildArgs,
    /// Builds at once (1 or 2).
    #[arg(long, default_value_t = 2)]
    pub jobs: usize,
    /// Keep per-side build caches in DIR/lhs and DIR/rhs across runs (never shared between sides). Faster, less isolated.
    #[arg(long, value_name = "DIR")]
    pub cache_dir: Option<PathBuf>,
    /// Set an environment variable for the lhs build only (a deliberate variation), e.g. GOAMD64=v1.
    #[arg(long, value_name = "KEY=VALUE")]
    pub lhs_env: Vec<String>,
    /// Set an environment variable for the rhs build only.
    #[arg(long, value_name = "KEY=VALUE")]
    pub rhs_env: Vec<String>,
    /// Make the lhs workdir a git checkout of the tree and leave the rhs a plain copy (shows VCS stamping).
    #[arg(long, visible_alias = "vcs-one-side")]
    pub git_lhs: bool,
    /// Do not have the go command record its hash inputs and action graph (the report then has no build inputs, nondeterministic actions or timings).
    #[arg(long)]
    pub no_build_inputs: bool,
    /// When the builds differ, prove each root cause that one of twinbuild's own variations (workdir, HOME, TMPDIR,
    /// GOCACHE, GOMODCACHE, ..., the --git-lhs checkout) explains by rebuilding the rhs with that variation taken from the lhs, one build per
    /// variation, and report whether its bytes go away. The exit code still comes from the first two builds.
    #[arg(long)]
    pub confirm: bool,
    /// Verify only shard K of N of the (package, target) units (1-based), for a CI job matrix; `twinbuild merge` joins the shards' JSON reports.
    #[arg(long, value_name = "K/N", value_parser = crate::matrix::Shard::parse)]
    pub shard: Option<crate::matrix::Shard>,
    #[command(flatten)]
    pub output: OutputArgs,
}

#[derive(Debug, Args)]
pub struct DiffArgs {
    pub lhs: PathBuf,
    pub rhs: PathBuf,
    /// Archives: check them against a checksum file (`sha256sum` format, goreleaser's checksums.txt; repeatable).
    #[arg(long, value_name = "FILE")]
    pub checksums: Vec<PathBuf>,
    #[command(flatten)]
    pub output: OutputArgs,
}

#[derive(Debug, Args)]
pub struct InspectArgs {
    pub binary: PathBuf,
    /// Output format (human or json).
    #[arg(long, value_enum, default_value = "human")]
    pub format: OutputFormat,
    #[arg(long, value_name = "FILE")]
    pub output: Option<PathBuf>,
}

pub(crate) fn parse_write(s: &str) -> Result<(OutputFormat, PathBuf), String> {
    use clap::ValueEnum;
    let (format, file) = s
        .split_once('=')
        .ok_or("expected FORMAT=FILE, e.g. markdown=summary.md")?;
    let format = OutputFormat::from_str(format, true)
        .map_err(|_| format!("unknown format {format:?}: one of human, json, markdown, html"))?;
    if file.is_empty() {
        return Err("the FILE after = is empty".into());
    }
    Ok((format, PathBuf::from(file)))
}

/// Run a parsed command; returns the exit code.
pub fn run(cli: Cli) -> Result<i32> {
    match cli.command {
        Command::Verify(args) => verify(*args),
        Command::Diff(args) => diff_files(args),
        Command::Inspect(args) => inspect(args),
        Command::Rebuild(args) => crate::rebuild::cli::run(args),
        Command::ExplainCache(args) => crate::explain_cache::run(*args),
        Command::CacheAudit(args) => crate::cache_audit::run(*args),
        Command::Cacheprog(args) => crate::cache_audit::cacheprog(args),
        Command::Doctor(args) => crate::doctor::cli::run(args),
        Command::Merge(args) => crate::matrix::merge::run(args),
    }
}

fn verify(args: VerifyArgs) -> Result<i32> {
    if args.build.is_matrix() || args.shard.is_some() {
        return crate::matrix::verify(args);
    }
    let request = build_request(&args, args.build.request()?)?;
    let (builder, progress) = start_builds(&args.output.report)?;
    let pair = builder
        .build(&request, &progress)
        .map_err(anyhow::Error::new)?;
    progress.clear();
    let context = verify_context(&pair, &args.output.allow);
    if crate::archive::is_archive(&pair.lhs.artifact).unwrap_or(false) {
        // A build that packs an archive: the archive report, members diffed with the pair's hints.
        let report = crate::archive::command::report(
            &pair.lhs.artifact,
            &pair.rhs.artifact,
            &pair.hints,
            context,
            &[],
        )?;
        return publish(&report, &args.output);
    }
    let mut report = analyse(&pair.lhs.artifact, &pair.rhs.artifact, &pair.hints, context)?;
    if request.record_inputs {
        report.build_inputs = Some(build_inputs(&pair.lhs, &pair.rhs));
    }
    if args.confirm {
        let confirmations = confirm(&builder, &pair, &request, &report, &progress)?;
        progress.clear();
        report.add_confirmations(confirmations);
    }
    publish(&report, &args.output)
}

/// What a verify's report says besides the diff: the pair's toolchain,
/// builds and notes, and the causes allowed.
pub(crate) fn verify_context(pair: &harness::BuildPair, allow: &[Cause]) -> report::Context {
    report::Context {
        command: "verify".into(),
        toolchain: Some(pair.toolchain.clone()),
        builds: vec![pair.lhs.clone(), pair.rhs.clone()],
        allowances: allow.to_vec(),
        notes: pair.notes.clone(),
    }
}

/// Before the first build: the Ctrl-C handler (it cleans the temp dirs up),
/// the real builder and the progress display.
pub(crate) fn start_builds(
    out: &ReportArgs,
) -> Result<(harness::GoBuilder, report::progress::Spinner)> {
    harness::cleanup::install().map_err(anyhow::Error::msg)?;
    Ok((harness::GoBuilder::new(), out.progress()))
}

/// What the two sides' go commands recorded of their builds, compared
/// (missing or garbled records give notes, never an error).
pub(crate) fn build_inputs(
    lhs: &harness::BuildRecord,
    rhs: &harness::BuildRecord,
) -> actions::BuildInputs {
    actions::compare(&side_log(lhs), &side_log(rhs))
}

/// What one build's go command recorded (missing records give notes).
pub(crate) fn side_log(b: &harness::BuildRecord) -> actions::SideLog {
    let files = b.inputs.as_ref();
    actions::SideLog::read(
        files.map(|f| f.hash_log.as_path()),
        files.map(|f| f.action_graph.as_path()),
    )
}

/// `verify --confirm`: for each of the harness's variations that a root of
/// `report` names (with `--git-lhs`, a `buildinfo` root names `vcs`), the rhs is built again with that variation taken from the
/// lhs, and the roots are judged by the lhs against that build (attributed
/// with the pair's hints, so a path of the removed variation still there is
/// still named after it). One build at a time, in `report`'s root order.
/// A build that fails is `not-run` with its reason; Ctrl-C ends the run.
pub fn confirm(
    builder: &dyn Builder,
    pair: &harness::BuildPair,
    request: &BuildRequest,
    report: &Report,
    progress: &dyn harness::Progress,
) -> Result<Vec<report::Confirmation>> {
    if report.verdict == report::Verdict::Reproducible {
        return Ok(Vec::new());
    }
    // The variations to try, in root order, each with the roots naming it.
    let mut tries: Vec<(
        String,
        Result<&'static str, String>,
        Vec<&attribute::Finding>,
    )> = Vec::new();
    for f in report.roots() {
        // With --git-lhs, a buildinfo root is the VCS stamp one side has.
        let vcs = request.git_lhs && f.cause == Cause::Buildinfo;
        let Some(v) = f.variation.as_deref().or(vcs.then_some("vcs")) else {
            continue;
        };
        let removable = harness::removable(v, request);
        let key = match &removable {
            Ok(r) => r.to_string(),
            Err(_) => v.to_string(),
        };
        match tries.iter_mut().find(|(k, _, _)| *k == key) {
            Some((_, _, roots)) => roots.push(f),
            None => tries.push((key, removable, vec![f])),
        }
    }
    if tries.is_empty() {
        return Ok(Vec::new());
    }
    // The lhs, read once: a confirming build may move its workdir (and a
    // --build-cmd binary in it) aside while it runs.
    let lhs_input = read_input(&pair.lhs.artifact, true)?;
    let lhs = parse(&pair.lhs.artifact, &lhs_input)?;
    let mut out = Vec::with_capacity(tries.len());
    for (key, removable, roots) in tries {
        let variation = match removable {
            Err(reason) => {
                out.push(report::Confirmation::not_run(&key, &roots, reason));
                continue;
            }
            Ok(v) => v,
        };
        let rebuilt = match builder.rebuild_without(pair, variation, progress) {
            Ok(r) => r,
            Err(harness::ConfirmError::Build(harness::BuildError::Interrupted)) => {
                bail!("interrupted")
            }
            Err(harness::ConfirmError::NotRun(reason)) => {
                out.push(report::Confirmation::not_run(variation, &roots, reason));
                continue;
            }
            Err(harness::ConfirmError::Build(e)) => {
                let first = e.to_string().lines().next().unwrap_or_default().to_string();
                out.push(report::Confirmation::not_run(
                    variation,
                    &roots,
                    format!("the confirming build gave no binary: {first}"),
                ));
                continue;
            }
        };
        let rhs_input = read_input(&rebuilt.artifact, true)?;
        let rhs = parse(&rebuilt.artifact, &rhs_input)?;
        if lhs.format != rhs.format {
            out.push(report::Confirmation::not_run(
                variation,
                &roots,
                format!(
                    "the confirming build is a {} file, the lhs a {} file",
                    rhs.format.name(),
                    lhs.format.name()
                ),
            ));
            continue;
        }
        let d = diff::diff(&lhs, &rhs);
        let attribution = attribute::attribute(&lhs, &rhs, &d, &pair.hints);
        let after = Report::new(
            Artifact::with_sha256("lhs", &lhs, lhs_input.sha256.clone()),
            Artifact::with_sha256("confirming build", &rhs, rhs_input.sha256.clone()),
            &d,
            attribution,
            report::Context::default(),
        );
        let others: Vec<&attribute::Finding> = report
            .roots()
            .filter(|f| !roots.iter().any(|g| g.id == f.id))
            .collect();
        out.push(report::Confirmation::judge(
            variation, &roots, &others, &after,
        ));
    }
    Ok(out)
}

/// `base` (from the build options) with verify's own options.
pub(crate) fn build_request(args: &VerifyArgs, base: BuildRequest) -> Result<BuildRequest> {
    if !(1..=2).contains(&args.jobs) {
        bail!("--jobs must be 1 or 2");
    }
    let parse_env = |v: &[String], flag: &str| -> Result<Vec<(String, String)>> {
        v.iter()
            .map(|kv| match kv.split_once('=') {
                Some((k, val)) if !k.is_empty() => Ok((k.to_string(), val.to_string())),
                _ => bail!("{flag} takes KEY=VALUE, not {kv:?}"),
            })
            .collect()
    };
    let mut side_env = BTreeMap::new();
    side_env.insert(Side::Lhs, parse_env(&args.lhs_env, "--lhs-env")?);
    side_env.insert(Side::Rhs, parse_env(&args.rhs_env, "--rhs-env")?);
    Ok(BuildRequest {
        jobs: args.jobs,
        cache_dir: args.cache_dir.clone(),
        side_env,
        git_lhs: args.git_lhs,
        record_inputs: !args.no_build_inputs,
        ..base
    })
}

impl BuildArgs {
    /// The request these options make, with `verify`'s defaults for the
    /// rest: one package for one target (see [`BuildArgs::matrix`] for more).
    pub fn request(&self) -> Result<BuildRequest> {
        if self.is_matrix() {
            bail!("this command builds one package for one target: give one --package without `...` and at most one --target");
        }
        let mut request = self.base_request()?;
        request.target = self.target_list()?.into_iter().next().flatten();
        Ok(request)
    }

    /// Whether these options ask for several binaries (packages, patterns or targets).
    pub fn is_matrix(&self) -> bool {
        self.package.len() > 1
            || self.package.iter().any(|p| p.contains("..."))
            || self.target.len() + self.targets.len() > 1
    }

    /// The requested targets, each once, in order (`[None]`: the host's).
    pub fn target_list(&self) -> Result<Vec<harness::Target>> {
        let mut out: Vec<harness::Target> = Vec::new();
        for t in self.target.iter().chain(&self.targets) {
            let t = t.trim();
            let target = match t.split_once('/') {
                Some((os, arch)) if !os.is_empty() && !arch.is_empty() && !arch.contains('/') => {
                    Some((os.to_string(), arch.to_string()))
                }
                _ => bail!("--target must be GOOS/GOARCH, e.g. linux/amd64, not {t:?}"),
            };
            if !out.contains(&target) {
                out.push(target);
            }
        }
        if out.is_empty() {
            out.push(None);
        }
        Ok(out)
    }

    /// The request of every build, its packages the `--package` values as given.
    pub fn base_request(&self) -> Result<BuildRequest> {
        Ok(BuildRequest {
            packages: self.package.clone(),
            toolchain: self.toolchain.clone(),
            target: None,
            profile: self.profile,
            cgo: self.cgo,
            tags: self.tags.clone(),
            ldflags: self.ldflags.clone(),
            go_flags: self.go_flags.clone(),
            build_cmd: self.build_cmd.clone(),
            artifact: self.artifact.clone(),
            keep_workdirs: self.keep_workdirs,
            timeout: Duration::from_secs(self.timeout),
            allow_network: self.allow_network,
            ..BuildRequest::new(&self.dir)
        })
    }
}

fn diff_files(args: DiffArgs) -> Result<i32> {
    let context = report::Context {
        command: "diff".into(),
        allowances: args.output.allow.clone(),
        ..Default::default()
    };
    let archive = |p: &Path| {
        crate::archive::is_archive(p).with_context(|| format!("cannot read {}", p.display()))
    };
    match (archive(&args.lhs)?, archive(&args.rhs)?) {
        (true, true) => {
            // Members may be written to a temp dir: Ctrl-C removes it too.
            harness::cleanup::install().map_err(anyhow::Error::msg)?;
            let hints = VariationHints::default();
            let report = crate::archive::command::report(
                &args.lhs,
                &args.rhs,
                &hints,
                context,
                &args.checksums,
            )?;
            return publish(&report, &args.output);
        }
        (l @ true, false) | (l @ false, true) => {
            let (a, b) = if l {
                (&args.lhs, &args.rhs)
            } else {
                (&args.rhs, &args.lhs)
            };
            bail!(
                "cannot compare an archive ({}) with a file that is not one ({})",
                a.display(),
                b.display()
            );
        }
        (false, false) if !args.checksums.is_empty() => {
            bail!("--checksums checks archives (tar, tar.gz, zip); neither file is one")
        }
        (false, false) => {}
    }
    let report = analyse(&args.lhs, &args.rhs, &VariationHints::default(), context)?;
    publish(&report, &args.output)
}

/// Reads, parses, diffs and attributes the two files into a report.
pub(crate) fn analyse(
    lhs_path: &Path,
    rhs_path: &Path,
    hints: &VariationHints,
    context: report::Context,
) -> Result<Report> {
    // Both files at once: reading is mostly the kernel filling fresh pages.
    // Then the rhs is hashed on a core of its own beside the parse and the
    // diff; the lhs only when the diff finds the files differ (the pair a
    // reproducible build gives is the same bytes: one digest serves both).
    let (li, ri) = std::thread::scope(|scope| {
        let rhs = scope.spawn(|| read_input(rhs_path, false));
        let lhs = read_input(lhs_path, false);
        (
            lhs,
            rhs.join().unwrap_or_else(|e| std::panic::resume_unwind(e)),
        )
    });
    let (li, ri) = (li?, ri?);
    std::thread::scope(|scope| {
        let rhs_sha256 = scope.spawn(|| crate::binary::sha256_hex(&ri.data));
        let (lhs, rhs) = (parse(lhs_path, &li)?, parse(rhs_path, &ri)?);
        if lhs.format != rhs.format {
            bail!(
                "cannot compare a {} file ({}) with a {} file ({})",
                lhs.format.name(),
                lhs_path.display(),
                rhs.format.name(),
                rhs_path.display()
            );
        }
        let d = diff::diff(&lhs, &rhs);
        let lhs_sha256 =
            (!d.identical).then(|| scope.spawn(|| crate::binary::sha256_hex(&li.data)));
        let attribution = attribute::attribute(&lhs, &rhs, &d, hints);
        let mut context = context;
        context.notes.extend(
            attribution
                .warnings
                .iter()
                .map(|w| format!("attribution: {w}")),
        );
        let join = |h: std::thread::ScopedJoinHandle<'_, String>| {
            h.join().unwrap_or_else(|e| std::panic::resume_unwind(e))
        };
        let rhs_sha256 = join(rhs_sha256);
        let lhs_sha256 = lhs_sha256.map_or_else(|| rhs_sha256.clone(), join);
        Ok(Report::new(
            Artifact::with_sha256(&lhs_path.display().to_string(), &lhs, Some(lhs_sha256)),
            Artifact::with_sha256(&rhs_path.display().to_string(), &rhs, Some(rhs_sha256)),
            &d,
            attribution,
            context,
        ))
    })
}

/// A report `publish` can write: a binary's, an archive pair's or a matrix's.
pub(crate) trait Published {
    /// The report in `format`, as `options` ask.
    fn rendered(&self, format: OutputFormat, options: report::RenderOptions) -> String;
    /// The in-toto statement `--attest` writes.
    fn statement(&self) -> String;
    /// The exit code the report gates with.
    fn exit_code(&self) -> i32;
}

impl Published for Report {
    fn rendered(&self, format: OutputFormat, options: report::RenderOptions) -> String {
        self.render_with(format, options)
    }
    fn statement(&self) -> String {
        report::attest::statement(self)
    }
    fn exit_code(&self) -> i32 {
        self.exit_code
    }
}

/// Writes the report where asked (the attestation, `--write` files, the
/// output) and returns its exit code.
pub(crate) fn publish(report: &dyn Published, out: &OutputArgs) -> Result<i32> {
    publish_to(
        report,
        &out.report,
        out.attest.as_deref(),
        report::RenderOptions {
            color: false,
            verbose: out.verbose,
            timings: out.timings,
        },
    )
}

/// [`publish`] with the options given apart (`merge` has no `--allow`);
/// `options.color` is decided here, per output.
pub(crate) fn publish_to(
    report: &dyn Published,
    out: &ReportArgs,
    attest: Option<&Path>,
    options: report::RenderOptions,
) -> Result<i32> {
    if let Some(path) = attest {
        std::fs::write(path, report.statement())
            .with_context(|| format!("cannot write attestation {}", path.display()))?;
    }
    out.publish(|format, color| {
        report.rendered(format, report::RenderOptions { color, ..options })
    })?;
    Ok(report.exit_code())
}

/// ANSI colour: the human format on a terminal's stdout, NO_COLOR unset.
fn color(format: OutputFormat, output: Option<&Path>) -> bool {
    format == OutputFormat::Human
        && output.is_none()
        && std::io::stdout().is_terminal()
        && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
}

/// The output options: `verify` and `diff` (in [`OutputArgs`]), and the
/// commands with a report of their own (`explain-cache`, `cache-audit`,
/// `rebuild`).
#[derive(Debug, Args)]
pub struct ReportArgs {
    /// Output format.
    #[arg(long, value_enum, default_value = "human")]
    pub format: OutputFormat,
    /// Write the report to FILE instead of stdout.
    #[arg(long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// No report on stdout and no progress display (the exit code still tells).
    #[arg(long, short)]
    pub quiet: bool,
    /// Also write the report in another format to FILE (repeatable), e.g. --write markdown=summary.md --write html=report.html.
    #[arg(long, value_name = "FORMAT=FILE", value_parser = parse_write)]
    pub write: Vec<(OutputFormat, PathBuf)>,
}

impl ReportArgs {
    /// The formats asked for, the main one first.
    pub fn formats(&self) -> impl Iterator<Item = OutputFormat> + '_ {
        std::iter::once(self.format).chain(self.write.iter().map(|(f, _)| *f))
    }

    /// A progress display, unless quiet or stderr is not a terminal.
    pub fn progress(&self) -> report::progress::Spinner {
        report::progress::Spinner::new(!self.quiet && std::io::stderr().is_terminal())
    }

    /// Writes `render(format, color)` to each `--write` file, then to the output.
    pub fn publish(&self, render: impl Fn(OutputFormat, bool) -> String) -> Result<()> {
        for (format, path) in &self.write {
            std::fs::write(path, render(*format, false))
                .with_context(|| format!("cannot write {}", path.display()))?;
        }
        let text = render(self.format, color(self.format, self.output.as_deref()));
        emit(&text, self.output.as_deref(), self.quiet)
    }
}

/// Write the rendered text to FILE or stdout. A closed stdout (`| head`) is not an error.
pub(crate) fn emit(text: &str, output: Option<&Path>, quiet: bool) -> Result<()> {
    match output {
        Some(path) => {
            std::fs::write(path, text).with_context(|| format!("cannot write {}", path.display()))
        }
        None if quiet => Ok(()),
        None => {
            let mut stdout = std::io::stdout().lock();
            match stdout
                .write_all(text.as_bytes())
                .and_then(|_| stdout.flush())
            {
                Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
                r => r.context("cannot write to stdout"),
            }
        }
    }
}

fn inspect(args: InspectArgs) -> Result<i32> {
    let input = read_input(&args.binary, false)?;
    let bin = parse(&args.binary, &input)?;
    let text = report::inspect::render(&args.binary.display().to_string(), &bin, args.format);
    emit(&text, args.output.as_deref(), false)?;
    Ok(EXIT_REPRODUCIBLE)
}
