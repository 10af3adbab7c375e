//! Step 3 of [`GoBuilder::build`](super::GoBuilder): each side's toolchain.
//! Runs `go version` and `go env` in each side's workdir with its
//! environment (see `toolchain::probe`); a toolchain that cannot be had is an
//! error that says why (offline, a toolchain other than the local one must be
//! in the module cache), and the two sides must report the same version.
//!
//! Input: each side's dirs and environment (from `prepare`) and the [`Pin`].
//! Output: a [`Probe`] per side (lhs first), recorded in the report.

use std::collections::BTreeMap;
use std::path::Path;

use super::plan::Pin;
use super::toolchain::{self, Probe, UserGo};
use super::workspace::SideDirs;
use super::{cleanup, BuildError, BuildRequest};

/// Each side's probe, lhs first; an error when a toolchain cannot be had or two differ.
pub(super) fn sides(
    go: &Path,
    sides: &[(SideDirs, BTreeMap<String, String>)],
    req: &BuildRequest,
    pin: &Pin,
    user: &UserGo,
) -> Result<Vec<Probe>, BuildError> {
    let mut probes: Vec<Probe> = Vec::with_capacity(sides.len());
    for (dirs, env) in sides {
        let probe = toolchain::probe(go, &dirs.workdir, env, req.cgo, req.timeout).map_err(|reason| {
            let offline = pin.pinned && pin.version != user.version && !req.allow_network;
            let reason = if offline && reason.contains("download") {
                format!(
                    "{reason} (offline, a toolchain other than the local {} must be in the module cache {} with its checksum-database proof; --allow-network lets go download and verify it)",
                    user.version, user.gomodcache
                )
            } else {
                reason
            };
            BuildError::Toolchain { version: pin.version.clone(), reason }
        })?;
        if cleanup::interrupted() {
            return Err(BuildError::Interrupted);
        }
        probes.push(probe);
    }
    if let [lhs, rhs] = probes.as_slice() {
        if lhs.version != rhs.version {
            return Err(BuildError::ToolchainMismatch {
                lhs: lhs.go_version.clone(),
                rhs: rhs.go_version.clone(),
            });
        }
    }
    Ok(probes)
}
