//! The report of `explain-cache`: the two builds (cold, then warm at the
//! same paths into the same cache) and [`CacheExplanation`], rendered for
//! the terminal, as JSON (docs/explain-cache.md) or as Markdown.
//!
//! Everything read from the builds (package names, hashed lines, paths)
//! goes through the human or Markdown escaping, as in the other reports.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::path::Path;

use serde::Serialize;

use super::human::{self, escape};
use super::markdown;
use super::view::{clip, plural};
use super::{OutputFormat, SCHEMA_VERSION};
use crate::actions::{CacheExplanation, CacheMiss, CacheVerdict, MissReason};
use crate::harness::{BuildRecord, ToolchainInfo};

/// At most this many misses are shown per reason on the terminal and in Markdown (JSON has all).
pub const MISSES_SHOWN: usize = 10;
/// Hashed lines are cut to this many characters on the terminal and in Markdown.
const LINE_CHARS: usize = 160;

/// Everything `explain-cache` found.
#[derive(Debug, Clone, Serialize)]
pub struct CacheReport {
    pub schema_version: u32,
    pub twinbuild_version: String,
    /// `explain-cache`.
    pub command: String,
    pub verdict: CacheVerdict,
    /// 0 warm, 1 cold, 2 unknown.
    pub exit_code: i32,
    pub toolchain: ToolchainInfo,
    /// The first build, into an empty cache.
    pub cold: Build,
    /// The second, at the same paths, into the cache the first filled.
    pub warm: Build,
    pub explanation: CacheExplanation,
    pub notes: Vec<String>,
}

/// One of the two builds, as run.
#[derive(Debug, Clone, Serialize)]
pub struct Build {
    pub workdir: String,
    pub artifact: String,
    pub command: Vec<String>,
    /// The environment twinbuild set (credentials never recorded).
    pub env: BTreeMap<String, String>,
    pub go_version: String,
    pub duration_ms: u64,
}

impl Build {
    fn of(b: &BuildRecord) -> Build {
        let text = |p: &Path| p.to_string_lossy().into_owned();
        Build {
            workdir: text(&b.workdir),
            artifact: text(&b.artifact),
            command: b.command.clone(),
            env: b.env.clone(),
            go_version: b.go_version.clone(),
            duration_ms: u64::try_from(b.duration.as_millis()).unwrap_or(u64::MAX),
        }
    }
}

impl CacheReport {
    pub fn new(
        toolchain: ToolchainInfo,
        cold: &BuildRecord,
        warm: &BuildRecord,
        explanation: CacheExplanation,
        mut notes: Vec<String>,
    ) -> CacheReport {
        notes.extend(explanation.notes.iter().cloned());
        let exit_code = match explanation.verdict {
            CacheVerdict::Warm => 0,
            CacheVerdict::Cold => 1,
            CacheVerdict::Unknown => 2,
        };
        CacheReport {
            schema_version: SCHEMA_VERSION,
            twinbuild_version: env!("CARGO_PKG_VERSION").to_string(),
            command: "explain-cache".into(),
            verdict: explanation.verdict,
            exit_code,
            toolchain,
            cold: Build::of(cold),
            warm: Build::of(warm),
            explanation,
            notes,
        }
    }

    /// Render in `format` (HTML is refused before the builds run: it is rendered as Markdown).
    pub fn render(&self, format: OutputFormat, color: bool) -> String {
        match format {
            OutputFormat::Json => {
                let mut s =
                    serde_json::to_string_pretty(self).expect("a CacheReport always serialises");
                s.push('\n');
                s
            }
            OutputFormat::Markdown | OutputFormat::Html => self.markdown(),
            OutputFormat::Human => self.human(color),
        }
    }

    /// The verdict in one line.
    fn headline(&self) -> String {
        let e = &self.explanation;
        let compiled = e.warm.rebuilt;
        let total = e.hits + compiled;
        match self.verdict {
            CacheVerdict::Warm => format!(
                "the second build took all {total} package{} from the cache",
                plural(total)
            ),
            CacheVerdict::Cold => format!(
                "the second build compiled {compiled} of {total} package{} again",
                plural(total)
            ),
            CacheVerdict::Unknown => {
                "what the second build took from the cache cannot be told".into()
            }
        }
    }

