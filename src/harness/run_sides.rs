//! Step 4 of [`GoBuilder::build`](super::GoBuilder): running the two builds,
//! in parallel with `--jobs 2` (one thread each) or one after the other, each
//! in its own process group with a deadline (see `run`), reporting progress.
//!
//! Input: the two [`SidePlan`]s. Output: each build's [`run::Finished`]
//! (output and wall time), or the first side's error: failed, timed out,
//! interrupted. A failure names the other side's workdir and says whether
//! its build failed too.

use std::path::PathBuf;
use std::time::Duration;

use super::command::SidePlan;
use super::run::{self, Exit, Spawn};
use super::workspace::io_error;
use super::{cleanup, record, BuildError, BuiltIn, OtherBuild, Progress};

/// Runs both sides' builds; `jobs >= 2` runs them at once.
pub(super) fn run_all(
    plans: &[SidePlan],
    jobs: usize,
    timeout: Duration,
    record: bool,
    progress: &dyn Progress,
) -> Result<Vec<run::Finished>, BuildError> {
    let recording = |p: &SidePlan| record.then(|| record::dir(&p.dirs));
    let results: Vec<Result<run::Finished, BuildError>> = if jobs >= 2 {
        std::thread::scope(|s| {
            let handles: Vec<_> = plans
                .iter()
                .map(|p| s.spawn(|| run_side(p, timeout, recording(p), progress)))
                .collect();
            handles
                .into_iter()
                .map(|h| {
                    h.join().unwrap_or_else(|_| {
                        Err(BuildError::Usage("a build thread panicked".into()))
                    })
                })
                .collect()
        })
    } else {
        plans
            .iter()
            .map(|p| run_side(p, timeout, recording(p), progress))
            .collect()
    };
    let mut results = results;
    // A failure says where the other side built and how it went.
    let failed: Vec<bool> = results.iter().map(Result::is_err).collect();
    for (i, r) in results.iter_mut().enumerate() {
        if let (Err(BuildError::Failed { built_in, .. }), Some(other)) = (r, plans.get(1 - i)) {
            built_in.other = Some(OtherBuild {
                side: other.dirs.side.name(),
                workdir: other.dirs.workdir.clone(),
                failed: failed[1 - i],
            });
        }
    }
    results.into_iter().collect()
}

/// Runs one side's build and turns its end into a result; with `record`,
/// the go command records its build into that dir (see `record`).
pub(super) fn run_side(
    p: &SidePlan,
    timeout: Duration,
    record: Option<PathBuf>,
    progress: &dyn Progress,
) -> Result<run::Finished, BuildError> {
    let side = p.dirs.side;
    let command = run::display_command(&p.program, &p.args);
    progress.started(side, &command);
    let files = match record {
        Some(dir) => Some(
            record::create(&dir)
                .map_err(|e| io_error(format!("cannot create {}", dir.display()), e))?,
        ),
        None => None,
    };
    let env = match &files {
        Some(f) => record::env(&p.env, f),
        None => p.env.clone(),
    };
    let spawn = Spawn {
        program: &p.program,
        args: &p.args,
        dir: &p.dirs.workdir,
        env: &env,
    };
    let result = run::run_recording(
        &spawn,
        timeout,
        files.as_ref().map(|f| f.hash_log.as_path()),
    );
    let finished = match result {
        Ok(f) => f,
        Err(e) => {
            progress.finished(side, Duration::ZERO);
            return Err(io_error(format!("cannot run {command}"), e));
        }
    };
    progress.finished(side, finished.duration);
    if cleanup::interrupted() {
        return Err(BuildError::Interrupted);
    }
    match finished.exit {
        Exit::TimedOut => Err(BuildError::Timeout {
            side: side.name(),
            command,
            secs: timeout.as_secs(),
        }),
        Exit::Status(s) if !s.success() => Err(BuildError::Failed {
            side: side.name(),
            command,
            code: finished.code(),
            output: finished.output,
            built_in: BuiltIn::at(&p.dirs.workdir),
        }),
        Exit::Status(_) => Ok(finished),
    }
}
