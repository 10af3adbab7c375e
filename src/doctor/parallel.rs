//! `-p N` against what the build can use: the one check that needs a build.
//!
//! Input: the `-p` values the go commands pass (each found by `commands` as
//! a [`Finding`] of [`PARALLELISM`] carrying its `N` in `parallelism`) and,
//! when given (`doctor --action-graph FILE`), the action graph of one build
//! (`go build -debug-actiongraph=FILE`, or the `record/actiongraph.json`
//! `twinbuild verify --keep-workdirs` leaves). Output: the findings kept.
//!
//! Each compile holds its memory while it runs, so peak memory grows with
//! the compiles running at once, up to `-p`. The graph says how many
//! `build` and `link` actions can ever run at once: scheduled with
//! unlimited workers, each as soon as its dependencies are done and as long
//! as it took ([`widest`]). A `-p` above that buys no speed for this build
//! and lets a larger package graph, or a smaller runner, run out of memory.
//! Without a graph a `-p` cannot be judged: a note says where they are.

use std::path::Path;

use super::{Finding, Severity};
use crate::actions::{Action, SideLog};

/// The check's id.
pub const PARALLELISM: &str = "parallelism-above-need";

/// The most `build`/`link` actions that run at once when every action
/// starts as soon as its dependencies are done (unlimited workers), each
/// taking as long as it took in the recorded build. The recorded start
/// times are not used: they were held back by that build's own `-p`.
pub fn widest(actions: &[Action]) -> usize {
    let index: std::collections::HashMap<u64, usize> =
        actions.iter().enumerate().map(|(i, a)| (a.id, i)).collect();
    let duration = |a: &Action| match (a.start_ns, a.done_ns) {
        (Some(s), Some(d)) if d > s => d - s,
        _ => 0,
    };
    // Kahn's order over the dependencies the graph names; a cycle's actions are left out.
    let mut waiting: Vec<usize> = actions
        .iter()
        .map(|a| a.deps.iter().filter(|d| index.contains_key(d)).count())
        .collect();
    let mut dependents: Vec<Vec<usize>> = vec![Vec::new(); actions.len()];
    for (i, a) in actions.iter().enumerate() {
        for d in &a.deps {
            if let Some(&j) = index.get(d) {
                dependents[j].push(i);
            }
        }
    }
    let mut start = vec![0i128; actions.len()];
    let mut queue: Vec<usize> = (0..actions.len()).filter(|&i| waiting[i] == 0).collect();
    let mut events: Vec<(i128, i32)> = Vec::new();
    while let Some(i) = queue.pop() {
        let end = start[i] + duration(&actions[i]);
        let a = &actions[i];
        if (a.mode == "build" || a.mode == "link") && end > start[i] {
            events.push((start[i], 1));
            events.push((end, -1));
        }
        for &k in &dependents[i] {
            start[k] = start[k].max(end);
            waiting[k] -= 1;
            if waiting[k] == 0 {
                queue.push(k);
            }
        }
    }
    // Ends before starts at the same instant: touching intervals do not overlap.
    events.sort();
    let (mut now, mut most) = (0i32, 0i32);
    for (_, d) in events {
        now += d;
        most = most.max(now);
    }
    usize::try_from(most).unwrap_or(0)
}

/// A finding for `-p N` at `file:line`, judged later by [`judge`].
pub fn flag(file: &str, line: usize, what: &str, n: usize) -> Finding {
    let mut f = Finding::new(
        PARALLELISM,
        Severity::Warning,
        file,
        Some(line),
        format!("{what} passes -p {n}"),
        "",
    );
    f.parallelism = Some(n);
    f
}

