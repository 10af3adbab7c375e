//! The Markdown rendering, sized for a CI job summary
//! (`>> "$GITHUB_STEP_SUMMARY"`; GitHub caps a step's summary at 1 MiB).
//!
//! The verdict line, the two artifacts with their sha256, the toolchain and
//! builds, the root causes with their fixes, the bytes by cause, the
//! differing sections and the findings. The output stays under
//! [`MAX_BYTES`] (64 KiB, far below the cap, so several reports fit in one
//! job): lists are bounded and, when something is left out, a closing line
//! says what; the JSON and HTML reports have everything.
//!
//! Everything that comes from the report is escaped: names read from a
//! binary go into code spans ([`code`]), free text (titles, fixes, notes)
//! through [`escape`], so `|`, backticks, emphasis, links, HTML and newlines
//! in a section name cannot break a table or inject markup.

use std::borrow::Cow;
use std::fmt::Write;

use super::html::visible;
use super::view::{
    clip, plural, size, ExcerptView, FindingView, Limits, SectionView, View, OTHER, ROW,
};
use super::{ConfirmOutcome, Report};

/// Most bytes a Markdown report takes.
pub const MAX_BYTES: usize = 64 * 1024;
/// Room kept for the closing "trimmed" line and the notes.
const RESERVE: usize = 4 * 1024;
/// Characters kept of any one name, title or path.
const MAX_FIELD: usize = 240;

/// Escape free text for Markdown (GitHub Flavored): Markdown punctuation is
/// backslash-escaped, `& < >` become entities, invisible and control
/// characters (newlines included) become visible `\u{…}` escapes. GFM's
/// autolinks are broken up too (`https\://`, `www\.`, `a\@b`), so a URL or
/// address read from a binary stays text. Safe in paragraphs, list items and
/// table cells.
pub fn escape(s: &str) -> String {
    let v: Vec<char> = visible(s).chars().collect();
    let mut out = String::with_capacity(v.len() + 8);
    for (i, &c) in v.iter().enumerate() {
        let next = v.get(i + 1).copied();
        let after_www = i >= 3
            && v[i - 3..i]
                .iter()
                .collect::<String>()
                .eq_ignore_ascii_case("www");
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '\\' | '`' | '*' | '_' | '[' | ']' | '|' | '~' | '!' | '#' | '$' | '@' => {
                out.push('\\');
                out.push(c);
            }
            // `scheme:` followed by anything but a space could start an autolink.
            ':' if next.is_some_and(|n| !n.is_whitespace()) => out.push_str("\\:"),
            '.' if after_www => out.push_str("\\."),
            c => out.push(c),
        }
    }
    out
}

/// A name read from a binary as a code span (no emphasis, links, mentions,
/// math or HTML inside). In a table cell (`in_table`) a `|` is written `\|`,
/// which GFM resolves before the code span is parsed.
pub fn code(s: &str, in_table: bool) -> String {
    let v = visible(s);
    if v.is_empty() {
        return "*(empty)*".into();
    }
    let v = if in_table {
        v.replace('|', "\\|")
    } else {
        v.into_owned()
    };
    let longest = v.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    let fence = "`".repeat(longest + 1);
    let pad = if v.starts_with(['`', ' ']) || v.ends_with(['`', ' ']) {
        " "
    } else {
        ""
    };
    format!("{fence}{pad}{v}{pad}{fence}")
}

fn esc(s: &str) -> String {
    escape(&clip(s, MAX_FIELD))
}

fn cd(s: &str, in_table: bool) -> String {
    code(&clip(s, MAX_FIELD), in_table)
}

/// The output with its byte budget and a record of what did not fit.
struct Out {
    o: String,
    trimmed: Vec<String>,
}

impl Out {
    /// Append `block` if it fits before the reserve.
    fn fits(&mut self, block: &str) -> bool {
        if self.o.len() + block.len() <= MAX_BYTES - RESERVE {
            self.o.push_str(block);
            true
        } else {
            false
        }
    }

    /// Append the blocks that fit, in order, up to the first that does not;
    /// when some are left out (of `total`), say so as `... of total what`.
    fn list(&mut self, blocks: impl Iterator<Item = String>, total: usize, what: &str) {
        let mut shown = 0;
        for block in blocks {
            if !self.fits(&block) {
                break;
            }
            shown += 1;
        }
        if shown < total {
            self.trimmed
                .push(format!("{} of {total} {what}", total - shown));
        }
    }
}

