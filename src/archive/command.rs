//! The glue `diff` and `verify` use when their two files are archives:
//! [`crate::archive`] compares the archives, each differing binary member
//! goes through the binary pipeline (`cli::analyse`), the `--checksums`
//! files are read (bounded) and checked, and the result is one
//! [`ArchiveReport`].

use std::path::{Path, PathBuf};

use anyhow::{bail, Context as _, Result};

use crate::cli;
use crate::harness::VariationHints;
use crate::report::{self, archive::ArchiveReport};

/// Two archives compared (`crate::archive`), each pair of differing binary
/// members run through [`cli::analyse`] with `hints`, checked against the
/// `checksums` files, into a report.
pub(crate) fn report(
    lhs: &Path,
    rhs: &Path,
    hints: &VariationHints,
    context: report::Context,
    checksums: &[PathBuf],
) -> Result<ArchiveReport> {
    let member = |l: &Path, r: &Path, ln: &str, rn: &str| {
        let ctx = report::Context {
            command: context.command.clone(),
            allowances: context.allowances.clone(),
            ..Default::default()
        };
        let mut rep = cli::analyse(l, r, hints, ctx).map_err(|e| {
            let parts: Vec<String> = e.chain().skip(1).map(|c| c.to_string()).collect();
            parts.join(": ")
        })?;
        rep.lhs.path = ln.to_string();
        rep.rhs.path = rn.to_string();
        Ok(rep)
    };
    let diff = crate::archive::diff(lhs, rhs, &member).map_err(anyhow::Error::msg)?;
    let mut context = context;
    let mut checks = Vec::new();
    for file in checksums {
        let name = file.display().to_string();
        let meta = std::fs::metadata(file).with_context(|| format!("cannot read {name}"))?;
        if meta.len() > crate::archive::checksums::MAX_CHECKSUM_FILE {
            bail!(
                "{name}: {} bytes is over the limit for a checksum file",
                meta.len()
            );
        }
        let text = std::fs::read(file).with_context(|| format!("cannot read {name}"))?;
        let text = String::from_utf8(text)
            .map_err(|_| anyhow::anyhow!("{name}: not a checksum file (not UTF-8 text)"))?;
        let lines = crate::archive::checksums::parse(&text)
            .map_err(|e| anyhow::anyhow!("{name}: not a checksum file: {e}"))?;
        let given = [
            (
                "lhs",
                report::view::file_name(&diff.lhs.path),
                diff.lhs.sha256.as_str(),
            ),
            (
                "rhs",
                report::view::file_name(&diff.rhs.path),
                diff.rhs.sha256.as_str(),
            ),
        ];
        let (found, note) = crate::archive::checksums::check(&name, &lines, &given);
        checks.extend(found);
        context.notes.extend(note);
    }
    Ok(ArchiveReport::new(diff, context, checks))
}

impl cli::Published for ArchiveReport {
    fn rendered(&self, format: report::OutputFormat, options: report::RenderOptions) -> String {
        self.render(format, options)
    }
    fn statement(&self) -> String {
        ArchiveReport::statement(self)
    }
    fn exit_code(&self) -> i32 {
        self.exit_code
    }
}
