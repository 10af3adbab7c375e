//! go commands from any source, and the checks on their flags.
//!
//! Input: [`SimpleCommand`]s (from scripts, Makefile recipes, workflow
//! steps) or a goreleaser build, and whether the build is a release (a
//! goreleaser build, a workflow job that publishes). Output: [`GoCommand`]s
//! (plain data: subcommand, flags with their lines, environment) and the
//! [`Finding`]s about them: `-a`, volatile `-gcflags`/`-asmflags`, a time
//! stamped by `-ldflags -X`, missing `-trimpath`, and for releases implicit
//! VCS stamping and an unset `CGO_ENABLED`. `GOFLAGS` settings are checked
//! where they are set ([`check_env`]) and count for the commands after them.

use super::shell::{self, SimpleCommand, Vars};
use super::sources::Text;
use super::volatile::{clip, describe, volatility, Volatile};
use super::{Finding, Severity};

pub const BUILD_FLAG_A: &str = "build-flag-a";
pub const VOLATILE_COMPILE_FLAGS: &str = "volatile-compile-flags";
pub const VOLATILE_LDFLAGS_X: &str = "volatile-ldflags-x";
pub const MISSING_TRIMPATH: &str = "missing-trimpath";
pub const VCS_STAMPING: &str = "vcs-stamping";
pub const CGO_UNSET: &str = "cgo-enabled-unset";

/// go flags that take a value (the rest are booleans).
const VALUE_FLAGS: &[&str] = &[
    "C",
    "o",
    "p",
    "ldflags",
    "gcflags",
    "asmflags",
    "tags",
    "buildmode",
    "mod",
    "modfile",
    "overlay",
    "pgo",
    "pkgdir",
    "toolexec",
    "compiler",
    "gccgoflags",
    "installsuffix",
    "coverpkg",
    "covermode",
    "exec",
    "run",
    "skip",
    "bench",
    "benchtime",
    "count",
    "cpu",
    "parallel",
    "timeout",
    "coverprofile",
    "cpuprofile",
    "memprofile",
    "blockprofile",
    "mutexprofile",
    "outputdir",
    "trace",
    "shuffle",
    "fuzz",
    "fuzztime",
    "list",
    "vet",
];

/// One flag of a go command, without its dashes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Flag {
    pub name: String,
    pub value: Option<String>,
    /// 1-based line where it is written.
    pub line: usize,
}

/// A go command: `go build`, `go install`, `go test`, a goreleaser build...
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GoCommand {
    pub file: String,
    /// 1-based line of the command.
    pub line: usize,
    /// `build`, `install`, `test`, `generate`, `env`...
    pub sub: String,
    pub flags: Vec<Flag>,
    /// The words after the flags (packages, `-w` arguments of `go env`...).
    pub args: Vec<String>,
    /// The environment it gets: tracked keys from its surroundings, then its own `KEY=v` prefixes.
    pub env: Vec<(String, String)>,
    /// A release build: errors for what breaks reproducibility, and the release-only checks.
    pub release: bool,
    /// How messages name it, e.g. "`go build`".
    pub what: String,
}

