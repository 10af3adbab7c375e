//! The view model: what the human, Markdown and HTML renderers show of a
//! [`Report`], worked out once so that each of them only formats it.
//!
//! Input: a [`Report`] and the [`Limits`] of one format. Output: a [`View`]
//! of plain data: the verdict's figures, the artifacts and builds, the roots
//! with their consequences, the bytes by cause, the section rows, the
//! findings with their locations, proofs and excerpts (as rows of bytes),
//! `verify`'s build inputs (the input differences grouped by cause, the
//! nondeterministic actions, each side's timings: `inputs.rs`) and the
//! notes, with sizes, counts and shares already computed. Every choice of
//! what is shown, in which order and how much of it is made here (the three
//! formats' limits side by side in [`Limits`]); the renderers escape, mark up
//! and colour. Markdown's byte budget is the one exception: it depends on the
//! markup written.

mod finding;
mod inputs;
#[cfg(test)]
mod tests;

use std::collections::BTreeMap;

use super::{Artifact, ConfirmOutcome, Confirmation, Report, SectionRow, Verdict};
use crate::attribute::Finding;
use crate::diff::Status;
use crate::harness::BuildRecord;

pub(crate) use finding::{Cell, ExcerptView, FindingView, Side, ROW};
pub(crate) use inputs::{CauseInputs, DifferenceView, InputsView, OTHER};

/// How much of a report one format shows; the rest is counted (the JSON has
/// everything).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Limits {
    /// Unproven findings named under the verdict.
    pub unproven: usize,
    /// Root causes listed.
    pub roots: usize,
    /// Findings shown in detail.
    pub findings: usize,
    /// Rows of the section table.
    pub sections: usize,
    /// Whether the table lists the `same` sections too (or only counts them).
    pub same_sections: bool,
    /// Build records listed.
    pub builds: usize,
    pub notes: usize,
    /// Whether a consequence's excerpts are shown (a layout shift's bytes say little).
    pub consequence_excerpts: bool,
    /// Whether a finding with bytes on one side only shows them (the
    /// terminal shows the two sides' text one above the other, or nothing).
    pub one_sided_excerpts: bool,
    /// Rows of an excerpt's dump.
    pub excerpt_rows: usize,
    /// Input differences (`build_inputs`) listed per cause.
    pub inputs_per_cause: usize,
    /// Differing lines shown of each input difference...
    pub input_lines: usize,
    /// ...and characters of each line's sides.
    pub input_line_chars: usize,
    /// Slowest actions shown of each side's timings (at most
    /// [`SLOWEST`](crate::actions::SLOWEST) are recorded).
    pub slowest: usize,
}

impl Limits {
    /// A terminal: the first unproven findings and findings; every section
    /// only with `--verbose`.
    pub(crate) fn human(verbose: bool) -> Limits {
        Limits {
            unproven: 8,
            roots: usize::MAX,
            findings: 40,
            sections: usize::MAX,
            same_sections: verbose,
            builds: usize::MAX,
            notes: usize::MAX,
            consequence_excerpts: true,
            one_sided_excerpts: false,
            excerpt_rows: usize::MAX,
            // The first line of the first few, on one terminal line each.
            inputs_per_cause: 3,
            input_lines: 1,
            input_line_chars: 160,
            slowest: 5,
        }
    }

    /// A CI job summary: short lists (and a byte budget, in the renderer).
    pub(crate) const MARKDOWN: Limits = Limits {
        // Named under the verdict, as in every format: a gate reader must see them.
        unproven: 8,
        roots: 25,
        findings: 40,
        sections: 60,
        same_sections: false,
        builds: 2,
        notes: 10,
        consequence_excerpts: false,
        one_sided_excerpts: true,
        excerpt_rows: 128 / ROW,
        // One table row each: the first line of the first few.
        inputs_per_cause: 3,
        input_lines: 1,
        input_line_chars: 120,
        // No timings.
        slowest: 0,
    };

