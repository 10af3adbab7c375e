//! The outcome of `rebuild` as text: human, JSON, Markdown or HTML.
//!
//! Input: a [`RebuildOutcome`]. Output: one string. How: [`View::of`] decides
//! once what is shown (the verdict line, the digests, the recipe with where
//! each part came from, the inputs, the attempts, the stand-in git's queries,
//! the notes); each format only lays it out. The attribution of published vs.
//! rebuilt, when no attempt is identical, is the diff report in the same format.
//!
//! Deterministic: no durations or workspace paths in the text (the JSON keeps
//! the attempts' durations, which `--format json` users asked for).

use std::fmt::Write as _;

use super::judge::best;
use super::RebuildOutcome;
use crate::report::OutputFormat;

/// The outcome in `format`.
pub fn render(o: &RebuildOutcome, format: OutputFormat) -> String {
    match format {
        OutputFormat::Json => {
            let mut s = serde_json::to_string_pretty(o)
                .unwrap_or_else(|e| format!("{{\"error\":\"{e}\"}}"));
            s.push('\n');
            s
        }
        OutputFormat::Markdown => markdown(o, &View::of(o)),
        OutputFormat::Html => html(o, &View::of(o)),
        OutputFormat::Human => human(o, &View::of(o)),
    }
}

/// What every format shows, decided once.
struct View {
    /// `identical`, `differs` or `fetched`.
    verdict: &'static str,
    headline: String,
    /// (label, sha256 and size) of the published and the rebuilt binary.
    digests: Vec<(&'static str, String)>,
    /// (what, value, where it was read from).
    recipe: Vec<(&'static str, String, &'static str)>,
    /// (role, name, sum, from).
    inputs: Vec<[String; 4]>,
    /// (-ldflags, what came of it).
    attempts: Vec<(String, String)>,
    git_queries: Vec<String>,
    notes: Vec<String>,
}

impl View {
    fn of(o: &RebuildOutcome) -> View {
        let r = &o.recipe;
        let (verdict, headline) = if o.fetched_only {
            (
                "fetched",
                format!(
                    "fetched the inputs of {} (no build: --fetch-only)",
                    o.published.path
                ),
            )
        } else if o.exit_code == 0 {
            (
                "identical",
                format!(
                    "identical: {} rebuilt byte for byte from {}@{} with {}",
                    o.published.path, r.module.path, r.module.version, r.go_version
                ),
            )
        } else {
            (
                "differs",
                format!(
                    "differs: no rebuild of {} from {}@{} with {} is byte-identical; the closest is explained below",
                    o.published.path, r.module.path, r.module.version, r.go_version
                ),
            )
        };
        let mut digests = vec![(
            "published",
            format!("sha256 {}  {} bytes", o.published.sha256, o.published.size),
        )];
        if let Some(b) = best(&o.attempts) {
            digests.push(("rebuilt", format!("sha256 {}", o.attempts[b].sha256)));
        }
        View {
            verdict,
            headline,
            digests,
            recipe: recipe_rows(o),
            inputs: o
                .inputs
                .iter()
                .map(|i| {
                    [
                        i.role.clone(),
                        i.name.clone(),
                        if i.sum.is_empty() {
                            "-".into()
                        } else {
                            i.sum.clone()
                        },
                        i.from.clone(),
                    ]
                })
                .collect(),
            attempts: o
                .attempts
                .iter()
                .map(|a| {
                    (
                        a.ldflags
                            .as_deref()
                            .map(|l| format!("{l:?}"))
                            .unwrap_or_else(|| "(none)".into()),
                        a.why.clone(),
                    )
                })
                .collect(),
            git_queries: o.git_queries.iter().map(|q| format!("git {q}")).collect(),
            notes: o.notes.clone(),
        }
    }
}

/// The recipe read from the binary, each part with where it came from.
fn recipe_rows(o: &RebuildOutcome) -> Vec<(&'static str, String, &'static str)> {
    let r = &o.recipe;
    let mut rows = vec![
        ("go", r.go_version.clone(), "buildinfo"),
        (
            "module",
            format!("{} {}", r.module.path, r.module.version),
            "buildinfo",
        ),
        (
            "package",
            format!("{} (./{})", r.main_package, r.package_dir),
            "buildinfo",
        ),
        ("target", r.target(), "buildinfo"),
    ];
    let env: Vec<String> = r.env.iter().map(|(k, v)| format!("{k}={v}")).collect();
    rows.push(("env", env.join(" "), "buildinfo"));
    let mut flags = Vec::new();
    if r.trimpath {
        flags.push("-trimpath".to_string());
    }
    if let Some(t) = &r.tags {
        flags.push(format!("-tags={t}"));
    }
    flags.extend(r.flags.iter().cloned());
    rows.push(("flags", flags.join(" "), "buildinfo"));
    let present = |absent: bool, flag: &'static str| if absent { flag } else { "present" };
    rows.push(match &r.ldflags {
        Some(l) => ("ldflags", l.clone(), "buildinfo"),
        None if r.trimpath => (
            "ldflags",
            format!(
                "not recorded (-trimpath hides them); symbols {}, DWARF {}, build ID {}",
                present(r.strip_symbols, "absent (-s)"),
                present(r.strip_dwarf, "absent (-w)"),
                present(r.build_id.is_none(), "absent (-buildid=)"),
            ),
            "symbols, dwarf, build-id",
        ),
        None => ("ldflags", "none".into(), "buildinfo"),
    });
    if let Some(g) = r.settings.get("DefaultGODEBUG") {
        rows.push(("godebug", g.clone(), "buildinfo (from go.mod)"));
    }
    rows.push(match &r.vcs {
        Some(v) => (
            "vcs",
            format!(
                "{} {} {} {}",
                v.vcs,
                v.revision,
                v.time,
                if v.modified { "modified" } else { "clean" }
            ),
            "buildinfo; reproduced by the stand-in git",
        ),
        None => (
            "vcs",
            "none (built with -buildvcs=false or outside a checkout)".into(),
            "buildinfo",
        ),
    });
    if let Some(p) = &r.paths {
        let show = |v: &Option<String>| v.clone().unwrap_or_else(|| "?".into());
        rows.push(("module root", show(&p.module_root), "pclntab"));
        rows.push(("GOROOT", show(&p.goroot), "pclntab"));
        rows.push(("GOMODCACHE", show(&p.gomodcache), "pclntab"));
    }
    rows.push(("deps", format!("{} modules", r.deps.len()), "buildinfo"));
    rows
}

fn human(o: &RebuildOutcome, v: &View) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "{}", v.headline);
    for (label, digest) in &v.digests {
        let _ = writeln!(s, "  {label:<10} {digest}");
    }
    let _ = writeln!(s, "\nRecipe (read from the binary)");
    for (k, value, from) in &v.recipe {
        let _ = writeln!(s, "  {k:<12} {value}   [{from}]");
    }
    let _ = writeln!(s, "\nInputs");
    for [role, name, sum, from] in &v.inputs {
        let _ = writeln!(s, "  {role:<10} {name} {sum}   [{from}]");
    }
    if !v.attempts.is_empty() {
        let _ = writeln!(s, "\nAttempts");
        for (n, (ldflags, why)) in v.attempts.iter().enumerate() {
            let _ = writeln!(s, "  {}. -ldflags={ldflags}: {why}", n + 1);
        }
    }
    if !v.git_queries.is_empty() {
        let _ = writeln!(s, "\nThe go command asked the stand-in git:");
        for q in &v.git_queries {
            let _ = writeln!(s, "  {q}");
        }
    }
    if !v.notes.is_empty() {
        let _ = writeln!(s, "\nNotes");
        for n in &v.notes {
            let _ = writeln!(s, "  - {n}");
        }
    }
    if let Some(report) = &o.report {
        let _ = writeln!(s, "\nAttribution (published = lhs, rebuilt = rhs)\n");
        s.push_str(&report.render(OutputFormat::Human, false));
    }
    s
}

