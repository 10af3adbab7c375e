//! The terminal rendering: the verdict first, then the root causes with their
//! fixes, the section table and the findings. A reproducible result is short:
//! the verdict, the digest, the toolchain and the build settings; its
//! section table (every section `same`) only with `--verbose`. Everything
//! read from a binary goes through [`escape`], so names with control
//! characters cannot move the cursor or change colours.

use std::borrow::Cow;
use std::fmt::Write;

use super::view::{plural, FindingView, Limits, View};
use super::{ConfirmOutcome, RenderOptions, Report};
use crate::diff::Status;

struct Style {
    color: bool,
}

/// `text` in the ANSI style `code` (`1` bold, `1;32` bold green...) when `color`.
pub(crate) fn paint(color: bool, code: &str, text: &str) -> String {
    if color {
        format!("\x1b[{code}m{text}\x1b[0m")
    } else {
        text.to_string()
    }
}

impl Style {
    fn paint(&self, code: &str, text: &str) -> String {
        paint(self.color, code, text)
    }
    fn bold(&self, t: &str) -> String {
        self.paint("1", t)
    }
    fn green(&self, t: &str) -> String {
        self.paint("1;32", t)
    }
    fn red(&self, t: &str) -> String {
        self.paint("1;31", t)
    }
    fn dim(&self, t: &str) -> String {
        self.paint("2", t)
    }
}

/// Make a string read from a binary safe for a terminal: control characters
/// and non-UTF-8 replacement marks are shown as escapes.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            c if c.is_control() => {
                let _ = write!(out, "\\u{{{:x}}}", c as u32);
            }
            c => out.push(c),
        }
    }
    out
}

/// The differing instructions of a code finding, both sides, disassembled.
fn instructions(o: &mut String, v: &FindingView<'_>, indent: &str) {
    for d in &v.finding.instructions {
        let _ = writeln!(
            o,
            "{indent}lhs {:#x}  {}",
            d.lhs_address,
            escape(if d.lhs.is_empty() { "(none)" } else { &d.lhs })
        );
        let _ = writeln!(
            o,
            "{indent}rhs {:#x}  {}",
            d.rhs_address,
            escape(if d.rhs.is_empty() { "(none)" } else { &d.rhs })
        );
    }
}

pub fn render(r: &Report, options: RenderOptions) -> String {
    let v = View::new(r, Limits::human(options.verbose));
    let st = Style {
        color: options.color,
    };
    let mut o = String::new();
    verdict(&mut o, &v, &st);
    overview(&mut o, &v);
    if v.differs() {
        root_causes(&mut o, &v, &st);
        confirmations(&mut o, &v, &st);
        build_inputs(&mut o, &v, &st);
        by_cause(&mut o, &v, &st);
    } else if v
        .inputs
        .as_ref()
        .is_some_and(|b| !b.nondeterministic.is_empty())
    {
        build_inputs(&mut o, &v, &st);
    }
    if options.timings {
        timings(&mut o, &v, &st);
    }
    if !v.differs() && !v.limits.same_sections {
        let n = v.sections.len();
        let _ = writeln!(
            o,
            "  {n} section{}, all the same (--verbose lists them)",
            plural(n)
        );
    } else {
        sections(&mut o, &v, &st);
        if v.differs() {
            findings(&mut o, &v, &st);
        }
    }
    for n in v.notes().items {
        let _ = writeln!(o, "\nnote: {}", escape(n));
    }
    o
}

/// The verdict line; for a differing result, what must be read first: the
/// gate, refuted roots and the bytes no proof covers.
fn verdict(o: &mut String, v: &View<'_>, st: &Style) {
    if !v.differs() {
        let _ = writeln!(
            o,
            "{} the two binaries are byte-identical ({}, sha256 {})",
            st.green("reproducible:"),
            v.size,
            v.report.lhs.sha256
        );
        return;
    }
    let _ = writeln!(
        o,
        "{} {} differ {}",
        st.red("not reproducible:"),
        v.size,
        v.extent
    );
    if v.gate_passes {
        let _ = writeln!(o, "{}", st.bold("gate passes: every root cause is allowed"));
    }
    for c in &v.refuted {
        let _ = writeln!(
            o,
            "{} --confirm refuted {} for {}: {}",
            st.red("REFUTED:"),
            escape(&c.variation),
            c.root_list(),
            escape(&c.detail)
        );
    }
    if let Some(bytes) = &v.unproven_size {
        let _ = writeln!(
            o,
            "{} {bytes} differ with no proven cause; no --allow passes them:",
            st.red("UNPROVEN:")
        );
        let unproven = v.unproven();
        for f in &unproven.items {
            let g = f.finding;
            let _ = writeln!(o, "  [{}] {}: {}", g.id, g.cause.code(), escape(&g.title));
            instructions(o, f, "      ");
        }
        if unproven.hidden() > 0 {
            let _ = writeln!(o, "  ... {} more (see the findings)", unproven.hidden());
        }
    }
}