    /// A self-contained page: everything but the longest lists of findings.
    pub(crate) const HTML: Limits = Limits {
        unproven: 8,
        roots: usize::MAX,
        findings: 500,
        sections: usize::MAX,
        same_sections: true,
        builds: usize::MAX,
        notes: usize::MAX,
        consequence_excerpts: true,
        one_sided_excerpts: true,
        excerpt_rows: usize::MAX,
        // Bounded, not all: the go command's records allow 500 differences
        // of 50 lines of 64 KiB each (`actions::MAX_*`). 100 per cause, 20
        // lines each, 2000 characters a side (a whole `modinfo` line of most
        // programs) keep the page under a few MiB in practice and ~50 MiB at
        // worst; a closing line counts what is left out.
        inputs_per_cause: 100,
        input_lines: 20,
        input_line_chars: 2000,
        slowest: usize::MAX,
    };
}

/// The first items of a list and how many there are in all.
#[derive(Debug)]
pub(crate) struct Shown<T> {
    pub items: Vec<T>,
    pub total: usize,
}

impl<T> Shown<T> {
    fn first(all: impl ExactSizeIterator<Item = T>, limit: usize) -> Shown<T> {
        let total = all.len();
        Shown {
            items: all.take(limit).collect(),
            total,
        }
    }

    /// How many are left out.
    pub fn hidden(&self) -> usize {
        self.total - self.items.len()
    }
}

/// A report as the renderers show it.
pub(crate) struct View<'r> {
    pub report: &'r Report,
    pub limits: Limits,
    /// Reproducible: the file's size; not reproducible: the differing bytes.
    pub size: String,
    /// After "`size` differ ": `in 9 of 38 sections; 2 root causes`.
    pub extent: String,
    /// A differing report that gates with exit code 0: every root cause is allowed.
    pub gate_passes: bool,
    /// The unproven bytes, when there are any.
    pub unproven_size: Option<String>,
    pub artifacts: [ArtifactView<'r>; 2],
    pub builds: Vec<BuildView<'r>>,
    /// The `go env` values that shaped the builds, one line (side `None`)
    /// when both sides had the same, one per side otherwise.
    pub settings: Vec<(Option<&'static str>, String)>,
    pub roots: Vec<RootView>,
    /// Every finding, in the report's order (roots first).
    pub findings: Vec<FindingView<'r>>,
    /// Consequences whose root is not in the report (indexes into `findings`):
    /// shown, never dropped.
    pub others: Vec<usize>,
    /// `--confirm` results that refuted a root.
    pub refuted: Vec<&'r Confirmation>,
    /// Bytes by cause, the most first.
    pub by_cause: Vec<Share<'r>>,
    pub sections: Vec<SectionView<'r>>,
    /// `verify`'s build inputs, when the builds recorded them.
    pub inputs: Option<InputsView<'r>>,
}

/// One of the two compared files.
pub(crate) struct ArtifactView<'r> {
    pub side: &'static str,
    pub artifact: &'r Artifact,
    pub size: String,
    /// The file-name part of its path.
    pub name: &'r str,
}

/// One build, for the builds table.
pub(crate) struct BuildView<'r> {
    pub record: &'r BuildRecord,
    /// `1.2` (seconds).
    pub seconds: String,
    pub command: String,
    /// `GOOS/GOARCH`, when both are known.
    pub target: Option<String>,
}

/// A root finding and what follows from it.
pub(crate) struct RootView {
    /// Index into [`View::findings`].
    pub at: usize,
    /// The consequences naming it (indexes into [`View::findings`]).
    pub consequences: Vec<usize>,
    /// Their bytes.
    pub shifted: u64,
    /// `73 B more shifted by it`, when they have any.
    pub consequence: Option<String>,
}

/// A cause's share of the differing bytes.
pub(crate) struct Share<'r> {
    pub cause: &'r str,
    pub bytes: u64,
    pub size: String,
    /// Percent of the differing bytes.
    pub percent: f64,
}

/// One row of the section table.
pub(crate) struct SectionView<'r> {
    pub row: &'r SectionRow,
    pub lhs: String,
    pub rhs: String,
    /// The differing bytes, `-` for none.
    pub differing: String,
    pub same: bool,
}

/// The findings folded under their roots: each root with the consequences
/// shown under it, then the other consequences.
pub(crate) struct Folded<'v, 'r> {
    pub roots: Vec<Fold<'v, 'r>>,
    pub others: Vec<&'v FindingView<'r>>,
    /// Findings left out.
    pub hidden: usize,
}

pub(crate) struct Fold<'v, 'r> {
    pub root: &'v FindingView<'r>,
    pub view: &'v RootView,
    /// The consequences shown (the first ones, within the limit).
    pub shown: Vec<&'v FindingView<'r>>,
}

