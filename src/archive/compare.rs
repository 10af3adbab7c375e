//! Two archives compared: each side read into a [`Listing`], names checked
//! (hostile ones become [`Warning`]s, a duplicate is an error), the entries
//! paired by name, their metadata compared field by field (grouped into one
//! [`ArchiveFinding`] per field, with examples and the fix), and each pair of
//! members whose bytes differ handed on: binaries to the caller's
//! `analyse`, archives back here one level deeper, anything else compared
//! byte for byte.

use std::collections::BTreeMap;
use std::io::{self, Read};

use serde::Serialize;

use super::detect::is_binary;
use super::store::Counted;
use super::{
    detect, gzip, malformed, tar, zip, Analyse, ArchiveArtifact, ArchiveDiff, ArchiveError, Blob,
    Entry, EntryKind, Kind, Listing, MemberDiff, Source, Store, Warning, MAX_DEPTH, MAX_RATIO,
};
use crate::attribute::Cause;

/// Examples kept per finding (all are counted).
pub const MAX_EXAMPLES: usize = 5;

/// One value that differs, at one member (or the archive itself).
#[derive(Debug, Clone, Serialize)]
pub struct Example {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub member: Option<String>,
    pub lhs: String,
    pub rhs: String,
}

/// One difference between the two archives, with its cause and fix.
#[derive(Debug, Clone, Serialize)]
pub struct ArchiveFinding {
    /// 1-based, in output order.
    pub id: usize,
    /// `archive-metadata` or `archive-member`.
    pub cause: Cause,
    pub title: String,
    /// `archive-metadata`: the field that differs (`mtime`, `uid`, `gzip MTIME`, `entry order`...).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// `archive-member`: the member.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub member: Option<String>,
    /// How many members differ in this field (0: the archive itself).
    pub count: usize,
    /// The first few values that differ.
    pub examples: Vec<Example>,
    pub fix: String,
    /// A binary is added, removed, replaced by something else, or could not
    /// be diffed as a binary: no `--allow` passes it (only a binary member's
    /// own report, when it passes, lets a binary differ).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub binary: bool,
}

impl ArchiveFinding {
    /// The differing member this finding is about, among `members`.
    pub fn member_in<'m>(&self, members: &'m [MemberDiff]) -> Option<&'m MemberDiff> {
        let name = self.member.as_ref()?;
        members.iter().find(|m| &m.name == name)
    }

    /// Whether `--allow` accepts it (see [`ArchiveDiff::passes`]).
    pub fn allowed(&self, allow: &[Cause], diff: &ArchiveDiff) -> bool {
        let member = self.member_in(&diff.members);
        match member {
            Some(MemberDiff {
                report: Some(r), ..
            }) => r.exit_code == 0,
            Some(MemberDiff {
                archive: Some(a), ..
            }) => a.passes(allow),
            _ => !self.binary && allow.contains(&self.cause),
        }
    }
}

/// How a paired entry compares.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum EntryStatus {
    Same,
    /// Same bytes, other metadata.
    Metadata,
    /// Other bytes (and maybe other metadata).
    Differs,
    OnlyLhs,
    OnlyRhs,
}

/// One row of the entry table.
#[derive(Debug, Clone, Serialize)]
pub struct EntryRow {
    pub name: String,
    pub kind: EntryKind,
    pub status: EntryStatus,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lhs_size: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rhs_size: Option<u64>,
}

