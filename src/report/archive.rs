//! The report of two release archives (`twinbuild diff A.tar.gz B.tar.gz`,
//! `verify --artifact dist/app.zip`): the archives, the checksum checks
//! (`--checksums`; a mismatch first), the warnings (hostile names, links,
//! nesting), the findings (`archive-metadata` by field, `archive-member` by
//! member) with their fixes, the entries that differ, and each differing
//! binary member's own [`Report`], rendered by the single-report renderers.
//! In the four formats, deterministic, every name escaped; the JSON is
//! documented in docs/archive.md and docs/archive-report.schema.json.

use std::collections::BTreeMap;
use std::fmt::Write;

use serde::Serialize;

use super::view::{file_name, plural, size};
use super::{html, human, markdown, OutputFormat, RenderOptions, Report, Verdict, SCHEMA_VERSION};
use crate::archive::checksums::ChecksumCheck;
use crate::archive::{
    ArchiveArtifact, ArchiveDiff, ArchiveFinding, EntryRow, EntryStatus, MemberDiff, Warning,
};
use crate::attribute::Cause;
use crate::harness::{BuildRecord, ToolchainInfo};

/// Entry rows (not `same`) shown on the terminal, in Markdown and in HTML (JSON has all).
pub const ENTRIES_SHOWN: usize = 50;
/// Binary members whose full report the Markdown includes (it stays a CI summary).
pub const MARKDOWN_REPORTS: usize = 3;

/// The predicate type of an archive attestation.
pub const PREDICATE_TYPE: &str = "https://twinbuild.dev/attestation/reproducible-archive/v1";

/// Counts over the entry table and the findings.
#[derive(Debug, Clone, Serialize)]
pub struct ArchiveSummary {
    pub entries_same: usize,
    pub entries_metadata: usize,
    pub entries_differing: usize,
    pub only_lhs: usize,
    pub only_rhs: usize,
    /// Findings per cause code.
    pub by_cause: BTreeMap<String, usize>,
    /// The causes of the findings, binary members' root causes included, in order.
    pub root_causes: Vec<Cause>,
}

/// Everything a comparison of two archives found.
#[derive(Debug, Clone, Serialize)]
pub struct ArchiveReport {
    pub schema_version: u32,
    pub twinbuild_version: String,
    /// `diff` or `verify`.
    pub command: String,
    /// Always `archive`: tells this report from a binary's (which has no
    /// `kind`) and from a matrix report's (`matrix`).
    pub kind: String,
    pub verdict: Verdict,
    /// 0 reproducible or every difference allowed (and no checksum mismatch), 1 otherwise.
    pub exit_code: i32,
    pub lhs: ArchiveArtifact,
    pub rhs: ArchiveArtifact,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub toolchain: Option<ToolchainInfo>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub builds: Vec<BuildRecord>,
    /// `--checksums`: each listed name that is one of the archives, checked.
    pub checksums: Vec<ChecksumCheck>,
    pub summary: ArchiveSummary,
    pub warnings: Vec<Warning>,
    pub findings: Vec<ArchiveFinding>,
    pub members: Vec<MemberDiff>,
    pub entries: Vec<EntryRow>,
    pub allowances: Vec<Cause>,
    pub notes: Vec<String>,
}

