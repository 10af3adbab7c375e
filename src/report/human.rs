//! The terminal rendering: the verdict first, then the root causes with their
//! fixes, the section table and the findings. A reproducible result is short:
//! the verdict, the digest, the toolchain and the build settings; its
//! section table (every section `same`) only with `--verbose`. Everything
//! read from a binary goes through [`escape`], so names with control
//! characters cannot move the cursor or change colours.

use std::fmt::Write;

use super::{ConfirmOutcome, RenderOptions, Report, Verdict};
use crate::attribute::Finding;
use crate::diff::Status;

struct Style {
    color: bool,
}

impl Style {
    fn paint(&self, code: &str, text: &str) -> String {
        if self.color {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_string()
        }
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

/// The differing instructions of a code finding, both sides, disassembled.
fn instructions(o: &mut String, f: &Finding, indent: &str) {
    for d in &f.instructions {
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

/// Most findings shown in detail on a terminal; the JSON has them all.
const MAX_FINDINGS: usize = 40;

pub fn render(r: &Report, options: RenderOptions) -> String {
    let st = Style {
        color: options.color,
    };
    let mut o = String::new();
    let s = &r.summary;
    match r.verdict {
        Verdict::Reproducible => {
            let _ = writeln!(
                o,
                "{} the two binaries are byte-identical ({}, sha256 {})",
                st.green("reproducible:"),
                size(r.lhs.size),
                r.lhs.sha256
            );
        }
        Verdict::Differs => {
            let roots: Vec<&Finding> = r.roots().collect();
            let _ = writeln!(
                o,
                "{} {} differ in {} of {} sections; {} root cause{}",
                st.red("not reproducible:"),
                size(s.differing_bytes),
                s.sections_differing,
                s.sections_total,
                roots.len(),
                if roots.len() == 1 { "" } else { "s" }
            );
            if r.exit_code == 0 {
                let _ = writeln!(o, "{}", st.bold("gate passes: every root cause is allowed"));
            }
            for c in r
                .confirmations
                .iter()
                .filter(|c| c.outcome == ConfirmOutcome::Refuted)
            {
                let _ = writeln!(
                    o,
                    "{} --confirm refuted {} for {}: {}",
                    st.red("REFUTED:"),
                    escape(&c.variation),
                    c.root_list(),
                    escape(&c.detail)
                );
            }
            if s.unproven_bytes > 0 {
                let _ = writeln!(
                    o,
                    "{} {} differ with no proven cause; no --allow passes them:",
                    st.red("UNPROVEN:"),
                    size(s.unproven_bytes)
                );
                for f in r.unproven().take(8) {
                    let _ = writeln!(o, "  [{}] {}: {}", f.id, f.cause.code(), escape(&f.title));
                    instructions(&mut o, f, "      ");
                }
                if r.unproven().count() > 8 {
                    let _ = writeln!(
                        o,
                        "  ... {} more (see the findings)",
                        r.unproven().count() - 8
                    );
                }
            }
        }
    }
    let _ = writeln!(
        o,
        "  lhs  {}  {}  {} {}  sha256 {}",
        escape(&r.lhs.path),
        size(r.lhs.size),
        r.lhs.format.name(),
        r.lhs.arch,
        r.lhs.sha256
    );
    let _ = writeln!(
        o,
        "  rhs  {}  {}  {} {}  sha256 {}",
        escape(&r.rhs.path),
        size(r.rhs.size),
        r.rhs.format.name(),
        r.rhs.arch,
        r.rhs.sha256
    );
    if let Some(t) = &r.toolchain {
        let _ = writeln!(
            o,
            "  toolchain {} ({})",
            t.version,
            if t.pinned {
                format!("pinned by {}", t.source)
            } else {
                "not pinned".into()
            }
        );
    }
    for b in &r.builds {
        let _ = writeln!(
            o,
            "  {} build {:.1}s: {}",
            b.side.name(),
            b.duration.as_secs_f64(),
            escape(&b.command.join(" "))
        );
    }
    settings(&mut o, r);

    if r.verdict == Verdict::Differs {
        let roots: Vec<&Finding> = r.roots().collect();
        let _ = writeln!(o, "\n{}", st.bold("Root causes"));
        for f in &roots {
            let shifted: u64 = r
                .findings
                .iter()
                .filter(|g| g.root == Some(f.id))
                .map(|g| g.bytes)
                .sum();
            let _ = writeln!(
                o,
                "  [{}] {} {}",
                f.id,
                st.bold(f.cause.code()),
                escape(&f.title)
            );
            let mut line = format!("      {} in {}", size(f.bytes), escape(&f.section));
            if shifted > 0 {
                let _ = write!(line, "; {} {}", size(shifted), f.cause.consequence());
            }
            let _ = writeln!(o, "{line}");
            if let Some(fix) = &f.fix {
                let _ = writeln!(o, "      fix: {}", escape(fix));
            }
        }
        if !r.confirmations.is_empty() {
            let _ = writeln!(
                o,
                "\n{}",
                st.bold("Causal checks (--confirm: the rhs rebuilt with one variation taken from the lhs)")
            );
            for c in &r.confirmations {
                let outcome = match c.outcome {
                    ConfirmOutcome::Confirmed => st.green(c.outcome.code()),
                    ConfirmOutcome::Refuted => st.red(c.outcome.code()),
                    ConfirmOutcome::NotRun => st.dim(c.outcome.code()),
                };
                let _ = writeln!(o, "  {} {}: {outcome}", escape(&c.variation), c.root_list());
                let _ = writeln!(o, "      {}", escape(&c.detail));
                let evidence = c.evidence();
                if !evidence.is_empty() {
                    let _ = writeln!(o, "      {evidence}");
                }
            }
        }
        let _ = writeln!(o, "\n{}", st.bold("Bytes by cause"));
        let mut causes: Vec<(&String, &u64)> = s.by_cause.iter().collect();
        causes.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
        for (cause, bytes) in causes {
            let pct = if s.differing_bytes == 0 {
                0.0
            } else {
                *bytes as f64 * 100.0 / s.differing_bytes as f64
            };
            let _ = writeln!(o, "  {cause:<14} {:>10}  {pct:5.1}%", size(*bytes));
        }
    }

    if r.verdict == Verdict::Reproducible && !options.verbose {
        let _ = writeln!(
            o,
            "  {} section{}, all the same (--verbose lists them)",
            r.sections.len(),
            if r.sections.len() == 1 { "" } else { "s" }
        );
        notes(&mut o, r);
        return o;
    }
    let _ = writeln!(o, "\n{}", st.bold("Sections"));
    let width = r
        .sections
        .iter()
        .map(|x| escape(&x.name).chars().count())
        .max()
        .unwrap_or(8)
        .clamp(8, 40);
    let _ = writeln!(
        o,
        "  {:<width$}  {:<8}  {:>10}  {:>10}  {:>10}",
        "name", "status", "lhs", "rhs", "differing"
    );
    let same = r
        .sections
        .iter()
        .filter(|x| x.status == Status::Same)
        .count();
    for x in r
        .sections
        .iter()
        .filter(|x| x.status != Status::Same || options.verbose)
    {
        let status = match x.status {
            Status::Same => st.dim("same"),
            Status::Differs => st.red("differs"),
            other => st.red(other.name()),
        };
        let pad = 8 + status.len()
            - status
                .chars()
                .filter(|c| !c.is_control())
                .count()
                .min(status.len());
        let _ = writeln!(
            o,
            "  {:<width$}  {:<pad$}  {:>10}  {:>10}  {:>10}",
            escape(&x.name),
            status,
            size(x.lhs_size),
            size(x.rhs_size),
            if x.differing_bytes > 0 {
                size(x.differing_bytes)
            } else {
                "-".into()
            }
        );
        if let Some(w) = &x.warning {
            let _ = writeln!(o, "  {:<width$}  note: {}", "", escape(w));
        }
    }
    if r.verdict == Verdict::Differs && same > 0 && !options.verbose {
        let _ = writeln!(o, "  ({same} more sections are the same)");
    }

    if r.verdict == Verdict::Differs {
        let _ = writeln!(o, "\n{}", st.bold("Findings"));
        for f in r.findings.iter().take(MAX_FINDINGS) {
            let root = f
                .root
                .map(|id| format!(" (follows from [{id}])"))
                .unwrap_or_default();
            let _ = writeln!(
                o,
                "  [{}] {}{}: {}",
                f.id,
                f.cause.code(),
                root,
                escape(&f.title)
            );
            let _ = writeln!(
                o,
                "      {} in {} range{} of {}",
                size(f.bytes),
                f.ranges,
                if f.ranges == 1 { "" } else { "s" },
                escape(&f.section)
            );
            if let Some(loc) = f.locations.first() {
                let mut l = format!(
                    "      at lhs+{:#x} rhs+{:#x}",
                    loc.lhs_offset, loc.rhs_offset
                );
                if let Some(sym) = &loc.symbol {
                    let _ = write!(l, " in {}", escape(sym));
                }
                if let Some(d) = &loc.detail {
                    let _ = write!(l, " ({})", escape(d));
                }
                let _ = writeln!(o, "{l}");
            }
            if let Some(p) = super::proof_line(f) {
                let _ = writeln!(
                    o,
                    "      {}",
                    if f.proven == Some(false) {
                        st.red(&p)
                    } else {
                        p
                    }
                );
            }
            instructions(&mut o, f, "      ");
            if let (Some(a), Some(b)) = (&f.lhs_excerpt, &f.rhs_excerpt) {
                let _ = writeln!(o, "      lhs: {}", st.dim(&escape(&a.text)));
                let _ = writeln!(o, "      rhs: {}", st.dim(&escape(&b.text)));
            }
        }
        if r.findings.len() > MAX_FINDINGS {
            let _ = writeln!(
                o,
                "  ... {} more findings (see --format json)",
                r.findings.len() - MAX_FINDINGS
            );
        }
    }
    notes(&mut o, r);
    o
}

fn notes(o: &mut String, r: &Report) {
    for n in &r.notes {
        let _ = writeln!(o, "\nnote: {}", escape(n));
    }
}

/// The `go env` values that shaped the builds (GOOS, GOARCH, CGO_ENABLED,
/// GOAMD64, ...; GOVERSION is the toolchain line): one line when both sides
/// had the same, one per side otherwise.
fn settings(o: &mut String, r: &Report) {
    let line = |b: &crate::harness::BuildRecord| -> String {
        b.go_env
            .iter()
            .filter(|(k, _)| *k != "GOVERSION")
            .map(|(k, v)| {
                if v.contains(' ') || v.is_empty() {
                    format!("{}=\"{}\"", escape(k), escape(v))
                } else {
                    format!("{}={}", escape(k), escape(v))
                }
            })
            .collect::<Vec<_>>()
            .join(" ")
    };
    let lines: Vec<(&str, String)> = r
        .builds
        .iter()
        .map(|b| (b.side.name(), line(b)))
        .filter(|(_, l)| !l.is_empty())
        .collect();
    match lines.as_slice() {
        [] => {}
        [(_, a), (_, b)] if a == b => {
            let _ = writeln!(o, "  settings {a}");
        }
        _ => {
            for (side, l) in &lines {
                let _ = writeln!(o, "  {side} settings {l}");
            }
        }
    }
}
