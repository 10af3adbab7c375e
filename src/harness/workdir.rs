//! Copying the user's source tree into a workdir, and `--git-lhs`'s snapshot.
//!
//! Input: the canonical source dir. Output: a copy of it at a workdir; the
//! source is only read. What is copied:
//! - regular files (with their permission bits, so build scripts stay
//!   executable) and directories;
//! - symlinks whose target stays inside the tree, as symlinks (an absolute
//!   target inside the tree is rewritten relative, so the copy does not point
//!   back into the user's tree); links are never followed;
//! - the top-level `.git` directory when [`CopyOptions::include_git`]: the go
//!   command stamps VCS information (`vcs.revision`, `vcs.modified`, …) from
//!   it, and both builds must see the same VCS state. A `.git` *file* (a
//!   worktree or submodule pointing elsewhere) is not copied: git run in the
//!   copy would use, and may write to, the user's repository.
//!
//! Refused, with an error naming the path: a symlink pointing outside the
//! tree, a special file (fifo, socket, device) and anything unreadable. Inside
//! `.git` special files (e.g. an fsmonitor socket) are runtime state and are
//! skipped.

use std::collections::BTreeMap;
use std::path::{Component, Path, PathBuf};
use std::time::Duration;

use super::run::{self, Spawn};
use super::BuildError;

#[derive(Debug, Clone, Copy)]
pub(crate) struct CopyOptions {
    /// Copy the top-level `.git` directory.
    pub include_git: bool,
}

/// What the top of the source tree holds in the way of git.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum GitState {
    None,
    /// A `.git` directory.
    Repo,
    /// A `.git` file (worktree, submodule).
    Link,
}

pub(crate) fn git_state(source: &Path) -> GitState {
    match std::fs::symlink_metadata(source.join(".git")) {
        Ok(m) if m.is_dir() => GitState::Repo,
        Ok(_) => GitState::Link,
        Err(_) => GitState::None,
    }
}

/// Copies the tree at `src` (canonical) to `dst` (must not exist yet).
pub(crate) fn copy_tree(src: &Path, dst: &Path, opts: CopyOptions) -> Result<(), BuildError> {
    std::fs::create_dir(dst).map_err(|e| BuildError::Io {
        context: format!("cannot create workdir {}", dst.display()),
        source: e,
    })?;
    // (relative dir, inside .git)
    let mut stack: Vec<(PathBuf, bool)> = vec![(PathBuf::new(), false)];
    while let Some((rel, in_git)) = stack.pop() {
        let dir = src.join(&rel);
        let mut entries: Vec<_> = std::fs::read_dir(&dir)
            .map_err(|e| refuse(&dir, &format!("cannot read directory: {e}")))?
            .collect::<Result<_, _>>()
            .map_err(|e| refuse(&dir, &format!("cannot read directory: {e}")))?;
        entries.sort_by_key(|e| e.file_name());
        for entry in entries {
            let name = entry.file_name();
            let rel_path = rel.join(&name);
            let from = src.join(&rel_path);
            let to = dst.join(&rel_path);
            let meta =
                std::fs::symlink_metadata(&from).map_err(|e| refuse(&from, &e.to_string()))?;
            let ft = meta.file_type();
            let top_git = rel.as_os_str().is_empty() && name == ".git";
            if top_git && (!opts.include_git || !ft.is_dir()) {
                continue;
            }
            if ft.is_dir() {
                std::fs::create_dir(&to).map_err(|e| write_error(&to, e))?;
                stack.push((rel_path, in_git || top_git));
            } else if ft.is_file() {
                std::fs::copy(&from, &to)
                    .map_err(|e| refuse(&from, &format!("cannot copy: {e}")))?;
            } else if ft.is_symlink() {
                let target =
                    std::fs::read_link(&from).map_err(|e| refuse(&from, &e.to_string()))?;
                let target = checked_link_target(src, &from, &target)
                    .map_err(|reason| refuse(&from, &reason))?;
                symlink(&target, &to).map_err(|e| write_error(&to, e))?;
            } else if in_git {
                continue;
            } else {
                return Err(refuse(
                    &from,
                    "is a special file (fifo, socket or device); twinbuild copies only regular files, dirs and symlinks",
                ));
            }
        }
    }
    Ok(())
}