    fn human(&self, color: bool) -> String {
        let paint = |code: &str, t: &str| human::paint(color, code, t);
        let e = &self.explanation;
        let mut o = String::new();
        let word = match self.verdict {
            CacheVerdict::Warm => paint("1;32", "WARM"),
            CacheVerdict::Cold => paint("1;31", "COLD"),
            CacheVerdict::Unknown => paint("1", "UNKNOWN"),
        };
        let _ = writeln!(o, "{word}  {}", self.headline());
        let _ = writeln!(
            o,
            "  two builds of the same tree with the same settings at the same paths, the second into the cache the first filled ({})",
            escape(&self.toolchain.version)
        );
        let _ = writeln!(
            o,
            "  cold build  {:>8}  {} compiled\n  warm build  {:>8}  {} compiled, {} from the cache",
            seconds(self.cold.duration_ms),
            e.cold.rebuilt,
            seconds(self.warm.duration_ms),
            e.warm.rebuilt,
            e.hits
        );
        for (reason, misses) in by_reason(&e.misses) {
            let _ = writeln!(o, "\n{}", paint("1", heading(reason)));
            // One fix for the group when every miss in it has the same.
            let one_fix = misses.windows(2).all(|w| w[0].fix == w[1].fix);
            for m in misses.iter().take(MISSES_SHOWN) {
                human_miss(&mut o, m, !one_fix);
            }
            more(&mut o, misses.len(), "  ");
            if let (true, Some(m)) = (one_fix, misses.first()) {
                if m.reason != MissReason::DependencyChanged {
                    let _ = writeln!(o, "  fix: {}", escape(&m.fix));
                }
            }
        }
        if !e.relinks.is_empty() {
            let _ = writeln!(
                o,
                "\n{}",
                paint(
                    "1",
                    "Linked with other inputs (go build links every time; these make each binary differ):"
                )
            );
            for m in e.relinks.iter().take(MISSES_SHOWN) {
                human_miss(&mut o, m, true);
            }
            more(&mut o, e.relinks.len(), "  ");
        }
        for a in &e.nondeterministic_actions {
            let _ = writeln!(
                o,
                "\nnondeterministic: {} {} gave outputs {} and {} from the same inputs (action ID {})",
                a.mode,
                escape(&a.package),
                escape(&a.lhs_output_id),
                escape(&a.rhs_output_id),
                escape(&a.action_id)
            );
        }
        for n in &self.notes {
            let _ = writeln!(o, "\nnote: {}", escape(n));
        }
        o
    }