fn lossy(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// Reads one archive of `kind` (bounded; `budget` is what is left to read on this side).
fn read_listing(
    src: &Source,
    kind: Kind,
    store: &mut Store,
    budget: &mut u64,
) -> Result<Listing, ArchiveError> {
    let (entries, mut meta, inner_sha256) = match kind {
        Kind::Zip => {
            let (e, m) = zip::read(src, store, budget)?;
            (e, m, None)
        }
        Kind::Tar | Kind::TarGz => {
            let mut meta = Vec::new();
            let cap = if kind == Kind::TarGz {
                meta = gzip::header(&mut src.open()?)?;
                let ratio = src.len()?.saturating_mul(MAX_RATIO).saturating_add(1 << 20);
                (*budget).min(ratio)
            } else {
                *budget
            };
            let raw = src.open()?;
            let stream: Box<dyn Read + '_> = if kind == Kind::TarGz {
                Box::new(flate2::read::MultiGzDecoder::new(raw))
            } else {
                Box::new(raw)
            };
            let mut counted = Counted::new(stream, cap, kind == Kind::TarGz);
            let over = |c: &Counted<_>, e: ArchiveError| {
                if c.over {
                    malformed(format!(
                        "decompresses to more than {cap} bytes (over the limit of {} a side, or {MAX_RATIO}:1): a decompression bomb",
                        super::MAX_TOTAL
                    ))
                } else {
                    match e {
                        ArchiveError::Io(e) => malformed(format!("cannot decompress: {e}")),
                        e => e,
                    }
                }
            };
            let read = tar::read(&mut counted, store);
            let (entries, globals) = match read {
                Ok(x) => x,
                Err(e) => return Err(over(&counted, e)),
            };
            // The rest of the stream (padding), for the digest of the tar and the gzip trailer's check.
            if let Err(e) = io::copy(&mut counted, &mut io::sink()) {
                return Err(over(&counted, e.into()));
            }
            *budget = budget.saturating_sub(counted.count);
            meta.extend(globals);
            (entries, meta, counted.sha256())
        }
    };
    meta.retain(|(k, _)| !k.is_empty());
    Ok(Listing {
        kind,
        meta,
        entries,
        inner_sha256,
        warnings: Vec::new(),
    })
}

/// What is hostile about a name or link target, if anything.
fn name_problem(name: &[u8]) -> Option<&'static str> {
    if name.starts_with(b"/") || name.starts_with(b"\\") {
        return Some("is an absolute path");
    }
    if name.len() >= 2 && name[0].is_ascii_alphabetic() && name[1] == b':' {
        return Some("is a Windows drive path");
    }
    if name.split(|&b| b == b'/' || b == b'\\').any(|c| c == b"..") {
        return Some("climbs out of the archive with ..");
    }
    if name.contains(&b'\\') {
        return Some("has a backslash (a Windows path separator)");
    }
    if name.iter().any(|&b| b < 0x20 || b == 0x7f) {
        return Some("has control characters");
    }
    None
}

/// Whether a symlink at `name` pointing at `target` stays inside the archive.
fn link_escapes(name: &[u8], target: &[u8]) -> bool {
    if target.starts_with(b"/") || target.starts_with(b"\\") {
        return true;
    }
    let mut depth: i64 = name.split(|&b| b == b'/').filter(|c| !c.is_empty()).count() as i64 - 1;
    for c in target.split(|&b| b == b'/' || b == b'\\') {
        match c {
            b"" | b"." => {}
            b".." => {
                depth -= 1;
                if depth < 0 {
                    return true;
                }
            }
            _ => depth += 1,
        }
    }
    false
}

/// Warnings for hostile names and links; an error for a duplicate name.
fn check_names(l: &mut Listing, side: &str) -> Result<(), ArchiveError> {
    let mut seen: BTreeMap<&[u8], usize> = BTreeMap::new();
    for (i, e) in l.entries.iter().enumerate() {
        if let Some(first) = seen.insert(&e.name, i) {
            return Err(malformed(format!(
                "member {} appears twice (entries {} and {}): members cannot be paired by name",
                super::quoted(&e.name),
                first + 1,
                i + 1
            )));
        }
        if let Some(p) = name_problem(&e.name) {
            l.warnings.push(Warning {
                side: side.into(),
                member: lossy(&e.name),
                kind: "unsafe-name".into(),
                detail: format!("the name {p}; twinbuild never extracts by name"),
            });
        }
        if let (Some(t), EntryKind::Symlink | EntryKind::Hardlink) = (&e.link, e.kind) {
            let escapes = if e.kind == EntryKind::Symlink {
                link_escapes(&e.name, t)
            } else {
                name_problem(t).is_some()
            };
            if escapes {
                l.warnings.push(Warning {
                    side: side.into(),
                    member: lossy(&e.name),
                    kind: "unsafe-link".into(),
                    detail: format!(
                        "a {} to {} leaves the archive (never followed)",
                        e.kind.name(),
                        lossy(t)
                    ),
                });
            }
        }
    }
    Ok(())
}