impl ArchiveReport {
    pub fn new(
        diff: ArchiveDiff,
        context: super::Context,
        checksums: Vec<ChecksumCheck>,
    ) -> ArchiveReport {
        let verdict = if diff.identical() {
            Verdict::Reproducible
        } else {
            Verdict::Differs
        };
        let allow = &context.allowances;
        let allowed = verdict == Verdict::Differs && !allow.is_empty() && diff.passes(allow);
        let checksums_ok = checksums.iter().all(|c| c.ok);
        let exit_code = match verdict {
            _ if !checksums_ok => 1,
            Verdict::Reproducible => 0,
            Verdict::Differs if allowed => 0,
            Verdict::Differs => 1,
        };
        let count = |s: EntryStatus| diff.entries.iter().filter(|e| e.status == s).count();
        let mut by_cause = BTreeMap::new();
        let mut root_causes = Vec::new();
        for f in &diff.findings {
            *by_cause.entry(f.cause.code().to_string()).or_insert(0) += 1;
            if !root_causes.contains(&f.cause) {
                root_causes.push(f.cause);
            }
        }
        for m in &diff.members {
            for c in m.report.iter().flat_map(|r| &r.summary.root_causes) {
                if !root_causes.contains(c) {
                    root_causes.push(*c);
                }
            }
        }
        let summary = ArchiveSummary {
            entries_same: count(EntryStatus::Same),
            entries_metadata: count(EntryStatus::Metadata),
            entries_differing: count(EntryStatus::Differs),
            only_lhs: count(EntryStatus::OnlyLhs),
            only_rhs: count(EntryStatus::OnlyRhs),
            by_cause,
            root_causes,
        };
        let mut notes = context.notes;
        notes.extend(diff.notes);
        if allowed && checksums_ok {
            let list: Vec<&str> = allow.iter().map(|c| c.code()).collect();
            notes.push(format!(
                "every difference's cause is allowed ({}): gate passes",
                list.join(", ")
            ));
        }
        ArchiveReport {
            schema_version: SCHEMA_VERSION,
            twinbuild_version: env!("CARGO_PKG_VERSION").to_string(),
            command: context.command,
            kind: "archive".into(),
            verdict,
            exit_code,
            lhs: diff.lhs,
            rhs: diff.rhs,
            toolchain: context.toolchain,
            builds: context.builds,
            checksums,
            summary,
            warnings: diff.warnings,
            findings: diff.findings,
            members: diff.members,
            entries: diff.entries,
            allowances: context.allowances,
            notes,
        }
    }

    pub fn render(&self, format: OutputFormat, options: RenderOptions) -> String {
        match format {
            OutputFormat::Json => {
                let mut s =
                    serde_json::to_string_pretty(self).expect("an ArchiveReport always serialises");
                s.push('\n');
                s
            }
            OutputFormat::Human => self.human(options),
            OutputFormat::Markdown => self.markdown(),
            OutputFormat::Html => self.html(),
        }
    }

    /// The verdict in words, without markup.
    fn headline(&self) -> String {
        let mut s = match self.verdict {
            Verdict::Reproducible => format!(
                "the two archives are byte-identical ({}, {} entries, sha256 {})",
                size(self.lhs.size),
                self.lhs.entries,
                self.lhs.sha256
            ),
            Verdict::Differs => {
                let causes: Vec<&str> = self.summary.root_causes.iter().map(|c| c.code()).collect();
                format!(
                    "{} finding{} in the archives ({})",
                    self.findings.len(),
                    plural(self.findings.len()),
                    causes.join(", ")
                )
            }
        };
        let bad = self.checksums.iter().filter(|c| !c.ok).count();
        if bad > 0 {
            let _ = write!(
                s,
                "; {bad} checksum mismatch{}",
                if bad == 1 { "" } else { "es" }
            );
        }
        s
    }

