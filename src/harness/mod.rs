//! Stage 1, `harness`: the harness that builds the same Go source twice under
//! deliberately different conditions.
//!
//! Input: a [`BuildRequest`] (the user's source tree and flags). Output: a
//! [`BuildPair`], the two artifacts with a [`BuildRecord`] for each side
//! (toolchain, command, environment, wall time) and the [`VariationHints`]
//! that `attribute` uses to name which variation put a path into a binary.
//! For `verify --confirm` it builds the rhs once more with one variation
//! removed (see `confirm`).
//!
//! This is the only stage that spawns processes or touches the file system
//! outside its inputs. It never writes into the user's source tree, and the
//! temp dirs it creates are removed when the `BuildPair` is dropped, on error
//! paths, and on Ctrl-C/SIGTERM (see `cleanup`).

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

use serde::{Deserialize, Serialize};

pub mod cleanup;
mod collect;
mod command;
mod confirm;
mod env;
mod fake;
mod go_builder;
mod list;
pub mod own_tree;
mod plan;
mod prepare;
mod probe;
pub(crate) mod proxy;
pub mod record;
pub(crate) mod run;
mod run_sides;
pub(crate) mod toolchain;
mod twice;
pub(crate) mod workdir;
mod workspace;

pub use confirm::{removable, ConfirmError, Rebuilt, REMOVABLE};
pub use env::{is_secret_name, redact, REDACTED};
pub use fake::FakeBuilder;
pub use go_builder::GoBuilder;
pub use list::{target_name, MainPackages, Target};
pub use toolchain::is_toolchain_version;
pub use twice::{CacheRuns, Twice};

/// Which of the two builds (or inputs).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Side {
    Lhs,
    Rhs,
}

impl Side {
    pub fn name(self) -> &'static str {
        match self {
            Side::Lhs => "lhs",
            Side::Rhs => "rhs",
        }
    }
}

/// The flag sets `verify` builds with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, clap::ValueEnum)]
#[serde(rename_all = "kebab-case")]
pub enum Profile {
    /// `-trimpath`, `-ldflags=-buildid=`, `CGO_ENABLED=0`, `-mod=readonly`; GOFLAGS, GOENV, GOWORK neutralised.
    Release,
    /// Only what the user gave.
    Plain,
}

/// What to build and how: everything `verify` was told.
#[derive(Debug, Clone)]
pub struct BuildRequest {
    /// The user's source tree (a module root, or inside one). Never written to.
    pub source_dir: PathBuf,
    /// Packages to build, relative to `source_dir` (default `.`): one
    /// binary, or several main packages built by one `go build -o DIR/`
    /// (patterns are listed into packages first, see [`GoBuilder::list_mains`]).
    pub packages: Vec<String>,
    /// `goX.Y.Z` from `--toolchain`; else go.mod's `toolchain` line; else the local go, unpinned.
    pub toolchain: Option<String>,
    /// `GOOS/GOARCH` from `--target`.
    pub target: Option<(String, String)>,
    pub profile: Profile,
    /// `--cgo`: CGO_ENABLED=1.
    pub cgo: bool,
    pub tags: Option<String>,
    /// `--ldflags`, appended after the profile's own.
    pub ldflags: Option<String>,
    /// Extra `go build` flags (e.g. `-buildmode=pie`), from `--go-flag`.
    pub go_flags: Vec<String>,
    /// `--build-cmd`: a shell command run in each workdir instead of `go build`.
    pub build_cmd: Option<String>,
    /// `--artifact`: where `build_cmd` leaves the binary, relative to the workdir.
    pub artifact: Option<PathBuf>,
    /// How many builds run at once (1 or 2).
    pub jobs: usize,
    pub keep_workdirs: bool,
    /// `--cache-dir`: persistent per-side caches `<dir>/lhs` and `<dir>/rhs`
    /// (never shared between sides) instead of empty ones; trades isolation for speed.
    pub cache_dir: Option<PathBuf>,
    /// Per build; a build running longer is killed and the run ends with exit 2.
    pub timeout: Duration,
    /// Let the builds reach the network (GOPROXY stays as the user has it).
    pub allow_network: bool,
    /// Extra environment for one side only (`--lhs-env`, `--rhs-env`): a deliberate variation.
    pub side_env: BTreeMap<Side, Vec<(String, String)>>,
    /// `--git-lhs`: the lhs workdir becomes a fresh git checkout of the tree, the rhs stays a plain copy.
    pub git_lhs: bool,
    /// Each side's go command records its hash inputs and action graph (`record`).
    pub record_inputs: bool,
}