/// Keeps the `-p` findings above the graph's width, reworded; without a
/// graph drops them with a note.
pub fn judge(
    findings: &mut Vec<Finding>,
    graph: Option<&Path>,
    notes: &mut Vec<String>,
) -> Result<(), super::DoctorError> {
    let found: Vec<String> = findings
        .iter()
        .filter(|f| f.id == PARALLELISM)
        .map(|f| {
            format!(
                "{}:{}",
                f.file.as_deref().unwrap_or(""),
                f.line.unwrap_or(0)
            )
        })
        .collect();
    let Some(graph) = graph else {
        findings.retain(|f| f.id != PARALLELISM);
        if !found.is_empty() {
            notes.push(format!(
                "-p is set at {}: give --action-graph FILE (one build's go build -debug-actiongraph=FILE) to check it against what the build runs at once",
                found.join(", ")
            ));
        }
        return Ok(());
    };
    let log = SideLog::read(None, Some(graph));
    let width = widest(&log.actions);
    if width == 0 {
        return Err(super::DoctorError::Shape {
            path: graph.display().to_string(),
            what: "action graph",
            reason: log
                .notes
                .into_iter()
                .find(|n| n.starts_with("action graph"))
                .unwrap_or_else(|| "it has no timed build or link action".into()),
        });
    }
    findings.retain_mut(|f| {
        if f.id != PARALLELISM {
            return true;
        }
        let Some(n) = f.parallelism.filter(|n| *n > width) else {
            return false;
        };
        f.message = format!(
            "{}, but the build's action graph can never run more than {width} compiles and links at once: the other {} slots add no speed, only room for more compiles, each holding its memory, at once",
            f.message,
            n - width
        );
        f.fix = format!("-p {width} (or leave -p to the go command, which uses GOMAXPROCS) bounds peak memory at no cost for this build");
        true
    });
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn action(id: u64, mode: &str, deps: &[u64], took: i128) -> Action {
        Action {
            id,
            mode: mode.into(),
            deps: deps.to_vec(),
            start_ns: Some(1_000),
            done_ns: Some(1_000 + took),
            ..Action::default()
        }
    }

    #[test]
    fn the_widest_moment_of_an_unlimited_schedule() {
        // 1 and 2 are leaves, 3 needs 1; 4 needs 2 and 3; the link needs 4.
        let actions = [
            action(1, "build", &[], 10),
            action(2, "build", &[], 30),
            action(3, "build", &[1], 10), // runs 10..20 beside 2 (0..30): two at once
            action(4, "build", &[2, 3], 10),
            action(5, "link", &[4], 10),
            action(6, "nop", &[], 100),
        ];
        assert_eq!(widest(&actions), 2);
        // Three leaves at once.
        let flat = [
            action(1, "build", &[], 10),
            action(2, "build", &[], 10),
            action(3, "build", &[], 10),
        ];
        assert_eq!(widest(&flat), 3);
        // A cycle is left out, not looped on.
        let cycle = [action(1, "build", &[2], 10), action(2, "build", &[1], 10)];
        assert_eq!(widest(&cycle), 0);
        assert_eq!(widest(&[]), 0);
    }

    #[test]
    fn a_real_graph_is_as_wide_as_its_build_allowed() {
        let graph = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/actions/stamp-cold.graph.json");
        let log = SideLog::read(None, Some(&graph));
        let w = widest(&log.actions);
        // The std library's leaves compile side by side: wider than the
        // recorded build's -p 2, narrower than its 62 packages.
        assert!((3..62).contains(&w), "{w}");
        let mut findings = vec![
            flag("Makefile", 3, "`go build`", w + 6),
            flag("Makefile", 9, "`go build`", w),
        ];
        let mut notes = Vec::new();
        judge(&mut findings, Some(&graph), &mut notes).unwrap();
        assert_eq!(findings.len(), 1);
        assert_eq!(findings[0].line, Some(3));
        assert!(findings[0].fix.starts_with(&format!("-p {w} ")));
        // Without a graph: a note, no finding.
        let mut findings = vec![flag("Makefile", 3, "`go build`", 64)];
        judge(&mut findings, None, &mut notes).unwrap();
        assert!(findings.is_empty());
        assert!(notes[0].contains("Makefile:3"));
    }
}
