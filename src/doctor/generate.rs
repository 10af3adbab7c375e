//! `go generate`: directives, generated files, `.gitignore` and CI.
//!
//! Input: the `.go` files, the `.gitignore` files, the set of files in the
//! tree, and the workflows' `go generate` runs. Output: findings when CI
//! runs `go generate` (with directives present) without checking the result
//! is committed, when `.gitignore` ignores generated files (a `// Code
//! generated ... DO NOT EDIT.` header, or a directive's `-o`/`-output`),
//! and when a directive's `.go` output is not in the tree.
//!
//! `.gitignore` matching covers what generated files need: `*`, `?`, `**`,
//! `[...]`, a leading or inner `/` anchoring, a trailing `/` for
//! directories, `!` negation, nested `.gitignore` files; the last matching
//! pattern wins.

use std::collections::{BTreeMap, BTreeSet};

use super::shell::{self, Vars};
use super::sources::Text;
use super::workflow::GenerateRun;
use super::{Finding, Severity};

pub const GENERATE_IN_CI: &str = "generate-in-ci";
pub const GENERATED_FILE_IGNORED: &str = "generated-file-ignored";
pub const GENERATED_FILE_MISSING: &str = "generated-file-missing";

/// A `//go:generate` line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Directive {
    pub file: String,
    pub line: usize,
    /// Outputs it names (`-o`, `-output`), relative to the module root.
    pub outputs: Vec<String>,
}

/// `dir/rel` with `.` and `..` resolved (`None` when it leaves the root).
fn join(dir: &str, rel: &str) -> Option<String> {
    let mut parts: Vec<&str> = dir.split('/').filter(|p| !p.is_empty()).collect();
    for p in rel.split('/') {
        match p {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            p => parts.push(p),
        }
    }
    Some(parts.join("/"))
}

fn dir_of(path: &str) -> &str {
    path.rsplit_once('/').map_or("", |(d, _)| d)
}

/// The `//go:generate` directives of the `.go` files.
pub fn directives(go_files: &[Text]) -> Vec<Directive> {
    let mut out = Vec::new();
    for f in go_files {
        for (i, l) in f.text.lines().enumerate() {
            let Some(rest) = l.strip_prefix("//go:generate") else {
                continue;
            };
            if !rest.starts_with([' ', '\t']) {
                continue;
            }
            let words: Vec<String> = shell::split(rest, &mut Vars::new())
                .into_iter()
                .flat_map(|c| c.words)
                .collect();
            let mut outputs = Vec::new();
            let mut it = words.iter();
            while let Some(w) = it.next() {
                let name = w.trim_start_matches('-');
                let value = match name.split_once('=') {
                    Some(("o" | "out" | "output", v)) if w.starts_with('-') => Some(v.to_string()),
                    None if w.starts_with('-') && matches!(name, "o" | "out" | "output") => {
                        it.next().cloned()
                    }
                    _ => None,
                };
                if let Some(v) = value.filter(|v| !v.is_empty() && !v.contains('$')) {
                    outputs.extend(join(dir_of(&f.path), &v));
                }
            }
            out.push(Directive {
                file: f.path.clone(),
                line: i + 1,
                outputs,
            });
        }
    }
    out
}

/// Whether a Go file says it is generated (the header `go generate` documents).
pub fn is_generated(text: &str) -> bool {
    text.lines().take(200).any(|l| {
        let l = l.trim_end();
        l.starts_with("// Code generated ") && l.ends_with(" DO NOT EDIT.")
    })
}

/// One `.gitignore` pattern.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pattern {
    pub file: String,
    pub line: usize,
    /// The directory of its `.gitignore` (`""` at the root).
    base: String,
    negate: bool,
    dir_only: bool,
    /// Matched against the whole path below `base` (it had a `/`), else against each name.
    anchored: bool,
    glob: Vec<char>,
    /// As written.
    pub text: String,
}

/// The patterns of the `.gitignore` files, shallower files first.
pub fn patterns(gitignores: &[Text]) -> Vec<Pattern> {
    let mut files: Vec<&Text> = gitignores.iter().collect();
    files.sort_by_key(|t| (t.path.matches('/').count(), t.path.clone()));
    let mut out = Vec::new();
    for g in files {
        let base = dir_of(&g.path).to_string();
        for (i, raw) in g.text.lines().enumerate() {
            let mut p = raw.trim_end();
            if p.is_empty() || p.starts_with('#') {
                continue;
            }
            let negate = p.starts_with('!');
            if negate {
                p = &p[1..];
            }
            let dir_only = p.ends_with('/');
            let p = p.trim_end_matches('/');
            let anchored = p.contains('/');
            let p = p.strip_prefix('/').unwrap_or(p);
            if p.is_empty() {
                continue;
            }
            out.push(Pattern {
                file: g.path.clone(),
                line: i + 1,
                base: base.clone(),
                negate,
                dir_only,
                anchored,
                glob: p.chars().collect(),
                text: raw.trim().to_string(),
            });
        }
    }
    out
}