    fn verdict_word(&self) -> &'static str {
        match self.verdict {
            Verdict::Reproducible => "reproducible:",
            Verdict::Differs => "not reproducible:",
        }
    }

    fn rows(&self) -> impl Iterator<Item = &EntryRow> {
        self.entries
            .iter()
            .filter(|e| e.status != EntryStatus::Same)
    }

    fn human(&self, options: RenderOptions) -> String {
        let color = options.color;
        let paint = |code: &str, t: &str| human::paint(color, code, t);
        let e = human::escape;
        let mut o = String::new();
        let word = match (self.verdict, self.exit_code) {
            (Verdict::Reproducible, 0) => paint("1;32", self.verdict_word()),
            _ => paint("1;31", self.verdict_word()),
        };
        let _ = writeln!(o, "{word} {}", e(&self.headline()));
        for (side, a) in [("lhs", &self.lhs), ("rhs", &self.rhs)] {
            let _ = writeln!(
                o,
                "  {side}  {}  {}  {}  {} entries  sha256 {}",
                e(&a.path),
                size(a.size),
                a.format.name(),
                a.entries,
                a.sha256
            );
        }
        if let Some(t) = &self.toolchain {
            let _ = writeln!(o, "  toolchain {}", e(&t.version));
        }
        for b in &self.builds {
            let _ = writeln!(o, "  {} build: {}", b.side.name(), e(&b.command.join(" ")));
        }
        if !self.checksums.is_empty() {
            let _ = writeln!(o, "\n{}", paint("1", "Checksums"));
            let mut sorted: Vec<&ChecksumCheck> = self.checksums.iter().collect();
            sorted.sort_by_key(|c| c.ok);
            for c in sorted {
                let _ = if c.ok {
                    writeln!(
                        o,
                        "  ok        {} ({}) in {}",
                        e(&c.name),
                        c.side,
                        e(&c.file)
                    )
                } else {
                    writeln!(
                        o,
                        "  {} {} ({}) in {}: listed {}, the file is {}",
                        paint("1;31", "MISMATCH"),
                        e(&c.name),
                        c.side,
                        e(&c.file),
                        c.expected,
                        c.actual
                    )
                };
            }
        }
        if !self.warnings.is_empty() {
            let _ = writeln!(o, "\n{}", paint("1;33", "Warnings"));
            for w in &self.warnings {
                let _ = writeln!(
                    o,
                    "  {} {}  {}: {}",
                    e(&w.side),
                    e(&w.member),
                    w.kind,
                    e(&w.detail)
                );
            }
        }
        human_diff(&mut o, &self.findings, &self.members, color, "");
        let rows: Vec<&EntryRow> = self.rows().collect();
        let s = &self.summary;
        let _ = writeln!(
            o,
            "\nEntries: {} same, {} metadata only, {} differing, {} lhs only, {} rhs only",
            s.entries_same, s.entries_metadata, s.entries_differing, s.only_lhs, s.only_rhs
        );
        for r in rows.iter().take(ENTRIES_SHOWN) {
            let _ = writeln!(
                o,
                "  {:<9} {:<8} {}",
                status(r.status),
                r.kind.name(),
                e(&r.name)
            );
        }
        if rows.len() > ENTRIES_SHOWN {
            let _ = writeln!(
                o,
                "  {} more (--format json lists all)",
                rows.len() - ENTRIES_SHOWN
            );
        }
        for n in &self.notes {
            let _ = writeln!(o, "\nnote: {}", e(n));
        }
        for (m, r) in binary_reports(&self.members) {
            let _ = writeln!(o, "\n{} {}\n", paint("1", "Member"), e(&m));
            o.push_str(&r.render_with(OutputFormat::Human, options));
        }
        o
    }

    fn markdown(&self) -> String {
        let (c, esc) = (markdown::code, markdown::escape);
        let mut o = String::new();
        let mark = if self.exit_code == 0 { "✅" } else { "❌" };
        let _ = writeln!(
            o,
            "## twinbuild: archives\n\n{mark} **{}** {}\n",
            self.verdict_word(),
            esc(&self.headline())
        );
        o.push_str("| | archive | size | format | entries | sha256 |\n|---|---|---|---|---|---|\n");
        for (side, a) in [("lhs", &self.lhs), ("rhs", &self.rhs)] {
            let _ = writeln!(
                o,
                "| {side} | {} | {} | {} | {} | {} |",
                c(&a.path, true),
                size(a.size),
                a.format.name(),
                a.entries,
                c(&a.sha256, true)
            );
        }
        if !self.checksums.is_empty() {
            o.push_str("\n### Checksums\n\n| result | name | side | file | listed | actual |\n|---|---|---|---|---|---|\n");
            let mut sorted: Vec<&ChecksumCheck> = self.checksums.iter().collect();
            sorted.sort_by_key(|c| c.ok);
            for k in sorted {
                let _ = writeln!(
                    o,
                    "| {} | {} | {} | {} | {} | {} |",
                    if k.ok { "ok" } else { "**mismatch**" },
                    c(&k.name, true),
                    k.side,
                    c(&k.file, true),
                    c(&k.expected, true),
                    c(&k.actual, true)
                );
            }
        }
        if !self.warnings.is_empty() {
            o.push_str("\n### Warnings\n\n");
            for w in &self.warnings {
                let _ = writeln!(
                    o,
                    "- {} {} {}: {}",
                    c(&w.side, false),
                    c(&w.member, false),
                    w.kind,
                    esc(&w.detail)
                );
            }
        }
        md_diff(&mut o, &self.findings, &self.members, 3);
        let rows: Vec<&EntryRow> = self.rows().collect();
        if !rows.is_empty() {
            let s = &self.summary;
            let _ = writeln!(
                o,
                "\n### Entries\n\n{} same, {} metadata only, {} differing, {} lhs only, {} rhs only.\n\n| status | type | name |\n|---|---|---|",
                s.entries_same, s.entries_metadata, s.entries_differing, s.only_lhs, s.only_rhs
            );
            for r in rows.iter().take(ENTRIES_SHOWN) {
                let _ = writeln!(
                    o,
                    "| {} | {} | {} |",
                    status(r.status),
                    r.kind.name(),
                    c(&r.name, true)
                );
            }
            if rows.len() > ENTRIES_SHOWN {
                let _ = writeln!(
                    o,
                    "\n{} more in the JSON report.",
                    rows.len() - ENTRIES_SHOWN
                );
            }
        }
        if !self.notes.is_empty() {
            o.push('\n');
            for n in &self.notes {
                let _ = writeln!(o, "- {}", esc(n));
            }
        }
        let reports = binary_reports(&self.members);
        for (m, r) in reports.iter().take(MARKDOWN_REPORTS) {
            let _ = writeln!(
                o,
                "\n<details><summary>Member {}</summary>\n",
                html::escape(m)
            );
            o.push_str(&r.render(OutputFormat::Markdown, false));
            o.push_str("\n</details>\n");
        }
        if reports.len() > MARKDOWN_REPORTS {
            let _ = writeln!(
                o,
                "\n{} more binary members' reports in the JSON and HTML reports.",
                reports.len() - MARKDOWN_REPORTS
            );
        }
        o
    }

    fn html(&self) -> String {
        let x = html::escape;
        let mut o = String::with_capacity(32 * 1024);
        html::page_start(
            &mut o,
            &format!(
                "twinbuild: {} {} vs {}",
                self.verdict_word(),
                file_name(&self.lhs.path),
                file_name(&self.rhs.path)
            ),
        );
        let class = if self.exit_code == 0 {
            "reproducible"
        } else {
            "differs"
        };
        let _ = writeln!(
            o,
            "<section class=\"verdict {class}\"><h1>{}</h1><p>{}</p></section>",
            x(self.verdict_word()),
            x(&self.headline())
        );
        o.push_str("<table><thead><tr><th></th><th>archive</th><th>size</th><th>format</th><th>entries</th><th>sha256</th></tr></thead><tbody>\n");
        for (side, a) in [("lhs", &self.lhs), ("rhs", &self.rhs)] {
            let _ = writeln!(
                o,
                "<tr><td>{side}</td><td><code>{}</code></td><td>{}</td><td>{}</td><td>{}</td><td><code>{}</code></td></tr>",
                x(&a.path),
                size(a.size),
                a.format.name(),
                a.entries,
                a.sha256
            );
        }
        o.push_str("</tbody></table>\n");
        if !self.checksums.is_empty() {
            o.push_str("<h2 id=\"checksums\">Checksums</h2><table><thead><tr><th>result</th><th>name</th><th>side</th><th>file</th><th>listed</th><th>actual</th></tr></thead><tbody>\n");
            let mut sorted: Vec<&ChecksumCheck> = self.checksums.iter().collect();
            sorted.sort_by_key(|c| c.ok);
            for c in sorted {
                let _ = writeln!(
                    o,
                    "<tr><td>{}</td><td><code>{}</code></td><td>{}</td><td><code>{}</code></td><td><code>{}</code></td><td><code>{}</code></td></tr>",
                    if c.ok { "ok" } else { "<strong>mismatch</strong>" },
                    x(&c.name),
                    c.side,
                    x(&c.file),
                    x(&c.expected),
                    x(&c.actual)
                );
            }
            o.push_str("</tbody></table>\n");
        }
        if !self.warnings.is_empty() {
            o.push_str("<h2 id=\"warnings\">Warnings</h2><ul>\n");
            for w in &self.warnings {
                let _ = writeln!(
                    o,
                    "<li><code>{}</code> <code>{}</code> {}: {}</li>",
                    x(&w.side),
                    x(&w.member),
                    x(&w.kind),
                    x(&w.detail)
                );
            }
            o.push_str("</ul>\n");
        }
        html_diff(&mut o, &self.findings, &self.members);
        let rows: Vec<&EntryRow> = self.rows().collect();
        if !rows.is_empty() {
            o.push_str("<h2 id=\"entries\">Entries</h2><table><thead><tr><th>status</th><th>type</th><th>name</th><th>lhs size</th><th>rhs size</th></tr></thead><tbody>\n");
            let sz = |s: Option<u64>| s.map_or(String::new(), |n| n.to_string());
            for r in rows.iter().take(ENTRIES_SHOWN) {
                let _ = writeln!(
                    o,
                    "<tr><td>{}</td><td>{}</td><td><code>{}</code></td><td>{}</td><td>{}</td></tr>",
                    status(r.status),
                    r.kind.name(),
                    x(&r.name),
                    sz(r.lhs_size),
                    sz(r.rhs_size)
                );
            }
            o.push_str("</tbody></table>\n");
            if rows.len() > ENTRIES_SHOWN {
                let _ = writeln!(
                    o,
                    "<p>{} more in the JSON report.</p>",
                    rows.len() - ENTRIES_SHOWN
                );
            }
        }
        if !self.notes.is_empty() {
            o.push_str("<h2 id=\"notes\">Notes</h2><ul>\n");
            for n in &self.notes {
                let _ = writeln!(o, "<li>{}</li>", x(n));
            }
            o.push_str("</ul>\n");
        }
        for (i, (m, r)) in binary_reports(&self.members).into_iter().enumerate() {
            let _ = writeln!(
                o,
                "<section class=\"member\" id=\"member-{}\"><h2>Member <code>{}</code></h2>",
                i + 1,
                x(&m)
            );
            html::body(&mut o, r);
            o.push_str("</section>\n");
        }
        html::page_end(
            &mut o,
            &self.twinbuild_version,
            &self.command,
            &format!("archive report schema {}", self.schema_version),
            self.exit_code,
        );
        o
    }

    /// The `--attest` statement: the two archives as subjects.
    pub fn statement(&self) -> String {
        use super::attest::{Statement, Verifier};
        #[derive(Serialize)]
        #[serde(rename_all = "camelCase")]
        struct Predicate<'a> {
            verifier: Verifier<'a>,
            command: &'a str,
            verdict: Verdict,
            reproducible: bool,
            exit_code: i32,
            lhs: &'a ArchiveArtifact,
            rhs: &'a ArchiveArtifact,
            checksums: &'a [ChecksumCheck],
            findings: Vec<(usize, Cause, &'a str)>,
            root_causes: &'a [Cause],
            allowances: &'a [Cause],
            report_schema_version: u32,
        }
        let subjects = super::attest::pair_subjects(
            (&self.lhs.path, &self.lhs.sha256),
            (&self.rhs.path, &self.rhs.sha256),
        );
        Statement::new(
            subjects,
            PREDICATE_TYPE,
            Predicate {
                verifier: Verifier::twinbuild(&self.twinbuild_version),
                command: &self.command,
                verdict: self.verdict,
                reproducible: self.verdict == Verdict::Reproducible,
                exit_code: self.exit_code,
                lhs: &self.lhs,
                rhs: &self.rhs,
                checksums: &self.checksums,
                findings: self
                    .findings
                    .iter()
                    .map(|f| (f.id, f.cause, f.title.as_str()))
                    .collect(),
                root_causes: &self.summary.root_causes,
                allowances: &self.allowances,
                report_schema_version: self.schema_version,
            },
        )
        .to_json()
    }
}