impl<'r> View<'r> {
    pub(crate) fn new(r: &'r Report, limits: Limits) -> View<'r> {
        let s = &r.summary;
        let findings: Vec<FindingView> = r
            .findings
            .iter()
            .map(|f| FindingView::new(f, &limits))
            .collect();
        let (roots, others) = roots(&r.findings);
        let mut by_cause: Vec<Share> = s
            .by_cause
            .iter()
            .map(|(cause, &bytes)| Share {
                cause,
                bytes,
                size: size(bytes),
                percent: if s.differing_bytes == 0 {
                    0.0
                } else {
                    bytes as f64 * 100.0 / s.differing_bytes as f64
                },
            })
            .collect();
        by_cause.sort_by(|a, b| b.bytes.cmp(&a.bytes).then(a.cause.cmp(b.cause)));
        View {
            report: r,
            limits,
            size: size(match r.verdict {
                Verdict::Reproducible => r.lhs.size,
                Verdict::Differs => s.differing_bytes,
            }),
            extent: format!(
                "in {} of {} sections; {} root cause{}",
                s.sections_differing,
                s.sections_total,
                roots.len(),
                plural(roots.len())
            ),
            gate_passes: r.verdict == Verdict::Differs && r.exit_code == 0,
            unproven_size: (s.unproven_bytes > 0).then(|| size(s.unproven_bytes)),
            artifacts: [("lhs", &r.lhs), ("rhs", &r.rhs)].map(|(side, a)| ArtifactView {
                side,
                artifact: a,
                size: size(a.size),
                name: file_name(&a.path),
            }),
            builds: r.builds.iter().take(limits.builds).map(build).collect(),
            settings: settings(&r.builds),
            roots,
            findings,
            others,
            refuted: r
                .confirmations
                .iter()
                .filter(|c| c.outcome == ConfirmOutcome::Refuted)
                .collect(),
            by_cause,
            sections: r.sections.iter().map(section).collect(),
            inputs: r.build_inputs.as_ref().map(|b| InputsView::new(b, &limits)),
        }
    }

    pub fn differs(&self) -> bool {
        self.report.verdict == Verdict::Differs
    }

    /// A root's finding.
    pub fn root(&self, root: &RootView) -> &FindingView<'r> {
        &self.findings[root.at]
    }

    /// The unproven findings named under the verdict.
    pub fn unproven(&self) -> Shown<&FindingView<'r>> {
        let all: Vec<_> = self.findings.iter().filter(|v| v.unproven).collect();
        Shown::first(all.into_iter(), self.limits.unproven)
    }

    /// The root causes listed.
    pub fn listed_roots(&self) -> Shown<&RootView> {
        Shown::first(self.roots.iter(), self.limits.roots)
    }

    /// The findings shown in detail, in the report's order.
    pub fn listed_findings(&self) -> Shown<&FindingView<'r>> {
        Shown::first(self.findings.iter(), self.limits.findings)
    }

    /// The findings shown in detail, each consequence folded under its root.
    pub fn folded(&self) -> Folded<'_, 'r> {
        let limit = self.limits.findings;
        let mut shown = 0;
        let mut take = |list: &[usize]| -> Vec<&FindingView<'r>> {
            let n = list.len().min(limit - shown);
            shown += n;
            list[..n].iter().map(|&i| &self.findings[i]).collect()
        };
        let mut roots = Vec::new();
        for view in &self.roots {
            if take(&[view.at]).is_empty() {
                break;
            }
            roots.push(Fold {
                root: &self.findings[view.at],
                view,
                shown: take(&view.consequences),
            });
        }
        let others = take(&self.others);
        Folded {
            roots,
            others,
            hidden: self.findings.len() - shown,
        }
    }

    /// The rows of the section table, in the report's order.
    pub fn listed_sections(&self) -> Shown<&SectionView<'r>> {
        let all: Vec<_> = self
            .sections
            .iter()
            .filter(|x| !x.same || self.limits.same_sections)
            .collect();
        Shown::first(all.into_iter(), self.limits.sections)
    }

    /// The `same` sections the table only counts.
    pub fn folded_same(&self) -> usize {
        if self.limits.same_sections {
            0
        } else {
            self.sections.iter().filter(|x| x.same).count()
        }
    }

    pub fn notes(&self) -> Shown<&'r String> {
        Shown::first(self.report.notes.iter(), self.limits.notes)
    }
}

