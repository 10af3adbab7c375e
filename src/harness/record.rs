//! What each side's go command is asked to record about its own build, for
//! the input-level attribution (`actions`): every line it hashes into each
//! action ID (`GODEBUG=gocachehash=1`, on stderr: `run` moves those lines
//! to a file) and its action graph (`-debug-actiongraph=FILE` in GOFLAGS:
//! action IDs, output IDs, timings). A `--build-cmd` script's go commands
//! inherit both through the environment; the last one writes the graph.
//!
//! Input: a side's dirs and the environment `prepare` gave it. Output: the
//! environment the side runs with, and where the two files land. The
//! recorded environment (report, variation hints) stays without them.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use super::workspace::SideDirs;

/// Where one side's go command leaves its records (both may be missing or
/// cut short: an old Go, a script that ran no go command, a failed build).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct InputFiles {
    /// The `HASH` lines of `GODEBUG=gocachehash=1`.
    pub hash_log: PathBuf,
    /// The JSON of `-debug-actiongraph`.
    pub action_graph: PathBuf,
}

/// Where the build of the side in `dirs` is recorded (`explain-cache`'s
/// second build records elsewhere).
pub(crate) fn dir(dirs: &SideDirs) -> PathBuf {
    dirs.base.join("record")
}

/// The files of a build recorded into `dir`.
pub(crate) fn files(dir: &Path) -> InputFiles {
    InputFiles {
        hash_log: dir.join("gocachehash.log"),
        action_graph: dir.join("actiongraph.json"),
    }
}

/// [`files`], `dir` created.
pub(crate) fn create(dir: &Path) -> std::io::Result<InputFiles> {
    std::fs::create_dir_all(dir)?;
    Ok(files(dir))
}

/// `env` with the two debug settings added to whatever GODEBUG and GOFLAGS
/// it has (temp paths hold no spaces: GOFLAGS splits on them).
pub(crate) fn env(env: &BTreeMap<String, String>, files: &InputFiles) -> BTreeMap<String, String> {
    let mut out = env.clone();
    let mut add = |key: &str, sep: &str, value: String| {
        let v = out.entry(key.to_string()).or_default();
        if !v.trim().is_empty() {
            v.push_str(sep);
        }
        v.push_str(&value);
    };
    add("GODEBUG", ",", "gocachehash=1".into());
    add(
        "GOFLAGS",
        " ",
        format!(
            "-debug-actiongraph={}",
            files.action_graph.to_string_lossy()
        ),
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_are_added_to_the_users() {
        let files = InputFiles {
            hash_log: "/t/lhs/record/gocachehash.log".into(),
            action_graph: "/t/lhs/record/actiongraph.json".into(),
        };
        let mut base = BTreeMap::new();
        base.insert("GOFLAGS".to_string(), "-mod=readonly".to_string());
        let e = env(&base, &files);
        assert_eq!(
            e["GOFLAGS"],
            "-mod=readonly -debug-actiongraph=/t/lhs/record/actiongraph.json"
        );
        assert_eq!(e["GODEBUG"], "gocachehash=1");
        base.insert("GODEBUG".to_string(), "http2client=0".to_string());
        base.insert("GOFLAGS".to_string(), String::new());
        let e = env(&base, &files);
        assert_eq!(e["GODEBUG"], "http2client=0,gocachehash=1");
        assert_eq!(
            e["GOFLAGS"],
            "-debug-actiongraph=/t/lhs/record/actiongraph.json"
        );
    }
}