impl GoCommand {
    pub fn env(&self, key: &str) -> Option<&str> {
        self.env
            .iter()
            .rev()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    fn flag(&self, name: &str) -> Option<&Flag> {
        self.flags.iter().find(|f| f.name == name)
    }

    /// Its flags and `GOFLAGS`'s (`GOFLAGS` first, as the go command reads them).
    fn has_flag(&self, name: &str) -> bool {
        self.flag(name).is_some()
            || goflags(self.env("GOFLAGS").unwrap_or_default(), self.line)
                .iter()
                .any(|f| f.name == name)
    }

    /// Builds a binary someone might ship: `go build`, `go install` in a
    /// release (never `go install tool@version`), not a compile check
    /// (`./...` without `-o`, `-o /dev/null`).
    pub fn builds_artifact(&self) -> bool {
        let out = self.flag("o").and_then(|f| f.value.as_deref());
        match self.sub.as_str() {
            // Outside a release, `go install` puts a tool in GOBIN for this machine.
            "install" => self.release && !self.args.iter().any(|a| a.contains('@')),
            "build" => {
                if matches!(out, Some("/dev/null" | "NUL")) {
                    return false;
                }
                out.is_some()
                    || self.args.is_empty()
                    || !self.args.iter().all(|a| a.ends_with("..."))
            }
            _ => false,
        }
    }
}

/// Whether `w` runs the go command.
fn is_go(w: &str) -> bool {
    let base = w.rsplit('/').next().unwrap_or(w);
    base == "go"
        || base
            .strip_prefix("go1.")
            .is_some_and(|r| r.starts_with(|c: char| c.is_ascii_digit()))
        || matches!(
            w,
            "$(GO)" | "${GO}" | "$GO" | "$(GOCMD)" | "${GOCMD}" | "$GOCMD"
        )
}

/// The go command `cmd` runs, if it runs one. `line` is its 1-based line.
pub fn parse(cmd: &SimpleCommand, file: &str, line: usize) -> Option<GoCommand> {
    let (prefix, mut rest) = cmd.assignments();
    let mut env = cmd.env.clone();
    env.extend(prefix);
    if rest.first().map(String::as_str) == Some("env") {
        rest = &rest[1..];
        while let Some(w) = rest.first() {
            if let Some(kv) = shell::assignment(w) {
                env.push(kv);
            } else if !w.starts_with('-') {
                break;
            }
            rest = &rest[1..];
        }
    }
    let (program, mut rest) = rest.split_first()?;
    if !is_go(program) {
        return None;
    }
    while let Some(w) = rest.first() {
        match w.as_str() {
            "-C" | "--C" => rest = rest.get(2..).unwrap_or_default(),
            w if w.starts_with("-C=") || w.starts_with("--C=") => rest = &rest[1..],
            _ => break,
        }
    }
    let (sub, mut rest) = rest.split_first()?;
    if sub.starts_with('-') {
        return None;
    }
    let mut flags = Vec::new();
    while let Some(w) = rest.first() {
        if w == "--" {
            rest = &rest[1..];
            break;
        }
        let Some(name) = w.strip_prefix("--").or_else(|| w.strip_prefix('-')) else {
            break;
        };
        if name.is_empty() {
            break;
        }
        rest = &rest[1..];
        let (name, value) = match name.split_once('=') {
            Some((n, v)) => (n.to_string(), Some(v.to_string())),
            None if VALUE_FLAGS.contains(&name) && sub != "env" => {
                let v = rest.first().cloned();
                rest = rest.get(1..).unwrap_or_default();
                (name.to_string(), v)
            }
            None => (name.to_string(), None),
        };
        flags.push(Flag { name, value, line });
    }
    Some(GoCommand {
        file: file.to_string(),
        line,
        sub: sub.clone(),
        flags,
        args: rest.to_vec(),
        env,
        release: false,
        what: format!("`go {sub}`"),
    })
}

/// `GOFLAGS`'s flags (space-separated `-name[=value]`).
pub fn goflags(value: &str, line: usize) -> Vec<Flag> {
    value
        .split_whitespace()
        .filter_map(|w| {
            let name = w.strip_prefix("--").or_else(|| w.strip_prefix('-'))?;
            let (name, value) = match name.split_once('=') {
                Some((n, v)) => (n.to_string(), Some(v.to_string())),
                None => (name.to_string(), None),
            };
            Some(Flag { name, value, line })
        })
        .collect()
}

/// The `-X name=value` entries of an `-ldflags` value.
fn x_entries(ldflags: &str) -> Vec<String> {
    let split: Vec<String> = shell::split(ldflags, &mut Vars::new())
        .into_iter()
        .flat_map(|c| c.words)
        .collect();
    // A goreleaser template (`{{time "2006-01-02"}}`) is one word.
    let mut words: Vec<String> = Vec::new();
    for w in split {
        match words.last_mut() {
            Some(last) if last.matches("{{").count() > last.matches("}}").count() => {
                last.push(' ');
                last.push_str(&w);
            }
            _ => words.push(w),
        }
    }
    let mut out = Vec::new();
    let mut it = words.iter();
    while let Some(w) = it.next() {
        if w == "-X" || w == "--X" {
            out.extend(it.next().cloned());
        } else if let Some(e) = w.strip_prefix("-X=").or_else(|| w.strip_prefix("--X=")) {
            out.push(e.to_string());
        }
    }
    out
}

/// `-a`, volatile `-gcflags`/`-asmflags` and date-stamping `-X` in `flags`,
/// which `what` (a command, a `GOFLAGS` setting) has.
pub fn check_flags(flags: &[Flag], file: &str, what: &str, sub: &str) -> Vec<Finding> {
    let mut out = Vec::new();
    for f in flags {
        match f.name.as_str() {
            "a" if matches!(f.value.as_deref(), None | Some("true"))
                && matches!(sub, "build" | "install" | "test" | "run" | "") =>
            {
                out.push(Finding::new(
                    BUILD_FLAG_A,
                    Severity::Warning,
                    file,
                    Some(f.line),
                    format!("{what} passes -a: every package, the standard library included, is rebuilt and the build cache is never used"),
                    "remove -a; the go command already rebuilds exactly what changed (use `go clean -cache` if a cache is suspect)",
                ));
            }
            "gcflags" | "asmflags" => {
                let value = f.value.as_deref().unwrap_or_default();
                if let Some((how, shown)) = volatility(value) {
                    let when = match how {
                        Volatile::Build => "every build",
                        Volatile::Machine => "from machine to machine",
                        Volatile::Commit => "every commit",
                    };
                    out.push(Finding::new(
                        VOLATILE_COMPILE_FLAGS,
                        Severity::Error,
                        file,
                        Some(f.line),
                        format!("{what} passes -{} `{}`, which holds {} and so changes {when}: it is hashed into every package's action ID, so nothing is ever a cache hit and the compiled code differs", f.name, clip(value, 100), describe(shown)),
                        format!("keep -{} constant; pass build metadata with -ldflags -X (one link step) instead", f.name),
                    ));
                }
            }
            "ldflags" => {
                for entry in x_entries(f.value.as_deref().unwrap_or_default()) {
                    const FROM_COMMIT: &str = "derive it from the commit: SOURCE_DATE_EPOCH or the commit time (`git log -1 --format=%cI`, goreleaser's {{.CommitDate}}), or drop it (debug.ReadBuildInfo has vcs.time)";
                    const AT_RUN_TIME: &str = "resolve it when the program runs (os.UserHomeDir, os.UserConfigDir, os.Executable) or stamp a fixed value";
                    let when = match volatility(&entry) {
                        Some((Volatile::Build, shown)) => {
                            Some((shown, "on every build", FROM_COMMIT))
                        }
                        Some((Volatile::Machine, shown)) => {
                            Some((shown, "between machines", AT_RUN_TIME))
                        }
                        _ => None,
                    };
                    if let Some((shown, when, fix)) = when {
                        out.push(Finding::new(
                            VOLATILE_LDFLAGS_X,
                            Severity::Warning,
                            file,
                            Some(f.line),
                            format!("{what} stamps -X {} with {}: the value differs {when}, so the binary is not reproducible", clip(&entry, 100), describe(shown)),
                            fix,
                        ));
                    }
                }
            }
            "p" if matches!(sub, "build" | "install" | "test" | "run" | "") => {
                if let Some(n) = f.value.as_deref().and_then(|v| v.parse::<usize>().ok()) {
                    out.push(super::parallel::flag(file, f.line, what, n));
                }
            }
            _ => {}
        }
    }
    out
}

/// A `GOFLAGS` value set at `file:line`.
pub fn check_env(key: &str, value: &str, file: &str, line: usize) -> Vec<Finding> {
    if key != "GOFLAGS" {
        return Vec::new();
    }
    check_flags(&goflags(value, line), file, "GOFLAGS", "")
}

/// Every check on one go command.
pub fn check(cmd: &GoCommand) -> Vec<Finding> {
    let mut out = check_flags(&cmd.flags, &cmd.file, &cmd.what, &cmd.sub);
    if !cmd.builds_artifact() {
        return out;
    }
    // A goreleaser build says it is one in its name.
    let (severity, where_) = if cmd.release && cmd.what.starts_with("`go") {
        (Severity::Error, " in a job that publishes")
    } else if cmd.release {
        (Severity::Error, "")
    } else {
        (Severity::Warning, "")
    };
    let at = Some(cmd.line);
    if !cmd.has_flag("trimpath") {
        out.push(Finding::new(
            MISSING_TRIMPATH,
            severity,
            &cmd.file,
            at,
            format!("{}{where_} has no -trimpath (nor GOFLAGS=-trimpath): the binary records the absolute paths of the checkout and the module cache, so it differs with the build directory, and caches keyed on paths miss", cmd.what),
            "add -trimpath (or set GOFLAGS=-trimpath for every build)",
        ));
    }
    if cmd.release && !cmd.has_flag("buildvcs") {
        out.push(Finding::new(
            VCS_STAMPING,
            Severity::Warning,
            &cmd.file,
            at,
            format!("{} stamps VCS information (vcs.revision, vcs.time, vcs.modified) implicitly: a rebuild from a source archive, or from a tree the build dirtied, gives different bytes", cmd.what),
            "choose: -buildvcs=false, or -buildvcs=true and rebuild only from a clean git checkout of the same commit",
        ));
    }
    if cmd.release && cmd.env("CGO_ENABLED").is_none() {
        out.push(Finding::new(
            CGO_UNSET,
            Severity::Warning,
            &cmd.file,
            at,
            format!("{} leaves CGO_ENABLED to the machine: with a C compiler present cgo is on and the binary depends on the host's C toolchain and libc", cmd.what),
            "set CGO_ENABLED=0 (or CGO_ENABLED=1 with a pinned C toolchain) in the build's environment",
        ));
    }
    out
}

/// The checks on shell text's commands: `GOFLAGS` assignments and go
/// commands. `line_of` gives a command's 1-based line in `file`.
pub fn check_shell(
    cmds: &[SimpleCommand],
    file: &str,
    release: bool,
    line_of: impl Fn(&SimpleCommand) -> usize,
) -> (Vec<Finding>, Vec<GoCommand>) {
    let mut findings = Vec::new();
    let mut gos = Vec::new();
    for c in cmds {
        let line = line_of(c);
        if let Some(kvs) = c.sets() {
            for (k, v) in kvs {
                findings.extend(check_env(&k, &v, file, line));
            }
            continue;
        }
        let Some(mut go) = parse(c, file, line) else {
            continue;
        };
        go.release = release;
        if go.sub == "env" && go.flags.iter().any(|f| f.name == "w") {
            for (k, v) in go.args.iter().filter_map(|a| shell::assignment(a)) {
                findings.extend(check_env(&k, &v, file, line));
            }
        }
        findings.extend(check(&go));
        gos.push(go);
    }
    (findings, gos)
}

/// A shell script's findings.
pub fn check_script(script: &Text) -> Vec<Finding> {
    let cmds = shell::split(&script.text, &mut Vars::new());
    check_shell(&cmds, &script.path, false, |c| c.line + 1).0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(script: &str, release: bool) -> Vec<(&'static str, Severity, Option<usize>)> {
        let cmds = shell::split(script, &mut Vars::new());
        let (f, _) = check_shell(&cmds, "s.sh", release, |c| c.line + 1);
        f.iter().map(|f| (f.id, f.severity, f.line)).collect()
    }

    #[test]
    fn flag_a() {
        assert_eq!(
            ids("go build -a -trimpath -o app .", false),
            [(BUILD_FLAG_A, Severity::Warning, Some(1))]
        );
        assert_eq!(
            ids("export GOFLAGS='-a'", false),
            [(BUILD_FLAG_A, Severity::Warning, Some(1))]
        );
        // -a as the value of -o is no flag; `go vet -a` does not exist.
        assert_eq!(ids("go build -trimpath -o -a .", false), []);
    }

    #[test]
    fn volatile_compile_flags() {
        assert_eq!(
            ids(
                "go build -trimpath -gcflags=\"all=-d=$(date +%s)\" .",
                false
            ),
            [(VOLATILE_COMPILE_FLAGS, Severity::Error, Some(1))]
        );
        assert_eq!(
            ids(
                "go test -asmflags \"-D SHA=${{ github.sha }}\" ./...",
                false
            ),
            [(VOLATILE_COMPILE_FLAGS, Severity::Error, Some(1))]
        );
        assert_eq!(ids("go build -trimpath -gcflags=all=-N\\ -l .", false), []);
    }

    #[test]
    fn volatile_ldflags_x() {
        assert_eq!(
            ids("\n\ngo build -trimpath -ldflags \"-s -X main.date=$(date -u +%FT%TZ) -X main.sha=$(git rev-parse HEAD)\" .", false),
            [(VOLATILE_LDFLAGS_X, Severity::Warning, Some(3))]
        );
        assert_eq!(
            ids("go build -trimpath -ldflags \"-X main.date=$(date -u -d @$SOURCE_DATE_EPOCH +%F)\" .", false),
            []
        );
        assert_eq!(
            ids(
                "go build -trimpath -ldflags=-X=main.run=$GITHUB_RUN_ID .",
                false
            )
            .len(),
            1
        );
    }

    #[test]
    fn missing_trimpath_by_release() {
        assert_eq!(
            ids("go build -o app ./cmd/app", false),
            [(MISSING_TRIMPATH, Severity::Warning, Some(1))]
        );
        let release = ids("CGO_ENABLED=0 go build -o app .", true);
        assert_eq!(
            release,
            [
                (MISSING_TRIMPATH, Severity::Error, Some(1)),
                (VCS_STAMPING, Severity::Warning, Some(1)),
            ]
        );
        assert_eq!(
            ids("export GOFLAGS=-trimpath\ngo build -o app .", false),
            []
        );
        // Compile checks and tool installs are not artifacts.
        assert_eq!(ids("go build ./...\ngo install golang.org/x/tools/cmd/stringer@v0.1.0\ngo build -o /dev/null .", false), []);
        // `go install` outside a release installs a tool for this machine.
        assert_eq!(ids("go install ./cmd/tool", false), []);
        assert_eq!(
            ids("CGO_ENABLED=0 go install -buildvcs=false ./cmd/app", true),
            [(MISSING_TRIMPATH, Severity::Error, Some(1))]
        );
    }

    #[test]
    fn release_only_checks() {
        assert_eq!(
            ids("go build -trimpath -buildvcs=false -o app .", true),
            [(CGO_UNSET, Severity::Warning, Some(1))]
        );
        assert_eq!(
            ids(
                "env CGO_ENABLED=0 go build -trimpath -buildvcs=false .",
                true
            ),
            []
        );
        assert_eq!(
            ids("go env -w GOFLAGS=-a", false),
            [(BUILD_FLAG_A, Severity::Warning, Some(1))]
        );
    }
}
