//! Release archives, beside `binary`: `twinbuild diff A.tar.gz B.tar.gz`
//! and `verify --artifact dist/app.zip` (docs/archive.md).
//!
//! Input: two files (or two members of archives, two levels deep).
//! Output: an [`ArchiveDiff`], plain data: each side's entry table paired by
//! name, the metadata that differs (grouped by field, each with its fix),
//! and each member whose bytes differ: a binary twinbuild can parse gets its
//! own [`Report`] from the caller's `analyse` (the usual pipeline), an
//! archive is diffed again, anything else is compared byte for byte.
//!
//! `detect` knows an archive by its content (gzip with a tar inside, a
//! ustar/GNU/v7 tar header, a zip local header or end of central directory),
//! `tar` and `zip` read one archive's entries (`gzip` its header), `compare`
//! pairs the two listings. Reading is bounded (`MAX_*` below; decompressed
//! bytes are counted as they stream, declared sizes are only ever used to
//! refuse early), and an entry name is never a file-system path: member bytes
//! are kept in memory or in twinbuild's own temp dir under generated names
//! (`store`), removed on every exit. Hostile input is an [`ArchiveError`]
//! (exit 2) or a [`Warning`] in the report, never a panic.

pub mod checksums;
pub(crate) mod command;
mod compare;
mod detect;
mod gzip;
mod store;
mod tar;
mod zip;

use std::path::{Path, PathBuf};

use serde::Serialize;

pub use compare::{ArchiveFinding, EntryRow, EntryStatus, Example};
pub(crate) use detect::detect;
pub use detect::Kind;
pub(crate) use store::{Blob, Source, Store};

use crate::attribute::Cause;
use crate::report::Report;

/// Most entries one archive may hold.
pub const MAX_ENTRIES: usize = 100_000;
/// Longest entry name or link target, in bytes.
pub const MAX_NAME: usize = 4096;
/// Most bytes one member may hold, uncompressed.
pub const MAX_MEMBER: u64 = 1 << 30;
/// Most bytes read out of one side, uncompressed, nested archives included.
pub const MAX_TOTAL: u64 = 4 << 30;
/// Highest compression ratio accepted (deflate cannot pass 1032:1).
pub const MAX_RATIO: u64 = 1100;
/// Archives nested this deep inside the given ones are diffed; deeper ones
/// are compared byte for byte.
pub const MAX_DEPTH: usize = 2;
/// Largest PAX extended header read.
pub const MAX_PAX: u64 = 1 << 20;

/// Why an archive cannot be compared (exit 2). The message names what is
/// wrong; the caller names the archive.
#[derive(Debug, thiserror::Error)]
pub enum ArchiveError {
    #[error("{0}")]
    Malformed(String),
    #[error("{0}")]
    Io(#[from] std::io::Error),
}

pub(crate) fn malformed(msg: impl Into<String>) -> ArchiveError {
    ArchiveError::Malformed(msg.into())
}

/// An entry name for messages and reports: lossy UTF-8, quoted and escaped
/// (no terminal control character reaches the error line).
pub(crate) fn quoted(name: &[u8]) -> String {
    format!("{:?}", String::from_utf8_lossy(name))
}

/// Metadata as `(field, value)` pairs, in the format's own order.
pub(crate) type Meta = Vec<(String, String)>;

/// One side's archive as read: its kind, its archive-wide metadata and entries.
#[derive(Debug)]
pub(crate) struct Listing {
    pub kind: Kind,
    /// Archive-wide metadata by field (the gzip header, a zip comment, PAX globals).
    pub meta: Vec<(String, String)>,
    pub entries: Vec<Entry>,
    /// For a tar.gz: the sha256 of the tar inside.
    pub inner_sha256: Option<String>,
    pub warnings: Vec<Warning>,
}

/// What an entry is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum EntryKind {
    File,
    Dir,
    Symlink,
    Hardlink,
    Device,
    Fifo,
    Other,
}

impl EntryKind {
    pub fn name(self) -> &'static str {
        match self {
            EntryKind::File => "file",
            EntryKind::Dir => "dir",
            EntryKind::Symlink => "symlink",
            EntryKind::Hardlink => "hardlink",
            EntryKind::Device => "device",
            EntryKind::Fifo => "fifo",
            EntryKind::Other => "other",
        }
    }
}

/// One entry of one archive.
#[derive(Debug)]
pub(crate) struct Entry {
    /// The name as stored (pairing is by these bytes).
    pub name: Vec<u8>,
    pub kind: EntryKind,
    /// Uncompressed size.
    pub size: u64,
    /// A symlink's or hard link's target, never followed.
    pub link: Option<Vec<u8>>,
    /// Metadata by field name, in the format's own order.
    pub meta: Vec<(String, String)>,
    /// A regular file's bytes.
    pub data: Option<Blob>,
    /// A zip member's stored bytes: method, compressed size, their sha256.
    pub stored: Option<String>,
}