/// The fix for a differing metadata field.
fn fix_for(kind: Kind, field: &str) -> String {
    let tar = kind != Kind::Zip;
    let f = field;
    let s = if f == "entry order" {
        if tar {
            "sort the entries by name: GNU tar --sort=name (goreleaser sorts an archive's files by name)"
        } else {
            "add the files in sorted order, e.g. find . -print | LC_ALL=C sort | zip -X -@ out.zip"
        }
    } else if f.starts_with("gzip MTIME") || f.starts_with("gzip file name") {
        "compress with gzip -n (no file name, no time), e.g. tar ... | gzip -n -9 > out.tar.gz"
    } else if f.starts_with("gzip") || f == "compressed bytes" || f == "compression method" {
        "compress with the same tool, version and level on both sides (e.g. gzip -n -9, zip -9); the contents are the same"
    } else if matches!(f, "mtime" | "pax mtime" | "pax atime" | "pax ctime") {
        "give every file the commit's time: tar --mtime=@$SOURCE_DATE_EPOCH --pax-option=delete=atime,delete=ctime; goreleaser: mod_timestamp: '{{ .CommitTimestamp }}' on the builds, and files info mtime: '{{ .CommitDate }}' on the archive's files"
    } else if f == "DOS time"
        || f.contains("timestamp")
        || f.contains("NTFS")
        || f.contains("unix times")
    {
        "touch -d @$SOURCE_DATE_EPOCH every file and zip under TZ=UTC (the DOS time is local time) with zip -X (no extended timestamps); goreleaser: mod_timestamp: '{{ .CommitTimestamp }}' on the builds"
    } else if matches!(f, "uid" | "gid" | "user name" | "group name") || f.contains("uid/gid") {
        if tar {
            "tar --owner=0 --group=0 --numeric-owner; goreleaser: files info owner: root, group: root"
        } else {
            "zip -X (no uid/gid extra field)"
        }
    } else if f == "mode" || f == "external attributes" {
        "set the same permissions before packing (chmod, one umask on both sides); goreleaser: files info mode"
    } else if f == "tar header format" || f.starts_with("pax") {
        "pack with one tar and one format on both sides: tar --format=gnu (or --format=posix with --pax-option=delete=atime,delete=ctime)"
    } else if f == "entry type" || f == "link target" || f == "device" || f == "tar type" {
        "pack the same tree on both sides: the same files, directories and links (a link's target is stored as written)"
    } else if f.contains("comment") {
        "write the same comment, or none (zip -z)"
    } else if f == "archive bytes" {
        "pack with the same tool, version and settings on both sides (SOURCE_DATE_EPOCH, sorted names, fixed owners)"
    } else {
        "pack with the same tool, version and settings on both sides (zip -X, TZ=UTC, SOURCE_DATE_EPOCH)"
    };
    s.to_string()
}

/// Findings grouped by field, in order of first appearance.
#[derive(Default)]
struct Fields {
    order: Vec<String>,
    by: BTreeMap<String, (usize, Vec<Example>)>,
}

impl Fields {
    fn add(&mut self, field: &str, member: Option<&[u8]>, lhs: &str, rhs: &str) {
        let slot = self.by.entry(field.to_string()).or_insert_with(|| {
            self.order.push(field.to_string());
            (0, Vec::new())
        });
        slot.0 += usize::from(member.is_some());
        if slot.1.len() < MAX_EXAMPLES {
            slot.1.push(Example {
                member: member.map(lossy),
                lhs: lhs.to_string(),
                rhs: rhs.to_string(),
            });
        }
    }

    /// Compares two `(field, value)` lists.
    fn compare(&mut self, member: Option<&[u8]>, l: &[(String, String)], r: &[(String, String)]) {
        let get = |v: &[(String, String)], k: &str| {
            v.iter().find(|(f, _)| f == k).map(|(_, x)| x.clone())
        };
        let mut keys: Vec<&String> = l.iter().map(|(k, _)| k).collect();
        keys.extend(
            r.iter()
                .map(|(k, _)| k)
                .filter(|k| !l.iter().any(|(f, _)| f == *k)),
        );
        for k in keys {
            let (a, b) = (get(l, k), get(r, k));
            if a != b {
                let none = || "(none)".to_string();
                self.add(k, member, &a.unwrap_or_else(none), &b.unwrap_or_else(none));
            }
        }
    }
}

