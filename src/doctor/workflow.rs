//! GitHub Actions workflows.
//!
//! Input: a workflow file's text. Output: [`Checked`]: the findings about
//! its jobs and the `go generate` runs it has (for [`super::generate`]).
//! Each job is read in step order: the workflow's, the job's and each
//! step's `env`, what steps write to `$GITHUB_ENV` or `go env -w`, the `run:`
//! commands (split by [`super::shell`], checked by [`super::commands`]),
//! the `actions/cache` keys and paths and `actions/setup-go`'s `cache`. A job
//! that publishes (uploads an artifact, makes a release, pushes an image)
//! is a release: its builds' problems are errors.

use super::commands::{self, GoCommand};
use super::shell::{self, SimpleCommand, Vars};
use super::sources::Text;
use super::yaml::{self, Node};
use super::{DoctorError, Finding, Severity};

pub const CACHE_KEY_COMMIT_SHA: &str = "cache-key-commit-sha";
pub const PARTIAL_GO_CACHE: &str = "partial-go-cache";

/// Actions whose use makes a job a release.
const PUBLISHING_ACTIONS: &[&str] = &[
    "actions/upload-artifact",
    "actions/upload-release-asset",
    "softprops/action-gh-release",
    "ncipollo/release-action",
    "svenstaro/upload-release-action",
    "goreleaser/goreleaser-action",
    "docker/build-push-action",
    "ko-build/setup-ko",
    "actions/attest-build-provenance",
];

/// A `go generate` in a workflow.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GenerateRun {
    pub file: String,
    pub line: usize,
    /// Its job compares the tree afterwards (`git diff --exit-code`, `git status --porcelain`).
    pub checked: bool,
}

/// What a workflow gave.
#[derive(Debug, Default)]
pub struct Checked {
    pub findings: Vec<Finding>,
    pub generate_runs: Vec<GenerateRun>,
    pub go_commands: Vec<GoCommand>,
}

/// `NAME: value` pairs of an `env:` mapping with their lines.
fn env_of(node: Option<&Node>) -> Vec<(String, String, usize)> {
    node.map(|n| {
        n.entries()
            .iter()
            .map(|(k, line, v)| (k.clone(), v.str().unwrap_or_default().to_string(), *line))
            .collect()
    })
    .unwrap_or_default()
}

/// The action a step uses, without its `@ref`, and its major version if it says one.
fn action(step: &Node) -> Option<(&str, Option<u32>)> {
    let uses = step.get("uses")?.str()?;
    let (name, reference) = uses.split_once('@').unwrap_or((uses, ""));
    let major = reference
        .strip_prefix('v')
        .and_then(|r| r.split('.').next())
        .and_then(|m| m.parse().ok());
    Some((name.trim(), major))
}

/// Whether any of a job's steps publishes.
fn publishes(steps: &[Node]) -> bool {
    steps.iter().any(|s| {
        if let Some((name, _)) = action(s) {
            return PUBLISHING_ACTIONS.contains(&name);
        }
        let run = s.get("run").and_then(Node::str).unwrap_or_default();
        shell::split(run, &mut Vars::new()).iter().any(|c| {
            let w: Vec<&str> = c.words.iter().map(String::as_str).collect();
            matches!(
                w.as_slice(),
                ["gh", "release", ..]
                    | ["goreleaser", ..]
                    | ["docker", "push", ..]
                    | ["ko", "build" | "publish", ..]
            )
        })
    })
}

/// 1-based file line of each line of a scalar whose node starts at `start`:
/// each non-empty line is looked for in the file from the previous one on.
fn line_map(src: &[&str], start: usize, text: &str) -> Vec<usize> {
    let mut out = Vec::new();
    let mut next = start.max(1);
    for t in text.lines() {
        let needle = t.trim();
        let found = if needle.is_empty() {
            None
        } else {
            (next..=src.len().min(next + 64)).find(|&l| src[l - 1].contains(needle))
        };
        let line = found.unwrap_or(next);
        out.push(line);
        next = line + 1;
    }
    out
}