fn status(s: EntryStatus) -> &'static str {
    match s {
        EntryStatus::Same => "same",
        EntryStatus::Metadata => "metadata",
        EntryStatus::Differs => "differs",
        EntryStatus::OnlyLhs => "lhs only",
        EntryStatus::OnlyRhs => "rhs only",
    }
}

/// Every binary member's report with its path, nested archives' included, in order.
fn binary_reports(members: &[MemberDiff]) -> Vec<(String, &Report)> {
    let mut out = Vec::new();
    for m in members {
        if let Some(r) = &m.report {
            out.push((m.name.clone(), r));
        }
        if let Some(a) = &m.archive {
            for (n, r) in binary_reports(&a.members) {
                out.push((format!("{}!{n}", m.name), r));
            }
        }
    }
    out
}

/// The findings (and nested archives' findings, indented), on a terminal.
fn human_diff(
    o: &mut String,
    findings: &[ArchiveFinding],
    members: &[MemberDiff],
    color: bool,
    indent: &str,
) {
    let e = human::escape;
    if findings.is_empty() {
        return;
    }
    if indent.is_empty() {
        let _ = writeln!(o, "\n{}", human::paint(color, "1", "Findings"));
    }
    for f in findings {
        let _ = writeln!(
            o,
            "{indent}  [{}] {} {}",
            f.id,
            human::paint(color, "1", f.cause.code()),
            e(&f.title)
        );
        for x in &f.examples {
            let at = x
                .member
                .as_deref()
                .map_or(String::new(), |m| format!("{}: ", e(m)));
            let _ = writeln!(o, "{indent}      {at}{} vs {}", e(&x.lhs), e(&x.rhs));
        }
        if f.count > f.examples.len() {
            let _ = writeln!(o, "{indent}      {} more", f.count - f.examples.len());
        }
        let _ = writeln!(o, "{indent}      fix: {}", e(&f.fix));
        let member = f.member_in(members);
        if let Some(m) = member {
            if let Some(n) = &m.note {
                let _ = writeln!(o, "{indent}      note: {}", e(n));
            }
            if let Some(a) = &m.archive {
                human_diff(
                    o,
                    &a.findings,
                    &a.members,
                    color,
                    &format!("{indent}      "),
                );
            }
        }
    }
}