/// The target to give the copied link, or why the link is refused.
///
/// `root` is canonical and `link` lies under it in real (non-symlink) dirs, as
/// the walk never descends into linked dirs. The target must stay inside the
/// tree lexically and, when it exists, after resolving every link.
fn checked_link_target(root: &Path, link: &Path, target: &Path) -> Result<PathBuf, String> {
    let parent = link.parent().unwrap_or(root);
    let joined = if target.is_absolute() {
        target.to_path_buf()
    } else {
        parent.join(target)
    };
    let lexical = normalize(&joined);
    let outside = || {
        format!(
            "is a symlink to {} outside the source tree; twinbuild does not follow it",
            target.display()
        )
    };
    if !lexical.starts_with(root) {
        return Err(outside());
    }
    // The longest prefix of the target that exists, resolved as the kernel
    // would (links and `..` included): a link through `x/..` where `x` is
    // itself a link can leave the tree while staying inside lexically. What
    // lies beyond that prefix is missing in the source, and so in the copy.
    let existing = joined
        .ancestors()
        .find_map(|p| std::fs::canonicalize(p).ok());
    if existing.is_some_and(|real| !real.starts_with(root)) {
        return Err(outside());
    }
    if target.is_absolute() {
        Ok(relative(parent, &lexical))
    } else {
        Ok(target.to_path_buf())
    }
}

/// `.` and `..` resolved without touching the file system.
fn normalize(p: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in p.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
}

/// The relative path from dir `from` to `to` (both absolute and normalized).
fn relative(from: &Path, to: &Path) -> PathBuf {
    let f: Vec<_> = from.components().collect();
    let t: Vec<_> = to.components().collect();
    let common = f.iter().zip(&t).take_while(|(a, b)| a == b).count();
    let mut out = PathBuf::new();
    for _ in common..f.len() {
        out.push("..");
    }
    for c in &t[common..] {
        out.push(c);
    }
    if out.as_os_str().is_empty() {
        out.push(".");
    }
    out
}

#[cfg(unix)]
fn symlink(target: &Path, link: &Path) -> std::io::Result<()> {
    std::os::unix::fs::symlink(target, link)
}

#[cfg(not(unix))]
fn symlink(_target: &Path, _link: &Path) -> std::io::Result<()> {
    Err(std::io::Error::new(
        std::io::ErrorKind::Unsupported,
        "symlinks are copied only on Unix",
    ))
}

fn refuse(path: &Path, reason: &str) -> BuildError {
    BuildError::Source {
        path: path.to_path_buf(),
        reason: reason.to_string(),
    }
}

fn write_error(path: &Path, e: std::io::Error) -> BuildError {
    BuildError::Io {
        context: format!("cannot write {}", path.display()),
        source: e,
    }
}

/// Fixed identity and date of the `--git-lhs` commit, so its hash depends only on the tree.
const GIT_IDENTITY: [(&str, &str); 6] = [
    ("GIT_AUTHOR_NAME", "twinbuild"),
    ("GIT_AUTHOR_EMAIL", "twinbuild@localhost"),
    ("GIT_AUTHOR_DATE", "2000-01-01T00:00:00+0000"),
    ("GIT_COMMITTER_NAME", "twinbuild"),
    ("GIT_COMMITTER_EMAIL", "twinbuild@localhost"),
    ("GIT_COMMITTER_DATE", "2000-01-01T00:00:00+0000"),
];

