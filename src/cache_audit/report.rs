//! The report of `cache-audit`: the served entries judged, then the two
//! final binaries' [`Report`] (the audited build as the lhs, the cold one as
//! the rhs), in the four formats. The binaries' part is rendered by the
//! report module as for `verify`; this adds the entries before it.

use std::fmt::Write;

use serde::Serialize;

use super::judge::{Entry, EntryVerdict};
use crate::harness::{CacheRuns, ToolchainInfo};
use crate::report::{self, html, human, markdown, OutputFormat, Report, Verdict, SCHEMA_VERSION};

/// At most this many entries are listed per verdict on the terminal, in
/// Markdown and in HTML (JSON has all).
pub const ENTRIES_SHOWN: usize = 20;

/// Everything `cache-audit` found.
#[derive(Debug, Clone, Serialize)]
pub struct AuditReport {
    pub schema_version: u32,
    pub twinbuild_version: String,
    /// `cache-audit`.
    pub command: String,
    /// `clean` when every served entry is `ok` and the binaries are the same; else `failed`.
    pub verdict: AuditVerdict,
    pub exit_code: i32,
    /// What was audited: `GOCACHE <dir>` or `GOCACHEPROG <command>`.
    pub cache: String,
    pub toolchain: ToolchainInfo,
    /// How many `get`s the audited build made, and how many were served.
    pub requests: usize,
    pub counts: Counts,
    /// Every served entry, problems first.
    pub entries: Vec<Entry>,
    /// The audited build's binary (lhs) against the cold build's (rhs).
    pub binaries: Report,
    pub notes: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum AuditVerdict {
    Clean,
    Failed,
}

/// Entries per verdict.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Counts {
    pub ok: usize,
    pub poisoned: usize,
    pub stale: usize,
    pub missing: usize,
}

impl AuditReport {
    pub fn new(
        cache: String,
        runs: &CacheRuns,
        entries: Vec<Entry>,
        requests: usize,
        binaries: Report,
    ) -> AuditReport {
        let mut counts = Counts::default();
        for e in &entries {
            *match e.verdict {
                EntryVerdict::Ok => &mut counts.ok,
                EntryVerdict::Poisoned => &mut counts.poisoned,
                EntryVerdict::Stale => &mut counts.stale,
                EntryVerdict::Missing => &mut counts.missing,
            } += 1;
        }
        let clean = counts.ok == entries.len() && binaries.verdict == Verdict::Reproducible;
        let mut notes = runs.notes.clone();
        if entries.is_empty() {
            notes.push(
                "the audited build was served no entry: the cache holds nothing for these settings (other flags, another toolchain, paths without -trimpath)".into(),
            );
        }
        AuditReport {
            schema_version: SCHEMA_VERSION,
            twinbuild_version: env!("CARGO_PKG_VERSION").to_string(),
            command: "cache-audit".into(),
            verdict: if clean {
                AuditVerdict::Clean
            } else {
                AuditVerdict::Failed
            },
            exit_code: if clean { 0 } else { 1 },
            cache,
            toolchain: runs.toolchain.clone(),
            requests,
            counts,
            entries,
            binaries,
            notes,
        }
    }

    /// The verdict in one line.
    fn headline(&self) -> String {
        let c = &self.counts;
        let served = self.entries.len();
        let bad = c.poisoned + c.stale + c.missing;
        let entries = if bad == 0 {
            format!("all {served} entries served match the cold build")
        } else {
            format!(
                "{bad} of {served} entries served do not match the cold build ({} poisoned, {} stale, {} missing)",
                c.poisoned, c.stale, c.missing
            )
        };
        let binaries = match self.binaries.verdict {
            Verdict::Reproducible => "the two binaries are the same",
            Verdict::Differs => "the two binaries differ",
        };
        format!("{entries}; {binaries}")
    }

    /// The entries to list: problems, and a few of the `ok` ones.
    fn listed(&self) -> impl Iterator<Item = &[Entry]> {
        self.entries.chunk_by(|a, b| a.verdict == b.verdict)
    }

    pub fn render(&self, format: OutputFormat, color: bool) -> String {
        match format {
            OutputFormat::Json => {
                let mut s =
                    serde_json::to_string_pretty(self).expect("an AuditReport always serialises");
                s.push('\n');
                s
            }
            OutputFormat::Human => self.human(color),
            OutputFormat::Markdown => self.markdown(),
            OutputFormat::Html => self.html(),
        }
    }

    fn human(&self, color: bool) -> String {
        let paint = |code: &str, t: &str| human::paint(color, code, t);
        let mut o = String::new();
        let word = match self.verdict {
            AuditVerdict::Clean => paint("1;32", "CLEAN"),
            AuditVerdict::Failed => paint("1;31", "FAILED"),
        };
        let _ = writeln!(o, "{word}  {}", self.headline());
        let _ = writeln!(
            o,
            "  audited {}: {} requests from a build through it, checked against a cold build at the same paths",
            human::escape(&self.cache),
            self.requests
        );
        for group in self.listed() {
            let Some(first) = group.first() else { continue };
            let _ = writeln!(
                o,
                "\n{} ({}):",
                paint("1", verdict_name(first.verdict)),
                group.len()
            );
            for e in group.iter().take(ENTRIES_SHOWN) {
                let _ = writeln!(
                    o,
                    "  {}  {}",
                    human::escape(&label(e)),
                    short(e.served_output_id.as_deref())
                );
                if e.verdict != EntryVerdict::Ok {
                    let _ = writeln!(o, "      {}", human::escape(&e.detail));
                    if let Some(x) = &e.expected_output_id {
                        let _ = writeln!(o, "      the cold build's output: {}", short(Some(x)));
                    }
                }
            }
            if group.len() > ENTRIES_SHOWN {
                let _ = writeln!(
                    o,
                    "  {} more (--format json lists all)",
                    group.len() - ENTRIES_SHOWN
                );
            }
        }
        for n in &self.notes {
            let _ = writeln!(o, "\nnote: {}", human::escape(n));
        }
        let _ = writeln!(
            o,
            "\nThe audited build's binary (lhs) against the cold build's (rhs):\n"
        );
        o.push_str(&self.binaries.render_with(
            OutputFormat::Human,
            report::RenderOptions {
                color,
                ..Default::default()
            },
        ));
        o
    }

