//! The HTML report's build inputs (`verify`): what each side's go command
//! hashed into its action IDs and how its actions ran, from the view's
//! [`InputsView`].
//!
//! One section, `#build-inputs`: a line counting what differs; the input
//! differences grouped by the cause each explains, folded (`<details>`),
//! each action with every differing line lhs against rhs (within
//! `Limits::HTML`: 100 actions per cause, 20 lines each, 2000 characters a
//! side, what is left out counted); the nondeterministic actions, open (the
//! strongest evidence the page can carry); each side's timings and slowest
//! actions, folded; the notes. Nothing when the report has no build inputs
//! or they are all empty. Every string is [`escape`]d: package names and
//! hashed lines come from the build.

use std::fmt::Write;

use super::{cause_badge, escape};
use crate::attribute::Cause;
use crate::report::view::{plural, CauseInputs, DifferenceView, InputsView, View};

/// The build inputs section, when there is anything to show.
pub(super) fn build_inputs(o: &mut String, v: &View<'_>) {
    let Some(b) = &v.inputs else {
        return;
    };
    if b.is_empty() {
        return;
    }
    let differing = b.inputs.input_differences.len();
    let nondeterministic = b.nondeterministic.len();
    let _ = writeln!(
        o,
        "<h2 id=\"build-inputs\">Build inputs</h2>\n<p>What each side's go command hashed into its action IDs, compared: {differing} action{} whose inputs differ, {nondeterministic} nondeterministic action{}.</p>",
        plural(differing),
        plural(nondeterministic)
    );
    differences(o, b);
    nondeterministic_actions(o, b);
    timings(o, b);
    if !b.notes.items.is_empty() {
        o.push_str("<ul class=\"muted\">\n");
        for n in &b.notes.items {
            let _ = writeln!(o, "<li>note: {}</li>", escape(n));
        }
        if b.notes.hidden() > 0 {
            let _ = writeln!(
                o,
                "<li>{} more notes in the JSON report</li>",
                b.notes.hidden()
            );
        }
        o.push_str("</ul>\n");
    }
}

/// A cause code from the report as a badge: coloured when it is one of
/// ours, grey otherwise (`other`, or anything unknown, escaped).
fn badge(code: &str) -> String {
    match Cause::from_code(code) {
        Some(c) => cause_badge(c),
        None => format!(
            "<span class=\"cause c-unattributed\">{}</span>",
            escape(code)
        ),
    }
}

/// The input differences by cause, folded; the summary counts them.
fn differences(o: &mut String, b: &InputsView<'_>) {
    if b.causes.is_empty() {
        return;
    }
    let counts: Vec<String> = b
        .causes
        .iter()
        .map(|c| format!("{} {}", badge(c.cause), c.differences.total))
        .collect();
    let _ = writeln!(
        o,
        "<details class=\"more\"><summary>Hashed inputs that differ, by the cause each explains: {}</summary>",
        counts.join(" ")
    );
    for c in &b.causes {
        cause(o, c);
    }
    o.push_str("</details>\n");
}

fn cause(o: &mut String, c: &CauseInputs<'_>) {
    let total = c.differences.total;
    let _ = writeln!(
        o,
        "<h3>{} {total} action{}</h3>\n<table class=\"inputs\">\n<tr><th class=\"action\">action</th><th class=\"line\">lhs</th><th class=\"line\">rhs</th></tr>",
        badge(c.cause),
        plural(total)
    );
    for d in &c.differences.items {
        difference(o, d);
    }
    o.push_str("</table>\n");
    if c.differences.hidden() > 0 {
        let _ = writeln!(
            o,
            "<p class=\"muted\">{} more <code>{}</code> action{} in the JSON report.</p>",
            c.differences.hidden(),
            escape(c.cause),
            plural(c.differences.hidden())
        );
    }
}

