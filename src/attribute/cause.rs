//! The cause codes: why a byte differs. One enum, kebab-case names, each
//! documented in docs/causes.md under its own heading (a test keeps the two
//! in step).

use serde::{Deserialize, Serialize};

/// Why a range of bytes differs between the two binaries.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    clap::ValueEnum,
)]
#[serde(rename_all = "kebab-case")]
pub enum Cause {
    /// A file-system path that differs between the builds (workdir, HOME, GOCACHE...) is embedded.
    EmbeddedPath,
    /// The Go build ID, or an ID derived from it (GNU build-id, Mach-O LC_UUID).
    BuildId,
    /// The buildinfo blob or its copy in runtime.modinfo: build settings, VCS stamp, deps.
    Buildinfo,
    /// A string variable set with `-ldflags=-X`.
    LdflagsX,
    /// The Go toolchain or its target settings (version, GOAMD64, GOARM, experiments).
    Toolchain,
    /// C code and the host C toolchain (cgo).
    Cgo,
    /// A consequence: offsets, addresses, sizes and hashes moved by an earlier size change.
    LayoutShift,
    /// DWARF debug information not explained by a cause above.
    Dwarf,
    /// Machine code that differs.
    Code,
    /// Data bytes that differ.
    Data,
    /// Format header fields (ELF/Mach-O/PE headers, load commands, section headers).
    Header,
    /// Nothing above explains it. Counted, never hidden.
    Unattributed,
    /// An archive's metadata (entry order, times, owners, modes, compression,
    /// the gzip header, zip extra fields and comments) differs; the members' bytes may be the same.
    ArchiveMetadata,
    /// An archive member's bytes differ, or a member is on one side only.
    ArchiveMember,
}

impl Cause {
    pub const ALL: [Cause; 14] = [
        Cause::EmbeddedPath,
        Cause::BuildId,
        Cause::Buildinfo,
        Cause::LdflagsX,
        Cause::Toolchain,
        Cause::Cgo,
        Cause::LayoutShift,
        Cause::Dwarf,
        Cause::Code,
        Cause::Data,
        Cause::Header,
        Cause::Unattributed,
        Cause::ArchiveMetadata,
        Cause::ArchiveMember,
    ];

    /// The kebab-case code used in every output format.
    pub fn code(self) -> &'static str {
        match self {
            Cause::EmbeddedPath => "embedded-path",
            Cause::BuildId => "build-id",
            Cause::Buildinfo => "buildinfo",
            Cause::LdflagsX => "ldflags-x",
            Cause::Toolchain => "toolchain",
            Cause::Cgo => "cgo",
            Cause::LayoutShift => "layout-shift",
            Cause::Dwarf => "dwarf",
            Cause::Code => "code",
            Cause::Data => "data",
            Cause::Header => "header",
            Cause::Unattributed => "unattributed",
            Cause::ArchiveMetadata => "archive-metadata",
            Cause::ArchiveMember => "archive-member",
        }
    }

    /// How the reports name the `layout-shift` bytes that follow from a
    /// root finding of this cause: moved bytes for most roots; for a
    /// toolchain difference (another Go version, another GOAMD64) also the
    /// code the compiler generated differently, which no finer cause names.
    pub fn consequence(self) -> &'static str {
        match self {
            Cause::Toolchain => {
                "more follow from it (code generated differently, and what that moved)"
            }
            _ => "more shifted by it",
        }
    }

    pub fn from_code(code: &str) -> Option<Cause> {
        Cause::ALL.into_iter().find(|c| c.code() == code)
    }
}

impl std::fmt::Display for Cause {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.code())
    }
}
