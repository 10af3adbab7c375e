//! `twinbuild doctor`: a static check of a Go module's build setup for
//! reproducibility and build-cache footguns. Nothing is built and nothing
//! in the module is written.
//!
//! Input: the module's directory and any extra workflow files. [`sources`]
//! reads, bounded, what says how the module is built: go.mod, Makefiles,
//! shell scripts (the root's and `scripts/`), `.goreleaser.y(a)ml`, the
//! GitHub Actions workflows, the `.go` files' `//go:generate` directives and
//! generated-file headers, and `.gitignore` files. Each kind of source has
//! its own reader ([`gomod`], [`makefile`], [`workflow`], [`goreleaser`],
//! [`generate`]); the shell text they hold is split into commands by
//! [`shell`], and every go command, wherever it came from, is checked by
//! [`commands`] ([`volatile`] recognises values that change per build).
//!
//! Output: a [`Diagnosis`], plain data: the files read, notes (what was
//! skipped) and the [`Finding`]s sorted by file, line and id. [`render`]
//! writes it as text, JSON or Markdown. A finding is a result; what stops an
//! answer (no go.mod, an unreadable file, malformed YAML) is a
//! [`DoctorError`].

pub mod cli;
pub mod commands;
pub mod generate;
pub mod gomod;
pub mod goreleaser;
pub mod makefile;
pub mod parallel;
pub mod render;
pub mod shell;
pub mod sources;
pub mod volatile;
pub mod workflow;
pub mod yaml;

use std::path::{Path, PathBuf};

use serde::Serialize;

/// How bad a finding is: an error makes `doctor` exit 1.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// The build is not reproducible, or never hits its cache.
    Error,
    /// A footgun that costs time or reproducibility in some setups.
    Warning,
}

impl Severity {
    pub fn name(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
        }
    }
}

/// One footgun at one place.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// The check's stable kebab-case id (one of [`CHECKS`]).
    pub id: &'static str,
    pub severity: Severity,
    /// The file, relative to the module directory with `/` separators (a
    /// `--workflow` file outside it as given).
    pub file: Option<String>,
    /// 1-based line in `file`, when known.
    pub line: Option<usize>,
    /// What was found.
    pub message: String,
    /// What to change.
    pub fix: String,
    /// `-p N`: its N, for [`parallel`] to judge against the action graph.
    #[serde(skip)]
    pub parallelism: Option<usize>,
}

impl Finding {
    pub(crate) fn new(
        id: &'static str,
        severity: Severity,
        file: &str,
        line: Option<usize>,
        message: impl Into<String>,
        fix: impl Into<String>,
    ) -> Finding {
        Finding {
            id,
            severity,
            file: Some(file.to_string()),
            line,
            message: message.into(),
            fix: fix.into(),
            parallelism: None,
        }
    }
}

/// Every check's id and one line on what it finds; docs/doctor.md has a
/// heading per id (a test keeps the two in step).
pub const CHECKS: &[(&str, &str)] = &[
    (
        commands::BUILD_FLAG_A,
        "-a in go build flags rebuilds every package",
    ),
    (
        commands::VOLATILE_COMPILE_FLAGS,
        "a value that changes per build or commit in -gcflags or -asmflags",
    ),
    (
        commands::VOLATILE_LDFLAGS_X,
        "-ldflags -X stamps the build time or run",
    ),
    (
        gomod::TOOLCHAIN_NOT_PINNED,
        "go.mod does not pin a toolchain",
    ),
    (
        commands::MISSING_TRIMPATH,
        "a go build without -trimpath embeds the build's paths",
    ),
    (
        workflow::CACHE_KEY_COMMIT_SHA,
        "an actions/cache key with the commit SHA",
    ),
    (
        workflow::PARTIAL_GO_CACHE,
        "only one of GOCACHE and GOMODCACHE cached",
    ),
    (
        generate::GENERATE_IN_CI,
        "CI runs go generate without checking its output is committed",
    ),
    (
        generate::GENERATED_FILE_IGNORED,
        ".gitignore ignores generated Go files",
    ),
    (
        generate::GENERATED_FILE_MISSING,
        "a //go:generate output is not in the tree",
    ),
    (
        commands::VCS_STAMPING,
        "a release build stamps VCS information without saying so",
    ),
    (
        commands::CGO_UNSET,
        "a release build leaves CGO_ENABLED to the machine",
    ),
    (
        parallel::PARALLELISM,
        "-p above what the build's action graph ever runs at once",
    ),
];

/// What `doctor` found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Diagnosis {
    /// The module directory as given.
    pub dir: String,
    /// The files read, sorted.
    pub files: Vec<String>,
    /// What was skipped or cut short (files over the size cap, the walk's cap).
    pub notes: Vec<String>,
    /// Sorted by file, line, severity, id, message; no duplicates.
    pub findings: Vec<Finding>,
}

impl Diagnosis {
    pub fn errors(&self) -> usize {
        self.findings
            .iter()
            .filter(|f| f.severity == Severity::Error)
            .count()
    }

    pub fn warnings(&self) -> usize {
        self.findings.len() - self.errors()
    }