fn md_diff(o: &mut String, findings: &[ArchiveFinding], members: &[MemberDiff], level: usize) {
    let (c, esc) = (markdown::code, markdown::escape);
    if findings.is_empty() {
        return;
    }
    if level == 3 {
        o.push_str("\n### Findings\n\n");
    }
    let pad = "  ".repeat(level - 3);
    for f in findings {
        let _ = writeln!(
            o,
            "{pad}- **[{}] `{}`** {}",
            f.id,
            f.cause.code(),
            esc(&f.title)
        );
        for x in &f.examples {
            let at = x
                .member
                .as_deref()
                .map_or(String::new(), |m| format!("{}: ", c(m, false)));
            let _ = writeln!(
                o,
                "{pad}  - {at}{} vs {}",
                c(&x.lhs, false),
                c(&x.rhs, false)
            );
        }
        if f.count > f.examples.len() {
            let _ = writeln!(o, "{pad}  - {} more", f.count - f.examples.len());
        }
        let _ = writeln!(o, "{pad}  - fix: {}", esc(&f.fix));
        let member = f.member_in(members);
        if let Some(m) = member {
            if let Some(n) = &m.note {
                let _ = writeln!(o, "{pad}  - note: {}", esc(n));
            }
            if let Some(a) = &m.archive {
                md_diff(o, &a.findings, &a.members, level + 1);
            }
        }
    }
}