/// Whether a command checks the tree is unchanged.
fn checks_tree(c: &SimpleCommand) -> bool {
    let w: Vec<&str> = c.words.iter().map(String::as_str).collect();
    match w.as_slice() {
        ["git", "diff", rest @ ..] => rest.iter().any(|a| matches!(*a, "--exit-code" | "--quiet")),
        ["git", "status", rest @ ..] => rest.contains(&"--porcelain"),
        _ => false,
    }
}

/// One workflow's findings.
pub fn check(wf: &Text) -> Result<Checked, DoctorError> {
    let mut out = Checked::default();
    let Some(doc) = yaml::parse(&wf.origin, &wf.text)? else {
        return Ok(out);
    };
    if !matches!(doc.value, yaml::Value::Map(_)) {
        return Err(DoctorError::Shape {
            path: wf.origin.clone(),
            what: "workflow",
            reason: "its top level is not a mapping".into(),
        });
    }
    let src: Vec<&str> = wf.text.lines().collect();
    let file = wf.path.as_str();
    let top_env = env_of(doc.get("env"));
    for (k, v, line) in &top_env {
        out.findings.extend(commands::check_env(k, v, file, *line));
    }
    for (_, _, job) in doc.get("jobs").map(Node::entries).unwrap_or_default() {
        check_job(job, &top_env, &src, file, &mut out);
    }
    Ok(out)
}