fn markdown(o: &RebuildOutcome, v: &View) -> String {
    use crate::report::markdown::escape;
    let mut s = String::new();
    let icon = match v.verdict {
        "identical" => "✅",
        "differs" => "❌",
        _ => "ℹ️",
    };
    let _ = writeln!(s, "## {icon} twinbuild rebuild: {}\n", v.verdict);
    let _ = writeln!(s, "{}\n", escape(&v.headline));
    for (label, digest) in &v.digests {
        let _ = writeln!(s, "- {label}: `{digest}`");
    }
    let _ = writeln!(
        s,
        "\n### Recipe (read from the binary)\n\n| | value | from |\n|---|---|---|"
    );
    for (k, value, from) in &v.recipe {
        let _ = writeln!(s, "| {k} | {} | {from} |", escape(value));
    }
    let _ = writeln!(
        s,
        "\n### Inputs\n\n| role | name | sum | from |\n|---|---|---|---|"
    );
    for [role, name, sum, from] in &v.inputs {
        let _ = writeln!(
            s,
            "| {role} | {} | `{sum}` | {} |",
            escape(name),
            escape(from)
        );
    }
    if !v.attempts.is_empty() {
        let _ = writeln!(
            s,
            "\n### Attempts\n\n| # | -ldflags | result |\n|---|---|---|"
        );
        for (n, (ldflags, why)) in v.attempts.iter().enumerate() {
            let _ = writeln!(s, "| {} | `{ldflags}` | {} |", n + 1, escape(why));
        }
    }
    if !v.git_queries.is_empty() {
        let _ = writeln!(s, "\n### The go command asked the stand-in git\n\n```");
        for q in &v.git_queries {
            let _ = writeln!(s, "{q}");
        }
        let _ = writeln!(s, "```");
    }
    if !v.notes.is_empty() {
        let _ = writeln!(s, "\n### Notes\n");
        for n in &v.notes {
            let _ = writeln!(s, "- {}", escape(n));
        }
    }
    if let Some(report) = &o.report {
        let _ = writeln!(s, "\n### Attribution (published = lhs, rebuilt = rhs)\n");
        s.push_str(&report.render(OutputFormat::Markdown, false));
    }
    s
}

