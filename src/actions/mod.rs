//! What the go command says about the two builds: the inputs it hashed
//! into each action ID, and how its actions ran.
//!
//! Input: per side, the two files the harness keeps of its `go build`: the
//! **hash log** (stderr under `GODEBUG=gocachehash=1`, read by `hashlog`)
//! and the **action graph** (`-debug-actiongraph=FILE`, read by `graph`),
//! read into a [`SideLog`]. Output: [`compare`] of the two sides, a
//! [`BuildInputs`] for the report:
//!
//! - **input differences**: for each action (`build PKG`, `link PKG`) hashed
//!   on both sides, the hashed lines that differ, paired (`inputs`), and the
//!   report cause they explain (a `dir` line: `embedded-path`; `linkflags`
//!   with `-X`: `ldflags-x`...). Lines that differ only because a
//!   dependency's ID differs are counted, not listed: the difference is the
//!   dependency's.
//! - **nondeterministic actions**: actions with the same action ID on both
//!   sides (the same inputs) whose outputs differ: the tool itself is not
//!   reproducible.
//! - **timings** of each side: wall time, packages rebuilt and cached, the
//!   critical path, the slowest actions.
//!
//! [`explain`] (`cache`) compares two builds of one side instead, a cold
//! and a warm one into the same cache, for `explain-cache`.
//!
//! Never fails: a missing, empty, truncated or garbled file (an old Go, a
//! build that stopped midway, a build script that ran no go command) gives
//! an empty or partial result and a note. Everything read is bounded
//! ([`MAX_HASH_LOG`], [`MAX_ACTION_GRAPH`]...). Output is
//! deterministic: everything sorted by mode then package.

mod cache;
mod graph;
mod hashlog;
mod inputs;
#[cfg(test)]
mod tests;

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use serde::{Deserialize, Serialize};

pub use cache::{explain, CacheExplanation, CacheMiss, CacheVerdict, MissReason};
pub use graph::{MAX_ACTIONS, MAX_ACTION_GRAPH, SLOWEST};
pub use hashlog::{MAX_HASH_LINES, MAX_HASH_LOG, MAX_LINE};
pub use inputs::{MAX_DIFFERENCES, MAX_DIFFERENCE_LINES};

/// One side's record of its build, read from the files the harness kept.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct SideLog {
    /// The `build` and `link` computations of the hash log, sorted by mode then package.
    pub hashes: Vec<Hashed>,
    /// The action graph's actions, in file order.
    pub actions: Vec<Action>,
    /// What could not be read, and why.
    pub notes: Vec<String>,
}

/// One action ID computation of the hash log: the lines hashed and the sum.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct Hashed {
    /// `build` or `link`.
    pub mode: String,
    /// The import path (with ` [p.test]` for a test variant).
    pub package: String,
    /// The lines hashed, unquoted, without their trailing newline.
    pub lines: Vec<String>,
    /// The sum (64 hex digits); its first 15 bytes are the action ID.
    pub sum: String,
}

/// One action of the action graph.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct Action {
    /// The graph's `ID`, which `deps` refer to.
    pub id: u64,
    /// `build`, `link`, `link-install`, `build check cache`, `nop`, `built-in package`...
    pub mode: String,
    pub package: String,
    pub deps: Vec<u64>,
    /// The action ID (`ActionID`, else the build ID's first part).
    pub action_id: Option<String>,
    /// The output's content ID: the build ID's last part (of 2 for a build,
    /// of 4 for a link); `None` while it is the placeholder the go command
    /// gives a tool before the output exists.
    pub output_id: Option<String>,
    /// The graph's `NeedBuild`. The go command sets it for actions served
    /// by the cache too: whether a tool ran is told by `cmd`.
    pub need_build: bool,
    pub failed: bool,
    /// Times in nanoseconds since the Unix epoch (`None`: absent or unreadable).
    pub start_ns: Option<i128>,
    pub done_ns: Option<i128>,
    pub ready_ns: Option<i128>,
    /// The commands run, one string each.
    pub cmd: Vec<String>,
}