/// The regular-file members of the archive at `path` whose bytes are a
/// binary (ELF, thin Mach-O, PE), each written to a file of `store`:
/// `(name, file)`, in the archive's order. Read with the same bounds as a diff.
pub(crate) fn binary_members(
    path: &std::path::Path,
    store: &mut Store,
) -> Result<Vec<(String, std::path::PathBuf)>, String> {
    let src = Source::File(path.to_path_buf());
    let name = path.display().to_string();
    let mut budget = super::MAX_TOTAL;
    let (listing, _, _) = open_listing(&src, &name, "the archive", store, &mut budget)?;
    let mut out = Vec::new();
    for e in &listing.entries {
        let (EntryKind::File, Some(blob)) = (e.kind, &e.data) else {
            continue;
        };
        let io = |err: io::Error| format!("cannot read {name}: {err}");
        if is_binary(&head(blob).map_err(io)?) {
            out.push((lossy(&e.name), blob.path(store).map_err(io)?));
        }
    }
    Ok(out)
}

fn open_listing(
    src: &Source,
    name: &str,
    side: &str,
    store: &mut Store,
    budget: &mut u64,
) -> Result<(Listing, u64, String), String> {
    let kind = detect(src)
        .map_err(|e| format!("cannot read {name}: {e}"))?
        .ok_or_else(|| format!("{name} is not an archive twinbuild reads (tar, tar.gz, zip)"))?;
    let mut listing = read_listing(src, kind, store, budget).map_err(|e| format!("{name}: {e}"))?;
    check_names(&mut listing, side).map_err(|e| format!("{name}: {e}"))?;
    let size = src.len().map_err(|e| format!("cannot read {name}: {e}"))?;
    let sha = file_sha256(src).map_err(|e| format!("cannot read {name}: {e}"))?;
    Ok((listing, size, sha))
}

fn file_sha256(src: &Source) -> io::Result<String> {
    let mut c = Counted::new(src.open()?, u64::MAX, true);
    io::copy(&mut c, &mut io::sink())?;
    Ok(c.sha256().unwrap_or_default())
}

/// The first offset where two blobs differ (the shorter length when one is a prefix).
fn first_difference(a: &Blob, b: &Blob) -> io::Result<u64> {
    let (mut ra, mut rb) = (a.at.open()?, b.at.open()?);
    let (mut ba, mut bb) = (vec![0u8; 64 << 10], vec![0u8; 64 << 10]);
    let mut at = 0u64;
    loop {
        let na = fill(&mut ra, &mut ba)?;
        let nb = fill(&mut rb, &mut bb)?;
        let n = na.min(nb);
        if let Some(i) = (0..n).find(|&i| ba[i] != bb[i]) {
            return Ok(at + i as u64);
        }
        at += n as u64;
        if na != nb || n == 0 {
            return Ok(at);
        }
    }
}

fn fill(r: &mut dyn Read, buf: &mut [u8]) -> io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match r.read(&mut buf[n..])? {
            0 => break,
            k => n += k,
        }
    }
    Ok(n)
}

/// The first bytes of a blob.
fn head(b: &Blob) -> io::Result<Vec<u8>> {
    let mut v = Vec::with_capacity(8);
    b.at.open()?.take(8).read_to_end(&mut v)?;
    Ok(v)
}