/// The roots, each with the consequences that name it, and the consequences
/// whose root is not in the report.
fn roots(findings: &[Finding]) -> (Vec<RootView>, Vec<usize>) {
    let mut roots: Vec<RootView> = (0..findings.len())
        .filter(|&at| findings[at].root.is_none())
        .map(|at| RootView {
            at,
            consequences: Vec::new(),
            shifted: 0,
            consequence: None,
        })
        .collect();
    let by_id: BTreeMap<usize, usize> = roots
        .iter()
        .enumerate()
        .map(|(k, root)| (findings[root.at].id, k))
        .collect();
    let mut others = Vec::new();
    for (i, f) in findings.iter().enumerate() {
        match f.root.map(|id| by_id.get(&id)) {
            None => {}
            Some(Some(&k)) => roots[k].consequences.push(i),
            Some(None) => others.push(i),
        }
    }
    for root in &mut roots {
        root.shifted = root.consequences.iter().map(|&i| findings[i].bytes).sum();
        let cause = findings[root.at].cause;
        root.consequence =
            (root.shifted > 0).then(|| format!("{} {}", size(root.shifted), cause.consequence()));
    }
    (roots, others)
}

fn build(b: &BuildRecord) -> BuildView<'_> {
    BuildView {
        record: b,
        // From the whole milliseconds the JSON has, so a report read back shows the same.
        seconds: format!(
            "{:.1}",
            std::time::Duration::from_millis(b.millis()).as_secs_f64()
        ),
        command: b.command.join(" "),
        target: match (b.go_env.get("GOOS"), b.go_env.get("GOARCH")) {
            (Some(os), Some(arch)) => Some(format!("{os}/{arch}")),
            _ => None,
        },
    }
}

/// The `go env` values that shaped the builds (GOOS, GOARCH, CGO_ENABLED,
/// GOAMD64, ...; GOVERSION is the toolchain line).
fn settings(builds: &[BuildRecord]) -> Vec<(Option<&'static str>, String)> {
    let line = |b: &BuildRecord| -> String {
        b.go_env
            .iter()
            .filter(|(k, _)| *k != "GOVERSION")
            .map(|(k, v)| {
                if v.contains(' ') || v.is_empty() {
                    format!("{k}=\"{v}\"")
                } else {
                    format!("{k}={v}")
                }
            })
            .collect::<Vec<_>>()
            .join(" ")
    };
    let lines: Vec<(Option<&str>, String)> = builds
        .iter()
        .map(|b| (Some(b.side.name()), line(b)))
        .filter(|(_, l)| !l.is_empty())
        .collect();
    match lines.as_slice() {
        [(_, a), (_, b)] if a == b => vec![(None, a.clone())],
        _ => lines,
    }
}

fn section(x: &SectionRow) -> SectionView<'_> {
    SectionView {
        row: x,
        lhs: size(x.lhs_size),
        rhs: size(x.rhs_size),
        differing: if x.differing_bytes > 0 {
            size(x.differing_bytes)
        } else {
            "-".into()
        },
        same: x.status == Status::Same,
    }
}

/// At most `max` characters of `s`, an ellipsis marking a cut.
pub(crate) fn clip(s: &str, max: usize) -> std::borrow::Cow<'_, str> {
    match s.char_indices().nth(max) {
        None => s.into(),
        Some((i, _)) => format!("{}…", &s[..i]).into(),
    }
}

/// `s` unless there is one.
pub(crate) fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

/// Bytes as `1.2 MiB`.
pub fn size(n: u64) -> String {
    const UNITS: [&str; 4] = ["B", "KiB", "MiB", "GiB"];
    let mut v = n as f64;
    let mut u = 0;
    while v >= 1024.0 && u < UNITS.len() - 1 {
        v /= 1024.0;
        u += 1;
    }
    if u == 0 {
        format!("{n} B")
    } else {
        format!("{v:.1} {}", UNITS[u])
    }
}

/// The file-name part of a path, for titles (either separator).
pub(crate) fn file_name(path: &str) -> &str {
    path.rsplit(['/', '\\'])
        .find(|p| !p.is_empty())
        .unwrap_or(path)
}
