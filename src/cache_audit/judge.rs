//! Each entry the audited build was served, judged against the cold build.
//!
//! Input: the proxy's log ([`Served`], one per `get`), the audited build's
//! action graph (to name the package of an action ID) and the cold build's
//! GOCACHE directory. Output: an [`Entry`] per served entry, problems first:
//!
//! - `poisoned`: the served bytes are not what the entry's output ID names
//!   (sha256), or the cold build stored another output under the same action
//!   ID: the same key, other content;
//! - `stale`: the cold build stored nothing under that action ID;
//! - `missing`: the cache has the index entry but not its output;
//! - `ok`: the same output ID as the cold build's, and the bytes match it.
//!
//! Pure but for reading the log and the cold cache's index entries.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read};
use std::path::Path;

use anyhow::{Context as _, Result};
use serde::Serialize;
use sha2::{Digest, Sha256};

use super::proxy::{self, Outcome, Served};
use crate::actions::SideLog;
use crate::binary::hex;

/// At most this many log lines are read.
pub const MAX_SERVED: usize = 1_000_000;

/// One served entry and its verdict.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Entry {
    /// `build`, `link`... of the audited build's action graph (none when the
    /// key is not an action of it: a sub-key such as a package's stdout).
    pub mode: Option<String>,
    pub package: Option<String>,
    /// For a sub-key of the action's (what the go command stores beside
    /// the output): `srcfiles`, `stdout`, `link-stdout`.
    pub part: Option<String>,
    /// 64 hex digits.
    pub action_id: String,
    pub verdict: EntryVerdict,
    pub served_output_id: Option<String>,
    /// What the cold build stored under the action ID.
    pub expected_output_id: Option<String>,
    /// The sha256 of the bytes served.
    pub content_sha256: Option<String>,
    pub size: Option<u64>,
    /// Why, in words.
    pub detail: String,
}

/// The verdict on one entry; ordered as entries are listed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum EntryVerdict {
    Poisoned,
    Stale,
    Missing,
    Ok,
}

/// The proxy's log.
pub fn read_log(path: &Path) -> Result<Vec<Served>> {
    let f = std::fs::File::open(path).with_context(|| {
        format!(
            "the audited build left no log of what its cache served ({}): did the go command start twinbuild as its GOCACHEPROG (Go 1.24 or later)?",
            path.display()
        )
    })?;
    let mut out = Vec::new();
    for (i, line) in BufReader::new(f).lines().enumerate() {
        let line = line.with_context(|| format!("reading {}", path.display()))?;
        if i >= MAX_SERVED {
            anyhow::bail!("{} has over {MAX_SERVED} lines", path.display());
        }
        let s: Served = serde_json::from_str(&line)
            .with_context(|| format!("{} line {}", path.display(), i + 1))?;
        out.push(s);
    }
    Ok(out)
}

/// Judges every hit and missing entry of `served` (misses are not entries);
/// `hash_log` is the audited build's, whose sums name the keys that are
/// no action of the graph (the module index the go command caches).
pub fn judge(
    served: &[Served],
    audited: &SideLog,
    hash_log: Option<&Path>,
    cold_cache: &Path,
) -> Vec<Entry> {
    // The graph names actions by the first 15 bytes of the ID, base64url.
    let mut names: BTreeMap<&str, (&str, &str)> = BTreeMap::new();
    for a in &audited.actions {
        if let Some(id) = &a.action_id {
            names.insert(id, (&a.mode, &a.package));
        }
    }
    let mut seen = std::collections::BTreeSet::new();
    let mut entries: Vec<Entry> = served
        .iter()
        .filter(|s| matches!(s.outcome, Outcome::Hit | Outcome::Missing))
        .filter(|s| seen.insert(s.action_id.clone()))
        .map(|s| {
            let name = crate::actions::action_id_of(&s.action_id)
                .and_then(|id| names.get(id.as_str()).copied());
            let expected = cold_output(cold_cache, &s.action_id);
            let (verdict, detail) = verdict(s, expected.as_deref());
            Entry {
                mode: name.map(|(m, _)| m.to_owned()),
                package: name.map(|(_, p)| p.to_owned()),
                part: None,
                action_id: s.action_id.clone(),
                verdict,
                served_output_id: s.output_id.clone(),
                expected_output_id: expected,
                content_sha256: s.content_sha256.clone(),
                size: s.size,
                detail,
            }
        })
        .collect();
    name_parts(&mut entries);
    if let Some(log) = hash_log {
        name_from_hash_log(&mut entries, log);
    }
    let key = |e: &Entry| {
        (
            e.verdict,
            e.package.is_none(),
            e.package.clone(),
            e.mode.clone(),
            e.part.clone(),
            e.action_id.clone(),
        )
    };
    entries.sort_by_key(key);
    entries
}

/// What the go command stores under sub-keys of an action's ID
/// (`cache.Subkey`: the sha256 of `subkey:`, the parent ID and the name).
const PARTS: &[&str] = &["srcfiles", "stdout", "link-stdout"];