/// Two archives compared, `depth` levels inside the given ones.
pub(crate) fn diff_sources(
    store: &mut Store,
    (l, r): (&Source, &Source),
    (ln, rn): (&str, &str),
    depth: usize,
    budgets: &mut [u64; 2],
    analyse: &Analyse<'_>,
) -> Result<ArchiveDiff, String> {
    let (lside, rside) = if depth == 0 {
        ("lhs".to_string(), "rhs".to_string())
    } else {
        (ln.to_string(), rn.to_string())
    };
    let (ll, lsize, lsha) = open_listing(l, ln, &lside, store, &mut budgets[0])?;
    let (rl, rsize, rsha) = open_listing(r, rn, &rside, store, &mut budgets[1])?;
    if ll.kind != rl.kind {
        return Err(format!(
            "cannot compare a {} archive ({ln}) with a {} archive ({rn})",
            ll.kind.name(),
            rl.kind.name()
        ));
    }
    let kind = ll.kind;
    let mut fields = Fields::default();
    fields.compare(None, &ll.meta, &rl.meta);

    let rindex: BTreeMap<&[u8], usize> = rl
        .entries
        .iter()
        .enumerate()
        .map(|(i, e)| (e.name.as_slice(), i))
        .collect();
    let lindex: BTreeMap<&[u8], usize> = ll
        .entries
        .iter()
        .enumerate()
        .map(|(i, e)| (e.name.as_slice(), i))
        .collect();
    // Order: the names both have, in each side's order.
    let lorder: Vec<&[u8]> = ll
        .entries
        .iter()
        .map(|e| e.name.as_slice())
        .filter(|n| rindex.contains_key(n))
        .collect();
    let rorder: Vec<&[u8]> = rl
        .entries
        .iter()
        .map(|e| e.name.as_slice())
        .filter(|n| lindex.contains_key(n))
        .collect();
    if let Some(i) = (0..lorder.len()).find(|&i| lorder[i] != rorder[i]) {
        fields.add(
            "entry order",
            None,
            &format!("entry {}: {}", i + 1, lossy(lorder[i])),
            &format!("entry {}: {}", i + 1, lossy(rorder[i])),
        );
    }

    let mut rows = Vec::new();
    let mut pending: Vec<(&Entry, &Entry)> = Vec::new();
    let mut only: Vec<(&Entry, &str)> = Vec::new();
    let mut replaced: Vec<(&Entry, &Entry)> = Vec::new();
    for le in &ll.entries {
        let Some(re) = rindex.get(le.name.as_slice()).map(|&i| &rl.entries[i]) else {
            only.push((le, "lhs"));
            rows.push(EntryRow {
                name: lossy(&le.name),
                kind: le.kind,
                status: EntryStatus::OnlyLhs,
                lhs_size: Some(le.size),
                rhs_size: None,
            });
            continue;
        };
        let before = fields.by.values().map(|(n, _)| n).sum::<usize>();
        let m = Some(le.name.as_slice());
        // What an entry is (a file, a link and where it points) is its content, not its metadata.
        let changed = le.kind != re.kind || le.link != re.link;
        if changed {
            replaced.push((le, re));
        }
        fields.compare(m, &le.meta, &re.meta);
        let same_bytes = match (&le.data, &re.data) {
            (Some(a), Some(b)) => a.sha256 == b.sha256 && a.len == b.len,
            (None, None) => true,
            _ => false,
        };
        if same_bytes && le.stored != re.stored && le.stored.is_some() && re.stored.is_some() {
            let s = |x: &Option<String>| x.clone().unwrap_or_default();
            fields.add("compressed bytes", m, &s(&le.stored), &s(&re.stored));
        }
        let meta_differs = fields.by.values().map(|(n, _)| n).sum::<usize>() > before;
        let status = if !same_bytes || changed {
            if let (false, Some(_), Some(_)) = (changed, &le.data, &re.data) {
                pending.push((le, re));
            }
            EntryStatus::Differs
        } else if meta_differs {
            EntryStatus::Metadata
        } else {
            EntryStatus::Same
        };
        rows.push(EntryRow {
            name: lossy(&le.name),
            kind: le.kind,
            status,
            lhs_size: Some(le.size),
            rhs_size: Some(re.size),
        });
    }
    for re in rl
        .entries
        .iter()
        .filter(|e| !lindex.contains_key(e.name.as_slice()))
    {
        only.push((re, "rhs"));
        rows.push(EntryRow {
            name: lossy(&re.name),
            kind: re.kind,
            status: EntryStatus::OnlyRhs,
            lhs_size: None,
            rhs_size: Some(re.size),
        });
    }

    // The members whose bytes differ.
    let mut members = Vec::new();
    let mut notes = Vec::new();
    let mut warnings: Vec<Warning> = ll.warnings.iter().chain(&rl.warnings).cloned().collect();
    // Members with a binary on either side (those diffed as binaries are judged by their report).
    let mut undiffed_binaries: Vec<String> = Vec::new();
    for (le, re) in pending {
        let (Some(a), Some(b)) = (&le.data, &re.data) else {
            continue;
        };
        let name = lossy(&le.name);
        let io_err = |e: io::Error| format!("{ln}: member {}: {e}", super::quoted(&le.name));
        let first = first_difference(a, b).map_err(io_err)?;
        let (lname, rname) = (format!("{ln}!{name}"), format!("{rn}!{name}"));
        let mut m = MemberDiff {
            name: name.clone(),
            kind: "bytes".into(),
            lhs_size: a.len,
            rhs_size: b.len,
            lhs_sha256: a.sha256.clone(),
            rhs_sha256: b.sha256.clone(),
            first_difference: first,
            report: None,
            archive: None,
            note: None,
        };
        let (ha, hb) = (head(a).map_err(io_err)?, head(b).map_err(io_err)?);
        if is_binary(&ha) || is_binary(&hb) {
            undiffed_binaries.push(name.clone());
        }
        if is_binary(&ha) && is_binary(&hb) {
            let (pa, pb) = (
                a.path(store).map_err(io_err)?,
                b.path(store).map_err(io_err)?,
            );
            match analyse(&pa, &pb, &lname, &rname) {
                Ok(report) => {
                    m.kind = "binary".into();
                    m.report = Some(report);
                }
                Err(e) => m.note = Some(format!("not diffed as a binary: {e}")),
            }
        } else {
            let (ka, kb) = (
                detect(&a.at).map_err(io_err)?,
                detect(&b.at).map_err(io_err)?,
            );
            if let (Some(_), Some(_)) = (ka, kb) {
                if depth < MAX_DEPTH {
                    let nested = diff_sources(
                        store,
                        (&a.at, &b.at),
                        (&lname, &rname),
                        depth + 1,
                        budgets,
                        analyse,
                    )?;
                    m.kind = "archive".into();
                    warnings.extend(nested.warnings.iter().cloned());
                    m.archive = Some(Box::new(nested));
                } else {
                    let note = format!(
                        "an archive nested more than {MAX_DEPTH} levels deep: compared byte for byte"
                    );
                    warnings.push(Warning {
                        side: lside.clone(),
                        member: name.clone(),
                        kind: "too-deep".into(),
                        detail: note.clone(),
                    });
                    m.note = Some(note);
                }
            }
        }
        members.push(m);
    }

    // Findings: metadata by field, then the members.
    let mut findings = Vec::new();
    for field in &fields.order {
        let (count, examples) = &fields.by[field];
        let title = if *count == 0 {
            format!("{field} differs")
        } else {
            format!(
                "{field} differs in {count} member{}",
                if *count == 1 { "" } else { "s" }
            )
        };
        findings.push(ArchiveFinding {
            id: 0,
            cause: Cause::ArchiveMetadata,
            title,
            field: Some(field.clone()),
            member: None,
            count: *count,
            examples: examples.clone(),
            fix: fix_for(kind, field),
            binary: false,
        });
    }
    for m in &members {
        let mut f = member_finding(m);
        if m.report.is_none() && undiffed_binaries.contains(&m.name) {
            f.binary = true;
            f.title.push_str(
                " (a binary on one side at least, not diffed as one: no --allow passes it)",
            );
        }
        findings.push(f);
    }
    let is_binary_entry = |e: &Entry| -> Result<bool, String> {
        match (&e.data, e.kind) {
            (Some(blob), EntryKind::File) => head(blob)
                .map(|h| is_binary(&h))
                .map_err(|err| format!("member {}: {err}", super::quoted(&e.name))),
            _ => Ok(false),
        }
    };
    let what = |e: &Entry| match &e.link {
        Some(t) => format!("{} to {}", e.kind.name(), lossy(t)),
        None => format!("{}, {} bytes", e.kind.name(), e.size),
    };
    for (le, re) in &replaced {
        let name = lossy(&le.name);
        let binary = is_binary_entry(le)? || is_binary_entry(re)?;
        let mut title = format!(
            "{name} is a {} on the lhs, a {} on the rhs",
            what(le),
            what(re)
        );
        if binary {
            title.push_str(" (a binary replaced: no --allow passes it)");
        }
        findings.push(ArchiveFinding {
            id: 0,
            cause: Cause::ArchiveMember,
            title,
            field: None,
            member: Some(name.clone()),
            count: 1,
            examples: vec![Example {
                member: Some(name),
                lhs: what(le),
                rhs: what(re),
            }],
            fix: "pack the same tree on both sides: the same files, directories and links (a link's target is stored as written)".into(),
            binary,
        });
    }
    for (e, side) in &only {
        let name = lossy(&e.name);
        let binary = is_binary_entry(e)?;
        let added = if binary {
            " (a binary on one side only: no --allow passes it)"
        } else {
            ""
        };
        findings.push(ArchiveFinding {
            id: 0,
            cause: Cause::ArchiveMember,
            binary,
            title: format!(
                "{name} is in the {side} only ({}, {} bytes){added}",
                e.kind.name(),
                e.size
            ),
            field: None,
            member: Some(name),
            count: 1,
            examples: vec![Example {
                member: Some(lossy(&e.name)),
                lhs: if *side == "lhs" { format!("{}, {} bytes", e.kind.name(), e.size) } else { "(none)".into() },
                rhs: if *side == "rhs" { format!("{}, {} bytes", e.kind.name(), e.size) } else { "(none)".into() },
            }],
            fix: "pack the same files on both sides (goreleaser's files: globs match what exists when it packs)".into(),
        });
    }
    let differs = lsha != rsha || lsize != rsize;
    if differs && findings.is_empty() {
        // Nothing above explains the files' difference.
        let (field, title) = match (&ll.inner_sha256, &rl.inner_sha256) {
            (Some(a), Some(b)) if a == b => (
                "gzip compressed stream",
                "the tar inside is the same; its gzip compression differs".to_string(),
            ),
            _ => (
                "archive bytes",
                "the archive files differ outside the entries and metadata compared (padding, trailing bytes, the directory's layout)".to_string(),
            ),
        };
        findings.push(ArchiveFinding {
            id: 0,
            cause: Cause::ArchiveMetadata,
            title,
            field: Some(field.into()),
            member: None,
            count: 0,
            examples: vec![Example {
                member: None,
                lhs: format!("sha256 {}", &lsha[..16]),
                rhs: format!("sha256 {}", &rsha[..16]),
            }],
            fix: fix_for(kind, field),
            binary: false,
        });
    }
    for (i, f) in findings.iter_mut().enumerate() {
        f.id = i + 1;
    }
    if ll.entries.is_empty() && rl.entries.is_empty() {
        notes.push("both archives are empty".into());
    }
    warnings.sort();
    warnings.dedup();
    Ok(ArchiveDiff {
        lhs: ArchiveArtifact {
            path: ln.to_string(),
            size: lsize,
            format: kind,
            sha256: lsha,
            entries: ll.entries.len(),
        },
        rhs: ArchiveArtifact {
            path: rn.to_string(),
            size: rsize,
            format: kind,
            sha256: rsha,
            entries: rl.entries.len(),
        },
        findings,
        members,
        entries: rows,
        warnings,
        notes,
    })
}

