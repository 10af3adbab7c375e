//! `explain-cache`: why a second build with the same settings, at the same
//! paths, into the cache the first one filled, did not take everything from
//! that cache.
//!
//! Input: the two builds' [`SideLog`]s, the **cold** one (into an empty
//! cache) and the **warm** one. Output: a [`CacheExplanation`]: every
//! `build` action of the warm build that ran the compiler again (a **miss**)
//! with the reason, found by comparing the action's hash inputs in the two
//! builds ([`MissReason`]): an input of its own changed (the lines, e.g. a
//! generated `file gen.go` or a volatile `compile` flag), only its
//! dependencies changed (named), or its action ID is the same (the go
//! command did not look in the cache: `go build -a`). Link actions are not
//! misses: `go build` links every time (it does not cache the executables
//! it writes with `-o`); those whose inputs changed are listed apart
//! (`relinks`), as a volatile link input (`-X main.date=...`) makes every
//! binary differ.
//!
//! Pure; never fails: what the records do not say is a note, and a warm
//! build with no action graph gives the verdict `unknown`.

use std::collections::BTreeMap;

use serde::Serialize;

use super::graph;
use super::inputs::{self, MAX_DIFFERENCES};
use super::{nondeterministic, Action, Hashed, LinePair, NondeterministicAction, SideLog, Timings};

/// What the two builds show about the cache.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CacheExplanation {
    pub verdict: CacheVerdict,
    /// The cold build's timings.
    pub cold: Timings,
    /// The warm build's timings.
    pub warm: Timings,
    /// The warm build's `build` actions served by the cache.
    pub hits: usize,
    /// The warm build's `build` actions that ran the compiler again, the
    /// ones with a reason of their own first (see [`MissReason`]), then by
    /// package; at most [`MAX_DIFFERENCES`] (a note says how many there were).
    pub misses: Vec<CacheMiss>,
    /// The warm build's `link` actions whose own inputs differ from the cold
    /// build's, not only their dependencies' IDs (`go build` links every
    /// time; these make each binary differ).
    pub relinks: Vec<CacheMiss>,
    /// Actions with the same action ID in both builds and different
    /// outputs: a tool that is not deterministic (`cold` is the lhs output).
    pub nondeterministic_actions: Vec<NondeterministicAction>,
    /// Each build's notes (prefixed `cold: `, `warm: `), then the comparison's.
    pub notes: Vec<String>,
}

/// The answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum CacheVerdict {
    /// Every package of the warm build came from the cache.
    Warm,
    /// Some ran the compiler again.
    Cold,
    /// The warm build's action graph says nothing (no go command ran, an old Go).
    Unknown,
}

/// Why an action ran again; ordered as misses are listed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum MissReason {
    /// An input of its own changed (`lines`): the root of a miss.
    InputChanged,
    /// The same action ID in both builds: the go command ran the tool
    /// without looking in the cache (`go build -a`), or the cache lost the entry.
    SameActionId,
    /// The cold build had no such action.
    NewAction,
    /// The hash logs do not hold the action in both builds.
    Unknown,
    /// Only its dependencies' IDs changed (`dependencies`): it ran again because they did.
    DependencyChanged,
}

/// One action of the warm build that did not come from the cache.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CacheMiss {
    /// `build` or `link`.
    pub mode: String,
    pub package: String,
    pub reason: MissReason,
    pub cold_action_id: Option<String>,
    pub warm_action_id: Option<String>,
    /// The first changed input's name: `file gen.go`, `dir`, `compile`
    /// (the compiler's flags), `linkflags`, `GOAMD64`...
    pub input: Option<String>,
    /// The changed hash-input lines, paired: `lhs` the cold build's, `rhs` the warm build's.
    pub lines: Vec<LinePair>,
    /// The dependencies whose IDs changed (import paths, sorted).
    pub dependencies: Vec<String>,
    /// What to do about it.
    pub fix: String,
}