impl SideLog {
    /// Read one side's hash log and action graph (`None`: not kept). Never
    /// fails: what could not be read is a note.
    pub fn read(hash_log: Option<&Path>, action_graph: Option<&Path>) -> SideLog {
        let mut notes = Vec::new();
        let hashes = match hash_log {
            Some(p) => hashlog::read(p, &mut notes),
            None => {
                notes.push("no hash log was kept".to_owned());
                Vec::new()
            }
        };
        let actions = match action_graph {
            Some(p) => graph::read(p, &mut notes),
            None => {
                notes.push("no action graph was kept".to_owned());
                Vec::new()
            }
        };
        check_same_build(&hashes, &actions, &mut notes);
        SideLog {
            hashes,
            actions,
            notes,
        }
    }
}

/// The two sides compared, for the report.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct BuildInputs {
    pub input_differences: Vec<InputDifference>,
    pub nondeterministic_actions: Vec<NondeterministicAction>,
    pub timings: SideTimings,
    /// Each side's notes (prefixed `lhs: `, `rhs: `), then the comparison's.
    pub notes: Vec<String>,
}

/// An action hashed on both sides whose inputs differ.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct InputDifference {
    pub mode: String,
    pub package: String,
    /// The hashed lines that differ, paired: same first word (`dir`,
    /// `linkflags`, `file main.go`, `GOAMD64`, `modinfo`...) paired lhs with
    /// rhs, else one side `None`. In hashing order. Lines that differ only
    /// because a dependency's ID differs (`import PKG ID`,
    /// `packagefile PKG=ID`, `packagemain ...`) are not listed here...
    pub lines: Vec<LinePair>,
    /// ...they are counted here.
    pub dependency_lines: usize,
    /// The report cause this input explains (a cause code of
    /// `attribute::Cause`), by the first differing line of a known kind:
    /// `embedded-path` (`dir`, or a line whose difference is an absolute
    /// path), `ldflags-x` (`linkflags` holding `-X`), `buildinfo`
    /// (`modinfo`), `toolchain` (the Go version, `GOAMD64`..., the tools'
    /// versions), `cgo` (`CGO_*`, `CC`, `CXX`, C files); else `None`.
    pub cause: Option<String>,
}

/// One differing hashed line: the lhs's and the rhs's.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct LinePair {
    pub lhs: Option<String>,
    pub rhs: Option<String>,
}

/// An action with the same action ID (the same inputs) on both sides whose
/// output differs.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct NondeterministicAction {
    pub mode: String,
    pub package: String,
    pub action_id: String,
    pub lhs_output_id: String,
    pub rhs_output_id: String,
    /// The tool run first (`compile`, `link`, `cgo`...): the basename of
    /// the first word of the action's first command.
    pub tool: Option<String>,
}

/// Each side's timings.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct SideTimings {
    pub lhs: Timings,
    pub rhs: Timings,
}

/// How one side's build ran, from its action graph.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Timings {
    /// From the first action's start to the last one's end.
    pub wall_ms: u64,
    /// Actions in the graph, of every mode.
    pub actions: usize,
    /// `build` actions that ran the compiler.
    pub rebuilt: usize,
    /// `build` actions found in the cache.
    pub cached: usize,
    /// The summed duration of the critical path.
    pub critical_path_ms: u64,
    /// The chain through the dependencies with the longest summed duration,
    /// `build PKG` / `link PKG`, from the first action to the last.
    pub critical_path: Vec<String>,
    /// The slowest `build` and `link` actions, at most [`SLOWEST`], slowest first.
    pub slowest: Vec<ActionTime>,
}

/// How long one action ran.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ActionTime {
    pub mode: String,
    pub package: String,
    pub ms: u64,
}

/// Compare the two sides.
pub fn compare(lhs: &SideLog, rhs: &SideLog) -> BuildInputs {
    let mut notes: Vec<String> = lhs
        .notes
        .iter()
        .map(|n| format!("lhs: {n}"))
        .chain(rhs.notes.iter().map(|n| format!("rhs: {n}")))
        .collect();
    let input_differences = inputs::differences(&lhs.hashes, &rhs.hashes, &mut notes);
    BuildInputs {
        input_differences,
        nondeterministic_actions: nondeterministic(&lhs.actions, &rhs.actions),
        timings: SideTimings {
            lhs: graph::timings(&lhs.actions),
            rhs: graph::timings(&rhs.actions),
        },
        notes,
    }
}

