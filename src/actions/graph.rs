//! The action graph: what `go build -debug-actiongraph=FILE` writes, a JSON
//! array with one object per action (`cmd/go/internal/work/action.go`,
//! `actionJSON`), and the timings worked out from it.
//!
//! Input: the graph's bytes (read from a file under [`MAX_ACTION_GRAPH`]).
//! Output: the [`Action`]s in file order, notes on what could not be read,
//! and per side the [`Timings`]: wall time, rebuilt and cached packages, the
//! critical path, the slowest actions.
//!
//! Never fails: a truncated or garbled graph gives the actions read before
//! the damage and a note; an element that is not an action is skipped.
//! Pure but for [`read`], which reads the file.

use std::cmp::Reverse;
use std::collections::BTreeMap;
use std::fmt;
use std::fs::File;
use std::io::Read;
use std::path::Path;

use serde::de::{DeserializeSeed, IgnoredAny, SeqAccess, Visitor};
use serde::Deserialize;

use super::{Action, ActionTime, Timings};

/// At most this many bytes of an action graph are read (a note says when it was cut).
pub const MAX_ACTION_GRAPH: u64 = 64 << 20;
/// At most this many actions are read.
pub const MAX_ACTIONS: usize = 200_000;
/// How many actions [`Timings::slowest`] lists.
pub const SLOWEST: usize = 10;

const NS_PER_MS: i128 = 1_000_000;

/// Read the action graph at `path`. What could not be read becomes a note.
pub(super) fn read(path: &Path, notes: &mut Vec<String>) -> Vec<Action> {
    let file = match File::open(path) {
        Ok(f) => f,
        Err(e) => {
            notes.push(if e.kind() == std::io::ErrorKind::NotFound {
                "action graph: none was written (no go build ran, or the go command does not know -debug-actiongraph)".to_string()
            } else {
                format!("action graph: cannot open it: {e}")
            });
            return Vec::new();
        }
    };
    let mut take = file.take(MAX_ACTION_GRAPH);
    let mut bytes = Vec::new();
    if let Err(e) = take.read_to_end(&mut bytes) {
        notes.push(format!(
            "action graph: reading stopped after {} bytes: {e}",
            bytes.len()
        ));
    } else if take.limit() == 0 {
        let mut one = [0u8; 1];
        if matches!(take.into_inner().read(&mut one), Ok(1)) {
            notes.push(format!(
                "action graph: only its first {} MiB were read",
                MAX_ACTION_GRAPH >> 20
            ));
        }
    }
    parse(&bytes, notes)
}

/// Parse an action graph. What could not be read becomes a note.
pub(super) fn parse(bytes: &[u8], notes: &mut Vec<String>) -> Vec<Action> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        notes.push("action graph: it is empty".to_owned());
        return Vec::new();
    }
    let mut raw = Vec::new();
    let (mut skipped, mut full) = (0usize, false);
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let seed = Elements {
        out: &mut raw,
        skipped: &mut skipped,
        full: &mut full,
    };
    let result = seed.deserialize(&mut de).and_then(|()| de.end());
    if full {
        notes.push(format!(
            "action graph: only its first {MAX_ACTIONS} actions were read"
        ));
    } else if let Err(e) = result {
        notes.push(format!(
            "action graph: not a whole JSON array of actions ({e}); {} actions read before that",
            raw.len()
        ));
    }
    if skipped > 0 {
        notes.push(format!(
            "action graph: {skipped} elements are not actions (skipped)"
        ));
    }
    raw.into_iter().map(RawAction::into_action).collect()
}

/// One element of the graph as the go command writes it; every field
/// optional (`Deps` and `Cmd` can be `null`).
#[derive(Deserialize, Default)]
#[serde(default)]
struct RawAction {
    #[serde(rename = "ID")]
    id: u64,
    #[serde(rename = "Mode")]
    mode: String,
    #[serde(rename = "Package")]
    package: String,
    #[serde(rename = "Deps")]
    deps: Option<Vec<u64>>,
    #[serde(rename = "NeedBuild")]
    need_build: bool,
    #[serde(rename = "Failed")]
    failed: bool,
    #[serde(rename = "ActionID")]
    action_id: Option<String>,
    #[serde(rename = "BuildID")]
    build_id: Option<String>,
    #[serde(rename = "TimeReady")]
    time_ready: Option<String>,
    #[serde(rename = "TimeStart")]
    time_start: Option<String>,
    #[serde(rename = "TimeDone")]
    time_done: Option<String>,
    #[serde(rename = "Cmd")]
    cmd: Option<Vec<String>>,
}

