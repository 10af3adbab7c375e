//! The HTML rendering: one self-contained file for an auditor or an engineer.
//!
//! An overview (verdict, the two artifacts with their digests, toolchain and
//! builds), the root causes with their fixes, `verify`'s build inputs
//! (`inputs.rs`), the bytes by cause and the section table, then every
//! finding with both sides' bytes side by side as hex and text, the
//! differing bytes highlighted and labelled with their cause. `layout-shift` findings are folded (`<details>`) under the root
//! they follow from.
//!
//! Self-contained: inline CSS, no script, no external URL; a
//! Content-Security-Policy forbids loading anything. Everything that comes
//! from the report (names read from the binaries, paths, commands, titles)
//! goes through [`escape`], so a section named `<script>` is shown as text.
//! Deterministic: the same report renders to the same bytes (no clock, no
//! map iteration order).

mod inputs;

use std::borrow::Cow;
use std::fmt::Write;

use super::view::{
    plural, size, BuildView, Cell, FindingView, Limits, SectionView, Side, View, ROW,
};
use super::{ConfirmOutcome, Report};
use crate::attribute::Cause;
use crate::diff::Compared;

/// Escape text for HTML element content and quoted attribute values.
///
/// `& < > " '` become character references; control characters, bidi
/// overrides and line separators become visible `\u{…}` escapes, so what a
/// binary contains cannot change the page's markup or reorder its text.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in visible(s).chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Show characters that would otherwise be invisible or rearrange text as
/// `\u{…}`: C0/C1 controls (newlines included), bidi embeddings, overrides
/// and isolates, line and paragraph separators, the BOM. A backslash is
/// doubled so the escapes stay unambiguous. Shared with the Markdown renderer.
pub(crate) fn visible(s: &str) -> Cow<'_, str> {
    let special = |c: char| {
        c == '\\'
            || c.is_control()
            || matches!(c, '\u{200e}' | '\u{200f}' | '\u{2028}' | '\u{2029}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{feff}')
    };
    if !s.chars().any(special) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if c == '\\' {
            out.push_str("\\\\");
        } else if special(c) {
            let _ = write!(out, "\\u{{{:x}}}", c as u32);
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// The page's style sheet, inline (nothing may load).
const STYLE: &str = include_str!("html.css");

pub fn render(r: &Report) -> String {
    let v = View::new(r, Limits::HTML);
    let verdict = if v.differs() {
        "not reproducible"
    } else {
        "reproducible"
    };
    let title = format!(
        "twinbuild: {verdict}: {} vs {}",
        v.artifacts[0].name, v.artifacts[1].name
    );
    let mut o = String::with_capacity(64 * 1024);
    page_start(&mut o, &title);
    body(&mut o, r);
    page_end(
        &mut o,
        &r.twinbuild_version,
        &r.command,
        &format!("report schema {}", r.schema_version),
        r.exit_code,
    );
    o
}

/// The document's head with its (escaped) `title`, up to the opening
/// `<body>`: every HTML report's, the same style sheet and policy.
pub(crate) fn page_start(o: &mut String, title: &str) {
    o.push_str("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
    // Defence in depth behind escaping: nothing may load, nothing may run.
    o.push_str("<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'\">\n");
    o.push_str("<meta name=\"referrer\" content=\"no-referrer\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
    let _ = writeln!(o, "<title>{}</title>", escape(title));
    let _ = writeln!(o, "<style>\n{STYLE}</style>\n</head>\n<body>");
}

/// The footer (`schema` as in `report schema 1`) and the document's end.
pub(crate) fn page_end(o: &mut String, version: &str, command: &str, schema: &str, exit_code: i32) {
    let _ = writeln!(
        o,
        "<footer>twinbuild {} &middot; <code>twinbuild {}</code> &middot; {} &middot; exit code {}</footer>\n</body>\n</html>",
        escape(version),
        escape(command),
        escape(schema),
        exit_code
    );
}

/// One binary report's sections, between the head and the footer (an
/// archive report nests its binary members' with it).
pub(crate) fn body(o: &mut String, r: &Report) {
    let v = View::new(r, Limits::HTML);
    overview(o, &v);
    if v.differs() {
        root_causes(o, &v);
        confirmations(o, &v);
    }
    inputs::build_inputs(o, &v);
    if v.differs() {
        by_cause(o, &v);
    }
    sections(o, &v);
    if !v.findings.is_empty() {
        findings(o, &v);
    }
    if !r.notes.is_empty() {
        o.push_str("<h2 id=\"notes\">Notes</h2>\n<ul>\n");
        for n in v.notes().items {
            let _ = writeln!(o, "<li>{}</li>", escape(n));
        }
        o.push_str("</ul>\n");
    }
}

fn cause_badge(c: Cause) -> String {
    format!("<span class=\"cause c-{0}\">{0}</span>", c.code())
}

/// A link to a finding: `[3]`.
fn link(id: usize) -> String {
    format!("<a href=\"#f{id}\">[{id}]</a>")
}

fn overview(o: &mut String, v: &View<'_>) {
    let r = v.report;
    if v.differs() {
        let _ = write!(
            o,
            "<header class=\"verdict differs\" id=\"verdict\"><h1>Not reproducible</h1><p>{} differ {}. Exit code {}.</p>",
            v.size, v.extent, r.exit_code
        );
        if v.gate_passes {
            o.push_str("<p><strong>The gate passes: every root cause is allowed.</strong></p>");
        }
        if let Some(bytes) = &v.unproven_size {
            let _ = write!(
                o,
                "<p><strong>Unproven: {bytes} differ with no proven cause; no <code>--allow</code> passes them.</strong></p><ul class=\"unproven\">"
            );
            for x in v.unproven().items {
                let f = x.finding;
                let _ = write!(
                    o,
                    "<li>{} {} {}</li>",
                    link(f.id),
                    cause_badge(f.cause),
                    escape(&f.title)
                );
            }
            o.push_str("</ul>");
        }
        o.push_str("</header>\n");
    } else {
        let _ = writeln!(
            o,
            "<header class=\"verdict reproducible\" id=\"verdict\"><h1>Reproducible</h1><p>The two binaries are byte-identical ({}, sha256 <code>{}</code>). Exit code {}.</p></header>",
            v.size,
            escape(&r.lhs.sha256),
            r.exit_code
        );
    }
    if !r.allowances.is_empty() {
        let list: Vec<String> = r.allowances.iter().map(|c| cause_badge(*c)).collect();
        let _ = writeln!(
            o,
            "<p>Allowed causes (<code>--allow</code>): {}</p>",
            list.join(" ")
        );
    }

    o.push_str("<h2 id=\"artifacts\">Artifacts</h2>\n<table>\n<tr><th>side</th><th>path</th><th class=\"num\">size</th><th>format</th><th>sha256</th></tr>\n");
    for a in &v.artifacts {
        let x = a.artifact;
        let _ = writeln!(
            o,
            "<tr><td>{}</td><td class=\"wrap\"><code>{}</code></td><td class=\"num\" title=\"{} bytes\">{}</td><td>{} {}</td><td class=\"digest\">{}</td></tr>",
            a.side,
            escape(&x.path),
            x.size,
            a.size,
            x.format.name(),
            escape(&x.arch),
            escape(&x.sha256)
        );
    }
    o.push_str("</table>\n");

    if r.toolchain.is_none() && v.builds.is_empty() {
        return;
    }
    o.push_str("<h2 id=\"builds\">Toolchain and builds</h2>\n");
    if let Some(t) = &r.toolchain {
        let how = if t.pinned {
            format!("pinned by {}", escape(&t.source))
        } else {
            format!("<strong>not pinned</strong> ({})", escape(&t.source))
        };
        let _ = writeln!(
            o,
            "<p>Toolchain <code>{}</code>, {how}.</p>",
            escape(&t.version)
        );
    }
    if !v.builds.is_empty() {
        o.push_str("<table>\n<tr><th>side</th><th>go version</th><th>target</th><th class=\"num\">time</th><th>command</th></tr>\n");
        for b in &v.builds {
            build_row(o, b);
        }
        o.push_str("</table>\n");
    }
}

fn build_row(o: &mut String, b: &BuildView<'_>) {
    let x = b.record;
    let _ = write!(
        o,
        "<tr><td>{}</td><td><code>{}</code></td><td>{}</td><td class=\"num\">{} s</td><td class=\"wrap\"><code>{}</code>",
        x.side.name(),
        escape(&x.go_version),
        b.target.as_deref().map_or("-".into(), escape),
        b.seconds,
        escape(&b.command)
    );
    o.push_str("<details class=\"more\"><summary>workdir, environment and go env</summary><table class=\"locs\">");
    let workdir = x.workdir.display().to_string();
    let artifact = x.artifact.display().to_string();
    let rows = [("workdir", &workdir), ("artifact", &artifact)]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .chain(x.env.iter().map(|(k, v)| (escape(k), v)))
        .chain(
            x.go_env
                .iter()
                .map(|(k, v)| (format!("go env {}", escape(k)), v)),
        );
    for (k, v) in rows {
        let _ = write!(
            o,
            "<tr><th>{k}</th><td class=\"wrap\"><code>{}</code></td></tr>",
            escape(v)
        );
    }
    o.push_str("</table></details></td></tr>\n");
}

fn root_causes(o: &mut String, v: &View<'_>) {
    o.push_str("<h2 id=\"root-causes\">Root causes</h2>\n<ol class=\"roots\">\n");
    for root in v.listed_roots().items {
        let x = v.root(root);
        let f = x.finding;
        let _ = write!(
            o,
            "<li>{} {} {} <span class=\"muted\">{} in <code>{}</code>",
            link(f.id),
            cause_badge(f.cause),
            escape(&f.title),
            x.size,
            escape(&f.section)
        );
        if let Some(c) = &root.consequence {
            let _ = write!(o, "; {c}");
        }
        o.push_str("</span>");
        if let Some(fix) = &f.fix {
            let _ = write!(o, "<br><strong>Fix:</strong> {}", escape(fix));
        }
        o.push_str("</li>\n");
    }
    o.push_str("</ol>\n");
}

/// `verify --confirm`: one row per variation removed.
fn confirmations(o: &mut String, v: &View<'_>) {
    let all = &v.report.confirmations;
    if all.is_empty() {
        return;
    }
    o.push_str("<h2 id=\"confirmations\">Causal checks</h2>\n<p>The rhs rebuilt with one variation taken from the lhs (<code>--confirm</code>).</p>\n<table>\n<tr><th>variation</th><th>roots</th><th>outcome</th><th>what it showed</th></tr>\n");
    for c in all {
        let roots: Vec<String> = c.roots.iter().map(|id| link(*id)).collect();
        let outcome = match c.outcome {
            ConfirmOutcome::Refuted => "<strong class=\"bad\">refuted</strong>",
            ConfirmOutcome::Confirmed => "<strong class=\"good\">confirmed</strong>",
            ConfirmOutcome::NotRun => "not-run",
        };
        let _ = write!(
            o,
            "<tr><td><code>{}</code></td><td>{}</td><td>{outcome}</td><td>{}",
            escape(&c.variation),
            roots.join(" "),
            escape(&c.detail)
        );
        if let Some(evidence) = c.evidence() {
            let _ = write!(o, "<br><span class=\"muted\">{}</span>", escape(&evidence));
        }
        o.push_str("</td></tr>\n");
    }
    o.push_str("</table>\n");
}

fn by_cause(o: &mut String, v: &View<'_>) {
    o.push_str("<h2 id=\"by-cause\">Bytes by cause</h2>\n<table>\n<tr><th>cause</th><th class=\"num\">bytes</th><th class=\"num\">share</th><th style=\"width:40%\"></th></tr>\n");
    for s in &v.by_cause {
        // The code comes from our own enum; anything else is escaped and drawn grey.
        let class = Cause::from_code(s.cause)
            .map_or("c-unattributed".to_string(), |c| format!("c-{}", c.code()));
        let _ = writeln!(
            o,
            "<tr><td><span class=\"cause {class}\">{}</span></td><td class=\"num\" title=\"{} bytes\">{}</td><td class=\"num\">{pct:.1}%</td><td><div class=\"bar {class}\" style=\"width:{pct:.1}%\"></div></td></tr>",
            escape(s.cause),
            s.bytes,
            s.size,
            pct = s.percent
        );
    }
    let total = v.report.summary.differing_bytes;
    let _ = writeln!(o, "<tr><th>total</th><th class=\"num\" title=\"{total} bytes\">{}</th><th class=\"num\">100%</th><th></th></tr>\n</table>", v.size);
}

fn section_row(o: &mut String, x: &SectionView<'_>) {
    let status = if x.same {
        "same".to_string()
    } else {
        format!("<strong>{}</strong>", x.row.status.name())
    };
    let _ = write!(
        o,
        "<tr><td class=\"wrap\"><code>{}</code></td><td>{status}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td>{}</td></tr>",
        escape(&x.row.name),
        x.lhs,
        x.rhs,
        x.differing,
        if x.row.compared == Compared::Decompressed { "decompressed" } else { "" }
    );
    if let Some(w) = &x.row.warning {
        let _ = write!(
            o,
            "<tr><td></td><td colspan=\"5\" class=\"muted\">note: {}</td></tr>",
            escape(w)
        );
    }
    o.push('\n');
}

/// The differing sections, then the identical ones folded.
fn sections(o: &mut String, v: &View<'_>) {
    const HEAD: &str = "<tr><th>section</th><th>status</th><th class=\"num\">lhs</th><th class=\"num\">rhs</th><th class=\"num\">differing</th><th>compared</th></tr>\n";
    let s = &v.report.summary;
    let _ = writeln!(
        o,
        "<h2 id=\"sections\">Sections</h2>\n<p>{} of {} sections differ.</p>",
        s.sections_differing, s.sections_total
    );
    let (same, differing): (Vec<_>, Vec<_>) =
        v.listed_sections().items.into_iter().partition(|x| x.same);
    if !differing.is_empty() {
        let _ = write!(o, "<table>\n{HEAD}");
        for x in &differing {
            section_row(o, x);
        }
        o.push_str("</table>\n");
    }
    if !same.is_empty() {
        let _ = write!(
            o,
            "<details class=\"more\"{}><summary>{} identical section{}</summary>\n<table>\n{HEAD}",
            if differing.is_empty() { " open" } else { "" },
            same.len(),
            plural(same.len())
        );
        for x in &same {
            section_row(o, x);
        }
        o.push_str("</table>\n</details>\n");
    }
}

/// Root causes first, the layout shifts each one caused folded under it.
fn findings(o: &mut String, v: &View<'_>) {
    let total = v.findings.len();
    let _ = writeln!(o, "<h2 id=\"findings\">Findings</h2>\n<p>{total} finding{}; root causes first, the layout shifts each one caused folded under it.</p>", plural(total));
    let folded = v.folded();
    for fold in &folded.roots {
        finding(o, fold.root);
        let n = fold.view.consequences.len();
        if n == 0 {
            continue;
        }
        let _ = writeln!(
            o,
            "<details class=\"shifts\"><summary>{n} finding{} follow{} from [{}]: {} moved or recomputed because of it</summary>",
            plural(n),
            if n == 1 { "s" } else { "" },
            fold.root.finding.id,
            size(fold.view.shifted)
        );
        for x in &fold.shown {
            finding(o, x);
        }
        o.push_str("</details>\n");
    }
    if !folded.others.is_empty() {
        o.push_str("<h3>Other findings</h3>\n");
        for x in &folded.others {
            finding(o, x);
        }
    }
    if folded.hidden > 0 {
        let _ = writeln!(o, "<p class=\"muted\">{} more findings are not shown here; <code>--format json</code> has every one.</p>", folded.hidden);
    }
}

fn finding(o: &mut String, x: &FindingView<'_>) {
    let f = x.finding;
    let _ = write!(
        o,
        "<article class=\"finding\" id=\"f{0}\">\n<h3>[{0}] {1} {2}</h3>\n<p class=\"meta\">",
        f.id,
        cause_badge(f.cause),
        escape(&f.title)
    );
    let _ = write!(o, "{} of <code>{}</code>", x.extent, escape(&f.section));
    if let Some(root) = f.root {
        let _ = write!(o, "; follows from {}", link(root));
    }
    if let Some(v) = &f.variation {
        let _ = write!(o, "; variation: <code>{}</code>", escape(v));
    }
    o.push_str("</p>\n");
    if !f.locations.is_empty() {
        o.push_str("<table class=\"locs\"><tr><th>section</th><th class=\"num\">lhs offset</th><th class=\"num\">lhs len</th><th class=\"num\">rhs offset</th><th class=\"num\">rhs len</th><th class=\"num\">file offset</th><th>symbol</th><th>in</th></tr>\n");
        for l in &f.locations {
            let _ = writeln!(
                o,
                "<tr><td class=\"wrap\"><code>{}</code></td><td class=\"num mono\">{:#x}</td><td class=\"num\">{}</td><td class=\"num mono\">{:#x}</td><td class=\"num\">{}</td><td class=\"num mono\">{}</td><td class=\"wrap\"><code>{}</code></td><td class=\"wrap\">{}</td></tr>",
                escape(&l.section),
                l.lhs_offset,
                l.lhs_length,
                l.rhs_offset,
                l.rhs_length,
                l.lhs_file_offset.map(|x| format!("{x:#x}")).unwrap_or_default(),
                l.symbol.as_deref().map(escape).unwrap_or_default(),
                l.detail.as_deref().map(escape).unwrap_or_default()
            );
        }
        o.push_str("</table>\n");
    }
    if !x.sides.is_empty() {
        o.push_str("<div class=\"sides\">\n");
        for side in &x.sides {
            excerpt(o, side, x);
        }
        o.push_str("</div>\n");
    }
    if let Some(p) = &x.proof {
        let _ = writeln!(o, "<p class=\"proof\">{}</p>", escape(p));
    }
    if !f.instructions.is_empty() {
        o.push_str("<table class=\"asm\"><tr><th>function</th><th>lhs</th><th>rhs</th></tr>\n");
        for d in &f.instructions {
            let _ = writeln!(
                o,
                "<tr><td class=\"wrap\"><code>{}</code></td><td class=\"mono\">{:#x} <code>{}</code></td><td class=\"mono\">{:#x} <code>{}</code></td></tr>",
                escape(&d.symbol),
                d.lhs_address,
                escape(&d.lhs),
                d.rhs_address,
                escape(&d.rhs)
            );
        }
        o.push_str("</table>\n");
    }
    if let Some(fix) = &f.fix {
        let _ = writeln!(
            o,
            "<p class=\"fix\"><strong>Fix:</strong> {}</p>",
            escape(fix)
        );
    }
    o.push_str("</article>\n");
}

/// One side's bytes as an annotated hex dump: offset, 16 bytes of hex, the
/// same bytes as text; the differing bytes are `<mark>`ed with the cause.
fn excerpt(o: &mut String, side: &Side<'_>, x: &FindingView<'_>) {
    let name = side.name;
    let Some(e) = &side.excerpt else {
        let _ = writeln!(
            o,
            "<figure><figcaption>{name}: no bytes on this side</figcaption></figure>"
        );
        return;
    };
    let code = x.finding.cause.code();
    let raw = e.excerpt;
    let _ = writeln!(
        o,
        "<figure><figcaption>{name} &middot; <code>{}</code> +{:#x} &middot; {} highlighted byte{} ({code})</figcaption>",
        escape(&x.finding.section),
        raw.offset,
        raw.highlight_len,
        plural(raw.highlight_len as usize)
    );
    if !e.well_formed {
        let _ = writeln!(
            o,
            "<pre class=\"hex\">{}\n{}</pre></figure>",
            escape(&raw.hex),
            escape(&raw.text)
        );
        return;
    }
    let open = format!("<mark class=\"c-{code}\" title=\"{code}\">");
    o.push_str("<pre class=\"hex\">");
    for row in &e.rows {
        let _ = write!(o, "<span class=\"off\">{:08x}</span>  ", row.offset);
        marked(o, &row.cells, &open, " ", |o, c| {
            let _ = write!(o, "{:02x}", c.byte.unwrap_or_default());
        });
        for _ in row.cells.len()..ROW {
            o.push_str("   ");
        }
        o.push_str("  ");
        marked(o, &row.cells, &open, "", |o, c| {
            let t = if c.text.is_control() { '.' } else { c.text };
            o.push_str(&escape(t.encode_utf8(&mut [0; 4])));
        });
        o.push('\n');
    }
    o.push_str("</pre></figure>\n");
}

/// Write a row's cells with `cell`, `between` them; a run of marked cells
/// shares one `open`…`</mark>`.
fn marked(
    o: &mut String,
    cells: &[Cell],
    open: &str,
    between: &str,
    cell: impl Fn(&mut String, &Cell),
) {
    let mut in_mark = false;
    for (k, c) in cells.iter().enumerate() {
        if k > 0 {
            o.push_str(between);
        }
        if c.marked && !in_mark {
            o.push_str(open);
            in_mark = true;
        }
        cell(o, c);
        if in_mark && !cells.get(k + 1).is_some_and(|n| n.marked) {
            o.push_str("</mark>");
            in_mark = false;
        }
    }
}
