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

use std::fmt::Write;

use super::html::{file_name, visible};
use super::human::size;
use super::{ConfirmOutcome, Report, SectionRow, Verdict};
use crate::attribute::{Excerpt, Finding};
use crate::diff::Status;

/// Most bytes a Markdown report takes.
pub const MAX_BYTES: usize = 64 * 1024;
/// Room kept for the closing "trimmed" line and the notes.
const RESERVE: usize = 4 * 1024;
/// Characters kept of any one name, title or path.
const MAX_FIELD: usize = 240;
const MAX_ROOTS: usize = 25;
const MAX_SECTION_ROWS: usize = 60;
const MAX_FINDINGS: usize = 40;
const MAX_NOTES: usize = 10;
/// Bytes per row of an excerpt dump.
const ROW: usize = 16;

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

/// At most `max` characters of `s`, with `…` when cut.
fn clip(s: &str, max: usize) -> std::borrow::Cow<'_, str> {
    match s.char_indices().nth(max) {
        None => s.into(),
        Some((i, _)) => format!("{}…", &s[..i]).into(),
    }
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
}

pub fn render(r: &Report) -> String {
    let mut out = Out {
        o: String::with_capacity(16 * 1024),
        trimmed: Vec::new(),
    };
    header(&mut out.o, r);
    if r.verdict == Verdict::Differs {
        root_causes(&mut out, r);
        confirmations(&mut out, r);
        by_cause(&mut out, r);
        sections(&mut out, r);
        findings(&mut out, r);
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
    let notes: Vec<&String> = r.notes.iter().take(MAX_NOTES).collect();
    if !notes.is_empty() {
        o.push('\n');
        for n in notes {
            let _ = writeln!(o, "> **Note:** {}", escape(&clip(n, 300)));
        }
        if r.notes.len() > MAX_NOTES {
            let _ = writeln!(
                o,
                "> ({} more notes in the JSON report)",
                r.notes.len() - MAX_NOTES
            );
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

fn header(o: &mut String, r: &Report) {
    let s = &r.summary;
    match r.verdict {
        Verdict::Reproducible => {
            let _ = writeln!(o, "## ✅ twinbuild: reproducible\n");
            let _ = writeln!(
                o,
                "The two binaries are **byte-identical** ({}, sha256 {}). Exit code {}.\n",
                size(r.lhs.size),
                cd(&r.lhs.sha256, false),
                r.exit_code
            );
        }
        Verdict::Differs => {
            let roots = r.roots().count();
            let _ = writeln!(o, "## ❌ twinbuild: not reproducible\n");
            let _ = writeln!(
                o,
                "**{} differ** in {} of {} sections; {} root cause{}. Exit code {}.\n",
                size(s.differing_bytes),
                s.sections_differing,
                s.sections_total,
                roots,
                if roots == 1 { "" } else { "s" },
                r.exit_code
            );
            if r.exit_code == 0 {
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
        }
    }
    o.push_str("| side | file | size | format | sha256 |\n|---|---|--:|---|---|\n");
    for (side, a) in [("lhs", &r.lhs), ("rhs", &r.rhs)] {
        let _ = writeln!(
            o,
            "| {side} | {} | {} | {} {} | {} |",
            cd(file_name(&a.path), true),
            size(a.size),
            a.format.name(),
            esc(&a.arch),
            cd(&a.sha256, true)
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
    if !r.builds.is_empty() {
        o.push_str("| build | go version | target | time | command |\n|---|---|---|--:|---|\n");
        for b in r.builds.iter().take(2) {
            let target = match (b.go_env.get("GOOS"), b.go_env.get("GOARCH")) {
                (Some(os), Some(arch)) => cd(&format!("{os}/{arch}"), true),
                _ => "-".into(),
            };
            let _ = writeln!(
                o,
                "| {} | {} | {target} | {:.1} s | {} |",
                b.side.name(),
                cd(&b.go_version, true),
                b.duration.as_secs_f64(),
                code(&clip(&b.command.join(" "), 400), true)
            );
        }
        o.push('\n');
    }
}

fn root_causes(out: &mut Out, r: &Report) {
    out.o.push_str("### Root causes\n\n");
    let roots: Vec<&Finding> = r.roots().collect();
    let mut shown = 0;
    for f in roots.iter().take(MAX_ROOTS) {
        let shifted: u64 = r
            .findings
            .iter()
            .filter(|g| g.root == Some(f.id))
            .map(|g| g.bytes)
            .sum();
        let mut item = format!(
            "{}. **[{}] `{}`** {} — {} in {}",
            shown + 1,
            f.id,
            f.cause.code(),
            esc(&f.title),
            size(f.bytes),
            cd(&f.section, false)
        );
        if shifted > 0 {
            let _ = write!(item, "; {} {}", size(shifted), f.cause.consequence());
        }
        if let Some(fix) = &f.fix {
            let _ = write!(item, "  \n   **Fix:** {}", esc(fix));
        }
        item.push('\n');
        if !out.fits(&item) {
            break;
        }
        shown += 1;
    }
    if shown < roots.len() {
        out.trimmed.push(format!(
            "{} of {} root findings",
            roots.len() - shown,
            roots.len()
        ));
    }
    out.o.push('\n');
}

/// `verify --confirm`: one line per variation removed.
fn confirmations(out: &mut Out, r: &Report) {
    if r.confirmations.is_empty() {
        return;
    }
    let mut block = String::from(
        "### Causal checks\n\nThe rhs rebuilt with one variation taken from the lhs (`--confirm`):\n\n",
    );
    for c in &r.confirmations {
        let outcome = match c.outcome {
            ConfirmOutcome::Refuted => "**❌ refuted**".to_string(),
            ConfirmOutcome::Confirmed => "✅ confirmed".to_string(),
            ConfirmOutcome::NotRun => "not-run".to_string(),
        };
        let _ = write!(
            block,
            "- {} {}: {} — {}",
            cd(&c.variation, false),
            c.root_list(),
            outcome,
            esc(&c.detail)
        );
        let evidence = c.evidence();
        if !evidence.is_empty() {
            let _ = write!(block, "  \n  {}", esc(&evidence));
        }
        block.push('\n');
    }
    block.push('\n');
    if !out.fits(&block) {
        out.trimmed.push("the causal checks".into());
    }
}

fn by_cause(out: &mut Out, r: &Report) {
    let s = &r.summary;
    let mut causes: Vec<(&String, &u64)> = s.by_cause.iter().collect();
    causes.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
    let mut t = String::from("### Bytes by cause\n\n| cause | bytes | share |\n|---|--:|--:|\n");
    for (cause, bytes) in causes {
        let pct = if s.differing_bytes == 0 {
            0.0
        } else {
            *bytes as f64 * 100.0 / s.differing_bytes as f64
        };
        let _ = writeln!(t, "| {} | {} | {pct:.1}% |", cd(cause, true), size(*bytes));
    }
    let _ = writeln!(
        t,
        "| **total** | **{}** | 100% |\n",
        size(s.differing_bytes)
    );
    if !out.fits(&t) {
        out.trimmed.push("the bytes-by-cause table".into());
    }
}

fn section_row(x: &SectionRow) -> String {
    let mut row = format!(
        "| {} | {} | {} | {} | {} |",
        cd(&x.name, true),
        x.status.name(),
        size(x.lhs_size),
        size(x.rhs_size),
        if x.differing_bytes > 0 {
            size(x.differing_bytes)
        } else {
            "-".into()
        }
    );
    if let Some(w) = &x.warning {
        let _ = write!(row, " {} |", esc(w));
    } else {
        row.push_str("  |");
    }
    row.push('\n');
    row
}

fn sections(out: &mut Out, r: &Report) {
    let differing: Vec<&SectionRow> = r
        .sections
        .iter()
        .filter(|x| x.status != Status::Same)
        .collect();
    let head = format!(
        "### Differing sections\n\n{} of {} sections differ.\n\n| section | status | lhs | rhs | differing | note |\n|---|---|--:|--:|--:|---|\n",
        r.summary.sections_differing, r.summary.sections_total
    );
    if !out.fits(&head) {
        out.trimmed.push("the section table".into());
        return;
    }
    let mut shown = 0;
    for x in differing.iter().take(MAX_SECTION_ROWS) {
        if !out.fits(&section_row(x)) {
            break;
        }
        shown += 1;
    }
    if shown < differing.len() {
        out.trimmed.push(format!(
            "{} of {} differing sections",
            differing.len() - shown,
            differing.len()
        ));
    }
    out.o.push('\n');
}

fn findings(out: &mut Out, r: &Report) {
    if r.findings.is_empty() {
        return;
    }
    let head = format!(
        "### Findings\n\n<details><summary>{} finding{}, root causes first</summary>\n\n",
        r.findings.len(),
        if r.findings.len() == 1 { "" } else { "s" }
    );
    if !out.fits(&head) {
        out.trimmed
            .push(format!("all {} findings", r.findings.len()));
        return;
    }
    let mut shown = 0;
    for f in r.findings.iter().take(MAX_FINDINGS) {
        if !out.fits(&finding(f)) {
            break;
        }
        shown += 1;
    }
    out.o.push_str("</details>\n");
    if shown < r.findings.len() {
        out.trimmed.push(format!(
            "{} of {} findings",
            r.findings.len() - shown,
            r.findings.len()
        ));
    }
}

/// A code finding's differing instructions as a table (empty when none).
fn instructions(f: &Finding) -> String {
    if f.instructions.is_empty() {
        return String::new();
    }
    let mut t = String::from("\n| function | lhs | rhs |\n|---|---|---|\n");
    for d in &f.instructions {
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

fn finding(f: &Finding) -> String {
    let mut s = format!(
        "#### [{}] `{}`: {}\n\n",
        f.id,
        f.cause.code(),
        esc(&f.title)
    );
    let _ = write!(
        s,
        "- {} in {} range{} of {}",
        size(f.bytes),
        f.ranges,
        if f.ranges == 1 { "" } else { "s" },
        cd(&f.section, false)
    );
    if let Some(root) = f.root {
        let _ = write!(s, "; follows from [{root}]");
    }
    if let Some(v) = &f.variation {
        let _ = write!(s, "; variation {}", cd(v, false));
    }
    s.push('\n');
    if let Some(l) = f.locations.first() {
        let _ = write!(s, "- at lhs+{:#x} rhs+{:#x}", l.lhs_offset, l.rhs_offset);
        if let Some(sym) = &l.symbol {
            let _ = write!(s, " in {}", cd(sym, false));
        }
        if let Some(d) = &l.detail {
            let _ = write!(s, " ({})", esc(d));
        }
        if f.locations.len() > 1 {
            let _ = write!(s, " and {} more", f.locations.len() - 1);
        }
        s.push('\n');
    }
    if let Some(p) = super::proof_line(f) {
        let _ = writeln!(
            s,
            "- {}",
            if f.proven == Some(false) {
                format!("**{}**", esc(&p))
            } else {
                esc(&p)
            }
        );
    }
    s.push_str(&instructions(f));
    if let Some(fix) = &f.fix {
        let _ = writeln!(s, "- **Fix:** {}", esc(fix));
    }
    // Excerpts only for root findings; a layout shift's bytes say little.
    if f.root.is_none() && (f.lhs_excerpt.is_some() || f.rhs_excerpt.is_some()) {
        let mut block = String::new();
        for (side, e) in [("lhs", &f.lhs_excerpt), ("rhs", &f.rhs_excerpt)] {
            if let Some(e) = e {
                dump(&mut block, side, e);
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
fn dump(o: &mut String, side: &str, e: &Excerpt) {
    let hex = e.hex.as_bytes();
    let n = (hex.len() / 2).min(128);
    let text: Vec<char> = e.text.chars().collect();
    let start = usize::try_from(e.highlight_start).unwrap_or(usize::MAX);
    let end = start.saturating_add(usize::try_from(e.highlight_len).unwrap_or(usize::MAX));
    for row in (0..n).step_by(ROW) {
        let label = if row == 0 { side } else { "" };
        let _ = write!(
            o,
            "{label:<3} {:08x}  ",
            e.offset.saturating_add(row as u64)
        );
        let mut marks = String::new();
        for i in row..row + ROW {
            if i < n {
                // Only hex digits reach the block; anything else shows as `??`.
                let pair = &hex[2 * i..2 * i + 2];
                if pair.iter().all(u8::is_ascii_hexdigit) {
                    o.push(pair[0] as char);
                    o.push(pair[1] as char);
                } else {
                    o.push_str("??");
                }
                o.push(' ');
                marks.push_str(if (start..end).contains(&i) {
                    "^^ "
                } else {
                    "   "
                });
            } else {
                o.push_str("   ");
            }
        }
        o.push(' ');
        for i in row..(row + ROW).min(n) {
            let c = text.get(i).copied().unwrap_or('.');
            o.push(if c.is_ascii_graphic() || c == ' ' {
                c
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