/// Compare the cold build with the warm one.
pub fn explain(cold: &SideLog, warm: &SideLog) -> CacheExplanation {
    let mut notes: Vec<String> = cold
        .notes
        .iter()
        .map(|n| format!("cold: {n}"))
        .chain(warm.notes.iter().map(|n| format!("warm: {n}")))
        .collect();
    let cold_actions = last_by_key(&cold.actions);
    let (cold_hashes, warm_hashes) = (hashes_by_key(&cold.hashes), hashes_by_key(&warm.hashes));
    let mut misses = Vec::new();
    let mut relinks = Vec::new();
    let mut hits = 0;
    for (key, a) in last_by_key(&warm.actions) {
        if a.failed {
            continue;
        }
        let ran = !a.cmd.is_empty();
        let miss = || {
            why(
                a,
                cold_actions.get(&key).copied(),
                cold_hashes.get(&key).copied(),
                warm_hashes.get(&key).copied(),
            )
        };
        match a.mode.as_str() {
            "build" if ran => misses.push(miss()),
            "build" => hits += 1,
            "link" => {
                // Relinked on what changed in its dependencies: those are listed.
                let m = miss();
                if !matches!(
                    m.reason,
                    MissReason::SameActionId | MissReason::DependencyChanged
                ) {
                    relinks.push(m);
                }
            }
            _ => {}
        }
    }
    let order = |m: &CacheMiss| (m.reason, m.mode.clone(), m.package.clone());
    misses.sort_by_key(order);
    relinks.sort_by_key(order);
    let missed = !misses.is_empty();
    if misses.len() > MAX_DIFFERENCES {
        notes.push(format!(
            "{} packages ran the compiler again; the first {MAX_DIFFERENCES} are listed",
            misses.len()
        ));
        misses.truncate(MAX_DIFFERENCES);
    }
    let warm_timings = graph::timings(&warm.actions);
    let verdict = if !warm.actions.iter().any(graph::is_tool_action) {
        notes.push(
            "the warm build's action graph has no build or link action: what the cache served cannot be told".into(),
        );
        CacheVerdict::Unknown
    } else if missed {
        CacheVerdict::Cold
    } else {
        CacheVerdict::Warm
    };
    CacheExplanation {
        verdict,
        cold: graph::timings(&cold.actions),
        warm: warm_timings,
        hits,
        misses,
        relinks,
        nondeterministic_actions: nondeterministic(&cold.actions, &warm.actions),
        notes,
    }
}

/// Why the warm build's action `a` ran (or, for a link, how its inputs changed).
fn why(
    a: &Action,
    cold: Option<&Action>,
    cold_hash: Option<&Hashed>,
    warm_hash: Option<&Hashed>,
) -> CacheMiss {
    let mut miss = CacheMiss {
        mode: a.mode.clone(),
        package: a.package.clone(),
        reason: MissReason::Unknown,
        cold_action_id: cold.and_then(|c| c.action_id.clone()),
        warm_action_id: a.action_id.clone(),
        input: None,
        lines: Vec::new(),
        dependencies: Vec::new(),
        fix: String::new(),
    };
    classify(&mut miss, cold.is_some(), cold_hash, warm_hash);
    miss.fix = fix(&miss);
    miss
}

/// Sets the miss's reason, input, lines and dependencies.
fn classify(
    miss: &mut CacheMiss,
    in_cold: bool,
    cold_hash: Option<&Hashed>,
    warm_hash: Option<&Hashed>,
) {
    if !in_cold {
        miss.reason = MissReason::NewAction;
        return;
    }
    if miss.cold_action_id.is_some() && miss.cold_action_id == miss.warm_action_id {
        miss.reason = MissReason::SameActionId;
        return;
    }
    let (Some(before), Some(after)) = (cold_hash, warm_hash) else {
        return;
    };
    let (lines, dependencies) = inputs::changed(before, after);
    miss.reason = if !lines.is_empty() {
        MissReason::InputChanged
    } else if !dependencies.is_empty() {
        MissReason::DependencyChanged
    } else if before.sum == after.sum {
        MissReason::SameActionId
    } else {
        MissReason::Unknown
    };
    miss.input = lines.first().map(|p| inputs::input_name(p).to_owned());
    miss.lines = lines;
    miss.dependencies = dependencies;
}

/// What to do about a miss, by its reason and the input that changed.
fn fix(m: &CacheMiss) -> String {
    let input = m.input.as_deref().unwrap_or("");
    match m.reason {
        MissReason::InputChanged => match input {
            i if i.starts_with("file ") => format!(
                "{} is different in each build: generate it deterministically (no time, random value or absolute path), or commit it",
                &i[5..]
            ),
            "compile" | "asm" | "cgo" => format!(
                "the {input} flags differ in each build: a -gcflags/-asmflags value that changes (a date, a random value, a path) busts every action it reaches; make it fixed"
            ),
            "linkflags" => "the linker flags differ in each build (a -X stamp of the time?): take the value from the commit (its time, SOURCE_DATE_EPOCH)".into(),
            "modinfo" => match m.lines.first().and_then(modinfo_setting) {
                Some(k) if k.starts_with("vcs") => format!(
                    "the VCS stamp ({k}) differs in each build: the build changes the checkout (keep it clean while building), or build with -buildvcs=false"
                ),
                Some(k) => format!(
                    "the build setting {k} recorded in the binary differs in each build: make its value fixed"
                ),
                None => "the module information recorded in the binary differs in each build".into(),
            },
            "dir" => "the package's directory differs: build at one fixed path, or with -trimpath".into(),
            k if k.starts_with("GO") || k.starts_with("CGO_") || k.starts_with("CC") || k.starts_with("CXX") => {
                format!("{k} differs in each build: set it to a fixed value")
            }
            k => format!("the input {k} differs in each build: make it the same in each build"),
        },
        MissReason::SameActionId => "the go command compiled it again without looking in the cache: drop -a from the build flags and GOFLAGS".into(),
        MissReason::NewAction => "the second build compiled a package the first did not: the package set depends on something that changes between builds".into(),
        MissReason::Unknown => "the hash logs do not say which input changed".into(),
        MissReason::DependencyChanged => "nothing of its own: it follows the dependencies' misses".into(),
    }
}

