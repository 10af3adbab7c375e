//! The offline module proxy: the user's module cache, served as a `file://` GOPROXY.
//!
//! The go command can read `$GOMODCACHE/cache/download` as a proxy. Modules
//! come from there and go.sum verifies them. A toolchain other than the local
//! one (`golang.org/toolchain`) is also verified against the checksum
//! database, always: offline that works only if the proxy also answers the
//! database's requests. The user's cache holds the database's answers the
//! user's go already verified (`sumdb/sum.golang.org/lookup/…` and `tile/…`),
//! but a `file://` proxy is asked for `sumdb/sum.golang.org/supported` first,
//! which no cache holds. So the proxy is a small dir in the run's temp root:
//! a symlink to each entry of the user's `cache/download`, the database's
//! `lookup` and `tile` dirs linked the same way, and an empty `supported`
//! file. Nothing is written to the user's cache.
//!
//! The database client also needs a signed tree head it trusts: each side's
//! `$GOPATH/pkg/sumdb/sum.golang.org/latest` starts as a copy of the user's
//! (see [`seed_sumdb_latest`]). The go command still checks every signature
//! and hash; a proof the cache lacks makes the build fail, never pass unchecked.

use std::path::{Path, PathBuf};

/// The default checksum database, the one the builds use (GOSUMDB is not set).
const SUMDB: &str = "sum.golang.org";

/// Makes the proxy dir `dir` over the user's `<gomodcache>/cache/download`.
/// Returns `None` when the user has no module cache to serve.
pub(crate) fn offline_proxy(gomodcache: &Path, dir: &Path) -> std::io::Result<Option<PathBuf>> {
    let download = gomodcache.join("cache").join("download");
    if gomodcache.as_os_str().is_empty() || !download.is_dir() {
        return Ok(None);
    }
    std::fs::create_dir_all(dir)?;
    for entry in std::fs::read_dir(&download)? {
        let entry = entry?;
        if entry.file_name() != "sumdb" {
            symlink(&entry.path(), &dir.join(entry.file_name()))?;
        }
    }
    let user_db = download.join("sumdb").join(SUMDB);
    if user_db.is_dir() {
        let db = dir.join("sumdb").join(SUMDB);
        std::fs::create_dir_all(&db)?;
        for part in ["lookup", "tile"] {
            if user_db.join(part).is_dir() {
                symlink(&user_db.join(part), &db.join(part))?;
            }
        }
        std::fs::write(db.join("supported"), b"")?;
    }
    Ok(Some(dir.to_path_buf()))
}

/// Copies the user's trusted tree head of the checksum database into a side's GOPATH.
pub(crate) fn seed_sumdb_latest(user_gopath: &str, side_gopath: &Path) -> std::io::Result<()> {
    let Some(first) = std::env::split_paths(user_gopath).next() else {
        return Ok(());
    };
    let latest = first.join("pkg").join("sumdb").join(SUMDB).join("latest");
    if !latest.is_file() {
        return Ok(());
    }
    let dir = side_gopath.join("pkg").join("sumdb").join(SUMDB);
    std::fs::create_dir_all(&dir)?;
    std::fs::copy(&latest, dir.join("latest"))?;
    Ok(())
}

#[cfg(unix)]
fn symlink(target: &Path, link: &Path) -> std::io::Result<()> {
    std::os::unix::fs::symlink(target, link)
}

#[cfg(not(unix))]
fn symlink(_target: &Path, _link: &Path) -> std::io::Result<()> {
    Err(std::io::Error::new(
        std::io::ErrorKind::Unsupported,
        "the offline proxy needs symlinks (Unix)",
    ))
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    #[test]
    fn proxy_links_the_users_cache_and_answers_supported() {
        let tmp = tempfile::tempdir().unwrap();
        let mc = tmp.path().join("mc");
        let dl = mc.join("cache/download");
        std::fs::create_dir_all(dl.join("example.com/dep/@v")).unwrap();
        std::fs::create_dir_all(dl.join("sumdb/sum.golang.org/lookup")).unwrap();
        std::fs::create_dir_all(dl.join("sumdb/sum.golang.org/tile")).unwrap();
        let p = offline_proxy(&mc, &tmp.path().join("proxy"))
            .unwrap()
            .unwrap();
        assert_eq!(
            std::fs::read_link(p.join("example.com")).unwrap(),
            dl.join("example.com")
        );
        assert!(p.join("sumdb/sum.golang.org/supported").is_file());
        assert!(p.join("sumdb/sum.golang.org/lookup").is_dir());
        // Nothing was written into the user's cache.
        assert!(!dl.join("sumdb/sum.golang.org/supported").exists());
        assert_eq!(
            offline_proxy(&tmp.path().join("none"), &tmp.path().join("p2")).unwrap(),
            None
        );
    }

    #[test]
    fn latest_is_seeded_from_the_users_gopath() {
        let tmp = tempfile::tempdir().unwrap();
        let user = tmp.path().join("user");
        std::fs::create_dir_all(user.join("pkg/sumdb/sum.golang.org")).unwrap();
        std::fs::write(
            user.join("pkg/sumdb/sum.golang.org/latest"),
            "go.sum database tree\n",
        )
        .unwrap();
        let side = tmp.path().join("side");
        seed_sumdb_latest(user.to_str().unwrap(), &side).unwrap();
        assert!(side.join("pkg/sumdb/sum.golang.org/latest").is_file());
        seed_sumdb_latest("", &tmp.path().join("side2")).unwrap();
    }
}