pub fn render(r: &Report) -> String {
    let v = View::new(r, Limits::MARKDOWN);
    let mut out = Out {
        o: String::with_capacity(16 * 1024),
        trimmed: Vec::new(),
    };
    header(&mut out.o, &v);
    if v.differs() {
        root_causes(&mut out, &v);
        confirmations(&mut out, &v);
        build_inputs(&mut out, &v);
        by_cause(&mut out, &v);
        sections(&mut out, &v);
        findings(&mut out, &v);
    }
    let o = &mut out.o;
    if !out.trimmed.is_empty() {
        let _ = writeln!(
            o,
            "\n> **Trimmed** to stay under {} for a job summary: {} not shown. `--format json` and `--format html` have everything.",
            size(MAX_BYTES as u64),
            out.trimmed.join(", ")
        );
    }
    let notes = v.notes();
    if !notes.items.is_empty() {
        o.push('\n');
        for n in &notes.items {
            let _ = writeln!(o, "> **Note:** {}", escape(&clip(n, 300)));
        }
        if notes.hidden() > 0 {
            let _ = writeln!(o, "> ({} more notes in the JSON report)", notes.hidden());
        }
    }
    let _ = writeln!(
        o,
        "\n<sub>twinbuild {} · `twinbuild {}` · exit code {}</sub>",
        escape(&clip(&r.twinbuild_version, 40)),
        escape(&clip(&r.command, 40)),
        r.exit_code
    );
    debug_assert!(
        out.o.len() <= MAX_BYTES,
        "markdown report is {} bytes",
        out.o.len()
    );
    out.o
}

fn header(o: &mut String, v: &View<'_>) {
    let r = v.report;
    if v.differs() {
        let _ = writeln!(o, "## ❌ twinbuild: not reproducible\n");
        let _ = writeln!(
            o,
            "**{} differ** {}. Exit code {}.\n",
            v.size, v.extent, r.exit_code
        );
        if v.gate_passes {
            let list: Vec<String> = r
                .allowances
                .iter()
                .map(|c| format!("`{}`", c.code()))
                .collect();
            let _ = writeln!(
                o,
                "**The gate passes:** every root cause is allowed ({}).\n",
                list.join(", ")
            );
        }
        if let Some(bytes) = &v.unproven_size {
            let _ = writeln!(
                o,
                "**⚠️ Unproven: {bytes} differ with no proven cause; no `--allow` passes them:**\n"
            );
            let unproven = v.unproven();
            for x in &unproven.items {
                let f = x.finding;
                let _ = writeln!(o, "- [{}] `{}`: {}", f.id, f.cause.code(), escape(&f.title));
            }
            if unproven.hidden() > 0 {
                let _ = writeln!(o, "- ... {} more (see the findings)", unproven.hidden());
            }
            o.push('\n');
        }
    } else {
        let _ = writeln!(o, "## ✅ twinbuild: reproducible\n");
        let _ = writeln!(
            o,
            "The two binaries are **byte-identical** ({}, sha256 {}). Exit code {}.\n",
            v.size,
            cd(&r.lhs.sha256, false),
            r.exit_code
        );
    }
    o.push_str("| side | file | size | format | sha256 |\n|---|---|--:|---|---|\n");
    for a in &v.artifacts {
        let _ = writeln!(
            o,
            "| {} | {} | {} | {} {} | {} |",
            a.side,
            cd(a.name, true),
            a.size,
            a.artifact.format.name(),
            esc(&a.artifact.arch),
            cd(&a.artifact.sha256, true)
        );
    }
    o.push('\n');
    if let Some(t) = &r.toolchain {
        let how = if t.pinned {
            format!("pinned by {}", esc(&t.source))
        } else {
            format!("**not pinned** ({})", esc(&t.source))
        };
        let _ = writeln!(o, "Toolchain {}, {how}.\n", cd(&t.version, false));
    }
    if !v.builds.is_empty() {
        o.push_str("| build | go version | target | time | command |\n|---|---|---|--:|---|\n");
        for b in &v.builds {
            let _ = writeln!(
                o,
                "| {} | {} | {} | {} s | {} |",
                b.record.side.name(),
                cd(&b.record.go_version, true),
                b.target.as_deref().map_or("-".into(), |t| cd(t, true)),
                b.seconds,
                code(&clip(&b.command, 400), true)
            );
        }
        o.push('\n');
    }
}