fn check_job(
    job: &Node,
    top_env: &[(String, String, usize)],
    src: &[&str],
    file: &str,
    out: &mut Checked,
) {
    let mut vars = Vars::new();
    for (k, v, _) in top_env {
        vars.insert(k.clone(), v.clone());
    }
    for (k, v, line) in env_of(job.get("env")) {
        out.findings.extend(commands::check_env(&k, &v, file, line));
        vars.insert(k, v);
    }
    let steps = job.get("steps").map(Node::items).unwrap_or_default();
    let release = publishes(steps);
    let mut setup_go_caches = false;
    let mut build_cache: Option<usize> = None;
    let mut mod_cache: Option<usize> = None;
    let mut generates: Vec<usize> = Vec::new();
    let mut checked_after_generate = false;
    for step in steps {
        let mut step_vars = vars.clone();
        for (k, v, line) in env_of(step.get("env")) {
            out.findings.extend(commands::check_env(&k, &v, file, line));
            step_vars.insert(k, v);
        }
        if let Some((name, major)) = action(step) {
            let with = step.get("with");
            let input = |k: &str| with.and_then(|w| w.get(k));
            match name {
                "actions/setup-go" => {
                    let cache = input("cache")
                        .and_then(Node::str)
                        .map(str::to_ascii_lowercase);
                    setup_go_caches = match cache.as_deref() {
                        Some("false") => false,
                        Some("true") => true,
                        _ => major.is_none_or(|m| m >= 4),
                    };
                }
                "actions/cache" | "actions/cache/restore" | "actions/cache/save" => {
                    if let Some(key) = input("key") {
                        let k = key.str().unwrap_or_default();
                        let flat: String = k
                            .chars()
                            .filter(|c| !c.is_whitespace())
                            .collect::<String>()
                            .to_ascii_lowercase();
                        let has_restore = input("restore-keys").is_some();
                        if (flat.contains("github.sha") || flat.contains("github_sha"))
                            && !has_restore
                        {
                            out.findings.push(Finding::new(
                                CACHE_KEY_COMMIT_SHA,
                                Severity::Warning,
                                file,
                                Some(key.line),
                                format!("the cache key `{}` contains the commit SHA and there are no restore-keys: every commit misses the cache and saves a new entry", k.trim()),
                                "key the cache on what its content depends on: `${{ runner.os }}-go-${{ hashFiles('**/go.sum') }}` (plus restore-keys: `${{ runner.os }}-go-`)",
                            ));
                        }
                    }
                    if let Some(path) = input("path") {
                        let p = path.str().unwrap_or_default().to_ascii_lowercase();
                        if p.contains("go-build") || p.contains("gocache") {
                            build_cache.get_or_insert(path.line);
                        }
                        if p.contains("pkg/mod") || p.contains("gomodcache") {
                            mod_cache.get_or_insert(path.line);
                        }
                    }
                }
                _ => {}
            }
            continue;
        }
        let Some(run_node) = step.get("run") else {
            continue;
        };
        let run = run_node.str().unwrap_or_default();
        let map = line_map(src, run_node.line, run);
        let line_of = |c: &SimpleCommand| map.get(c.line).copied().unwrap_or(run_node.line);
        let mut run_vars = step_vars.clone();
        let cmds = shell::split(run, &mut run_vars);
        let (f, gos) = commands::check_shell(&cmds, file, release, line_of);
        out.findings.extend(f);
        for c in &cmds {
            if checks_tree(c) && !generates.is_empty() {
                checked_after_generate = true;
            }
            if let Some(go) = commands::parse(c, file, line_of(c)) {
                if go.sub == "generate" {
                    generates.push(go.line);
                }
                if go.sub == "env" && go.flags.iter().any(|f| f.name == "w") {
                    persist(&go.args, &mut vars);
                }
            }
            // `echo "GOFLAGS=-trimpath" >> "$GITHUB_ENV"` sets it for the later steps.
            let writes_env = c.words.iter().any(|w| w.contains("GITHUB_ENV"));
            if writes_env && matches!(c.words.first().map(String::as_str), Some("echo" | "printf"))
            {
                for (k, v) in c.words.iter().filter_map(|w| shell::assignment(w)) {
                    out.findings
                        .extend(commands::check_env(&k, &v, file, line_of(c)));
                    vars.insert(k, v);
                }
            }
        }
        out.go_commands.extend(gos);
    }
    out.generate_runs
        .extend(generates.into_iter().map(|line| GenerateRun {
            file: file.to_string(),
            line,
            checked: checked_after_generate,
        }));
    if !setup_go_caches {
        let (line, cached, missing) = match (build_cache, mod_cache) {
            (Some(l), None) => (
                l,
                "the build cache (GOCACHE)",
                "module cache (GOMODCACHE, ~/go/pkg/mod)",
            ),
            (None, Some(l)) => (
                l,
                "the module cache (GOMODCACHE)",
                "build cache (GOCACHE, ~/.cache/go-build)",
            ),
            _ => return,
        };
        out.findings.push(Finding::new(
            PARTIAL_GO_CACHE,
            Severity::Warning,
            file,
            Some(line),
            format!("this job caches {cached} but not the {missing}, and actions/setup-go does not cache it either: every run downloads or rebuilds what the other cache would have kept, and a build cache without its modules is keyed on paths that move"),
            "cache both paths in one actions/cache step (`go env GOCACHE GOMODCACHE`), or let actions/setup-go (v4+, `cache: true`) cache them",
        ));
    }
}

/// `go env -w K=V` arguments kept for the job's later steps.
fn persist(args: &[String], vars: &mut Vars) {
    for (k, v) in args.iter().filter_map(|a| shell::assignment(a)) {
        vars.insert(k, v);
    }
}

#[cfg(test)]
mod tests {
    use super::super::commands::{
        BUILD_FLAG_A, CGO_UNSET, MISSING_TRIMPATH, VCS_STAMPING, VOLATILE_COMPILE_FLAGS,
    };
    use super::*;

    fn check_yaml(text: &str) -> Vec<(&'static str, Severity, Option<usize>)> {
        let wf = Text::new("ci.yml", text);
        check(&wf)
            .unwrap()
            .findings
            .iter()
            .map(|f| (f.id, f.severity, f.line))
            .collect()
    }

