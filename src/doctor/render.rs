//! Rendering a [`Diagnosis`]: human text, JSON (docs/doctor.md has its
//! shape), Markdown. Pure functions of the diagnosis: the same diagnosis
//! renders to the same bytes.

use serde::Serialize;

use super::{Diagnosis, Finding, Severity};

/// The JSON document's version; a change to its shape bumps it.
pub const JSON_VERSION: u32 = 1;

fn place(f: &Finding) -> String {
    match (&f.file, f.line) {
        (Some(file), Some(line)) => format!("{file}:{line}"),
        (Some(file), None) => file.clone(),
        (None, _) => "(module)".to_string(),
    }
}

/// Control characters (from file names or file contents) shown escaped.
fn clean(s: &str) -> String {
    s.chars()
        .flat_map(|c| {
            if c.is_control() && c != '\n' {
                c.escape_default().collect::<Vec<_>>()
            } else {
                vec![c]
            }
        })
        .collect()
}

fn summary(d: &Diagnosis) -> String {
    let plural = |n: usize, w: &str| format!("{n} {w}{}", if n == 1 { "" } else { "s" });
    format!(
        "{}, {}",
        plural(d.errors(), "error"),
        plural(d.warnings(), "warning")
    )
}

/// The terminal's text.
pub fn human(d: &Diagnosis) -> String {
    let mut out = String::new();
    if d.findings.is_empty() {
        out.push_str(&format!(
            "doctor: no reproducibility or build-cache footguns found in {}\n",
            clean(&d.dir)
        ));
    } else {
        out.push_str(&format!("doctor: {} in {}\n", summary(d), clean(&d.dir)));
    }
    for f in &d.findings {
        out.push_str(&format!(
            "\n{}[{}] {}\n  {}\n  fix: {}\n",
            f.severity.name(),
            f.id,
            clean(&place(f)),
            clean(&f.message),
            clean(&f.fix)
        ));
    }
    out.push_str(&format!(
        "\nread: {}\n",
        if d.files.is_empty() {
            "-".to_string()
        } else {
            clean(&d.files.join(", "))
        }
    ));
    for n in &d.notes {
        out.push_str(&format!("note: {}\n", clean(n)));
    }
    out
}

#[derive(Serialize)]
struct Json<'a> {
    version: u32,
    dir: &'a str,
    summary: JsonSummary,
    files: &'a [String],
    notes: &'a [String],
    findings: &'a [Finding],
}

#[derive(Serialize)]
struct JsonSummary {
    errors: usize,
    warnings: usize,
    exit_code: i32,
}

/// The JSON document (docs/doctor.md, "JSON").
pub fn json(d: &Diagnosis) -> String {
    let doc = Json {
        version: JSON_VERSION,
        dir: &d.dir,
        summary: JsonSummary {
            errors: d.errors(),
            warnings: d.warnings(),
            exit_code: d.exit_code(),
        },
        files: &d.files,
        notes: &d.notes,
        findings: &d.findings,
    };
    let mut s =
        serde_json::to_string_pretty(&doc).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"));
    s.push('\n');
    s
}

/// Markdown text escaped for a table cell or a line.
fn md(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in clean(s).chars() {
        match c {
            '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '|' | '#' | '!' | '&' => {
                out.push('\\');
                out.push(c);
            }
            '\n' => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// A GitHub step summary.
pub fn markdown(d: &Diagnosis) -> String {
    let mut out = format!("### twinbuild doctor: {}\n\n", md(&summary(d)));
    if d.findings.is_empty() {
        out.push_str("No reproducibility or build-cache footguns found.\n");
    } else {
        out.push_str(
            "| severity | check | where | what | fix |\n| --- | --- | --- | --- | --- |\n",
        );
        for f in &d.findings {
            let sev = match f.severity {
                Severity::Error => "**error**",
                Severity::Warning => "warning",
            };
            out.push_str(&format!(
                "| {sev} | {} | {} | {} | {} |\n",
                md(f.id),
                md(&place(f)),
                md(&f.message),
                md(&f.fix)
            ));
        }
    }
    for n in &d.notes {
        out.push_str(&format!("\n> note: {}\n", md(n)));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn diagnosis() -> Diagnosis {
        Diagnosis {
            dir: "m".into(),
            files: vec!["go.mod".into()],
            notes: vec![],
            findings: vec![Finding::new(
                "build-flag-a",
                Severity::Warning,
                "Makefile",
                Some(3),
                "`go build` passes -a | x",
                "remove -a",
            )],
        }
    }

    #[test]
    fn human_names_id_place_and_fix() {
        let text = human(&diagnosis());
        assert!(
            text.starts_with("doctor: 0 errors, 1 warning in m\n"),
            "{text}"
        );
        assert!(
            text.contains("warning[build-flag-a] Makefile:3\n"),
            "{text}"
        );
        assert!(text.contains("  fix: remove -a\n"), "{text}");
    }

    #[test]
    fn json_shape() {
        let v: serde_json::Value = serde_json::from_str(&json(&diagnosis())).unwrap();
        assert_eq!(v["version"], 1);
        assert_eq!(v["summary"]["warnings"], 1);
        assert_eq!(v["summary"]["exit_code"], 0);
        let f = &v["findings"][0];
        assert_eq!(f["id"], "build-flag-a");
        assert_eq!(f["severity"], "warning");
        assert_eq!(f["file"], "Makefile");
        assert_eq!(f["line"], 3);
    }

    #[test]
    fn markdown_escapes_cells() {
        let text = markdown(&diagnosis());
        assert!(text.contains("\\`go build\\` passes -a \\| x"), "{text}");
    }
}