impl RawAction {
    /// The action, its IDs taken from the build ID: `action/output` for a
    /// build, `action/main action/main output/output` for a link. A build
    /// ID whose last part is its first is the placeholder the go command
    /// gives a tool before the output exists: no output ID.
    fn into_action(self) -> Action {
        let parts: Vec<&str> = self.build_id.as_deref().unwrap_or("").split('/').collect();
        let first = parts.first().copied().filter(|p| !p.is_empty());
        let output_id = match parts.len() {
            2 | 4 => parts.last().copied(),
            _ => None,
        }
        .filter(|o| !o.is_empty() && Some(*o) != first);
        let action_id = self.action_id.filter(|a| !a.is_empty());
        Action {
            id: self.id,
            action_id: action_id.or_else(|| first.map(str::to_owned)),
            output_id: output_id.map(str::to_owned),
            mode: self.mode,
            package: self.package,
            deps: self.deps.unwrap_or_default(),
            need_build: self.need_build,
            failed: self.failed,
            start_ns: self.time_start.as_deref().and_then(parse_time),
            done_ns: self.time_done.as_deref().and_then(parse_time),
            ready_ns: self.time_ready.as_deref().and_then(parse_time),
            cmd: self.cmd.unwrap_or_default(),
        }
    }
}

/// An element: an action, or anything else (skipped).
#[derive(Deserialize)]
#[serde(untagged)]
enum Element {
    Action(Box<RawAction>),
    Other(IgnoredAny),
}

/// Reads the top-level array element by element into `out`, so the
/// elements before a syntax error or the end of a truncated file are kept.
struct Elements<'a> {
    out: &'a mut Vec<RawAction>,
    skipped: &'a mut usize,
    full: &'a mut bool,
}

impl<'de> DeserializeSeed<'de> for Elements<'_> {
    type Value = ();

    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for Elements<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON array of actions")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while let Some(element) = seq.next_element::<Element>()? {
            match element {
                Element::Action(_) if self.out.len() == MAX_ACTIONS => {
                    *self.full = true;
                    return Ok(());
                }
                Element::Action(a) => self.out.push(*a),
                Element::Other(_) => *self.skipped += 1,
            }
        }
        Ok(())
    }
}

/// Nanoseconds since the Unix epoch of an action graph time
/// ([`crate::rfc3339::unix_nanos`]); `None` also for Go's zero time (year 1:
/// never set).
pub(super) fn parse_time(s: &str) -> Option<i128> {
    if s.starts_with("0001-") {
        return None;
    }
    crate::rfc3339::unix_nanos(s)
}

/// How long an action ran: done - start, when it has both (and they are in order).
fn duration_ns(a: &Action) -> Option<i128> {
    match (a.start_ns, a.done_ns) {
        (Some(s), Some(d)) if d >= s => Some(d - s),
        _ => None,
    }
}

fn ms(ns: i128) -> u64 {
    u64::try_from(ns / NS_PER_MS).unwrap_or(u64::MAX)
}

/// Whether the action compiles (`build`) or links (`link`) a package:
/// the actions named in the timings and compared for determinism.
pub(super) fn is_tool_action(a: &Action) -> bool {
    a.mode == "build" || a.mode == "link"
}

/// `build PKG` / `link PKG`.
fn label(a: &Action) -> String {
    format!("{} {}", a.mode, a.package)
}

/// One side's timings from its actions.
pub(super) fn timings(actions: &[Action]) -> Timings {
    let timed = actions
        .iter()
        .filter_map(|a| Some((a.start_ns?, a.done_ns?)));
    let (first, last) = timed.fold(
        (None, None),
        |(lo, hi): (Option<i128>, Option<i128>), (s, d)| {
            (
                Some(lo.map_or(s, |l| l.min(s))),
                Some(hi.map_or(d, |h| h.max(d))),
            )
        },
    );
    let wall_ms = match (first, last) {
        (Some(s), Some(d)) if d > s => ms(d - s),
        _ => 0,
    };
    let builds = actions.iter().filter(|a| a.mode == "build");
    // NeedBuild is set for cache hits too: a build that ran something has a command.
    let rebuilt = builds.clone().filter(|a| !a.cmd.is_empty()).count();
    let cached = builds.count() - rebuilt;
    let mut slowest: Vec<(i128, &Action)> = actions
        .iter()
        .filter(|a| is_tool_action(a))
        .filter_map(|a| Some((duration_ns(a)?, a)))
        .collect();
    slowest.sort_by(|(da, a), (db, b)| {
        (Reverse(da), &a.mode, &a.package).cmp(&(Reverse(db), &b.mode, &b.package))
    });
    let (critical_ns, path) = critical_path(actions);
    Timings {
        wall_ms,
        actions: actions.len(),
        rebuilt,
        cached,
        critical_path_ms: ms(critical_ns),
        critical_path: path
            .into_iter()
            .map(|i| &actions[i])
            .filter(|a| is_tool_action(a))
            .map(label)
            .collect(),
        slowest: slowest
            .into_iter()
            .take(SLOWEST)
            .map(|(d, a)| ActionTime {
                mode: a.mode.clone(),
                package: a.package.clone(),
                ms: ms(d),
            })
            .collect(),
    }
}

