//! The build inputs (`Report::build_inputs`) as the renderers show them
//! ([`InputsView`]): the input differences grouped by the cause each
//! explains, with how many are shown and how many left out per cause, each
//! one's differing lines already clipped; the nondeterministic actions; each
//! side's timings with its slowest actions; the notes. How much of each is
//! shown is the format's [`Limits`]; the JSON has everything.

use std::borrow::Cow;
use std::collections::BTreeMap;

use super::{clip, Limits, Shown};
use crate::actions::{
    ActionTime, BuildInputs, InputDifference, LinePair, NondeterministicAction, Timings,
};

/// The cause an input difference that explains no report cause is listed under.
pub(crate) const OTHER: &str = "other";

/// The two builds compared in the go command's terms.
pub(crate) struct InputsView<'r> {
    pub inputs: &'r BuildInputs,
    /// The input differences by cause, the causes in code order (`other`,
    /// for a difference without one, among them), each cause's in the
    /// report's order (by mode, then package).
    pub causes: Vec<CauseInputs<'r>>,
    pub nondeterministic: &'r [NondeterministicAction],
    /// The lhs's, then the rhs's.
    pub timings: [TimingsView<'r>; 2],
    pub notes: Shown<&'r String>,
}

/// The input differences that explain one cause.
pub(crate) struct CauseInputs<'r> {
    /// A cause code of `attribute::Cause`, or [`OTHER`]. Read from the
    /// report: a renderer escapes it like any other text.
    pub cause: &'r str,
    pub differences: Shown<DifferenceView<'r>>,
}

/// One action whose hashed inputs differ.
pub(crate) struct DifferenceView<'r> {
    /// Its index in the report's `input_differences`.
    pub at: usize,
    pub difference: &'r InputDifference,
    /// `build example.com/app`: mode and package.
    pub action: String,
    /// Its differing lines, each side clipped to the format's length.
    pub lines: Shown<LineView<'r>>,
}

/// One differing hashed line, both sides (`None`: the side has no such line).
pub(crate) struct LineView<'r> {
    pub lhs: Option<Cow<'r, str>>,
    pub rhs: Option<Cow<'r, str>>,
}

/// How one side's build ran.
pub(crate) struct TimingsView<'r> {
    pub side: &'static str,
    pub timings: &'r Timings,
    /// The wall time in seconds, `12.3`.
    pub wall: String,
    /// The critical path's time in seconds, `9.8`.
    pub critical_path: String,
    /// Its slowest actions, slowest first.
    pub slowest: Shown<&'r ActionTime>,
}

impl<'r> InputsView<'r> {
    pub(crate) fn new(b: &'r BuildInputs, limits: &Limits) -> InputsView<'r> {
        let mut by_cause: BTreeMap<&str, Vec<(usize, &InputDifference)>> = BTreeMap::new();
        for (at, d) in b.input_differences.iter().enumerate() {
            by_cause
                .entry(d.cause.as_deref().unwrap_or(OTHER))
                .or_default()
                .push((at, d));
        }
        let causes = by_cause
            .into_iter()
            .map(|(cause, all)| CauseInputs {
                cause,
                differences: Shown::first(
                    all.into_iter()
                        .map(|(at, d)| DifferenceView::new(at, d, limits)),
                    limits.inputs_per_cause,
                ),
            })
            .collect();
        InputsView {
            inputs: b,
            causes,
            nondeterministic: &b.nondeterministic_actions,
            timings: [("lhs", &b.timings.lhs), ("rhs", &b.timings.rhs)]
                .map(|(side, t)| TimingsView::new(side, t, limits)),
            notes: Shown::first(b.notes.iter(), limits.notes),
        }
    }

    /// Whether there is nothing to show: no input differs, no action is
    /// nondeterministic, neither side recorded an action, no note.
    pub fn is_empty(&self) -> bool {
        self.causes.is_empty()
            && self.nondeterministic.is_empty()
            && self.timings.iter().all(|t| !t.recorded())
            && self.notes.total == 0
    }

    /// The input differences shown, in the report's order (by mode, then
    /// package) rather than by cause: one table for every cause.
    pub fn listed(&self) -> Vec<&DifferenceView<'r>> {
        let mut all: Vec<&DifferenceView<'r>> = self
            .causes
            .iter()
            .flat_map(|c| c.differences.items.iter())
            .collect();
        all.sort_by_key(|d| d.at);
        all
    }

    /// The input differences left out, of every cause.
    pub fn hidden(&self) -> usize {
        self.causes.iter().map(|c| c.differences.hidden()).sum()
    }
}

impl<'r> DifferenceView<'r> {
    fn new(at: usize, d: &'r InputDifference, limits: &Limits) -> DifferenceView<'r> {
        let max = limits.input_line_chars;
        let side = |s: &'r Option<String>| s.as_deref().map(|s| clip(s, max));
        DifferenceView {
            at,
            difference: d,
            action: format!("{} {}", d.mode, d.package),
            lines: Shown::first(
                d.lines.iter().map(|l: &'r LinePair| LineView {
                    lhs: side(&l.lhs),
                    rhs: side(&l.rhs),
                }),
                limits.input_lines,
            ),
        }
    }
}

impl<'r> TimingsView<'r> {
    fn new(side: &'static str, t: &'r Timings, limits: &Limits) -> TimingsView<'r> {
        TimingsView {
            side,
            timings: t,
            wall: seconds(t.wall_ms),
            critical_path: seconds(t.critical_path_ms),
            slowest: Shown::first(t.slowest.iter(), limits.slowest),
        }
    }

    /// Whether the side's action graph gave anything.
    pub fn recorded(&self) -> bool {
        *self.timings != Timings::default()
    }
}

/// Milliseconds as seconds with one decimal, `1.2`.
fn seconds(ms: u64) -> String {
    format!("{:.1}", ms as f64 / 1000.0)
}