/// The buildinfo setting where two `modinfo` lines first differ: the key of
/// the `build\tKEY=VALUE` line holding that place (`-gcflags`, `vcs.time`...).
/// The line is Go-quoted, so its newlines and tabs are `\n` and `\t`.
fn modinfo_setting(pair: &LinePair) -> Option<String> {
    let (l, r) = (pair.lhs.as_deref()?, pair.rhs.as_deref()?);
    let mut at = l
        .bytes()
        .zip(r.bytes())
        .position(|(a, b)| a != b)
        .unwrap_or(l.len().min(r.len()));
    while !l.is_char_boundary(at) {
        at -= 1;
    }
    let line = l[..at].rsplit("\\n").next()?;
    let setting = line.strip_prefix("build\\t")?;
    let key = setting.split('=').next()?;
    (!key.is_empty()).then(|| key.to_owned())
}

/// The graph's `build` and `link` actions by (mode, package), the last of each.
fn last_by_key(actions: &[Action]) -> BTreeMap<(&str, &str), &Action> {
    actions
        .iter()
        .filter(|a| graph::is_tool_action(a))
        .map(|a| ((a.mode.as_str(), a.package.as_str()), a))
        .collect()
}

/// The hash log's computations by (mode, package).
fn hashes_by_key(hashes: &[Hashed]) -> BTreeMap<(&str, &str), &Hashed> {
    hashes
        .iter()
        .map(|h| ((h.mode.as_str(), h.package.as_str()), h))
        .collect()
}

#[cfg(test)]
mod tests {
    //! On the hash logs and action graphs of a real cold and warm build
    //! (tests/fixtures/actions/stamp-*: a build script writes a file holding
    //! the time), and on crafted ones.

    use super::*;

    fn side(name: &str) -> SideLog {
        let at = |ext: &str| {
            std::path::PathBuf::from(format!(
                "{}/tests/fixtures/actions/{name}.{ext}",
                env!("CARGO_MANIFEST_DIR")
            ))
        };
        SideLog::read(Some(&at("hash.log")), Some(&at("graph.json")))
    }

    fn summary(m: &CacheMiss) -> (&str, &str, MissReason, Option<&str>, Vec<&str>) {
        (
            m.mode.as_str(),
            m.package.as_str(),
            m.reason,
            m.input.as_deref(),
            m.dependencies.iter().map(String::as_str).collect(),
        )
    }

    #[test]
    fn a_generated_file_busts_its_package_and_the_ones_importing_it() {
        let e = explain(&side("stamp-cold"), &side("stamp-warm"));
        assert_eq!(e.verdict, CacheVerdict::Cold);
        assert_eq!((e.warm.rebuilt, e.hits), (2, 60));
        assert_eq!(e.cold.rebuilt, 62);
        let got: Vec<_> = e.misses.iter().map(summary).collect();
        assert_eq!(
            got,
            [
                (
                    "build",
                    "example.com/ecv/lib",
                    MissReason::InputChanged,
                    Some("file stamp.go"),
                    vec![]
                ),
                (
                    "build",
                    "example.com/ecv",
                    MissReason::DependencyChanged,
                    None,
                    vec!["example.com/ecv/lib"]
                ),
            ]
        );
        let line = &e.misses[0].lines[0];
        assert!(line.lhs.as_deref().unwrap().starts_with("file stamp.go "));
        assert!(line.rhs.as_deref().unwrap().starts_with("file stamp.go "));
        assert_ne!(line.lhs, line.rhs);
        assert!(e.misses[0]
            .fix
            .contains("stamp.go is different in each build"));
        // The link changed only in its dependencies' IDs: not listed.
        assert!(e.relinks.is_empty());
        assert!(e.nondeterministic_actions.is_empty());
        assert!(e.notes.is_empty(), "{:?}", e.notes);
    }