fn root_causes(out: &mut Out, v: &View<'_>) {
    out.o.push_str("### Root causes\n\n");
    let roots = v.listed_roots();
    let items = roots.items.iter().enumerate().map(|(n, root)| {
        let x = v.root(root);
        let f = x.finding;
        let mut item = format!(
            "{}. **[{}] `{}`** {} — {} in {}",
            n + 1,
            f.id,
            f.cause.code(),
            esc(&f.title),
            x.size,
            cd(&f.section, false)
        );
        if let Some(c) = &root.consequence {
            let _ = write!(item, "; {c}");
        }
        if let Some(fix) = &f.fix {
            let _ = write!(item, "  \n   **Fix:** {}", esc(fix));
        }
        item.push('\n');
        item
    });
    out.list(items, roots.total, "root findings");
    out.o.push('\n');
}

/// `verify --confirm`: one line per variation removed.
fn confirmations(out: &mut Out, v: &View<'_>) {
    let all = &v.report.confirmations;
    if all.is_empty() {
        return;
    }
    let mut block = String::from(
        "### Causal checks\n\nThe rhs rebuilt with one variation taken from the lhs (`--confirm`):\n\n",
    );
    for c in all {
        let outcome = match c.outcome {
            ConfirmOutcome::Refuted => "**❌ refuted**",
            ConfirmOutcome::Confirmed => "✅ confirmed",
            ConfirmOutcome::NotRun => "not-run",
        };
        let _ = write!(
            block,
            "- {} {}: {outcome} — {}",
            cd(&c.variation, false),
            c.root_list(),
            esc(&c.detail)
        );
        if let Some(evidence) = c.evidence() {
            let _ = write!(block, "  \n  {}", esc(&evidence));
        }
        block.push('\n');
    }
    block.push('\n');
    if !out.fits(&block) {
        out.trimmed.push("the causal checks".into());
    }
}

/// `verify`: the first build inputs that differ per cause, in one table in
/// the report's order, and the nondeterministic actions.
fn build_inputs(out: &mut Out, v: &View<'_>) {
    let Some(b) = &v.inputs else {
        return;
    };
    if b.causes.is_empty() && b.nondeterministic.is_empty() {
        return;
    }
    let mut t = String::from(
        "### Build inputs that differ\n\nWhat the go command hashed for each action, where the sides differ:\n\n| action | cause | lhs | rhs |\n|---|---|---|---|\n",
    );
    for d in b.listed() {
        let line = d.lines.items.first();
        let side =
            |s: Option<&Cow<'_, str>>| s.map_or_else(|| "(none)".to_string(), |x| cd(x, true));
        let _ = writeln!(
            t,
            "| {} | {} | {} | {} |",
            cd(&d.action, true),
            d.difference.cause.as_deref().unwrap_or(OTHER),
            side(line.and_then(|l| l.lhs.as_ref())),
            side(line.and_then(|l| l.rhs.as_ref())),
        );
    }
    if b.hidden() > 0 {
        let _ = writeln!(t, "\n{} more in the JSON report.", b.hidden());
    }
    for a in b.nondeterministic {
        let _ = writeln!(
            t,
            "\n**Nondeterministic action**: {} (same inputs, outputs {} and {})",
            cd(&format!("{} {}", a.mode, a.package), false),
            cd(&a.lhs_output_id, false),
            cd(&a.rhs_output_id, false)
        );
    }
    t.push('\n');
    if !out.fits(&t) {
        out.trimmed.push("the build inputs".into());
    }
}

fn by_cause(out: &mut Out, v: &View<'_>) {
    let mut t = String::from("### Bytes by cause\n\n| cause | bytes | share |\n|---|--:|--:|\n");
    for s in &v.by_cause {
        let _ = writeln!(
            t,
            "| {} | {} | {:.1}% |",
            cd(s.cause, true),
            s.size,
            s.percent
        );
    }
    let _ = writeln!(t, "| **total** | **{}** | 100% |\n", v.size);
    if !out.fits(&t) {
        out.trimmed.push("the bytes-by-cause table".into());
    }
}

fn section_row(x: &SectionView<'_>) -> String {
    let mut row = format!(
        "| {} | {} | {} | {} | {} |",
        cd(&x.row.name, true),
        x.row.status.name(),
        x.lhs,
        x.rhs,
        x.differing
    );
    if let Some(w) = &x.row.warning {
        let _ = write!(row, " {} |", esc(w));
    } else {
        row.push_str("  |");
    }
    row.push('\n');
    row
}