/// The chain through `Deps` with the longest summed duration: its
/// duration and its actions (indices), from the first to run to the last.
///
/// A depth-first walk without recursion: each action is finished once,
/// each dependency edge looked at once; an edge back to an action still
/// on the walk (a cycle, which the go command never writes) is ignored,
/// as are dependencies on IDs the graph does not have. The first action
/// with a given ID is the one used.
fn critical_path(actions: &[Action]) -> (i128, Vec<usize>) {
    let mut index = BTreeMap::new();
    for (i, a) in actions.iter().enumerate() {
        index.entry(a.id).or_insert(i);
    }
    let deps: Vec<Vec<usize>> = actions
        .iter()
        .map(|a| {
            a.deps
                .iter()
                .filter_map(|d| index.get(d).copied())
                .collect()
        })
        .collect();
    const NEW: u8 = 0;
    const ON_WALK: u8 = 1;
    const DONE: u8 = 2;
    let n = actions.len();
    let mut state = vec![NEW; n];
    let mut best = vec![0i128; n];
    let mut next: Vec<Option<usize>> = vec![None; n];
    for root in 0..n {
        if state[root] != NEW {
            continue;
        }
        state[root] = ON_WALK;
        let mut walk = vec![(root, 0usize)];
        while let Some((v, k)) = walk.last_mut() {
            let v = *v;
            if let Some(&d) = deps[v].get(*k) {
                *k += 1;
                if state[d] == NEW {
                    state[d] = ON_WALK;
                    walk.push((d, 0));
                }
                continue;
            }
            let mut longest: Option<usize> = None;
            for &d in &deps[v] {
                if state[d] == DONE && longest.is_none_or(|l| best[d] > best[l]) {
                    longest = Some(d);
                }
            }
            best[v] = duration_ns(&actions[v]).unwrap_or(0) + longest.map_or(0, |l| best[l]);
            next[v] = longest;
            state[v] = DONE;
            walk.pop();
        }
    }
    let Some(last) = (0..n).reduce(|a, b| if best[b] > best[a] { b } else { a }) else {
        return (0, Vec::new());
    };
    let (mut path, mut at) = (vec![last], last);
    while let Some(d) = next[at] {
        if path.len() > n {
            break; // cannot happen (next never points back); a bound all the same
        }
        path.push(d);
        at = d;
    }
    path.reverse();
    (best[last], path)
}

#[cfg(test)]
mod tests {
    //! Times as the go command writes them, and what is not one.

    use super::*;

    #[test]
    fn times_parse_in_rfc3339() {
        let t = parse_time;
        assert_eq!(
            t("2026-12-03T14:33:44.008537562Z"),
            Some(1_796_308_424_008_537_562)
        );
        assert_eq!(
            t("2026-12-03T15:33:44.008537562+01:00"),
            t("2026-12-03T14:33:44.008537562Z")
        );
        assert_eq!(t("2024-02-29T23:59:59Z"), Some(1_709_251_199_000_000_000));
        assert_eq!(t("1970-01-01T00:00:00.5Z"), Some(500_000_000));
        assert_eq!(t("1970-01-01T00:00:00.1234567891Z"), Some(123_456_789));
        for bad in [
            "0001-01-01T00:00:00Z",
            "2025-02-29T00:00:00Z",
            "2026-13-01T00:00:00Z",
            "2026-12-03T14:33:44",
            "2026-12-03T14:33:44.Z",
            "2026-12-03 14:33:44Z",
            "2026-12-03T14:33:44Zjunk",
            "+026-12-03T14:33:44Z",
            "",
        ] {
            assert_eq!(t(bad), None, "{bad}");
        }
    }
}