/// The pattern that ignores `path` (a file, relative to the root), if it is ignored.
pub fn ignored<'a>(path: &str, patterns: &'a [Pattern]) -> Option<&'a Pattern> {
    let mut last: Option<&Pattern> = None;
    for p in patterns {
        let rel = if p.base.is_empty() {
            path
        } else {
            match path.strip_prefix(&p.base).and_then(|r| r.strip_prefix('/')) {
                Some(r) => r,
                None => continue,
            }
        };
        // The file and each directory above it.
        let parts: Vec<&str> = rel.split('/').collect();
        let hit = (1..=parts.len()).any(|n| {
            let is_dir = n < parts.len();
            if p.dir_only && !is_dir {
                return false;
            }
            let cand = parts[..n].join("/");
            if p.anchored {
                glob_match(&p.glob, &cand.chars().collect::<Vec<_>>())
            } else {
                glob_match(&p.glob, &parts[n - 1].chars().collect::<Vec<_>>())
            }
        });
        if hit {
            last = Some(p);
        }
    }
    last.filter(|p| !p.negate)
}

/// Git's wildmatch, enough of it: `*` and `?` within a name, `**` across,
/// `/**/` for zero or more directories, `[...]` classes. Dynamic
/// programming over (pattern, text): no backtracking blow-up.
fn glob_match(pat: &[char], text: &[char]) -> bool {
    let n = text.len();
    let mut cur = vec![false; n + 1];
    cur[0] = true;
    let mut i = 0;
    while i < pat.len() {
        let mut next = vec![false; n + 1];
        let c = pat[i];
        if c == '*' && pat.get(i + 1) == Some(&'*') {
            // `**/` at the start or after a `/` also matches no directory.
            let slash_after = pat.get(i + 2) == Some(&'/');
            let mut reach = false;
            for j in 0..=n {
                reach |= cur[j];
                next[j] = reach;
            }
            if slash_after {
                // `**/x`: zero directories, or any prefix ending in `/`.
                let mut after = vec![false; n + 1];
                for j in 0..=n {
                    if cur[j] {
                        after[j] = true;
                    }
                    if next[j] && j > 0 && text[j - 1] == '/' {
                        after[j] = true;
                    }
                }
                cur = after;
                i += 3;
                continue;
            }
            cur = next;
            i += 2;
            continue;
        }
        match c {
            '*' => {
                let mut reach = false;
                for j in 0..=n {
                    reach = cur[j] || (reach && j > 0 && text[j - 1] != '/');
                    next[j] = reach;
                }
                i += 1;
            }
            '?' => {
                for j in 0..n {
                    next[j + 1] = cur[j] && text[j] != '/';
                }
                i += 1;
            }
            '[' => {
                let end = pat[i + 1..]
                    .iter()
                    .position(|&c| c == ']')
                    .map(|p| i + 1 + p);
                match end {
                    Some(end) if end > i + 1 => {
                        let class = &pat[i + 1..end];
                        let (neg, class) = match class.first() {
                            Some('!' | '^') => (true, &class[1..]),
                            _ => (false, class),
                        };
                        for j in 0..n {
                            let t = text[j];
                            let mut k = 0;
                            let mut inside = false;
                            while k < class.len() {
                                if k + 2 < class.len() && class[k + 1] == '-' {
                                    inside |= class[k] <= t && t <= class[k + 2];
                                    k += 3;
                                } else {
                                    inside |= class[k] == t;
                                    k += 1;
                                }
                            }
                            next[j + 1] = cur[j] && t != '/' && inside != neg;
                        }
                        i = end + 1;
                    }
                    _ => {
                        for j in 0..n {
                            next[j + 1] = cur[j] && text[j] == '[';
                        }
                        i += 1;
                    }
                }
            }
            '\\' if i + 1 < pat.len() => {
                for j in 0..n {
                    next[j + 1] = cur[j] && text[j] == pat[i + 1];
                }
                i += 2;
            }
            c => {
                for j in 0..n {
                    next[j + 1] = cur[j] && text[j] == c;
                }
                i += 1;
            }
        }
        cur = next;
    }
    cur[n]
}