    fn markdown(&self) -> String {
        let e = &self.explanation;
        let mut o = String::new();
        let mark = match self.verdict {
            CacheVerdict::Warm => "✅ **Warm**",
            CacheVerdict::Cold => "❌ **Cold**",
            CacheVerdict::Unknown => "⚠️ **Unknown**",
        };
        let _ = writeln!(
            o,
            "## twinbuild explain-cache\n\n{mark}: {}\n",
            self.headline()
        );
        let _ = writeln!(
            o,
            "| build | wall time | compiled | from the cache |\n|---|---|---|---|\n| cold | {} | {} | {} |\n| warm | {} | {} | {} |\n",
            seconds(self.cold.duration_ms),
            e.cold.rebuilt,
            e.cold.cached,
            seconds(self.warm.duration_ms),
            e.warm.rebuilt,
            e.hits
        );
        let rows: Vec<(&str, &[CacheMiss])> = by_reason(&e.misses)
            .into_iter()
            .map(|(r, m)| (heading(r), m))
            .chain(
                (!e.relinks.is_empty())
                    .then_some(("Linked with other inputs", e.relinks.as_slice())),
            )
            .collect();
        for (title, misses) in rows {
            let _ = writeln!(
                o,
                "### {}\n\n| action | input | cold | warm | fix |\n|---|---|---|---|---|",
                title.trim_end_matches(':')
            );
            for m in misses.iter().take(MISSES_SHOWN) {
                let line = m.lines.first();
                let cell = |s: Option<&String>| {
                    s.map_or_else(
                        || "(none)".to_string(),
                        |x| markdown::code(&clip(x, LINE_CHARS), true),
                    )
                };
                let input = match (m.input.as_deref(), m.dependencies.is_empty()) {
                    (Some(i), _) => markdown::code(i, true),
                    (None, false) => format!(
                        "dependencies: {}",
                        m.dependencies
                            .iter()
                            .map(|d| markdown::code(d, true))
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                    (None, true) => String::new(),
                };
                let _ = writeln!(
                    o,
                    "| {} | {} | {} | {} | {} |",
                    markdown::code(&format!("{} {}", m.mode, m.package), true),
                    input,
                    cell(line.and_then(|l| l.lhs.as_ref())),
                    cell(line.and_then(|l| l.rhs.as_ref())),
                    markdown::escape(&m.fix)
                );
            }
            if misses.len() > MISSES_SHOWN {
                let _ = writeln!(
                    o,
                    "\n{} more in the JSON report.",
                    misses.len() - MISSES_SHOWN
                );
            }
            o.push('\n');
        }
        for a in &e.nondeterministic_actions {
            let _ = writeln!(
                o,
                "**Nondeterministic action**: {} (same inputs, outputs {} and {})\n",
                markdown::code(&format!("{} {}", a.mode, a.package), false),
                markdown::code(&a.lhs_output_id, false),
                markdown::code(&a.rhs_output_id, false)
            );
        }
        for n in &self.notes {
            let _ = writeln!(o, "- {}", markdown::escape(n));
        }
        o
    }
}

/// The misses grouped by reason, in [`MissReason`] order (the list is sorted so).
fn by_reason(misses: &[CacheMiss]) -> Vec<(MissReason, &[CacheMiss])> {
    misses
        .chunk_by(|a, b| a.reason == b.reason)
        .filter_map(|c| Some((c.first()?.reason, c)))
        .collect()
}

fn heading(reason: MissReason) -> &'static str {
    match reason {
        MissReason::InputChanged => "Compiled again: an input of its own changed:",
        MissReason::SameActionId => {
            "Compiled again with the same inputs (the cache was not looked in):"
        }
        MissReason::NewAction => "Compiled only by the second build:",
        MissReason::Unknown => "Compiled again for a reason the hash logs do not show:",
        MissReason::DependencyChanged => "Compiled again because a dependency changed:",
    }
}

/// One miss on the terminal: the action, what changed and (`with_fix`) the fix.
fn human_miss(o: &mut String, m: &CacheMiss, with_fix: bool) {
    let what = match (&m.input, m.dependencies.as_slice()) {
        (Some(i), _) => format!(": {}", escape(i)),
        (None, []) => String::new(),
        (None, deps) => {
            let shown: Vec<String> = deps.iter().take(3).map(|d| escape(d)).collect();
            let rest = deps.len().saturating_sub(3);
            let more = if rest > 0 {
                format!(" and {rest} more")
            } else {
                String::new()
            };
            format!(": {}{more}", shown.join(", "))
        }
    };
    let _ = writeln!(o, "  {} {}{what}", m.mode, escape(&m.package));
    for p in m.lines.iter().take(3) {
        let side = |s: &Option<String>| {
            s.as_deref()
                .map_or_else(|| "(none)".to_string(), |x| escape(&clip(x, LINE_CHARS)))
        };
        let _ = writeln!(
            o,
            "      cold: {}\n      warm: {}",
            side(&p.lhs),
            side(&p.rhs)
        );
    }
    if with_fix && m.reason != MissReason::DependencyChanged {
        let _ = writeln!(o, "      fix: {}", escape(&m.fix));
    }
}

fn more(o: &mut String, n: usize, indent: &str) {
    if n > MISSES_SHOWN {
        let _ = writeln!(
            o,
            "{indent}{} more (--format json lists all)",
            n - MISSES_SHOWN
        );
    }
}

fn seconds(ms: u64) -> String {
    format!("{:.1} s", ms as f64 / 1000.0)
}