/// The `archive-member` finding of a member whose bytes differ.
fn member_finding(m: &MemberDiff) -> ArchiveFinding {
    let (title, fix) = if let Some(r) = &m.report {
        let causes: Vec<&str> = r.summary.root_causes.iter().map(|c| c.code()).collect();
        let fix = r
            .roots()
            .find_map(|f| f.fix.clone())
            .unwrap_or_else(|| "see the member's own report".into());
        (
            format!(
                "{} differs: {} binaries, root causes {} (its report below)",
                m.name,
                r.lhs.format.name(),
                if causes.is_empty() {
                    "none".to_string()
                } else {
                    causes.join(", ")
                }
            ),
            fix,
        )
    } else if let Some(a) = &m.archive {
        (
            format!(
                "{} differs: an archive, {} findings inside",
                m.name,
                a.findings.len()
            ),
            "see the nested archive's findings".into(),
        )
    } else {
        (
            format!(
                "{} differs: {} vs {} bytes, first at offset {}",
                m.name, m.lhs_size, m.rhs_size, m.first_difference
            ),
            "make whatever writes this file deterministic, or take it from the source tree as is"
                .into(),
        )
    };
    ArchiveFinding {
        id: 0,
        cause: Cause::ArchiveMember,
        title,
        field: None,
        member: Some(m.name.clone()),
        count: 1,
        examples: vec![Example {
            member: Some(m.name.clone()),
            lhs: format!("{} bytes, sha256 {}", m.lhs_size, &m.lhs_sha256[..16]),
            rhs: format!("{} bytes, sha256 {}", m.rhs_size, &m.rhs_sha256[..16]),
        }],
        fix,
        binary: false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hostile_names() {
        for (name, bad) in [
            (&b"../x"[..], true),
            (b"/etc/passwd", true),
            (b"C:\\x", true),
            (b"a/../../x", true),
            (b"a\\b", true),
            (b"a\x1b[31m", true),
            (b"bin/app", false),
            (b"a..b/c", false),
        ] {
            assert_eq!(name_problem(name).is_some(), bad, "{name:?}");
        }
        assert!(link_escapes(b"a/link", b"../../x"));
        assert!(link_escapes(b"link", b"/etc"));
        assert!(!link_escapes(b"a/b/link", b"../c"));
        assert!(!link_escapes(b"link", b"app"));
    }
}