fn html_diff(o: &mut String, findings: &[ArchiveFinding], members: &[MemberDiff]) {
    let x = html::escape;
    if findings.is_empty() {
        return;
    }
    o.push_str("<h2 id=\"findings\">Findings</h2>\n");
    o.push_str("<ol class=\"findings\">\n");
    for f in findings {
        let _ = write!(
            o,
            "<li><span class=\"cause c-{0}\">{0}</span> {1}<ul>",
            f.cause.code(),
            x(&f.title)
        );
        for e in &f.examples {
            let at = e
                .member
                .as_deref()
                .map_or(String::new(), |m| format!("<code>{}</code>: ", x(m)));
            let _ = write!(
                o,
                "<li>{at}<code>{}</code> vs <code>{}</code></li>",
                x(&e.lhs),
                x(&e.rhs)
            );
        }
        if f.count > f.examples.len() {
            let _ = write!(o, "<li>{} more</li>", f.count - f.examples.len());
        }
        let _ = write!(o, "<li>fix: {}</li>", x(&f.fix));
        let member = f.member_in(members);
        if let Some(m) = member {
            if let Some(n) = &m.note {
                let _ = write!(o, "<li>note: {}</li>", x(n));
            }
            if let Some(a) = &m.archive {
                o.push_str("<li>");
                html_diff(o, &a.findings, &a.members);
                o.push_str("</li>");
            }
        }
        o.push_str("</ul></li>\n");
    }
    o.push_str("</ol>\n");
}
