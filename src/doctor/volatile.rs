//! Recognising values that change between builds or commits.
//!
//! Input: a flag's value as written (with `$(date ...)`, `${{ github.sha }}`,
//! goreleaser templates...). Output: whether it varies per build or per
//! commit ([`Volatile`]) and the text that shows it. A date taken from
//! SOURCE_DATE_EPOCH or the commit varies per commit, not per build.

/// What makes a value differ between builds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Volatile {
    /// Differs on every build: the clock, the CI run, randomness.
    Build,
    /// Differs between machines or checkouts: a home directory, the working directory, a user or host name.
    Machine,
    /// Differs on every commit: the SHA, a tag, the commit time.
    Commit,
}

const PER_BUILD: &[&str] = &[
    "$(date",
    "`date",
    "$(shelldate",
    "github.run_id",
    "github.run_number",
    "github.run_attempt",
    "github_run_id",
    "github_run_number",
    "github_run_attempt",
    "$random",
    "${random}",
    "uuidgen",
    "kernel/random",
    "{{.date}}",
    "{{.timestamp}}",
    "{{.now",
    "{{time",
    "epochseconds",
    "epochrealtime",
    "%date%",
    "get-date",
];
const PER_MACHINE: &[&str] = &[
    "$(home)",
    "${home}",
    "$home",
    "$(curdir)",
    "$(shellpwd)",
    "$(pwd)",
    "${pwd}",
    "$pwd",
    "`pwd`",
    "$(user)",
    "${user}",
    "$user",
    "whoami",
    "hostname",
    "github.workspace",
    "github_workspace",
    "runner.temp",
    "runner_temp",
];
const PER_COMMIT: &[&str] = &[
    "github.sha",
    "github_sha",
    "gitrev-parse",
    "gitdescribe",
    "gitlog",
    "gitshow",
    "{{.commit}}",
    "{{.fullcommit}}",
    "{{.shortcommit}}",
    "{{.version}}",
    "{{.tag}}",
    "github.ref",
    "github_ref",
    "{{.commitdate}}",
    "{{.committimestamp}}",
    "head_commit",
    "source_date_epoch",
];
/// A date taken from the commit or SOURCE_DATE_EPOCH: reproducible.
const FIXED_DATE: &[&str] = &[
    "source_date_epoch",
    "%ct",
    "%ci",
    "%cd",
    "%cs",
    "%ci",
    "{{.commitdate}}",
    "{{.committimestamp}}",
    "head_commit.timestamp",
];

/// How `value` varies, and the text that shows it.
pub fn volatility(value: &str) -> Option<(Volatile, &'static str)> {
    let v: String = value
        .chars()
        .filter(|c| !c.is_whitespace())
        .flat_map(char::to_lowercase)
        .collect();
    let find = |list: &[&'static str]| list.iter().find(|p| v.contains(**p)).copied();
    let fixed = find(FIXED_DATE).is_some();
    match (find(PER_BUILD), find(PER_COMMIT)) {
        (Some(p), _) if !fixed || p.starts_with("github") || p.contains("random") => {
            Some((Volatile::Build, p))
        }
        _ if find(PER_MACHINE).is_some() => find(PER_MACHINE).map(|p| (Volatile::Machine, p)),
        (_, Some(p)) => Some((Volatile::Commit, p)),
        (Some(p), None) => Some((Volatile::Commit, p)),
        (None, None) => None,
    }
}

/// What a matched pattern reads: "the current time", "the CI run"...
pub fn describe(pattern: &str) -> &'static str {
    if pattern.contains("run_") {
        "the CI run"
    } else if pattern.contains("random") || pattern.contains("uuid") {
        "a random value"
    } else if PER_MACHINE.contains(&pattern) {
        "a path or name of the build machine"
    } else if PER_COMMIT.contains(&pattern) {
        "the commit"
    } else {
        "the current time"
    }
}

/// `s` cut to `max` characters, with `...` when cut.
pub fn clip(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_string();
    }
    let mut out: String = s.chars().take(max).collect();
    out.push_str("...");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn volatility_classes() {
        assert_eq!(
            volatility("x=$(date +%s)").map(|v| v.0),
            Some(Volatile::Build)
        );
        assert_eq!(
            volatility("${{ github.sha }}").map(|v| v.0),
            Some(Volatile::Commit)
        );
        assert_eq!(
            volatility("{{ .CommitDate }}").map(|v| v.0),
            Some(Volatile::Commit)
        );
        assert_eq!(
            volatility("{{ .Date }}").map(|v| v.0),
            Some(Volatile::Build)
        );
        assert_eq!(volatility("-N -l"), None);
        assert_eq!(
            volatility("main.store=$(HOME)/.config").map(|v| v.0),
            Some(Volatile::Machine)
        );
        assert_eq!(describe("github.run_id"), "the CI run");
        assert_eq!(describe("github.sha"), "the commit");
        assert_eq!(describe("$(date"), "the current time");
    }
}