impl BuildRequest {
    /// The defaults of `verify`: package `.`, profile release, two jobs, a 30-minute timeout, offline.
    pub fn new(source_dir: impl Into<PathBuf>) -> BuildRequest {
        BuildRequest {
            source_dir: source_dir.into(),
            packages: vec![".".into()],
            toolchain: None,
            target: None,
            profile: Profile::Release,
            cgo: false,
            tags: None,
            ldflags: None,
            go_flags: Vec::new(),
            build_cmd: None,
            artifact: None,
            jobs: 2,
            keep_workdirs: false,
            cache_dir: None,
            timeout: Duration::from_secs(30 * 60),
            allow_network: false,
            side_env: BTreeMap::new(),
            git_lhs: false,
            record_inputs: true,
        }
    }
}

/// What one build did.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct BuildRecord {
    pub side: Side,
    /// The temp workdir the source was copied to.
    #[serde(
        serialize_with = "serialize_path",
        deserialize_with = "deserialize_path"
    )]
    pub workdir: PathBuf,
    /// The built binary (inside the workdir or the side's output dir).
    #[serde(
        serialize_with = "serialize_path",
        deserialize_with = "deserialize_path"
    )]
    pub artifact: PathBuf,
    /// The command line as run (`go build …`, or `sh -c CMD`).
    pub command: Vec<String>,
    /// The environment twinbuild set for the build (credentials never recorded).
    pub env: BTreeMap<String, String>,
    /// `go version` as the build's environment reports it.
    pub go_version: String,
    /// The `go env` values that shape the output (GOOS, GOARCH, GOAMD64, CGO_ENABLED, ...).
    pub go_env: BTreeMap<String, String>,
    #[serde(
        serialize_with = "serialize_millis",
        deserialize_with = "deserialize_millis",
        rename = "duration_ms"
    )]
    pub duration: Duration,
    /// What the go command recorded of its build (`record`), when asked.
    /// Not in the report: a report read back has `None` (the renderers use
    /// `Report::build_inputs`, made from these files, never the files).
    #[serde(skip)]
    pub inputs: Option<record::InputFiles>,
}

/// Paths as text even when they are not UTF-8 (lossy), so a report never fails to serialise.
fn serialize_path<S: serde::Serializer>(p: &std::path::Path, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&p.to_string_lossy())
}

fn deserialize_path<'de, D: serde::Deserializer<'de>>(d: D) -> Result<PathBuf, D::Error> {
    String::deserialize(d).map(PathBuf::from)
}

/// Whole milliseconds: what the report says, and all the renderers show
/// (through [`BuildRecord::millis`]), so a report read back renders the same.
fn serialize_millis<S: serde::Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_u64(millis(*d))
}

fn deserialize_millis<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
    u64::deserialize(d).map(Duration::from_millis)
}

/// A duration in whole milliseconds, saturating.
fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

impl BuildRecord {
    /// The build's duration as the report has it: whole milliseconds.
    pub fn millis(&self) -> u64 {
        millis(self.duration)
    }
}

/// How the toolchain was chosen.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ToolchainInfo {
    /// e.g. `go1.26.8`.
    pub version: String,
    /// `--toolchain`, `go.mod`, or `local` (not pinned).
    pub source: String,
    pub pinned: bool,
}

/// A string that differs between the two builds' environments, and what it is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Hint {
    /// `workdir`, `HOME`, `TMPDIR`, `GOCACHE`, `GOMODCACHE`, or an env variable name.
    pub variation: String,
    pub lhs: String,
    pub rhs: String,
}

impl Hint {
    /// The string to name in a message: the lhs one, or the rhs one when the lhs has none.
    pub fn value(&self) -> &str {
        if self.lhs.is_empty() {
            &self.rhs
        } else {
            &self.lhs
        }
    }
}

/// The strings that differ between the two builds, for `attribute`.
#[derive(Debug, Clone, Default, Serialize)]
pub struct VariationHints {
    pub hints: Vec<Hint>,
}

/// One binary of a pair: the package it was built from and each side's file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArtifactPair {
    /// As the request named it (`./cmd/a`, `.`, an import path).
    pub package: String,
    pub lhs: PathBuf,
    pub rhs: PathBuf,
}

/// The two builds' results. Dropping it removes the temp dirs (unless kept).
#[derive(Debug)]
pub struct BuildPair {
    pub toolchain: ToolchainInfo,
    /// Each side's build; with several packages, `artifact` is the output dir.
    pub lhs: BuildRecord,
    pub rhs: BuildRecord,
    /// The binaries, in the request's package order (one for one package).
    pub artifacts: Vec<ArtifactPair>,
    pub hints: VariationHints,
    /// Notes for the report (e.g. "toolchain not pinned", "network allowed").
    pub notes: Vec<String>,
    /// Keeps the temp dirs alive until the diff is done.
    pub workspace: Workspace,
    /// What it takes to build the rhs again (`verify --confirm`); the real builder's.
    pub(crate) replay: Option<confirm::Replay>,
}

/// Owner of the temp dirs of one run.
#[derive(Debug)]
pub struct Workspace {
    pub root: Option<tempfile::TempDir>,
}