/// Something hostile or unusual in an archive, shown first in every format.
/// It does not change the verdict by itself.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Warning {
    /// `lhs` or `rhs`, or a member path for an archive nested in one.
    pub side: String,
    pub member: String,
    /// `unsafe-name` (absolute, `..`, a drive letter, a backslash),
    /// `unsafe-link` (a link leaving the archive), `too-deep` (an archive nested beyond the depth limit).
    pub kind: String,
    pub detail: String,
}

/// One member whose bytes differ.
#[derive(Debug, Clone, Serialize)]
pub struct MemberDiff {
    pub name: String,
    /// `binary` (diffed and attributed: `report`), `archive` (diffed:
    /// `archive`) or `bytes` (compared byte for byte).
    pub kind: String,
    pub lhs_size: u64,
    pub rhs_size: u64,
    pub lhs_sha256: String,
    pub rhs_sha256: String,
    /// The first offset where the bytes differ (the shorter length when one is a prefix of the other).
    pub first_difference: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub report: Option<Report>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub archive: Option<Box<ArchiveDiff>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// One of the two archives.
#[derive(Debug, Clone, Serialize)]
pub struct ArchiveArtifact {
    pub path: String,
    pub size: u64,
    /// `tar`, `tar.gz` or `zip`.
    pub format: Kind,
    pub sha256: String,
    pub entries: usize,
}

/// Two archives compared: plain data for `report::archive`.
#[derive(Debug, Clone, Serialize)]
pub struct ArchiveDiff {
    pub lhs: ArchiveArtifact,
    pub rhs: ArchiveArtifact,
    /// What differs: metadata grouped by field, then members, in order.
    pub findings: Vec<ArchiveFinding>,
    /// Every member whose bytes differ, in entry order.
    pub members: Vec<MemberDiff>,
    /// Both sides' entries paired by name: the lhs's order, then the rhs's own.
    pub entries: Vec<EntryRow>,
    pub warnings: Vec<Warning>,
    pub notes: Vec<String>,
}

impl ArchiveDiff {
    pub fn identical(&self) -> bool {
        self.lhs.sha256 == self.rhs.sha256 && self.lhs.size == self.rhs.size
    }

    /// Whether every difference (here and in nested members) is allowed:
    /// metadata by `archive-metadata`; a member by its own report's gate when
    /// it is a binary or an archive, else by `archive-member`.
    pub fn passes(&self, allow: &[Cause]) -> bool {
        self.findings.iter().all(|f| f.allowed(allow, self))
    }
}

/// Diffs and attributes a differing binary member pair: `(lhs file, rhs
/// file, lhs name, rhs name)` to its report, or why it could not.
pub type Analyse<'a> = dyn Fn(&Path, &Path, &str, &str) -> Result<Report, String> + 'a;

/// The two archives at `lhs` and `rhs` compared. `analyse` diffs a pair
/// of binary members (written to temp files) as `twinbuild diff` would.
pub fn diff(lhs: &Path, rhs: &Path, analyse: &Analyse<'_>) -> Result<ArchiveDiff, String> {
    let mut store = Store::new();
    let (l, r) = (
        Source::File(lhs.to_path_buf()),
        Source::File(rhs.to_path_buf()),
    );
    let names = (lhs.display().to_string(), rhs.display().to_string());
    let mut budgets = [MAX_TOTAL, MAX_TOTAL];
    compare::diff_sources(
        &mut store,
        (&l, &r),
        (&names.0, &names.1),
        0,
        &mut budgets,
        analyse,
    )
}

/// The binary members of one archive (`rebuild ARCHIVE`), written to
/// twinbuild's temp dir, which lives as long as this value.
pub struct BinaryMembers {
    /// `(member name, file)`, in the archive's order.
    pub binaries: Vec<(String, PathBuf)>,
    _store: Store,
}

/// The binary members of the archive at `path`, read with a diff's bounds.
pub fn binary_members(path: &Path) -> Result<BinaryMembers, String> {
    let mut store = Store::new();
    let binaries = compare::binary_members(path, &mut store)?;
    Ok(BinaryMembers {
        binaries,
        _store: store,
    })
}

/// True when the file at `path` is an archive (by content). Anything but
/// a readable regular file is not (the binary reader then says what it is).
pub fn is_archive(path: &Path) -> std::io::Result<bool> {
    if !std::fs::metadata(path).is_ok_and(|m| m.is_file()) {
        return Ok(false);
    }
    Ok(detect(&Source::File(PathBuf::from(path)))?.is_some())
}