    /// 1 when any finding is an error, else 0.
    pub fn exit_code(&self) -> i32 {
        if self.errors() > 0 {
            crate::cli::EXIT_DIFFERS
        } else {
            crate::cli::EXIT_REPRODUCIBLE
        }
    }
}

/// What stops `doctor` from answering (exit 2). Each displays as one line.
#[derive(Debug, thiserror::Error)]
pub enum DoctorError {
    #[error("{dir} is not a directory")]
    NotADirectory { dir: String },
    #[error("{dir} is not a Go module: it has no go.mod")]
    NotAModule { dir: String },
    #[error("cannot read {path}: {source}")]
    Unreadable {
        path: String,
        source: std::io::Error,
    },
    #[error("malformed YAML in {path} at line {line} column {column}: {message}")]
    Yaml {
        path: String,
        line: usize,
        column: usize,
        message: String,
    },
    #[error("{path} is not a {what}: {reason}")]
    Shape {
        path: String,
        what: &'static str,
        reason: String,
    },
}

/// Checks the module in `dir` and the extra workflow files; `-p` values
/// against one build's action graph when `graph` is given.
pub fn diagnose(
    dir: &Path,
    extra_workflows: &[PathBuf],
    graph: Option<&Path>,
) -> Result<Diagnosis, DoctorError> {
    let src = sources::read(dir, extra_workflows)?;
    let mut findings = Vec::new();
    findings.extend(gomod::check(&src.gomod));
    let mut generate_runs = Vec::new();
    for wf in &src.workflows {
        let parsed = workflow::check(wf)?;
        findings.extend(parsed.findings);
        generate_runs.extend(parsed.generate_runs);
    }
    for mk in &src.makefiles {
        findings.extend(makefile::check(mk));
    }
    for script in &src.scripts {
        findings.extend(commands::check_script(script));
    }
    if let Some(g) = &src.goreleaser {
        findings.extend(goreleaser::check(g)?);
    }
    findings.extend(generate::check(
        &src.go_files,
        &src.gitignores,
        &src.tree,
        &generate_runs,
    ));
    let mut notes = src.notes.clone();
    parallel::judge(&mut findings, graph, &mut notes)?;
    Ok(Diagnosis {
        dir: dir.display().to_string(),
        files: src.files_read(),
        notes,
        findings: sorted(findings),
    })
}

/// Sorted by file, line, severity, id, message; duplicates dropped.
fn sorted(mut findings: Vec<Finding>) -> Vec<Finding> {
    findings.sort_by(|a, b| {
        (&a.file, a.line, a.severity, a.id, &a.message, &a.fix)
            .cmp(&(&b.file, b.line, b.severity, b.id, &b.message, &b.fix))
    });
    findings.dedup();
    findings
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Keeps docs/doctor.md and [`CHECKS`] in step: each id has its heading.
    #[test]
    fn every_check_is_documented() {
        let docs = include_str!("../../docs/doctor.md");
        for (id, _) in CHECKS {
            assert!(
                docs.lines().any(|l| l.trim() == format!("### `{id}`")),
                "docs/doctor.md has no heading ### `{id}`"
            );
        }
        let mut ids: Vec<&str> = CHECKS.iter().map(|(id, _)| *id).collect();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), CHECKS.len(), "check ids are unique");
    }

    #[test]
    fn findings_sort_by_place_then_id() {
        let f = |file: &str, line, id| Finding::new(id, Severity::Warning, file, line, "m", "f");
        let out = sorted(vec![
            f("b", Some(1), "x"),
            f("a", Some(9), "y"),
            f("a", Some(2), "z"),
            f("a", Some(2), "z"),
            f("a", None, "w"),
        ]);
        let keys: Vec<_> = out.iter().map(|f| (f.file.clone(), f.line, f.id)).collect();
        assert_eq!(
            keys,
            vec![
                (Some("a".into()), None, "w"),
                (Some("a".into()), Some(2), "z"),
                (Some("a".into()), Some(9), "y"),
                (Some("b".into()), Some(1), "x"),
            ]
        );
    }

    /// No input panics a reader: random text made of the characters shells,
    /// make and YAML treat specially goes through every one of them.
    #[test]
    fn no_input_panics() {
        const ALPHABET: &[u8] = b"go build -a -trimpath -ldflags -gcflags=$(date)${{ github.sha }}'\"\\\n\t :|&;#[]*!?{}()=@`-o x.go\n  - run: |\n    key: path: //go:generate ";
        let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
        let mut next = || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        for _ in 0..3000 {
            let len = (next() % 200) as usize;
            let text: String = (0..len)
                .map(|_| ALPHABET[(next() % ALPHABET.len() as u64) as usize] as char)
                .collect();
            let t = sources::Text::new("f", text.as_str());
            let _ = shell::split(&text, &mut shell::Vars::new());
            let _ = makefile::check(&t);
            let _ = commands::check_script(&t);
            let _ = workflow::check(&t);
            let _ = goreleaser::check(&t);
            let _ = gomod::check(&Some(t.clone()));
            let tree = std::collections::BTreeSet::new();
            let _ = generate::check(
                std::slice::from_ref(&t),
                &[sources::Text::new(".gitignore", text.as_str())],
                &tree,
                &[],
            );
        }
    }
}