/// Why the builds could not give two artifacts.
#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    #[error("{0}")]
    Usage(String),
    #[error("cannot read source directory {path}: {reason}")]
    Source { path: PathBuf, reason: String },
    #[error("no `go` command found on PATH; install Go or put it on PATH")]
    NoGo,
    #[error("toolchain {version} cannot be had: {reason}")]
    Toolchain { version: String, reason: String },
    #[error("the two builds used different toolchains: lhs {lhs}, rhs {rhs}")]
    ToolchainMismatch { lhs: String, rhs: String },
    #[error("{side} build failed (exit {code}): {command}\n{output}\n{built_in}")]
    Failed {
        side: &'static str,
        command: String,
        code: String,
        output: String,
        /// Where it ran: a failure of twinbuild's copies is not one of the user's tree.
        built_in: Box<BuiltIn>,
    },
    #[error("{side} build timed out after {secs}s: {command}")]
    Timeout {
        side: &'static str,
        command: String,
        secs: u64,
    },
    #[error("cannot list the packages {patterns} for {target}: {reason}")]
    List {
        patterns: String,
        target: String,
        reason: String,
    },
    #[error("{side} build left no artifact at {path}")]
    NoArtifact { side: &'static str, path: PathBuf },
    #[error("interrupted")]
    Interrupted,
    #[error("{context}: {source}")]
    Io {
        context: String,
        source: std::io::Error,
    },
}

/// Where a failed build ran, and how the other side's build went, said with
/// the failure: the build ran in a copy at a temp path, not in the user's
/// checkout, so a failure the copies cause is not mistaken for the user's.
#[derive(Debug, Clone)]
pub struct BuiltIn {
    /// The copy of the tree the build ran in.
    pub workdir: PathBuf,
    /// The other side's build, when there was one.
    pub other: Option<OtherBuild>,
    /// When both failed: the same `go build` in the user's own tree.
    pub own_tree: Option<own_tree::OwnTree>,
}

/// The other side's build, next to a failed one.
#[derive(Debug, Clone)]
pub struct OtherBuild {
    pub side: &'static str,
    pub workdir: PathBuf,
    /// It failed too (or did not finish).
    pub failed: bool,
}

impl BuiltIn {
    /// A build in `workdir`, the other side's not known (yet); boxed, as
    /// `BuildError::Failed` holds it (keeps the error small).
    pub fn at(workdir: &std::path::Path) -> Box<BuiltIn> {
        Box::new(BuiltIn {
            workdir: workdir.to_path_buf(),
            other: None,
            own_tree: None,
        })
    }
}

impl std::fmt::Display for BuiltIn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "twinbuild built in a copy of your tree at {} (a temp path, with its own HOME, TMPDIR and caches), not in your checkout",
            self.workdir.display()
        )?;
        match &self.other {
            Some(o) if o.failed => {
                write!(f, "; the {} build, in {}, failed too", o.side, o.workdir.display())?;
                match &self.own_tree {
                    Some(own_tree::OwnTree::Builds) => write!(
                        f,
                        ". The same go build succeeds in your tree with your environment: the failure is twinbuild's (the temp paths or the clean environment make the difference)"
                    )?,
                    Some(own_tree::OwnTree::Fails(why)) => write!(
                        f,
                        ". The same go build fails in your tree too, with your environment ({why}): the build is broken as it stands, not by twinbuild"
                    )?,
                    None => write!(
                        f,
                        ": if `go build` works in your tree, the temp paths or the clean environment make the difference"
                    )?,
                }
            }
            Some(o) => write!(
                f,
                "; the {} build, in {}, succeeded: the failure depends on what differs between the two builds",
                o.side,
                o.workdir.display()
            )?,
            None => {}
        }
        if !workspace::cgo_flag_safe(&self.workdir) {
            write!(
                f,
                ". Its path holds `-` or `@`, which the go command refuses in #cgo -D values (${{SRCDIR}} expands into them): set TMPDIR to a directory whose path has neither"
            )?;
        }
        Ok(())
    }
}

/// What reports progress while building (a spinner on a terminal, nothing elsewhere).
pub trait Progress: Sync {
    fn started(&self, side: Side, command: &str);
    fn finished(&self, side: Side, duration: Duration);
}

/// A progress sink that shows nothing.
pub struct NoProgress;

impl Progress for NoProgress {
    fn started(&self, _: Side, _: &str) {}
    fn finished(&self, _: Side, _: Duration) {}
}

/// The seam between the harness and the rest: the real Go builder, or a fake in tests.
pub trait Builder {
    fn build(
        &self,
        request: &BuildRequest,
        progress: &dyn Progress,
    ) -> Result<BuildPair, BuildError>;

    /// Builds the rhs of `pair` again with `variation` (one of [`REMOVABLE`],
    /// see [`removable`]) taken from the lhs, for `verify --confirm`. Runs after
    /// the pair, one build at a time; its binary lies in the pair's workspace.
    fn rebuild_without(
        &self,
        pair: &BuildPair,
        variation: &'static str,
        progress: &dyn Progress,
    ) -> Result<Rebuilt, ConfirmError>;
}
