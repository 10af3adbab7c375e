//! The HTML rendering: one self-contained file for an auditor or an engineer.
//!
//! An overview (verdict, the two artifacts with their digests, toolchain and
//! builds), the root causes with their fixes, the bytes by cause and the
//! section table, then every finding with both sides' bytes side by side as
//! hex and text, the differing bytes highlighted and labelled with their
//! cause. `layout-shift` findings are folded (`<details>`) under the root
//! they follow from.
//!
//! Self-contained: inline CSS, no script, no external URL; a
//! Content-Security-Policy forbids loading anything. Everything that comes
//! from the report (names read from the binaries, paths, commands, titles)
//! goes through [`escape`], so a section named `<script>` is shown as text.
//! Deterministic: the same report renders to the same bytes (no clock, no
//! map iteration order).

use std::borrow::Cow;
use std::fmt::Write;

use super::human::size;
use super::{ConfirmOutcome, Report, Verdict};
use crate::attribute::{Cause, Excerpt, Finding};
use crate::diff::Status;
use crate::harness::BuildRecord;

/// Findings rendered in full; the rest are counted (the JSON has them all).
const MAX_FINDINGS: usize = 500;
/// Bytes per row of an excerpt's hex dump.
const ROW: usize = 16;

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

/// The file-name part of a path, for titles (either separator).
pub(crate) fn file_name(path: &str) -> &str {
    path.rsplit(['/', '\\'])
        .find(|p| !p.is_empty())
        .unwrap_or(path)
}