fn sections(out: &mut Out, v: &View<'_>) {
    let s = &v.report.summary;
    let head = format!(
        "### Differing sections\n\n{} of {} sections differ.\n\n| section | status | lhs | rhs | differing | note |\n|---|---|--:|--:|--:|---|\n",
        s.sections_differing, s.sections_total
    );
    if !out.fits(&head) {
        out.trimmed.push("the section table".into());
        return;
    }
    let rows = v.listed_sections();
    let blocks = rows.items.iter().map(|x| section_row(x));
    out.list(blocks, rows.total, "differing sections");
    out.o.push('\n');
}

fn findings(out: &mut Out, v: &View<'_>) {
    let total = v.findings.len();
    if total == 0 {
        return;
    }
    let head = format!(
        "### Findings\n\n<details><summary>{total} finding{}, root causes first</summary>\n\n",
        plural(total)
    );
    if !out.fits(&head) {
        out.trimmed.push(format!("all {total} findings"));
        return;
    }
    let blocks = v.listed_findings().items.into_iter().map(finding);
    out.list(blocks, total, "findings");
    out.o.push_str("</details>\n");
}

/// A code finding's differing instructions as a table (empty when none).
fn instructions(x: &FindingView<'_>) -> String {
    let all = &x.finding.instructions;
    if all.is_empty() {
        return String::new();
    }
    let mut t = String::from("\n| function | lhs | rhs |\n|---|---|---|\n");
    for d in all {
        let _ = writeln!(
            t,
            "| {} | {:#x} {} | {:#x} {} |",
            cd(&d.symbol, true),
            d.lhs_address,
            cd(&d.lhs, true),
            d.rhs_address,
            cd(&d.rhs, true)
        );
    }
    t.push('\n');
    t
}

fn finding(x: &FindingView<'_>) -> String {
    let f = x.finding;
    let mut s = format!(
        "#### [{}] `{}`: {}\n\n",
        f.id,
        f.cause.code(),
        esc(&f.title)
    );
    let _ = write!(s, "- {} of {}", x.extent, cd(&f.section, false));
    if let Some(root) = f.root {
        let _ = write!(s, "; follows from [{root}]");
    }
    if let Some(v) = &f.variation {
        let _ = write!(s, "; variation {}", cd(v, false));
    }
    s.push('\n');
    if let Some(at) = &x.at {
        let _ = write!(s, "- at {}", at.offsets);
        if let Some(sym) = at.symbol {
            let _ = write!(s, " in {}", cd(sym, false));
        }
        if let Some(d) = at.detail {
            let _ = write!(s, " ({})", esc(d));
        }
        if at.more > 0 {
            let _ = write!(s, " and {} more", at.more);
        }
        s.push('\n');
    }
    if let Some(p) = &x.proof {
        if x.unproven {
            let _ = writeln!(s, "- **{}**", esc(p));
        } else {
            let _ = writeln!(s, "- {}", esc(p));
        }
    }
    s.push_str(&instructions(x));
    if let Some(fix) = &f.fix {
        let _ = writeln!(s, "- **Fix:** {}", esc(fix));
    }
    if !x.sides.is_empty() {
        let mut block = String::new();
        for side in &x.sides {
            if let Some(e) = &side.excerpt {
                dump(&mut block, side.name, e);
            }
        }
        let longest = block.split(|c| c != '`').map(str::len).max().unwrap_or(0);
        let fence = "`".repeat(longest.max(2) + 1);
        let _ = write!(s, "\n{fence}text\n{block}{fence}\n");
    }
    s.push('\n');
    s
}

/// An excerpt as rows of hex and text, with `^^` under the differing bytes.
fn dump(o: &mut String, side: &str, e: &ExcerptView<'_>) {
    for (k, row) in e.rows.iter().enumerate() {
        let label = if k == 0 { side } else { "" };
        let _ = write!(o, "{label:<3} {:08x}  ", row.offset);
        let mut marks = String::new();
        for c in &row.cells {
            // Only hex digits reach the block; anything else shows as `??`.
            match c.byte {
                Some(b) => {
                    let _ = write!(o, "{b:02x} ");
                }
                None => o.push_str("?? "),
            }
            marks.push_str(if c.marked { "^^ " } else { "   " });
        }
        for _ in row.cells.len()..ROW {
            o.push_str("   ");
        }
        o.push(' ');
        for c in &row.cells {
            let t = c.text;
            o.push(if t.is_ascii_graphic() || t == ' ' {
                t
            } else {
                '.'
            });
        }
        o.push('\n');
        if marks.contains('^') {
            let _ = writeln!(o, "{:14}{}", "", marks.trim_end());
        }
    }
}