/// One action: its name (and dependency lines) beside its differing lines,
/// one row per line.
fn difference(o: &mut String, d: &DifferenceView<'_>) {
    let hidden = d.lines.hidden();
    let rows = (d.lines.items.len() + usize::from(hidden > 0)).max(1);
    let _ = write!(
        o,
        "<tr><td rowspan=\"{rows}\"><code class=\"wrap\">{}</code>",
        escape(&d.action)
    );
    let deps = d.difference.dependency_lines;
    if deps > 0 {
        let _ = write!(
            o,
            "<br><span class=\"muted\">and {deps} dependency line{} (a dependency's ID)</span>",
            plural(deps)
        );
    }
    o.push_str("</td>");
    if d.lines.items.is_empty() && hidden == 0 {
        o.push_str("<td colspan=\"2\" class=\"muted\">no line listed</td></tr>\n");
        return;
    }
    for (k, l) in d.lines.items.iter().enumerate() {
        if k > 0 {
            o.push_str("<tr>");
        }
        let _ = writeln!(
            o,
            "{}{}</tr>",
            cell(l.lhs.as_deref()),
            cell(l.rhs.as_deref())
        );
    }
    if hidden > 0 {
        if !d.lines.items.is_empty() {
            o.push_str("<tr>");
        }
        let _ = writeln!(
            o,
            "<td colspan=\"2\" class=\"muted\">{hidden} more line{} in the JSON report</td></tr>",
            plural(hidden)
        );
    }
}

/// One side of a differing line as a cell (`None`: the side has no such line).
fn cell(line: Option<&str>) -> String {
    match line {
        Some(s) => format!("<td class=\"wrap\"><code>{}</code></td>", escape(s)),
        None => "<td class=\"muted\">(none)</td>".into(),
    }
}

fn nondeterministic_actions(o: &mut String, b: &InputsView<'_>) {
    if b.nondeterministic.is_empty() {
        return;
    }
    o.push_str("<h3 class=\"bad\">Nondeterministic actions</h3>\n<p>The same action ID on both sides (the same inputs, as the go command hashes them) and a different output: the tool that ran is not reproducible.</p>\n<table class=\"inputs\">\n<tr><th>action</th><th>tool</th><th>action ID</th><th>lhs output ID</th><th>rhs output ID</th></tr>\n");
    for a in b.nondeterministic {
        let _ = writeln!(
            o,
            "<tr><td class=\"wrap\"><code>{} {}</code></td><td>{}</td><td class=\"digest\">{}</td><td class=\"digest\">{}</td><td class=\"digest\">{}</td></tr>",
            escape(&a.mode),
            escape(&a.package),
            a.tool
                .as_deref()
                .map_or("<span class=\"muted\">?</span>".into(), |t| format!(
                    "<code>{}</code>",
                    escape(t)
                )),
            escape(&a.action_id),
            escape(&a.lhs_output_id),
            escape(&a.rhs_output_id)
        );
    }
    o.push_str("</table>\n");
}

/// Each side's timings, folded: one row per side, then the slowest actions.
fn timings(o: &mut String, b: &InputsView<'_>) {
    if b.timings.iter().all(|t| !t.recorded()) {
        return;
    }
    let walls: Vec<String> = b
        .timings
        .iter()
        .map(|t| format!("{} {} s", t.side, t.wall))
        .collect();
    let _ = writeln!(
        o,
        "<details class=\"more\"><summary>Timings, from each side's action graph: {}</summary>\n<table class=\"inputs\">\n<tr><th>side</th><th class=\"num\">wall</th><th class=\"num\">actions</th><th class=\"num\">compiled</th><th class=\"num\">cached</th><th>critical path</th></tr>",
        walls.join(", ")
    );
    for x in &b.timings {
        let t = x.timings;
        let _ = writeln!(
            o,
            "<tr><td>{}</td><td class=\"num\">{} s</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"wrap\">{} s: {}</td></tr>",
            x.side,
            x.wall,
            t.actions,
            t.rebuilt,
            t.cached,
            x.critical_path,
            escape(&t.critical_path.join(" → "))
        );
    }
    o.push_str("</table>\n");
    if b.timings.iter().any(|t| !t.slowest.items.is_empty()) {
        o.push_str("<table class=\"inputs narrow\">\n<tr><th>side</th><th class=\"num\">time</th><th>slowest actions</th></tr>\n");
        for x in &b.timings {
            for a in &x.slowest.items {
                let _ = writeln!(
                    o,
                    "<tr><td>{}</td><td class=\"num\">{:.2} s</td><td class=\"wrap\"><code>{} {}</code></td></tr>",
                    x.side,
                    a.ms as f64 / 1000.0,
                    escape(&a.mode),
                    escape(&a.package)
                );
            }
        }
        o.push_str("</table>\n");
    }
    o.push_str("</details>\n");
}