    fn markdown(&self) -> String {
        let mut o = String::new();
        let mark = match self.verdict {
            AuditVerdict::Clean => "✅ **Clean**",
            AuditVerdict::Failed => "❌ **Failed**",
        };
        let _ = writeln!(
            o,
            "## twinbuild cache-audit\n\n{mark}: {}\n\nAudited {}: {} requests.\n",
            markdown::escape(&self.headline()),
            markdown::code(&self.cache, false),
            self.requests
        );
        for group in self.listed() {
            let Some(first) = group.first() else { continue };
            let _ = writeln!(
                o,
                "### {} ({})\n\n| action | served | cold build | why |\n|---|---|---|---|",
                verdict_name(first.verdict),
                group.len()
            );
            for e in group.iter().take(ENTRIES_SHOWN) {
                let _ = writeln!(
                    o,
                    "| {} | {} | {} | {} |",
                    markdown::code(&label(e), true),
                    markdown::code(&short(e.served_output_id.as_deref()), true),
                    markdown::code(&short(e.expected_output_id.as_deref()), true),
                    markdown::escape(&e.detail)
                );
            }
            if group.len() > ENTRIES_SHOWN {
                let _ = writeln!(
                    o,
                    "\n{} more in the JSON report.",
                    group.len() - ENTRIES_SHOWN
                );
            }
            o.push('\n');
        }
        for n in &self.notes {
            let _ = writeln!(o, "- {}", markdown::escape(n));
        }
        o.push_str("\n### The two binaries\n\n");
        o.push_str(&self.binaries.render(OutputFormat::Markdown, false));
        o
    }

    /// The binaries' HTML report with the entries as its first section.
    fn html(&self) -> String {
        let mut s = String::new();
        let class = match self.verdict {
            AuditVerdict::Clean => "reproducible",
            AuditVerdict::Failed => "differs",
        };
        let _ = writeln!(
            s,
            "<section class=\"verdict {class}\" id=\"cache-audit\"><h1>Cache audit: {}</h1><p>{}</p><p>Audited <code>{}</code>: {} requests.</p>",
            if self.verdict == AuditVerdict::Clean { "clean" } else { "failed" },
            html::escape(&self.headline()),
            html::escape(&self.cache),
            self.requests
        );
        for group in self.listed() {
            let Some(first) = group.first() else { continue };
            let _ = writeln!(
                s,
                "<h2>{} ({})</h2><table><thead><tr><th>action</th><th>served</th><th>cold build</th><th>why</th></tr></thead><tbody>",
                verdict_name(first.verdict),
                group.len()
            );
            for e in group.iter().take(ENTRIES_SHOWN) {
                let _ = writeln!(
                    s,
                    "<tr><td><code>{}</code></td><td><code>{}</code></td><td><code>{}</code></td><td>{}</td></tr>",
                    html::escape(&label(e)),
                    html::escape(&short(e.served_output_id.as_deref())),
                    html::escape(&short(e.expected_output_id.as_deref())),
                    html::escape(&e.detail)
                );
            }
            s.push_str("</tbody></table>\n");
            if group.len() > ENTRIES_SHOWN {
                let _ = writeln!(
                    s,
                    "<p>{} more in the JSON report.</p>",
                    group.len() - ENTRIES_SHOWN
                );
            }
        }
        for n in &self.notes {
            let _ = writeln!(s, "<p class=\"note\">note: {}</p>", html::escape(n));
        }
        s.push_str(
            "<h2>The audited build's binary (lhs) against the cold build's (rhs)</h2></section>\n",
        );
        let page = self.binaries.render(OutputFormat::Html, false);
        match page.find("<body>") {
            Some(at) => {
                let at = at + "<body>".len();
                format!("{}\n{s}{}", &page[..at], &page[at..])
            }
            None => format!("{s}{page}"),
        }
    }
}

fn verdict_name(v: EntryVerdict) -> &'static str {
    match v {
        EntryVerdict::Poisoned => "Poisoned",
        EntryVerdict::Stale => "Stale",
        EntryVerdict::Missing => "Missing",
        EntryVerdict::Ok => "Ok",
    }
}

/// `build PKG`, `build PKG (srcfiles)`, or the key when the graph does not name it.
fn label(e: &Entry) -> String {
    match (&e.mode, &e.package, &e.part) {
        (Some(m), Some(p), None) => format!("{m} {p}"),
        (Some(m), Some(p), Some(part)) => format!("{m} {p} ({part})"),
        (Some(m), None, _) => format!("{m} {}", &e.action_id[..e.action_id.len().min(16)]),
        _ => format!("key {}", &e.action_id[..e.action_id.len().min(16)]),
    }
}

/// The first 16 hex digits of an ID.
fn short(id: Option<&str>) -> String {
    id.map_or_else(|| "(none)".into(), |s| s.chars().take(16).collect())
}