/// The two files, the toolchain, the builds and their settings.
fn overview(o: &mut String, v: &View<'_>) {
    for a in &v.artifacts {
        let x = a.artifact;
        let _ = writeln!(
            o,
            "  {}  {}  {}  {} {}  sha256 {}",
            a.side,
            escape(&x.path),
            a.size,
            x.format.name(),
            x.arch,
            x.sha256
        );
    }
    if let Some(t) = &v.report.toolchain {
        let how = if t.pinned {
            format!("pinned by {}", t.source)
        } else {
            "not pinned".into()
        };
        let _ = writeln!(o, "  toolchain {} ({how})", t.version);
    }
    for b in &v.builds {
        let _ = writeln!(
            o,
            "  {} build {}s: {}",
            b.record.side.name(),
            b.seconds,
            escape(&b.command)
        );
    }
    for (side, line) in &v.settings {
        match side {
            Some(side) => {
                let _ = writeln!(o, "  {side} settings {}", escape(line));
            }
            None => {
                let _ = writeln!(o, "  settings {}", escape(line));
            }
        }
    }
}

fn root_causes(o: &mut String, v: &View<'_>, st: &Style) {
    let _ = writeln!(o, "\n{}", st.bold("Root causes"));
    for root in v.listed_roots().items {
        let f = v.root(root).finding;
        let _ = writeln!(
            o,
            "  [{}] {} {}",
            f.id,
            st.bold(f.cause.code()),
            escape(&f.title)
        );
        let mut line = format!("      {} in {}", v.root(root).size, escape(&f.section));
        if let Some(c) = &root.consequence {
            let _ = write!(line, "; {c}");
        }
        let _ = writeln!(o, "{line}");
        if let Some(fix) = &f.fix {
            let _ = writeln!(o, "      fix: {}", escape(fix));
        }
    }
}

fn confirmations(o: &mut String, v: &View<'_>, st: &Style) {
    let all = &v.report.confirmations;
    if all.is_empty() {
        return;
    }
    let _ = writeln!(
        o,
        "\n{}",
        st.bold("Causal checks (--confirm: the rhs rebuilt with one variation taken from the lhs)")
    );
    for c in all {
        let outcome = match c.outcome {
            ConfirmOutcome::Confirmed => st.green(c.outcome.code()),
            ConfirmOutcome::Refuted => st.red(c.outcome.code()),
            ConfirmOutcome::NotRun => st.dim(c.outcome.code()),
        };
        let _ = writeln!(o, "  {} {}: {outcome}", escape(&c.variation), c.root_list());
        let _ = writeln!(o, "      {}", escape(&c.detail));
        if let Some(evidence) = c.evidence() {
            let _ = writeln!(o, "      {evidence}");
        }
    }
}

/// The build inputs that differ, in the go command's terms, grouped by the
/// cause each explains; then the nondeterministic actions.
fn build_inputs(o: &mut String, v: &View<'_>, st: &Style) {
    let Some(b) = &v.inputs else {
        return;
    };
    if !b.causes.is_empty() {
        let _ = writeln!(
            o,
            "\n{}",
            st.bold("Build inputs that differ (what the go command hashed for each action)")
        );
        for c in &b.causes {
            let _ = writeln!(o, "  {}:", escape(c.cause));
            for d in &c.differences.items {
                let _ = writeln!(o, "    {}", escape(&d.action));
                if let Some(l) = d.lines.items.first() {
                    let side =
                        |s: &Option<Cow<'_, str>>| s.as_deref().map_or("(none)".into(), escape);
                    let _ = writeln!(o, "      lhs: {}", side(&l.lhs));
                    let _ = writeln!(o, "      rhs: {}", side(&l.rhs));
                }
            }
            if c.differences.hidden() > 0 {
                let _ = writeln!(
                    o,
                    "    ({} more in the JSON report)",
                    c.differences.hidden()
                );
            }
        }
    }
    if !b.nondeterministic.is_empty() {
        let _ = writeln!(
            o,
            "\n{}",
            st.red("Nondeterministic actions (same inputs on both sides, different output)")
        );
        for a in b.nondeterministic {
            let _ = writeln!(
                o,
                "  {} {} ({}): action {} gave {} and {}",
                escape(&a.mode),
                escape(&a.package),
                a.tool.as_deref().map_or("?".to_string(), escape),
                escape(&a.action_id),
                escape(&a.lhs_output_id),
                escape(&a.rhs_output_id)
            );
        }
    }
}

