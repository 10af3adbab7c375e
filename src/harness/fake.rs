//! [`FakeBuilder`]: a [`Builder`] that builds nothing and hands back two
//! given files, so the later stages and the CLI can be tested without Go.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use super::{
    ArtifactPair, BuildError, BuildPair, BuildRecord, BuildRequest, Builder, ConfirmError, Hint,
    Progress, Rebuilt, Side, ToolchainInfo, VariationHints, Workspace,
};

/// Returns a [`BuildPair`] of two existing files as if they had been built.
#[derive(Debug, Clone)]
pub struct FakeBuilder {
    pub lhs: PathBuf,
    pub rhs: PathBuf,
    /// Handed back as the pair's variation hints.
    pub hints: Vec<Hint>,
    /// Reported as both sides' toolchain (`go1.26.8` by default).
    pub go_version: String,
    /// What `rebuild_without(variation)` hands back, by variation.
    pub rebuilt: BTreeMap<String, PathBuf>,
}

impl FakeBuilder {
    pub fn new(lhs: impl Into<PathBuf>, rhs: impl Into<PathBuf>) -> FakeBuilder {
        FakeBuilder {
            lhs: lhs.into(),
            rhs: rhs.into(),
            hints: Vec::new(),
            go_version: "go1.26.8".into(),
            rebuilt: BTreeMap::new(),
        }
    }

    /// The file `rebuild_without(variation)` hands back as the confirming build.
    pub fn with_rebuilt(mut self, variation: &str, path: impl Into<PathBuf>) -> FakeBuilder {
        self.rebuilt.insert(variation.into(), path.into());
        self
    }

    /// Adds a variation hint (e.g. the two build dirs the files were built in).
    pub fn with_hint(mut self, variation: &str, lhs: &str, rhs: &str) -> FakeBuilder {
        self.hints.push(Hint {
            variation: variation.into(),
            lhs: lhs.into(),
            rhs: rhs.into(),
        });
        self
    }

    fn record(&self, side: Side, artifact: &Path) -> Result<BuildRecord, BuildError> {
        if !artifact.is_file() {
            return Err(BuildError::NoArtifact {
                side: side.name(),
                path: artifact.to_path_buf(),
            });
        }
        Ok(BuildRecord {
            side,
            workdir: artifact.parent().map(Path::to_path_buf).unwrap_or_default(),
            artifact: artifact.to_path_buf(),
            command: vec!["fake".into(), "build".into()],
            env: BTreeMap::new(),
            go_version: format!("go version {}", self.go_version),
            go_env: [("GOVERSION".to_string(), self.go_version.clone())].into(),
            duration: Duration::ZERO,
            inputs: None,
        })
    }
}

impl Builder for FakeBuilder {
    fn build(
        &self,
        _request: &BuildRequest,
        progress: &dyn Progress,
    ) -> Result<BuildPair, BuildError> {
        let mut records = Vec::with_capacity(2);
        for (side, path) in [(Side::Lhs, &self.lhs), (Side::Rhs, &self.rhs)] {
            progress.started(side, "fake build");
            records.push(self.record(side, path)?);
            progress.finished(side, Duration::ZERO);
        }
        let rhs = records.pop().expect("two records");
        let lhs = records.pop().expect("two records");
        let artifacts = vec![ArtifactPair {
            package: ".".into(),
            lhs: lhs.artifact.clone(),
            rhs: rhs.artifact.clone(),
        }];
        Ok(BuildPair {
            artifacts,
            toolchain: ToolchainInfo {
                version: self.go_version.clone(),
                source: "fake".into(),
                pinned: true,
            },
            lhs,
            rhs,
            hints: VariationHints {
                hints: self.hints.clone(),
            },
            notes: Vec::new(),
            workspace: Workspace::none(),
            replay: None,
        })
    }

    fn rebuild_without(
        &self,
        _pair: &BuildPair,
        variation: &'static str,
        progress: &dyn Progress,
    ) -> Result<Rebuilt, ConfirmError> {
        let path = self.rebuilt.get(variation).ok_or_else(|| {
            ConfirmError::NotRun(format!("the fake builder has no build without {variation}"))
        })?;
        progress.started(Side::Rhs, "fake build");
        self.record(Side::Rhs, path)?;
        progress.finished(Side::Rhs, Duration::ZERO);
        Ok(Rebuilt {
            variation: variation.to_string(),
            artifact: path.clone(),
            command: "fake build".into(),
            duration: Duration::ZERO,
        })
    }
}
