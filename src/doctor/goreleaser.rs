//! `.goreleaser.y(a)ml`: its Go builds, which are release builds.
//!
//! Input: the config's text. Output: one [`GoCommand`] per Go build
//! (`builds[]` that are not skipped and use the go builder; goreleaser's
//! default build when there is no `builds`), with its `flags`, `ldflags`,
//! `gcflags`, `asmflags` and `env` (the top-level `env` first), each flag
//! at its line, checked by [`commands::check`] as a release.

use super::commands::{self, Flag, GoCommand};
use super::shell;
use super::sources::Text;
use super::yaml::{self, Node, Value};
use super::{DoctorError, Finding};

/// goreleaser's ldflags when a build sets none.
pub const DEFAULT_LDFLAGS: &str =
    "-s -w -X main.version={{.Version}} -X main.commit={{.Commit}} -X main.date={{.Date}} -X main.builtBy=goreleaser";

/// A string or a list of strings, with each one's line.
fn strings(node: &Node) -> Vec<(String, usize)> {
    match &node.value {
        Value::Scalar(s) => vec![(s.clone(), node.line)],
        Value::Seq(items) => items
            .iter()
            .filter_map(|i| i.str().map(|s| (s.to_string(), i.line)))
            .collect(),
        _ => Vec::new(),
    }
}

/// `env:` entries (`KEY=value`), with their lines.
fn env_list(node: Option<&Node>) -> Vec<(String, String, usize)> {
    node.map(strings)
        .unwrap_or_default()
        .into_iter()
        .filter_map(|(s, line)| shell::assignment(&s).map(|(k, v)| (k, v, line)))
        .collect()
}

/// The config's Go builds.
pub fn builds(g: &Text) -> Result<(Vec<GoCommand>, Vec<Finding>), DoctorError> {
    let mut findings = Vec::new();
    let Some(doc) = yaml::parse(&g.origin, &g.text)? else {
        return Ok((Vec::new(), findings));
    };
    if !matches!(doc.value, Value::Map(_)) {
        return Err(DoctorError::Shape {
            path: g.origin.clone(),
            what: "goreleaser config",
            reason: "its top level is not a mapping".into(),
        });
    }
    let mut top_env = Vec::new();
    for (k, v, line) in env_list(doc.get("env")) {
        findings.extend(commands::check_env(&k, &v, &g.path, line));
        top_env.push((k, v));
    }
    let default_build;
    let list: Vec<&Node> = match doc.get("builds") {
        Some(b) => b.items().iter().collect(),
        None => {
            default_build = Node {
                line: 1,
                value: Value::Map(Vec::new()),
            };
            vec![&default_build]
        }
    };
    let mut out = Vec::new();
    for (i, b) in list.into_iter().enumerate() {
        let skip = b.get("skip").and_then(Node::str) == Some("true");
        let builder = b.get("builder").and_then(Node::str).unwrap_or("go");
        if skip || builder != "go" {
            continue;
        }
        let name = match b.get("id").and_then(Node::str) {
            Some(id) => format!("the goreleaser build `{id}`"),
            None if doc.get("builds").is_none() => {
                "goreleaser's default build (no `builds`)".to_string()
            }
            None => format!("the goreleaser build builds[{i}]"),
        };
        let mut flags = Vec::new();
        for (s, line) in b.get("flags").map(strings).unwrap_or_default() {
            flags.extend(commands::goflags(&s, line));
        }
        for key in ["ldflags", "gcflags", "asmflags"] {
            if let Some(n) = b.get(key) {
                let parts = strings(n);
                let line = b.key_line(key).unwrap_or(n.line);
                let value = parts
                    .iter()
                    .map(|(s, _)| s.as_str())
                    .collect::<Vec<_>>()
                    .join(" ");
                flags.push(Flag {
                    name: key.to_string(),
                    value: Some(value),
                    line,
                });
            } else if key == "ldflags" {
                flags.push(Flag {
                    name: key.to_string(),
                    value: Some(DEFAULT_LDFLAGS.to_string()),
                    line: b.line,
                });
            }
        }
        let mut env = top_env.clone();
        for (k, v, line) in env_list(b.get("env")) {
            findings.extend(commands::check_env(&k, &v, &g.path, line));
            env.push((k, v));
        }
        out.push(GoCommand {
            file: g.path.clone(),
            line: b.line,
            sub: "build".into(),
            flags,
            args: Vec::new(),
            env,
            release: true,
            what: name,
        });
    }
    Ok((out, findings))
}

/// The config's findings.
pub fn check(g: &Text) -> Result<Vec<Finding>, DoctorError> {
    let (builds, mut findings) = builds(g)?;
    for b in &builds {
        findings.extend(commands::check(b));
    }
    Ok(findings)
}

#[cfg(test)]
mod tests {
    use super::super::commands::{CGO_UNSET, MISSING_TRIMPATH, VCS_STAMPING, VOLATILE_LDFLAGS_X};
    use super::super::Severity;
    use super::*;

    fn check_text(text: &str) -> Vec<(&'static str, Severity, Option<usize>)> {
        check(&Text::new(".goreleaser.yaml", text))
            .unwrap()
            .iter()
            .map(|f| (f.id, f.severity, f.line))
            .collect()
    }

    #[test]
    fn a_careful_build_is_clean() {
        let text = "version: 2\nbuilds:\n  - id: app\n    env: [CGO_ENABLED=0]\n    flags: [-trimpath, -buildvcs=false]\n    ldflags:\n      - -s -w -X main.date={{ .CommitDate }}\n";
        assert_eq!(check_text(text), []);
    }

    #[test]
    fn the_default_build_and_a_careless_one() {
        assert_eq!(
            check_text("project_name: app\n"),
            [
                (VOLATILE_LDFLAGS_X, Severity::Warning, Some(1)),
                (MISSING_TRIMPATH, Severity::Error, Some(1)),
                (VCS_STAMPING, Severity::Warning, Some(1)),
                (CGO_UNSET, Severity::Warning, Some(1)),
            ]
        );
        let text = "env:\n  - CGO_ENABLED=0\nbuilds:\n  - id: app\n    flags:\n      - -buildvcs=true\n    ldflags: -X main.date={{.Date}}\n  - id: rust\n    builder: rust\n";
        assert_eq!(
            check_text(text),
            [
                (VOLATILE_LDFLAGS_X, Severity::Warning, Some(7)),
                (MISSING_TRIMPATH, Severity::Error, Some(4)),
            ]
        );
    }
}