/// `--timings`: each build's time, critical path, slowest actions, cache use.
fn timings(o: &mut String, v: &View<'_>, st: &Style) {
    let Some(b) = &v.inputs else {
        let _ = writeln!(
            o,
            "\nnote: --timings: no build of this run recorded its actions"
        );
        return;
    };
    let _ = writeln!(
        o,
        "\n{}",
        st.bold("Build timings (from each side's action graph)")
    );
    for x in &b.timings {
        let t = x.timings;
        let _ = writeln!(
            o,
            "  {}: {} s wall, {} action{}, {} package{} compiled, {} from the cache",
            x.side,
            x.wall,
            t.actions,
            plural(t.actions),
            t.rebuilt,
            plural(t.rebuilt),
            t.cached
        );
        let _ = writeln!(
            o,
            "    critical path {} s: {}",
            x.critical_path,
            escape(&t.critical_path.join(" → "))
        );
        for a in &x.slowest.items {
            let _ = writeln!(
                o,
                "    {:>7.2} s  {} {}",
                a.ms as f64 / 1000.0,
                escape(&a.mode),
                escape(&a.package)
            );
        }
    }
}

fn by_cause(o: &mut String, v: &View<'_>, st: &Style) {
    let _ = writeln!(o, "\n{}", st.bold("Bytes by cause"));
    for s in &v.by_cause {
        let _ = writeln!(o, "  {:<14} {:>10}  {:5.1}%", s.cause, s.size, s.percent);
    }
}

fn sections(o: &mut String, v: &View<'_>, st: &Style) {
    let _ = writeln!(o, "\n{}", st.bold("Sections"));
    let width = v
        .sections
        .iter()
        .map(|x| escape(&x.row.name).chars().count())
        .max()
        .unwrap_or(8)
        .clamp(8, 40);
    let _ = writeln!(
        o,
        "  {:<width$}  {:<8}  {:>10}  {:>10}  {:>10}",
        "name", "status", "lhs", "rhs", "differing"
    );
    for x in v.listed_sections().items {
        let status = match x.row.status {
            Status::Same => st.dim("same"),
            other => st.red(other.name()),
        };
        // Pad to 8 visible characters: the colour codes take no room.
        let pad = 8 + status.len()
            - status
                .chars()
                .filter(|c| !c.is_control())
                .count()
                .min(status.len());
        let _ = writeln!(
            o,
            "  {:<width$}  {:<pad$}  {:>10}  {:>10}  {:>10}",
            escape(&x.row.name),
            status,
            x.lhs,
            x.rhs,
            x.differing
        );
        if let Some(w) = &x.row.warning {
            let _ = writeln!(o, "  {:<width$}  note: {}", "", escape(w));
        }
    }
    let same = v.folded_same();
    if v.differs() && same > 0 {
        let _ = writeln!(o, "  ({same} more sections are the same)");
    }
}

fn findings(o: &mut String, v: &View<'_>, st: &Style) {
    let _ = writeln!(o, "\n{}", st.bold("Findings"));
    let listed = v.listed_findings();
    for x in &listed.items {
        let f = x.finding;
        let root = f
            .root
            .map(|id| format!(" (follows from [{id}])"))
            .unwrap_or_default();
        let _ = writeln!(
            o,
            "  [{}] {}{root}: {}",
            f.id,
            f.cause.code(),
            escape(&f.title)
        );
        let _ = writeln!(o, "      {} of {}", x.extent, escape(&f.section));
        if let Some(at) = &x.at {
            let mut l = format!("      at {}", at.offsets);
            if let Some(sym) = at.symbol {
                let _ = write!(l, " in {}", escape(sym));
            }
            if let Some(d) = at.detail {
                let _ = write!(l, " ({})", escape(d));
            }
            let _ = writeln!(o, "{l}");
        }
        if let Some(p) = &x.proof {
            let p = if x.unproven { st.red(p) } else { p.clone() };
            let _ = writeln!(o, "      {p}");
        }
        instructions(o, x, "      ");
        for side in &x.sides {
            if let Some(e) = &side.excerpt {
                let text = st.dim(&escape(&e.excerpt.text));
                let _ = writeln!(o, "      {}: {text}", side.name);
            }
        }
    }
    if listed.hidden() > 0 {
        let _ = writeln!(
            o,
            "  ... {} more findings (see --format json)",
            listed.hidden()
        );
    }
}