const STYLE: &str = r#"
:root{--fg:#1f2328;--muted:#59636e;--line:#d1d9e0;--bg:#fff;--soft:#f6f8fa;--ok:#1a7f37;--bad:#cf222e}
*{box-sizing:border-box}
body{font:14px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--fg);background:var(--bg);margin:0 auto;max-width:1280px;padding:0 24px 48px}
h1{font-size:26px;margin:0}h2{font-size:20px;margin:32px 0 8px;border-bottom:1px solid var(--line);padding-bottom:4px}h3{font-size:15px;margin:0 0 6px}
code,pre,.mono{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:12.5px}
.verdict{margin:24px 0 8px;padding:16px 20px;border-radius:8px;border:2px solid}
.verdict.reproducible{border-color:var(--ok);background:#dafbe1}.verdict.differs{border-color:var(--bad);background:#ffebe9}
.verdict p{margin:6px 0 0}
table{border-collapse:collapse;margin:8px 0;width:100%}th,td{border:1px solid var(--line);padding:4px 8px;text-align:left;vertical-align:top}
th{background:var(--soft)}td.num,th.num{text-align:right;white-space:nowrap}
td.digest{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:12px;word-break:break-all}
.muted{color:var(--muted)}.wrap{word-break:break-all}
.good{color:var(--ok)}.bad{color:var(--bad)}
.cause{display:inline-block;padding:0 6px;border-radius:10px;font-family:ui-monospace,Menlo,Consolas,monospace;font-size:12px;color:#fff;white-space:nowrap}
.bar{height:10px;border-radius:3px;min-width:2px}
.finding{border:1px solid var(--line);border-radius:8px;padding:12px 16px;margin:12px 0}
.finding .meta{margin:0 0 8px;color:var(--muted)}
.finding .fix{margin:8px 0 0;padding:6px 10px;background:#fff8c5;border-radius:6px}
.locs td,.locs th{font-size:12px}
.sides{display:grid;grid-template-columns:1fr 1fr;gap:12px;margin-top:8px}
figure{margin:0;min-width:0}figcaption{font-size:12px;color:var(--muted);margin-bottom:2px}
pre.hex{margin:0;padding:8px;background:var(--soft);border:1px solid var(--line);border-radius:6px;overflow-x:auto;line-height:1.45}
pre.hex .off{color:var(--muted)}
mark{color:#fff;border-radius:2px;padding:0 1px}
details.shifts{margin:8px 0 0 16px}details.shifts>summary,details.more>summary{cursor:pointer;color:var(--muted)}
footer{margin-top:40px;color:var(--muted);font-size:12px}
.c-embedded-path{background:#8250df}.c-build-id{background:#0969da}.c-buildinfo{background:#1a7f37}.c-ldflags-x{background:#bf3989}
.c-toolchain{background:#9a6700}.c-cgo{background:#bc4c00}.c-layout-shift{background:#6e7781}.c-dwarf{background:#0550ae}
.c-code{background:#cf222e}.c-data{background:#a40e26}.c-header{background:#116329}.c-unattributed{background:#24292f}
"#;

pub fn render(r: &Report) -> String {
    let mut o = String::with_capacity(64 * 1024);
    let verdict = match r.verdict {
        Verdict::Reproducible => "reproducible",
        Verdict::Differs => "not reproducible",
    };
    o.push_str("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
    // Defence in depth behind escaping: nothing may load, nothing may run.
    o.push_str("<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'\">\n");
    o.push_str("<meta name=\"referrer\" content=\"no-referrer\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
    let _ = writeln!(
        o,
        "<title>twinbuild: {verdict}: {} vs {}</title>",
        escape(file_name(&r.lhs.path)),
        escape(file_name(&r.rhs.path))
    );
    let _ = writeln!(o, "<style>{STYLE}</style>\n</head>\n<body>");

    overview(&mut o, r);
    if r.verdict == Verdict::Differs {
        root_causes(&mut o, r);
        confirmations(&mut o, r);
        by_cause(&mut o, r);
    }
    sections(&mut o, r);
    if !r.findings.is_empty() {
        findings(&mut o, r);
    }
    if !r.notes.is_empty() {
        o.push_str("<h2 id=\"notes\">Notes</h2>\n<ul>\n");
        for n in &r.notes {
            let _ = writeln!(o, "<li>{}</li>", escape(n));
        }
        o.push_str("</ul>\n");
    }
    let _ = writeln!(
        o,
        "<footer>twinbuild {} &middot; <code>twinbuild {}</code> &middot; report schema {} &middot; exit code {}</footer>\n</body>\n</html>",
        escape(&r.twinbuild_version),
        escape(&r.command),
        r.schema_version,
        r.exit_code
    );
    o
}

fn cause_badge(c: Cause) -> String {
    format!("<span class=\"cause c-{0}\">{0}</span>", c.code())
}

fn overview(o: &mut String, r: &Report) {
    let s = &r.summary;
    match r.verdict {
        Verdict::Reproducible => {
            let _ = writeln!(
                o,
                "<header class=\"verdict reproducible\" id=\"verdict\"><h1>Reproducible</h1><p>The two binaries are byte-identical ({}, sha256 <code>{}</code>). Exit code {}.</p></header>",
                size(r.lhs.size),
                escape(&r.lhs.sha256),
                r.exit_code
            );
        }
        Verdict::Differs => {
            let roots = r.roots().count();
            let _ = write!(
                o,
                "<header class=\"verdict differs\" id=\"verdict\"><h1>Not reproducible</h1><p>{} differ in {} of {} sections; {} root cause{}. Exit code {}.</p>",
                size(s.differing_bytes),
                s.sections_differing,
                s.sections_total,
                roots,
                if roots == 1 { "" } else { "s" },
                r.exit_code
            );
            if r.exit_code == 0 {
                o.push_str("<p><strong>The gate passes: every root cause is allowed.</strong></p>");
            }
            if s.unproven_bytes > 0 {
                let _ = write!(
                    o,
                    "<p><strong>Unproven: {} differ with no proven cause; no <code>--allow</code> passes them.</strong></p><ul class=\"unproven\">",
                    size(s.unproven_bytes)
                );
                for f in r.unproven().take(8) {
                    let _ = write!(
                        o,
                        "<li><a href=\"#f{0}\">[{0}]</a> {1} {2}</li>",
                        f.id,
                        cause_badge(f.cause),
                        escape(&f.title)
                    );
                }
                o.push_str("</ul>");
            }
            o.push_str("</header>\n");
        }
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
    for (side, a) in [("lhs", &r.lhs), ("rhs", &r.rhs)] {
        let _ = writeln!(
            o,
            "<tr><td>{side}</td><td class=\"wrap\"><code>{}</code></td><td class=\"num\" title=\"{} bytes\">{}</td><td>{} {}</td><td class=\"digest\">{}</td></tr>",
            escape(&a.path),
            a.size,
            size(a.size),
            a.format.name(),
            escape(&a.arch),
            escape(&a.sha256)
        );
    }
    o.push_str("</table>\n");

    if r.toolchain.is_none() && r.builds.is_empty() {
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
    if !r.builds.is_empty() {
        o.push_str("<table>\n<tr><th>side</th><th>go version</th><th>target</th><th class=\"num\">time</th><th>command</th></tr>\n");
        for b in &r.builds {
            build_row(o, b);
        }
        o.push_str("</table>\n");
    }
}

fn build_row(o: &mut String, b: &BuildRecord) {
    let target = match (b.go_env.get("GOOS"), b.go_env.get("GOARCH")) {
        (Some(os), Some(arch)) => format!("{}/{}", escape(os), escape(arch)),
        _ => "-".into(),
    };
    let _ = write!(
        o,
        "<tr><td>{}</td><td><code>{}</code></td><td>{target}</td><td class=\"num\">{:.1} s</td><td class=\"wrap\"><code>{}</code>",
        b.side.name(),
        escape(&b.go_version),
        b.duration.as_secs_f64(),
        escape(&b.command.join(" "))
    );
    let _ = write!(o, "<details class=\"more\"><summary>workdir, environment and go env</summary><table class=\"locs\">");
    let _ = write!(
        o,
        "<tr><th>workdir</th><td class=\"wrap\"><code>{}</code></td></tr>",
        escape(&b.workdir.display().to_string())
    );
    let _ = write!(
        o,
        "<tr><th>artifact</th><td class=\"wrap\"><code>{}</code></td></tr>",
        escape(&b.artifact.display().to_string())
    );
    for (k, v) in &b.env {
        let _ = write!(
            o,
            "<tr><th>{}</th><td class=\"wrap\"><code>{}</code></td></tr>",
            escape(k),
            escape(v)
        );
    }
    for (k, v) in &b.go_env {
        let _ = write!(
            o,
            "<tr><th>go env {}</th><td class=\"wrap\"><code>{}</code></td></tr>",
            escape(k),
            escape(v)
        );
    }
    o.push_str("</table></details></td></tr>\n");
}

/// Bytes moved by a root: the layout-shift findings that name it.
fn shifted(r: &Report, root: &Finding) -> (usize, u64) {
    r.findings
        .iter()
        .filter(|g| g.root == Some(root.id))
        .fold((0, 0), |(n, b), g| (n + 1, b + g.bytes))
}

fn root_causes(o: &mut String, r: &Report) {
    o.push_str("<h2 id=\"root-causes\">Root causes</h2>\n<ol class=\"roots\">\n");
    for f in r.roots() {
        let (n, bytes) = shifted(r, f);
        let _ = write!(
            o,
            "<li><a href=\"#f{0}\">[{0}]</a> {1} {2} <span class=\"muted\">{3} in <code>{4}</code>",
            f.id,
            cause_badge(f.cause),
            escape(&f.title),
            size(f.bytes),
            escape(&f.section)
        );
        if n > 0 {
            let _ = write!(o, "; {} {}", size(bytes), f.cause.consequence());
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
fn confirmations(o: &mut String, r: &Report) {
    if r.confirmations.is_empty() {
        return;
    }
    o.push_str("<h2 id=\"confirmations\">Causal checks</h2>\n<p>The rhs rebuilt with one variation taken from the lhs (<code>--confirm</code>).</p>\n<table>\n<tr><th>variation</th><th>roots</th><th>outcome</th><th>what it showed</th></tr>\n");
    for c in &r.confirmations {
        let roots: Vec<String> = c
            .roots
            .iter()
            .map(|id| format!("<a href=\"#f{id}\">[{id}]</a>"))
            .collect();
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
        let evidence = c.evidence();
        if !evidence.is_empty() {
            let _ = write!(o, "<br><span class=\"muted\">{}</span>", escape(&evidence));
        }
        o.push_str("</td></tr>\n");
    }
    o.push_str("</table>\n");
}

fn by_cause(o: &mut String, r: &Report) {
    let s = &r.summary;
    let mut causes: Vec<(&String, &u64)> = s.by_cause.iter().collect();
    causes.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
    o.push_str("<h2 id=\"by-cause\">Bytes by cause</h2>\n<table>\n<tr><th>cause</th><th class=\"num\">bytes</th><th class=\"num\">share</th><th style=\"width:40%\"></th></tr>\n");
    for (code, bytes) in causes {
        let pct = if s.differing_bytes == 0 {
            0.0
        } else {
            *bytes as f64 * 100.0 / s.differing_bytes as f64
        };
        // The code comes from our own enum; anything else is escaped and drawn grey.
        let class = Cause::from_code(code)
            .map_or("c-unattributed".to_string(), |c| format!("c-{}", c.code()));
        let _ = writeln!(
            o,
            "<tr><td><span class=\"cause {class}\">{}</span></td><td class=\"num\" title=\"{bytes} bytes\">{}</td><td class=\"num\">{pct:.1}%</td><td><div class=\"bar {class}\" style=\"width:{pct:.1}%\"></div></td></tr>",
            escape(code),
            size(*bytes)
        );
    }
    let _ = writeln!(o, "<tr><th>total</th><th class=\"num\" title=\"{0} bytes\">{1}</th><th class=\"num\">100%</th><th></th></tr>\n</table>", s.differing_bytes, size(s.differing_bytes));
}

fn section_row(o: &mut String, x: &super::SectionRow) {
    let status = match x.status {
        Status::Same => "same".to_string(),
        other => format!("<strong>{}</strong>", other.name()),
    };
    let _ = write!(
        o,
        "<tr><td class=\"wrap\"><code>{}</code></td><td>{status}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td>{}</td></tr>",
        escape(&x.name),
        size(x.lhs_size),
        size(x.rhs_size),
        if x.differing_bytes > 0 { size(x.differing_bytes) } else { "-".into() },
        if x.compared == crate::diff::Compared::Decompressed { "decompressed" } else { "" }
    );
    if let Some(w) = &x.warning {
        let _ = write!(
            o,
            "<tr><td></td><td colspan=\"5\" class=\"muted\">note: {}</td></tr>",
            escape(w)
        );
    }
    o.push('\n');
}

fn sections(o: &mut String, r: &Report) {
    const HEAD: &str = "<tr><th>section</th><th>status</th><th class=\"num\">lhs</th><th class=\"num\">rhs</th><th class=\"num\">differing</th><th>compared</th></tr>\n";
    let s = &r.summary;
    let _ = writeln!(
        o,
        "<h2 id=\"sections\">Sections</h2>\n<p>{} of {} sections differ.</p>",
        s.sections_differing, s.sections_total
    );
    let (differing, same): (Vec<_>, Vec<_>) =
        r.sections.iter().partition(|x| x.status != Status::Same);
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
            if same.len() == 1 { "" } else { "s" }
        );
        for x in &same {
            section_row(o, x);
        }
        o.push_str("</table>\n</details>\n");
    }
}

fn findings(o: &mut String, r: &Report) {
    let _ = writeln!(o, "<h2 id=\"findings\">Findings</h2>\n<p>{} finding{}; root causes first, the layout shifts each one caused folded under it.</p>", r.findings.len(), if r.findings.len() == 1 { "" } else { "s" });
    let mut shown = 0usize;
    let is_root_id = |id: usize| r.findings.iter().any(|f| f.id == id && f.root.is_none());
    for root in r.roots() {
        if shown >= MAX_FINDINGS {
            break;
        }
        finding(o, root);
        shown += 1;
        let children: Vec<&Finding> = r
            .findings
            .iter()
            .filter(|g| g.root == Some(root.id))
            .collect();
        if children.is_empty() {
            continue;
        }
        let bytes: u64 = children.iter().map(|g| g.bytes).sum();
        let _ = writeln!(
            o,
            "<details class=\"shifts\"><summary>{} finding{} follow{} from [{}]: {} moved or recomputed because of it</summary>",
            children.len(),
            if children.len() == 1 { "" } else { "s" },
            if children.len() == 1 { "s" } else { "" },
            root.id,
            size(bytes)
        );
        for g in children {
            if shown >= MAX_FINDINGS {
                break;
            }
            finding(o, g);
            shown += 1;
        }
        o.push_str("</details>\n");
    }
    // Findings naming a root that is not in the report: shown, never dropped.
    let orphans: Vec<&Finding> = r
        .findings
        .iter()
        .filter(|f| f.root.is_some_and(|id| !is_root_id(id)))
        .collect();
    if !orphans.is_empty() && shown < MAX_FINDINGS {
        o.push_str("<h3>Other findings</h3>\n");
        for g in orphans {
            if shown >= MAX_FINDINGS {
                break;
            }
            finding(o, g);
            shown += 1;
        }
    }
    if shown < r.findings.len() {
        let _ = writeln!(o, "<p class=\"muted\">{} more findings are not shown here; <code>--format json</code> has every one.</p>", r.findings.len() - shown);
    }
}

fn finding(o: &mut String, f: &Finding) {
    let _ = write!(
        o,
        "<article class=\"finding\" id=\"f{0}\">\n<h3>[{0}] {1} {2}</h3>\n<p class=\"meta\">",
        f.id,
        cause_badge(f.cause),
        escape(&f.title)
    );
    let _ = write!(
        o,
        "{} in {} range{} of <code>{}</code>",
        size(f.bytes),
        f.ranges,
        if f.ranges == 1 { "" } else { "s" },
        escape(&f.section)
    );
    if let Some(root) = f.root {
        let _ = write!(o, "; follows from <a href=\"#f{root}\">[{root}]</a>");
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
    if f.lhs_excerpt.is_some() || f.rhs_excerpt.is_some() {
        o.push_str("<div class=\"sides\">\n");
        excerpt(o, "lhs", f.lhs_excerpt.as_ref(), f);
        excerpt(o, "rhs", f.rhs_excerpt.as_ref(), f);
        o.push_str("</div>\n");
    }
    if let Some(p) = super::proof_line(f) {
        let _ = writeln!(o, "<p class=\"proof\">{}</p>", escape(&p));
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

/// Decode an excerpt's hex; `None` when it is not well-formed hex.
fn decode_hex(hex: &str) -> Option<Vec<u8>> {
    let b = hex.as_bytes();
    if !b.len().is_multiple_of(2) {
        return None;
    }
    b.chunks(2)
        .map(|p| {
            std::str::from_utf8(p)
                .ok()
                .and_then(|s| u8::from_str_radix(s, 16).ok())
        })
        .collect()
}

/// One side's bytes as an annotated hex dump: offset, 16 bytes of hex, the
/// same bytes as text; the differing bytes are `<mark>`ed with the cause.
fn excerpt(o: &mut String, side: &str, e: Option<&Excerpt>, f: &Finding) {
    let Some(e) = e else {
        let _ = writeln!(
            o,
            "<figure><figcaption>{side}: no bytes on this side</figcaption></figure>"
        );
        return;
    };
    let code = f.cause.code();
    let _ = writeln!(
        o,
        "<figure><figcaption>{side} &middot; <code>{}</code> +{:#x} &middot; {} highlighted byte{} ({code})</figcaption>",
        escape(&f.section),
        e.offset,
        e.highlight_len,
        if e.highlight_len == 1 { "" } else { "s" }
    );
    let Some(bytes) = decode_hex(&e.hex) else {
        let _ = writeln!(
            o,
            "<pre class=\"hex\">{}\n{}</pre></figure>",
            escape(&e.hex),
            escape(&e.text)
        );
        return;
    };
    let text: Vec<char> = e.text.chars().collect();
    let hl_start = usize::try_from(e.highlight_start).unwrap_or(usize::MAX);
    let hl_end = hl_start.saturating_add(usize::try_from(e.highlight_len).unwrap_or(usize::MAX));
    let marked = |i: usize| i >= hl_start && i < hl_end;
    let open = format!("<mark class=\"c-{code}\" title=\"{code}\">");
    o.push_str("<pre class=\"hex\">");
    for (row, chunk) in bytes.chunks(ROW).enumerate() {
        let base = row * ROW;
        let _ = write!(
            o,
            "<span class=\"off\">{:08x}</span>  ",
            e.offset.saturating_add(base as u64)
        );
        // Hex column; a run of marked bytes shares one <mark>.
        let mut in_mark = false;
        for (k, b) in chunk.iter().enumerate() {
            let i = base + k;
            if k > 0 {
                o.push(' ');
            }
            if marked(i) && !in_mark {
                o.push_str(&open);
                in_mark = true;
            }
            let _ = write!(o, "{b:02x}");
            if in_mark && (!marked(i + 1) || k + 1 == chunk.len()) {
                o.push_str("</mark>");
                in_mark = false;
            }
        }
        for _ in chunk.len()..ROW {
            o.push_str("   ");
        }
        o.push_str("  ");
        for k in 0..chunk.len() {
            let i = base + k;
            if marked(i) && !in_mark {
                o.push_str(&open);
                in_mark = true;
            }
            let c = text.get(i).copied().unwrap_or('.');
            let c = if c.is_control() { '.' } else { c };
            o.push_str(&escape(c.encode_utf8(&mut [0; 4])));
            if in_mark && (!marked(i + 1) || k + 1 == chunk.len()) {
                o.push_str("</mark>");
                in_mark = false;
            }
        }
        o.push('\n');
    }
    o.push_str("</pre></figure>\n");
}