/// The `build` and `link` actions with the same action ID on both sides
/// and different output IDs, sorted by mode, package, action ID. A failed
/// action is left out (its output is not a result); so is an action without
/// an output ID.
fn nondeterministic(lhs: &[Action], rhs: &[Action]) -> Vec<NondeterministicAction> {
    let ids = |a: &Action| -> Option<(String, String, String)> {
        if !graph::is_tool_action(a) || a.failed {
            return None;
        }
        Some((a.mode.clone(), a.action_id.clone()?, a.output_id.clone()?))
    };
    let mut rhs_by_id = BTreeMap::new();
    for a in rhs {
        if let Some((mode, action_id, output_id)) = ids(a) {
            rhs_by_id.entry((mode, action_id)).or_insert((output_id, a));
        }
    }
    let mut seen = BTreeSet::new();
    let mut found = Vec::new();
    for l in lhs {
        let Some((mode, action_id, lhs_output_id)) = ids(l) else {
            continue;
        };
        let key = (mode, action_id);
        let Some((rhs_output_id, r)) = rhs_by_id.get(&key) else {
            continue;
        };
        if !seen.insert(key.clone()) || *rhs_output_id == lhs_output_id {
            continue;
        }
        let (mode, action_id) = key;
        found.push(NondeterministicAction {
            mode,
            package: l.package.clone(),
            action_id,
            lhs_output_id,
            rhs_output_id: rhs_output_id.clone(),
            tool: tool(l).or_else(|| tool(r)),
        });
    }
    found.sort_by(|a, b| {
        (&a.mode, &a.package, &a.action_id).cmp(&(&b.mode, &b.package, &b.action_id))
    });
    found
}

/// The basename of the first word of the action's first command, without `.exe`.
fn tool(a: &Action) -> Option<String> {
    let word = a.cmd.first()?.split_whitespace().next()?;
    let base = word.rsplit(['/', '\\']).next()?;
    let base = base.strip_suffix(".exe").unwrap_or(base);
    (!base.is_empty()).then(|| base.to_owned())
}

/// Note when the hash log and the action graph disagree on action IDs:
/// the action ID is the first 15 bytes of the sum, base64url-encoded, so
/// files from the same build agree on every action both name.
fn check_same_build(hashes: &[Hashed], actions: &[Action], notes: &mut Vec<String>) {
    let mut ids: BTreeMap<(&str, &str), BTreeSet<&str>> = BTreeMap::new();
    for a in actions {
        if let Some(id) = &a.action_id {
            ids.entry((&a.mode, &a.package)).or_default().insert(id);
        }
    }
    let disagree = hashes
        .iter()
        .filter(
            |h| match (ids.get(&(&h.mode, &h.package)), action_id_of(&h.sum)) {
                (Some(graph_ids), Some(id)) => !graph_ids.contains(id.as_str()),
                _ => false,
            },
        )
        .count();
    if disagree > 0 {
        notes.push(format!(
            "the hash log and the action graph disagree on {disagree} action IDs (not from the same build?)"
        ));
    }
}

/// The action ID a sum gives: its first 15 bytes in base64url, 20 characters.
pub fn action_id_of(sum: &str) -> Option<String> {
    const B64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let hex = sum.as_bytes().get(..30)?;
    if !hex.iter().all(u8::is_ascii_hexdigit) {
        return None;
    }
    let bytes: Vec<u8> = hex
        .chunks(2)
        .map(|p| u8::from_str_radix(std::str::from_utf8(p).ok()?, 16).ok())
        .collect::<Option<_>>()?;
    let mut id = String::with_capacity(20);
    for c in bytes.chunks(3) {
        let v = u32::from(c[0]) << 16 | u32::from(c[1]) << 8 | u32::from(c[2]);
        for shift in [18, 12, 6, 0] {
            id.push(char::from(B64[(v >> shift) as usize & 63]));
        }
    }
    Some(id)
}