fn html(o: &RebuildOutcome, v: &View) -> String {
    use crate::report::html::escape;
    let mut s = String::new();
    let _ = write!(
        s,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>twinbuild rebuild: {}</title>\n<style>\nbody{{font-family:system-ui,sans-serif;margin:2rem;max-width:80rem}}\ntable{{border-collapse:collapse;margin:.5rem 0}}\ntd,th{{border:1px solid #ccc;padding:.25rem .5rem;text-align:left;vertical-align:top}}\ncode,pre{{font-family:ui-monospace,monospace}}\n.identical{{color:#1a7f37}}.differs{{color:#cf222e}}\niframe{{width:100%;height:60rem;border:1px solid #ccc}}\n</style>\n</head>\n<body>\n",
        v.verdict
    );
    let _ = writeln!(
        s,
        "<h1 class=\"{}\">twinbuild rebuild: {}</h1>\n<p>{}</p>\n<ul>",
        v.verdict,
        v.verdict,
        escape(&v.headline)
    );
    for (label, digest) in &v.digests {
        let _ = writeln!(s, "<li>{label}: <code>{}</code></li>", escape(digest));
    }
    let _ = writeln!(s, "</ul>\n<h2>Recipe (read from the binary)</h2>\n<table>\n<tr><th></th><th>value</th><th>from</th></tr>");
    for (k, value, from) in &v.recipe {
        let _ = writeln!(
            s,
            "<tr><td>{}</td><td><code>{}</code></td><td>{}</td></tr>",
            escape(k),
            escape(value),
            escape(from)
        );
    }
    let _ = writeln!(s, "</table>\n<h2>Inputs</h2>\n<table>\n<tr><th>role</th><th>name</th><th>sum</th><th>from</th></tr>");
    for row in &v.inputs {
        let _ = write!(s, "<tr>");
        for cell in row {
            let _ = write!(s, "<td>{}</td>", escape(cell));
        }
        let _ = writeln!(s, "</tr>");
    }
    let _ = writeln!(s, "</table>");
    if !v.attempts.is_empty() {
        let _ = writeln!(
            s,
            "<h2>Attempts</h2>\n<table>\n<tr><th>#</th><th>-ldflags</th><th>result</th></tr>"
        );
        for (n, (ldflags, why)) in v.attempts.iter().enumerate() {
            let _ = writeln!(
                s,
                "<tr><td>{}</td><td><code>{}</code></td><td>{}</td></tr>",
                n + 1,
                escape(ldflags),
                escape(why)
            );
        }
        let _ = writeln!(s, "</table>");
    }
    if !v.git_queries.is_empty() {
        let _ = writeln!(s, "<h2>The go command asked the stand-in git</h2>\n<pre>");
        for q in &v.git_queries {
            let _ = writeln!(s, "{}", escape(q));
        }
        let _ = writeln!(s, "</pre>");
    }
    if !v.notes.is_empty() {
        let _ = writeln!(s, "<h2>Notes</h2>\n<ul>");
        for n in &v.notes {
            let _ = writeln!(s, "<li>{}</li>", escape(n));
        }
        let _ = writeln!(s, "</ul>");
    }
    if let Some(report) = &o.report {
        // The diff report is a page of its own: shown in place, self-contained.
        let _ = writeln!(
            s,
            "<h2>Attribution (published = lhs, rebuilt = rhs)</h2>\n<iframe title=\"attribution\" sandbox srcdoc=\"{}\"></iframe>",
            escape(&report.render(OutputFormat::Html, false))
        );
    }
    s.push_str("</body>\n</html>\n");
    s
}

#[cfg(test)]
mod tests {
    use std::path::Path;
    use std::time::Duration;

    use super::*;
    use crate::binary::Binary;
    use crate::rebuild::search::Verdict;
    use crate::rebuild::{recipe::Recipe, Attempt, Published};

    /// stamp-a as the published binary and stamp-b (a longer -X stamp) as
    /// the closest rebuild: a differing outcome with its attribution.
    fn differing() -> RebuildOutcome {
        let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/linux-amd64");
        let published = std::fs::read(fixtures.join("stamp-a")).unwrap();
        let bin = Binary::parse(&published).unwrap();
        let recipe = Recipe::from_binary(&bin, &crate::binary::go::read(&bin)).unwrap();
        let attempt = Attempt {
            ldflags: Some("-X main.version=2".into()),
            command: Vec::new(),
            sha256: crate::binary::sha256_hex(&std::fs::read(fixtures.join("stamp-b")).unwrap()),
            build_id: None,
            verdict: Verdict::Differs,
            why: "differs: attributed below".into(),
            duration: Duration::ZERO,
            path: fixtures.join("stamp-b"),
        };
        let report = crate::rebuild::judge::attribute(
            &fixtures.join("stamp-a"),
            &published,
            &attempt,
            &recipe,
            &[],
        )
        .unwrap();
        RebuildOutcome {
            published: Published {
                path: "stamp-a".into(),
                size: published.len() as u64,
                sha256: crate::binary::sha256_hex(&published),
            },
            recipe,
            inputs: Vec::new(),
            env: Default::default(),
            build_dir: String::new(),
            attempts: vec![attempt],
            git_queries: vec!["status --porcelain".into()],
            exit_code: 1,
            report: Some(report),
            notes: vec!["a <note> & more".into()],
            fetched_only: false,
            mounts: None,
        }
    }

    #[test]
    fn every_format_shows_the_same_outcome_and_the_attribution() {
        let o = differing();
        let human = render(&o, OutputFormat::Human);
        assert!(
            human.starts_with("differs: no rebuild of stamp-a"),
            "{human}"
        );
        assert!(human.contains("Attribution (published = lhs, rebuilt = rhs)"));
        assert!(
            human.contains("ldflags-x"),
            "the stamp is attributed:\n{human}"
        );

        let md = render(&o, OutputFormat::Markdown);
        assert!(md.starts_with("## ❌ twinbuild rebuild: differs\n"), "{md}");
        assert!(md.contains("| 1 | `\"-X main.version=2\"` | differs: attributed below |"));
        assert!(md.contains("### Attribution (published = lhs, rebuilt = rhs)"));
        assert!(md.contains("ldflags-x"), "the stamp is attributed:\n{md}");

        let html = render(&o, OutputFormat::Html);
        assert!(html.contains("<h1 class=\"differs\">twinbuild rebuild: differs</h1>"));
        // Text is escaped; the attribution page is embedded, escaped, in srcdoc.
        assert!(
            html.contains("<li>a &lt;note&gt; &amp; more</li>"),
            "{html}"
        );
        assert!(
            html.contains("<iframe title=\"attribution\" sandbox srcdoc=\"&lt;!DOCTYPE html&gt;")
        );
        assert!(!html.contains("<note>"));

        // Deterministic: the same outcome gives the same text.
        assert_eq!(render(&o, OutputFormat::Html), html);
    }
}