    #[test]
    fn run_lines_are_found_in_block_scalars() {
        let text = "on: push\njobs:\n  b:\n    runs-on: ubuntu-latest\n    steps:\n      - run: |\n          echo one\n\n          go build -a \\\n            -trimpath -o app .\n      - run: go test -a ./...\n";
        assert_eq!(
            check_yaml(text),
            [
                (BUILD_FLAG_A, Severity::Warning, Some(9)),
                (BUILD_FLAG_A, Severity::Warning, Some(11))
            ]
        );
    }

    #[test]
    fn env_goflags_and_expressions() {
        let text = "env:\n  GOFLAGS: -a\njobs:\n  b:\n    env:\n      SHA: ${{ github.sha }}\n    steps:\n      - run: go build -trimpath -gcflags=\"-d=${{ env.SHA }}\" -o app .\n";
        assert_eq!(
            check_yaml(text),
            [
                (BUILD_FLAG_A, Severity::Warning, Some(2)),
                (VOLATILE_COMPILE_FLAGS, Severity::Error, Some(8))
            ]
        );
    }

    #[test]
    fn a_publishing_job_is_a_release() {
        let text = "jobs:\n  r:\n    steps:\n      - run: go build -o app .\n      - uses: actions/upload-artifact@v4\n        with: {name: app, path: app}\n";
        assert_eq!(
            check_yaml(text),
            [
                (MISSING_TRIMPATH, Severity::Error, Some(4)),
                (VCS_STAMPING, Severity::Warning, Some(4)),
                (CGO_UNSET, Severity::Warning, Some(4)),
            ]
        );
        // GITHUB_ENV and go env -w carry settings to later steps.
        let text = "jobs:\n  r:\n    steps:\n      - run: echo \"GOFLAGS=-trimpath -buildvcs=false\" >> \"$GITHUB_ENV\"\n      - run: go env -w CGO_ENABLED=0\n      - run: go build -o app .\n      - run: gh release upload v1 app\n";
        assert_eq!(check_yaml(text), []);
    }

    #[test]
    fn cache_keys_and_paths() {
        let text = "jobs:\n  t:\n    steps:\n      - uses: actions/setup-go@v5\n        with:\n          cache: false\n      - uses: actions/cache@v4\n        with:\n          path: ~/.cache/go-build\n          key: go-${{ github.sha }}\n";
        assert_eq!(
            check_yaml(text),
            [
                (CACHE_KEY_COMMIT_SHA, Severity::Warning, Some(10)),
                (PARTIAL_GO_CACHE, Severity::Warning, Some(9)),
            ]
        );
        // Both paths, a key on go.sum; setup-go v5 caching by default.
        let ok = "jobs:\n  t:\n    steps:\n      - uses: actions/cache@v4\n        with:\n          path: |\n            ~/.cache/go-build\n            ~/go/pkg/mod\n          key: go-${{ hashFiles('**/go.sum') }}\n      - uses: actions/setup-go@v5\n  u:\n    steps:\n      - uses: actions/setup-go@v5\n      - uses: actions/cache@v4\n        with:\n          path: ~/.cache/go-build\n          key: x-${{ github.sha }}\n          restore-keys: x-\n";
        assert_eq!(check_yaml(ok), []);
    }

    #[test]
    fn generate_runs_and_their_check() {
        let wf = Text::new("ci.yml", "jobs:\n  a:\n    steps:\n      - run: go generate ./...\n  b:\n    steps:\n      - run: |\n          go generate ./...\n          git diff --exit-code\n");
        let runs = check(&wf).unwrap().generate_runs;
        assert_eq!(
            runs.iter().map(|r| (r.line, r.checked)).collect::<Vec<_>>(),
            [(4, false), (8, true)]
        );
    }

    #[test]
    fn not_a_mapping_is_an_error() {
        let wf = Text::new("x.yml", "- a\n- b\n");
        assert!(check(&wf).is_err());
    }
}