    #[test]
    fn compiling_again_with_the_same_action_ids_is_not_looking_in_the_cache() {
        // A build that ran every compile, against itself: what `go build -a`
        // gives (the same action IDs, every tool run).
        let cold = side("stamp-cold");
        let e = explain(&cold, &cold);
        assert_eq!(e.verdict, CacheVerdict::Cold);
        assert_eq!(e.misses.len(), 62);
        assert!(e
            .misses
            .iter()
            .all(|m| m.reason == MissReason::SameActionId && m.fix.contains("-a")));
        assert!(e.relinks.is_empty());
    }

    #[test]
    fn a_warm_build_that_hit_everything_is_warm() {
        // The warm build's graph with its two compiles taken as cache hits.
        let mut warm = side("stamp-warm");
        for a in &mut warm.actions {
            if a.mode == "build" {
                a.cmd.clear();
            }
        }
        let e = explain(&side("stamp-cold"), &warm);
        assert_eq!(e.verdict, CacheVerdict::Warm);
        assert_eq!((e.hits, e.misses.len()), (62, 0));
    }

    #[test]
    fn a_link_with_inputs_of_its_own_changed_is_listed() {
        let (mut cold, mut warm) = (side("stamp-cold"), side("stamp-warm"));
        for (log, value) in [(&mut cold, "1"), (&mut warm, "2")] {
            let link = log
                .hashes
                .iter_mut()
                .find(|h| h.mode == "link")
                .expect("the link is hashed");
            link.lines
                .push(format!(r#"linkflags ["-X" "main.date={value}"]"#));
            link.sum = format!("{value:0>64}");
        }
        let e = explain(&cold, &warm);
        let got: Vec<_> = e.relinks.iter().map(summary).collect();
        assert_eq!(
            got,
            [(
                "link",
                "example.com/ecv",
                MissReason::InputChanged,
                Some("linkflags"),
                vec!["example.com/ecv", "example.com/ecv/lib", "main package"]
            )]
        );
        assert!(e.relinks[0].fix.contains("-X"));
    }

    #[test]
    fn a_modinfo_difference_names_the_setting() {
        let pair = |l: &str, r: &str| LinePair {
            lhs: Some(l.to_owned()),
            rhs: Some(r.to_owned()),
        };
        let gcflags = |seed: &str| {
            format!(
                r#"modinfo "path\texample.com/ecv\nbuild\t-compiler=gc\nbuild\t-gcflags=example.com/ecv/lib=-d=ssa/check/seed={seed}\nbuild\tCGO_ENABLED=0\n""#
            )
        };
        assert_eq!(
            modinfo_setting(&pair(&gcflags("94"), &gcflags("81"))).as_deref(),
            Some("-gcflags")
        );
        let vcs = |t: &str| format!(r#"modinfo "path\tx\nbuild\tvcs.time={t}\n""#);
        let p = pair(&vcs("2026-01-01T00:00:00Z"), &vcs("2026-01-02T00:00:00Z"));
        assert_eq!(modinfo_setting(&p).as_deref(), Some("vcs.time"));
        let m = CacheMiss {
            mode: "build".into(),
            package: "x".into(),
            reason: MissReason::InputChanged,
            cold_action_id: None,
            warm_action_id: None,
            input: Some("modinfo".into()),
            lines: vec![p],
            dependencies: vec![],
            fix: String::new(),
        };
        assert!(fix(&m).contains("VCS stamp (vcs.time)"), "{}", fix(&m));
        // A difference in a non-ASCII character does not split it.
        assert_eq!(
            modinfo_setting(&pair(
                r#"modinfo "path\tx\nbuild\t-X=é""#,
                r#"modinfo "path\tx\nbuild\t-X=è""#
            ))
            .as_deref(),
            Some("-X")
        );
        assert_eq!(modinfo_setting(&pair("modinfo a", "modinfo b")), None);
    }

    #[test]
    fn without_records_nothing_is_claimed() {
        let empty = SideLog::read(None, None);
        let e = explain(&empty, &empty);
        assert_eq!(e.verdict, CacheVerdict::Unknown);
        assert!(e.misses.is_empty());
        assert!(e.notes.iter().any(|n| n.starts_with("warm: ")));
        assert!(e.notes.iter().any(|n| n.contains("cannot be told")));
        // A package the cold build never built is new, not a cache miss of its own.
        let (cold, warm) = (side("stamp-cold"), side("stamp-warm"));
        let cold = SideLog {
            actions: cold
                .actions
                .into_iter()
                .filter(|a| a.package != "example.com/ecv/lib")
                .collect(),
            ..cold
        };
        let e = explain(&cold, &warm);
        assert_eq!(e.misses[0].reason, MissReason::NewAction);
        assert_eq!(e.misses[0].package, "example.com/ecv/lib");
    }
}