/// Makes `workdir` a fresh git repository with one commit of everything in it
/// (`.gitignore` honoured). `git` is the git binary, `env` the side's build
/// environment (PATH, HOME, ...); the user's and the system's git config are ignored.
pub(crate) fn git_snapshot(
    git: &Path,
    workdir: &Path,
    env: &BTreeMap<String, String>,
    timeout: Duration,
) -> Result<(), BuildError> {
    let mut env = env.clone();
    env.insert("GIT_CONFIG_NOSYSTEM".into(), "1".into());
    env.insert("GIT_CONFIG_GLOBAL".into(), "/dev/null".into());
    for (k, v) in GIT_IDENTITY {
        env.insert(k.into(), v.into());
    }
    let steps: [&[&str]; 3] = [
        &["-c", "init.defaultBranch=main", "init", "-q", "."],
        &["add", "-A"],
        &[
            "-c",
            "commit.gpgsign=false",
            "commit",
            "-q",
            "--no-verify",
            "-m",
            "twinbuild snapshot",
        ],
    ];
    for step in steps {
        let args: Vec<String> = step.iter().map(|s| s.to_string()).collect();
        let spawn = Spawn {
            program: git,
            args: &args,
            dir: workdir,
            env: &env,
        };
        let command = run::display_command(git, &args);
        let done = run::run(&spawn, timeout).map_err(|e| BuildError::Io {
            context: format!("cannot run {command}"),
            source: e,
        })?;
        if !done.success() {
            return Err(BuildError::Failed {
                side: "lhs",
                command,
                code: done.code(),
                output: done.output,
                built_in: super::BuiltIn::at(workdir),
            });
        }
    }
    Ok(())
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::os::unix::fs::symlink;

    fn tree() -> (tempfile::TempDir, PathBuf) {
        let tmp = tempfile::tempdir().unwrap();
        let src = tmp.path().join("src");
        std::fs::create_dir_all(src.join("sub/deeper")).unwrap();
        std::fs::write(src.join("go.mod"), "module example.com/x\n").unwrap();
        std::fs::write(src.join("sub/a.go"), "package sub\n").unwrap();
        std::fs::write(src.join("sub/deeper/b.txt"), "b").unwrap();
        let src = std::fs::canonicalize(src).unwrap();
        (tmp, src)
    }

    fn copy(src: &Path, include_git: bool) -> Result<(tempfile::TempDir, PathBuf), BuildError> {
        let out = tempfile::tempdir().unwrap();
        let dst = out.path().join("copy");
        copy_tree(src, &dst, CopyOptions { include_git })?;
        Ok((out, dst))
    }

    #[test]
    fn copies_files_dirs_and_modes() {
        use std::os::unix::fs::PermissionsExt;
        let (_t, src) = tree();
        std::fs::write(src.join("build.sh"), "#!/bin/sh\n").unwrap();
        std::fs::set_permissions(src.join("build.sh"), std::fs::Permissions::from_mode(0o755))
            .unwrap();
        let (_o, dst) = copy(&src, false).unwrap();
        assert_eq!(std::fs::read(dst.join("sub/deeper/b.txt")).unwrap(), b"b");
        assert_eq!(
            std::fs::metadata(dst.join("build.sh"))
                .unwrap()
                .permissions()
                .mode()
                & 0o777,
            0o755
        );
    }

    #[test]
    fn links_inside_are_copied_as_links() {
        let (_t, src) = tree();
        symlink("sub/a.go", src.join("rel")).unwrap();
        symlink(src.join("sub/deeper"), src.join("sub/abs")).unwrap();
        symlink("missing-but-inside", src.join("dangling")).unwrap();
        let (_o, dst) = copy(&src, false).unwrap();
        assert_eq!(
            std::fs::read_link(dst.join("rel")).unwrap(),
            Path::new("sub/a.go")
        );
        // An absolute link into the tree is rewritten relative: the copy must not point back.
        assert_eq!(
            std::fs::read_link(dst.join("sub/abs")).unwrap(),
            Path::new("deeper")
        );
        assert_eq!(std::fs::read(dst.join("sub/abs/b.txt")).unwrap(), b"b");
        assert!(std::fs::symlink_metadata(dst.join("dangling"))
            .unwrap()
            .file_type()
            .is_symlink());
    }

    #[test]
    fn links_outside_are_refused() {
        for target in ["../../etc/passwd", "/etc/passwd", "deeper/../../../x"] {
            let (_t, src) = tree();
            symlink(target, src.join("sub/escape")).unwrap();
            match copy(&src, false) {
                Err(BuildError::Source { path, reason }) => {
                    assert_eq!(path, src.join("sub/escape"));
                    assert!(reason.contains("outside the source tree"), "{reason}");
                }
                other => panic!("{target}: expected a refusal, got {other:?}"),
            }
        }
    }

    #[test]
    fn a_link_leaving_the_tree_through_another_link_is_refused() {
        // `sub/up -> ..` is inside; `sub/up/../x` is lexically `sub/x` (inside) but the
        // kernel resolves `sub/up/..` to the tree's parent: outside, whether `x` exists or not.
        for exists in [true, false] {
            let (t, src) = tree();
            if exists {
                std::fs::write(t.path().join("secret"), "s").unwrap();
            }
            symlink("..", src.join("sub/up")).unwrap();
            symlink("sub/up/../secret", src.join("sneaky")).unwrap();
            match copy(&src, false) {
                Err(BuildError::Source { path, .. }) => assert_eq!(path, src.join("sneaky")),
                other => panic!("exists={exists}: expected a refusal, got {other:?}"),
            }
        }
    }

    #[test]
    fn special_files_are_refused() {
        let (_t, src) = tree();
        let fifo = src.join("sub/pipe");
        let ok = std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .is_ok_and(|s| s.success());
        if !ok {
            return; // no mkfifo here
        }
        match copy(&src, false) {
            Err(BuildError::Source { path, reason }) => {
                assert_eq!(path, fifo);
                assert!(reason.contains("special file"), "{reason}");
            }
            other => panic!("expected a refusal, got {other:?}"),
        }
    }

    #[test]
    fn unreadable_files_are_refused() {
        use std::os::unix::fs::PermissionsExt;
        let (_t, src) = tree();
        let f = src.join("sub/locked.go");
        std::fs::write(&f, "package sub\n").unwrap();
        std::fs::set_permissions(&f, std::fs::Permissions::from_mode(0o000)).unwrap();
        if std::fs::read(&f).is_ok() {
            return; // running as root: permissions do not stop reading
        }
        match copy(&src, false) {
            Err(BuildError::Source { path, .. }) => assert_eq!(path, f),
            other => panic!("expected a refusal, got {other:?}"),
        }
    }

    #[test]
    fn git_dir_is_copied_only_when_asked() {
        let (_t, src) = tree();
        std::fs::create_dir_all(src.join(".git/objects")).unwrap();
        std::fs::write(src.join(".git/HEAD"), "ref: refs/heads/main\n").unwrap();
        let (_o, dst) = copy(&src, false).unwrap();
        assert!(!dst.join(".git").exists());
        let (_o, dst) = copy(&src, true).unwrap();
        assert!(dst.join(".git/HEAD").exists());
        assert_eq!(git_state(&src), GitState::Repo);
    }

    #[test]
    fn git_file_is_never_copied() {
        let (_t, src) = tree();
        std::fs::write(src.join(".git"), "gitdir: /somewhere/else\n").unwrap();
        assert_eq!(git_state(&src), GitState::Link);
        let (_o, dst) = copy(&src, true).unwrap();
        assert!(!dst.join(".git").exists());
    }

    #[test]
    fn relative_paths() {
        assert_eq!(
            relative(Path::new("/a/b"), Path::new("/a/c/d")),
            Path::new("../c/d")
        );
        assert_eq!(
            relative(Path::new("/a/b"), Path::new("/a/b")),
            Path::new(".")
        );
        assert_eq!(relative(Path::new("/a"), Path::new("/a/b")), Path::new("b"));
        assert_eq!(normalize(Path::new("/a/./b/../c")), Path::new("/a/c"));
    }
}