/// The `go generate` findings.
pub fn check(
    go_files: &[Text],
    gitignores: &[Text],
    tree: &BTreeSet<String>,
    runs: &[GenerateRun],
) -> Vec<Finding> {
    let mut out = Vec::new();
    let dirs = directives(go_files);
    if let Some(first) = dirs.first() {
        for r in runs.iter().filter(|r| !r.checked) {
            out.push(Finding::new(
                GENERATE_IN_CI,
                Severity::Warning,
                &r.file,
                Some(r.line),
                format!("CI runs `go generate` ({} //go:generate directive(s), the first at {}:{}) and never checks the result against the commit: what it builds is generated on the runner, so it depends on the generators' versions there, not on the repository", dirs.len(), first.file, first.line),
                "commit the generated files, and in CI run `go generate ./... && git diff --exit-code` to check they are current",
            ));
        }
    }
    let pats = patterns(gitignores);
    // Generated files (by header or as a directive's output) by the pattern ignoring them.
    let mut by_pattern: BTreeMap<(String, usize), (&Pattern, BTreeSet<String>)> = BTreeMap::new();
    let mut note = |path: &str, out: &mut Vec<Finding>, directive: Option<&Directive>| {
        if let Some(p) = ignored(path, &pats) {
            by_pattern
                .entry((p.file.clone(), p.line))
                .or_insert_with(|| (p, BTreeSet::new()))
                .1
                .insert(path.to_string());
        } else if let Some(d) = directive.filter(|_| !tree.contains(path) && path.ends_with(".go"))
        {
            out.push(Finding::new(
                GENERATED_FILE_MISSING,
                Severity::Warning,
                &d.file,
                Some(d.line),
                format!("this //go:generate writes {path}, which is not in the tree: a build of the repository as committed fails or needs `go generate` first, on whatever generator the machine has"),
                format!("run `go generate` and commit {path}; check it stays current with `git diff --exit-code` in CI"),
            ));
        }
    };
    for f in go_files.iter().filter(|f| is_generated(&f.text)) {
        note(&f.path, &mut out, None);
    }
    for d in &dirs {
        for o in &d.outputs {
            note(o, &mut out, Some(d));
        }
    }
    for ((file, line), (p, files)) in by_pattern {
        let shown: Vec<&str> = files.iter().take(3).map(String::as_str).collect();
        let more = if files.len() > 3 {
            format!(" and {} more", files.len() - 3)
        } else {
            String::new()
        };
        out.push(Finding::new(
            GENERATED_FILE_IGNORED,
            Severity::Warning,
            &file,
            Some(line),
            format!("`{}` ignores generated Go code ({}{more}): it is not committed, so every build regenerates it with whatever generator the machine has", p.text, shown.join(", ")),
            "commit the generated files (remove the pattern), and check them in CI with `go generate ./... && git diff --exit-code`",
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(path: &str, t: &str) -> Text {
        Text::new(path, t)
    }

    #[test]
    fn globs() {
        let m = |p: &str, t: &str| {
            glob_match(
                &p.chars().collect::<Vec<_>>(),
                &t.chars().collect::<Vec<_>>(),
            )
        };
        assert!(m("*.pb.go", "api.pb.go"));
        assert!(!m("*.go", "a/b.go"));
        assert!(m("**/gen.go", "gen.go"));
        assert!(m("**/gen.go", "a/b/gen.go"));
        assert!(m("a/**/z.go", "a/z.go"));
        assert!(m("a/**/z.go", "a/b/c/z.go"));
        assert!(m("a/**", "a/b/c"));
        assert!(m("zz_[a-c]?.go", "zz_b1.go"));
        assert!(!m("zz_[!a-c].go", "zz_b.go"));
        assert!(m(&"*a".repeat(20), &"a".repeat(300)));
    }

    #[test]
    fn gitignore_semantics() {
        let pats = patterns(&[
            text(".gitignore", "# c\n*_gen.go\n!keep_gen.go\n/build/\n"),
            text("api/.gitignore", "/*.pb.go\n"),
        ]);
        let line = |p: &str| ignored(p, &pats).map(|p| (p.file.clone(), p.line));
        assert_eq!(line("x/y_gen.go"), Some((".gitignore".into(), 2)));
        assert_eq!(line("keep_gen.go"), None);
        assert_eq!(line("build/out.go"), Some((".gitignore".into(), 4)));
        assert_eq!(line("x/build/out.go"), None);
        assert_eq!(line("api/v1.pb.go"), Some(("api/.gitignore".into(), 1)));
        assert_eq!(line("api/sub/v1.pb.go"), None);
    }

    #[test]
    fn findings() {
        let go = [
            text("cmd/app/main.go", "package main\n\n//go:generate stringer -type=Color -output color_string.go\n//go:generate go run gen.go -o ../../internal/zz.go\n"),
            text("api/api.pb.go", "// Code generated by protoc-gen-go. DO NOT EDIT.\npackage api\n"),
        ];
        let tree: BTreeSet<String> = [
            "cmd/app/main.go",
            "api/api.pb.go",
            "cmd/app/color_string.go",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        let runs = [GenerateRun {
            file: "ci.yml".into(),
            line: 7,
            checked: false,
        }];
        let out = check(
            &go,
            &[text(".gitignore", "*.pb.go\n*_string.go\n")],
            &tree,
            &runs,
        );
        let got: Vec<_> = out
            .iter()
            .map(|f| (f.id, f.file.as_deref().unwrap_or(""), f.line))
            .collect();
        assert_eq!(
            got,
            [
                (GENERATE_IN_CI, "ci.yml", Some(7)),
                (GENERATED_FILE_MISSING, "cmd/app/main.go", Some(4)),
                (GENERATED_FILE_IGNORED, ".gitignore", Some(1)),
                (GENERATED_FILE_IGNORED, ".gitignore", Some(2)),
            ]
        );
        assert!(
            out[1].message.contains("internal/zz.go"),
            "{}",
            out[1].message
        );
    }
}