/// Names the entries whose key is a sub-key of a named entry's action ID.
fn name_parts(entries: &mut [Entry]) {
    let mut parts: BTreeMap<String, (String, String, &str)> = BTreeMap::new();
    for e in entries.iter() {
        let (Some(mode), Some(package)) = (&e.mode, &e.package) else {
            continue;
        };
        let Some(parent) = proxy::unhex(&e.action_id) else {
            continue;
        };
        for part in PARTS {
            let mut h = Sha256::new();
            h.update(b"subkey:");
            h.update(parent);
            h.update(part.as_bytes());
            let key = hex(&h.finalize());
            parts.insert(key, (mode.clone(), package.clone(), part));
        }
    }
    for e in entries.iter_mut().filter(|e| e.package.is_none()) {
        if let Some((mode, package, part)) = parts.get(&e.action_id) {
            e.mode = Some(mode.clone());
            e.package = Some(package.clone());
            e.part = Some((*part).to_owned());
        }
    }
}

/// Names the entries still unnamed whose key is a sum of the hash log
/// (`HASH[moduleIndex]: SUM`): their mode is the bracket's word.
fn name_from_hash_log(entries: &mut [Entry], log: &Path) {
    let unnamed: std::collections::BTreeSet<String> = entries
        .iter()
        .filter(|e| e.mode.is_none())
        .map(|e| e.action_id.clone())
        .collect();
    if unnamed.is_empty() {
        return;
    }
    let Ok(f) = std::fs::File::open(log) else {
        return;
    };
    let mut kinds: BTreeMap<String, String> = BTreeMap::new();
    let lines = BufReader::new(f.take(crate::actions::MAX_HASH_LOG)).split(b'\n');
    for line in lines.map_while(Result::ok) {
        let Some(rest) = line.strip_prefix(b"HASH[") else {
            continue;
        };
        let Some(end) = rest.iter().position(|&b| b == b']') else {
            continue;
        };
        let Some(sum) = rest[end..].strip_prefix(b"]: ") else {
            continue;
        };
        let sum = String::from_utf8_lossy(sum);
        if unnamed.contains(sum.trim()) {
            let kind = String::from_utf8_lossy(&rest[..end]).into_owned();
            kinds.insert(sum.trim().to_owned(), kind);
        }
    }
    for e in entries.iter_mut().filter(|e| e.mode.is_none()) {
        if let Some(kind) = kinds.get(&e.action_id) {
            e.mode = Some(kind.clone());
        }
    }
}

fn verdict(s: &Served, expected: Option<&str>) -> (EntryVerdict, String) {
    if s.outcome == Outcome::Missing {
        return (
            EntryVerdict::Missing,
            format!(
                "the cache has the entry but not its output ({})",
                s.detail.as_deref().unwrap_or("unreadable")
            ),
        );
    }
    let (served, sum) = (s.output_id.as_deref(), s.content_sha256.as_deref());
    if served != sum {
        return (
            EntryVerdict::Poisoned,
            "the bytes served are not the output its entry names (their sha256 differs): changed after they were stored".into(),
        );
    }
    match expected {
        Some(e) if Some(e) == served => (
            EntryVerdict::Ok,
            "the output the cold build made for this action".into(),
        ),
        Some(_) => (
            EntryVerdict::Poisoned,
            "the cold build made another output for the same action ID: the same key, other content".into(),
        ),
        None => (
            EntryVerdict::Stale,
            "the cold build stored nothing under this action ID".into(),
        ),
    }
}

/// The output ID the cold cache's index entry for `action_hex` names.
fn cold_output(dir: &Path, action_hex: &str) -> Option<String> {
    let prefix = action_hex.get(..2)?;
    let index = dir.join(prefix).join(format!("{action_hex}-a"));
    let mut entry = Vec::new();
    std::fs::File::open(index)
        .ok()?
        .take(proxy::ENTRY_SIZE as u64 + 1)
        .read_to_end(&mut entry)
        .ok()?;
    let (out, _) = proxy::parse_entry(&entry, action_hex).ok()?;
    Some(hex(&out))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn served(outcome: Outcome, output: &str, sum: &str) -> Served {
        Served {
            action_id: "aa".repeat(32),
            outcome,
            output_id: Some(output.to_owned()),
            size: Some(3),
            content_sha256: Some(sum.to_owned()),
            detail: None,
        }
    }

    #[test]
    fn verdicts() {
        let (o, p) = ("11".repeat(32), "22".repeat(32));
        assert_eq!(
            verdict(&served(Outcome::Hit, &o, &o), Some(&o)).0,
            EntryVerdict::Ok
        );
        // Bytes changed after storing: the sum is not the output ID.
        assert_eq!(
            verdict(&served(Outcome::Hit, &o, &p), Some(&o)).0,
            EntryVerdict::Poisoned
        );
        // A sound entry for content the cold build did not make.
        assert_eq!(
            verdict(&served(Outcome::Hit, &p, &p), Some(&o)).0,
            EntryVerdict::Poisoned
        );
        assert_eq!(
            verdict(&served(Outcome::Hit, &o, &o), None).0,
            EntryVerdict::Stale
        );
        assert_eq!(
            verdict(&served(Outcome::Missing, &o, &o), Some(&o)).0,
            EntryVerdict::Missing
        );
    }
}
