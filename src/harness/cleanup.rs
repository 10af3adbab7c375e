//! Cleanup on every exit path, Ctrl-C and SIGTERM included.
//!
//! The builds run in their own process groups (so a terminal's Ctrl-C does not
//! reach them directly) and in temp dirs that the go command partly makes
//! read-only (the module cache). This module keeps a process-wide registry of
//! both: `run` registers each child's process group while it runs, and a
//! [`Workspace`](super::Workspace) registers its temp root while it exists.
//! On Ctrl-C/SIGTERM the handler installed by [`install`] ends every
//! registered process group, removes every registered temp root, says so on
//! stderr and exits with code 2.

use std::collections::BTreeSet;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, MutexGuard, OnceLock};

/// Process groups (= the pid of the group leader) of the builds now running.
static CHILDREN: Mutex<BTreeSet<u32>> = Mutex::new(BTreeSet::new());
/// Temp roots of the workspaces alive now.
static ROOTS: Mutex<BTreeSet<PathBuf>> = Mutex::new(BTreeSet::new());
/// Set once an interrupt started the teardown: children spawned after that are ended at once.
static STOPPING: AtomicBool = AtomicBool::new(false);
/// The outcome of the one `ctrlc::set_handler` call.
static INSTALLED: OnceLock<Result<(), String>> = OnceLock::new();

/// The message printed on stderr when an interrupt ended the run.
pub const INTERRUPTED_MESSAGE: &str =
    "twinbuild: interrupted; builds stopped and temp dirs removed";

/// Installs the Ctrl-C/SIGTERM handler, once per process (later calls return the first outcome).
///
/// Call it from the CLI before building. Without it an interrupt still ends
/// twinbuild, but running builds and temp dirs are left behind.
pub fn install() -> Result<(), String> {
    INSTALLED
        .get_or_init(|| {
            ctrlc::set_handler(|| {
                stop_all();
                eprintln!("{INTERRUPTED_MESSAGE}");
                std::process::exit(2);
            })
            .map_err(|e| format!("cannot install the Ctrl-C handler: {e}"))
        })
        .clone()
}

/// True once an interrupt started tearing the run down.
pub fn interrupted() -> bool {
    STOPPING.load(Ordering::SeqCst)
}

/// Called where a build noticed the interrupt (its process was killed): gives
/// the installed handler time to finish the cleanup and exit the process with
/// its message, instead of racing it with an error of our own. Returns at once
/// when no handler of ours is installed (a caller with its own signal handling).
pub(crate) fn let_the_handler_finish() {
    if interrupted() && matches!(INSTALLED.get(), Some(Ok(()))) {
        std::thread::sleep(std::time::Duration::from_secs(10));
    }
}

/// Ends every registered build and removes every registered temp root.
///
/// What the signal handler does before exiting; public so that a caller with
/// its own signal handling can do the same.
pub fn stop_all() {
    STOPPING.store(true, Ordering::SeqCst);
    let children = std::mem::take(&mut *lock(&CHILDREN));
    for pgid in children {
        kill_group(pgid);
    }
    let roots = std::mem::take(&mut *lock(&ROOTS));
    for root in roots {
        let _ = remove_tree(&root);
    }
}

/// Registers a running child's process group. If an interrupt is already
/// tearing down, the group is ended at once and `false` is returned.
pub(crate) fn register_child(pgid: u32) -> bool {
    lock(&CHILDREN).insert(pgid);
    if interrupted() {
        kill_group(pgid);
        return false;
    }
    true
}

pub(crate) fn unregister_child(pgid: u32) {
    lock(&CHILDREN).remove(&pgid);
}

pub(crate) fn register_root(root: &Path) {
    lock(&ROOTS).insert(root.to_path_buf());
}

pub(crate) fn unregister_root(root: &Path) {
    lock(&ROOTS).remove(root);
}

/// Sends SIGKILL to a process group; a group already gone is not an error.
pub(crate) fn kill_group(pgid: u32) {
    #[cfg(unix)]
    {
        use nix::sys::signal::{killpg, Signal};
        use nix::unistd::Pid;
        if let Ok(pgid) = i32::try_from(pgid) {
            if pgid > 1 {
                let _ = killpg(Pid::from_raw(pgid), Signal::SIGKILL);
            }
        }
    }
    #[cfg(not(unix))]
    let _ = pgid;
}

/// Removes a directory tree that may contain read-only dirs (the go command
/// makes the module cache read-only): makes every dir writable, then removes.
pub(crate) fn remove_tree(root: &Path) -> io::Result<()> {
    make_writable(root);
    match std::fs::remove_dir_all(root) {
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
        other => other,
    }
}

fn make_writable(root: &Path) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mut stack = vec![root.to_path_buf()];
        while let Some(dir) = stack.pop() {
            let Ok(meta) = std::fs::symlink_metadata(&dir) else {
                continue;
            };
            if !meta.is_dir() {
                continue;
            }
            let mode = meta.permissions().mode();
            if mode & 0o700 != 0o700 {
                let _ =
                    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(mode | 0o700));
            }
            if let Ok(entries) = std::fs::read_dir(&dir) {
                stack.extend(entries.flatten().map(|e| e.path()));
            }
        }
    }
    #[cfg(not(unix))]
    let _ = root;
}

/// Locks a registry even if a thread panicked while holding it: the data is a set of ids.
fn lock<T>(m: &'static Mutex<T>) -> MutexGuard<'static, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(unix)]
    #[test]
    fn remove_tree_removes_read_only_dirs() {
        use std::os::unix::fs::PermissionsExt;
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path().join("root");
        let inner = root.join("mod/example.com/dep@v1.0.0");
        std::fs::create_dir_all(&inner).unwrap();
        std::fs::write(inner.join("dep.go"), "package dep\n").unwrap();
        for d in [&inner, &root.join("mod/example.com")] {
            std::fs::set_permissions(d, std::fs::Permissions::from_mode(0o555)).unwrap();
        }
        remove_tree(&root).unwrap();
        assert!(!root.exists());
        // Removing what is gone is fine.
        remove_tree(&root).unwrap();
    }

    #[test]
    fn registry_add_remove() {
        let p = Path::new("/nonexistent/twinbuild-registry-test");
        register_root(p);
        assert!(lock(&ROOTS).contains(p));
        unregister_root(p);
        assert!(!lock(&ROOTS).contains(p));
    }
}
