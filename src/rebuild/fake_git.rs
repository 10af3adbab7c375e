//! The stand-in `git` that reproduces a recorded VCS stamp (step 3 of `rebuild`).
//!
//! Input: the recipe's [`VcsStamp`] and main module version. Output: the text
//! of a POSIX shell script, installed as `git` first on the rebuild's PATH.
//!
//! It is **not git**, and says so (`git version` prints "twinbuild stand-in").
//! The go command stamps a build from a checkout by running a handful of git
//! queries in the module root (cmd/go/internal/vcs `gitStatus`, then the
//! local-only lookup of cmd/go/internal/modfetch/codehost that turns the
//! revision into a module version since Go 1.24). The stand-in answers exactly
//! those, from the stamp the published binary records:
//!
//! | the go command runs | the stand-in answers |
//! |---|---|
//! | `git status --porcelain` | nothing (clean), or one line when `vcs.modified=true` |
//! | `git -c log.showsignature=false log -1 --format=%H:%ct` | `vcs.revision:vcs.time` |
//! | `git config extensions.objectformat` | exit 1 (SHA-1 objects) |
//! | `git tag -l` | the tag the recorded version names (none for a `v0.0.0-` pseudo-version) |
//! | `git … log --no-decorate -n1 --format=format:%H %ct %D [--end-of-options] REV --` | the revision, time and tags, for the revision, a prefix of it, `HEAD` or a known tag |
//! | `git cat-file [--end-of-options] blob REV:FILE` | FILE from the module root (go.mod), for a known revision |
//! | `git for-each-ref --format=%(refname) --merged=REV` (or Go 1.24's `--format %(refname) refs/tags --merged REV`) | the known tags |
//! | `git merge-base --is-ancestor -- TAG REV` | success for a known tag |
//! | `git version` | a version line naming the stand-in |
//!
//! Anything else fails with "twinbuild stand-in git: unsupported", so a go
//! command that asks something new makes the rebuild fail loudly instead of
//! stamping something invented. Every query is appended to `$TWINBUILD_GIT_LOG`
//! when set (the report lists them).

use super::recipe::VcsStamp;

/// The tags the stand-in knows: on the revision itself, and older base tags for a pseudo-version.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Tags {
    /// Tags pointing at the recorded revision.
    pub head: Vec<String>,
    /// A pseudo-version's base tag (an ancestor of the revision).
    pub base: Vec<String>,
    /// The module version ends in `+dirty`.
    pub dirty: bool,
}

/// The tags that make the go command compute `version` for the stamped revision.
pub fn tags_for_version(version: &str) -> Tags {
    let (version, dirty) = match version.strip_suffix("+dirty") {
        Some(v) => (v, true),
        None => (version, false),
    };
    let version = version.strip_suffix("+incompatible").unwrap_or(version);
    if !version.starts_with('v') {
        return Tags {
            dirty,
            ..Tags::default()
        };
    }
    match pseudo_base(version) {
        Some(None) => Tags {
            dirty,
            ..Tags::default()
        },
        Some(Some(base)) => Tags {
            head: Vec::new(),
            base: vec![base],
            dirty,
        },
        None => Tags {
            head: vec![version.to_string()],
            base: Vec::new(),
            dirty,
        },
    }
}

/// For a pseudo-version, `Some(base tag)` (`Some(None)` for `vX.0.0-time-rev`); `None` for a release version.
///
/// The three forms (golang.org/x/mod/module/pseudo.go): `vX.0.0-TIME-REV` (no
/// base), `vX.Y.Z-pre.0.TIME-REV` (base `vX.Y.Z-pre`) and `vX.Y.(Z+1)-0.TIME-REV`
/// (base `vX.Y.Z`).
fn pseudo_base(v: &str) -> Option<Option<String>> {
    let (rest, rev) = v.rsplit_once('-')?;
    if rev.len() != 12 || !rev.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    let is_time = |t: &str| t.len() == 14 && t.bytes().all(|b| b.is_ascii_digit());
    if let Some((base, time)) = rest.rsplit_once('-') {
        if is_time(time) && !base.contains('-') {
            return Some(None);
        }
    }
    let (head, time) = rest.rsplit_once('.')?;
    if !is_time(time) {
        return None;
    }
    if let Some(next) = head.strip_suffix("-0") {
        let (xy, z) = next.rsplit_once('.')?;
        let z: u64 = z.parse().ok()?;
        return Some(Some(format!("{xy}.{}", z.checked_sub(1)?)));
    }
    head.strip_suffix(".0").map(|base| Some(base.to_string()))
}

/// Seconds since the Unix epoch of an RFC 3339 time (`2026-09-06T14:51:11Z`, fractions and offsets allowed).
pub fn unix_seconds(t: &str) -> Option<i64> {
    let ns = crate::rfc3339::unix_nanos(t)?;
    i64::try_from(ns.div_euclid(1_000_000_000)).ok()
}

/// Quotes `s` for a POSIX shell (single quotes).
pub fn sh_quote(s: &str) -> String {
    if !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_./=:@+,%".contains(&b))
    {
        return s.to_string();
    }
    format!("'{}'", s.replace('\'', "'\\''"))
}

/// A fake revision for a base tag: the stand-in never shows it as the build's revision.
const BASE_REV: &str = "0000000000000000000000000000000000000001";

/// Why a stamp cannot be reproduced by the stand-in.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum StampError {
    #[error("the VCS stamp names {0:?}; the stand-in reproduces git stamps only")]
    NotGit(String),
    #[error("the VCS stamp's revision {0:?} is not a 40-digit git hash")]
    Revision(String),
    #[error("the VCS stamp's time {0:?} is not an RFC 3339 time")]
    Time(String),
}

/// The stand-in `git` script for `stamp` and `version`, reading files from the module root it runs in.
pub fn script(stamp: &VcsStamp, version: &str) -> Result<String, StampError> {
    if stamp.vcs != "git" {
        return Err(StampError::NotGit(stamp.vcs.clone()));
    }
    let rev = &stamp.revision;
    if rev.len() != 40 || !rev.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(StampError::Revision(rev.clone()));
    }
    let ct = unix_seconds(&stamp.time).ok_or_else(|| StampError::Time(stamp.time.clone()))?;
    let tags = tags_for_version(version);
    let modified = stamp.modified || tags.dirty;
    let words = |v: &[String]| {
        v.iter()
            .filter(|t| is_ref_name(t))
            .cloned()
            .collect::<Vec<_>>()
            .join(" ")
    };
    Ok(format!(
        r#"#!/bin/sh
# twinbuild stand-in for git. NOT git: it answers only the queries the go
# command makes to stamp a build with VCS information, from the stamp that
# the published binary records, and refuses everything else. See
# docs/rebuild.md ("The stand-in git").
rev={rev}
ct={ct}
modified={modified}
head_tags={head}
base_tags={base}
base_rev={BASE_REV}
if [ -n "${{TWINBUILD_GIT_LOG:-}}" ]; then printf '%s\n' "$*" >>"$TWINBUILD_GIT_LOG"; fi
unsupported() {{ echo "twinbuild stand-in git: unsupported: git $*" >&2; exit 1; }}
is_head_tag() {{ for t in $head_tags; do [ "$1" = "$t" ] || [ "$1" = "refs/tags/$t" ] && return 0; done; return 1; }}
is_base_tag() {{ for t in $base_tags; do [ "$1" = "$t" ] || [ "$1" = "refs/tags/$t" ] && return 0; done; return 1; }}
is_rev() {{
  [ "$1" = HEAD ] && return 0
  [ "${{#1}}" -ge 7 ] || return 1
  case "$rev" in "$1"*) return 0 ;; esac
  return 1
}}
known() {{ is_rev "$1" || is_head_tag "$1" || is_base_tag "$1"; }}
# Go 1.25 and later put --end-of-options before revisions; earlier ones do not.
for a in "$@"; do shift; [ "$a" = "--end-of-options" ] || set -- "$@" "$a"; done
case "$*" in
  "version") echo "git version 2.47.0 (twinbuild stand-in)"; exit 0 ;;
  "status --porcelain") [ "$modified" = true ] && echo "?? twinbuild-stand-in-modified"; exit 0 ;;
  "-c log.showsignature=false log -1 --format=%H:%ct") echo "$rev:$ct"; exit 0 ;;
  "config extensions.objectformat") exit 1 ;;
  "tag -l") for t in $head_tags $base_tags; do echo "$t"; done; exit 0 ;;
esac
if [ $# = 8 ] && [ "$1 $2 $3 $4 $5 $6 $8" = "-c log.showsignature=false log --no-decorate -n1 --format=format:%H %ct %D --" ]; then
  set -- "$1" "$2" "$3" "$4" "$5" "$6" "$7" "$7"
  if is_base_tag "$8"; then
    d=""; for t in $base_tags; do d="$d${{d:+, }}tag: $t"; done
    printf '%s %s %s' "$base_rev" "$((ct - 1))" "$d"; exit 0
  fi
  if is_rev "$8" || is_head_tag "$8"; then
    d="HEAD"; for t in $head_tags; do d="$d, tag: $t"; done
    printf '%s %s %s' "$rev" "$ct" "$d"; exit 0
  fi
  echo "fatal: bad revision '$8'" >&2; exit 128
fi
if [ $# = 3 ] && [ "$1 $2" = "cat-file blob" ]; then
  ref=${{3%%:*}}; file=${{3#*:}}
  known "$ref" || {{ echo "fatal: Not a valid object name $3" >&2; exit 128; }}
  case "/$file/" in */../*|//*) unsupported "$@" ;; esac
  [ -f "./$file" ] || {{ echo "fatal: path '$file' does not exist in '$ref'" >&2; exit 128; }}
  exec cat "./$file"
fi
# Go 1.24 and earlier: for-each-ref --format %(refname) refs/tags --merged REV
if [ $# = 6 ] && [ "$1 $2 $3 $4 $5" = "for-each-ref --format %(refname) refs/tags --merged" ]; then
  set -- for-each-ref --format=%(refname) "--merged=$6"
fi
if [ $# = 3 ] && [ "$1 $2" = "for-each-ref --format=%(refname)" ]; then
  case "$3" in --merged=*) ;; *) unsupported "$@" ;; esac
  known "${{3#--merged=}}" || exit 128
  for t in $head_tags $base_tags; do echo "refs/tags/$t"; done; exit 0
fi
if [ $# = 5 ] && [ "$1 $2 $3" = "merge-base --is-ancestor --" ]; then
  {{ is_head_tag "$4" || is_base_tag "$4" || is_rev "$4"; }} && known "$5" && exit 0
  exit 1
fi
unsupported "$@"
"#,
        head = sh_quote(&words(&tags.head)),
        base = sh_quote(&words(&tags.base)),
    ))
}

/// A tag name the script can hold in a space-separated word list.
fn is_ref_name(t: &str) -> bool {
    !t.is_empty()
        && t.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_./+".contains(&b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_follow_the_version() {
        let check = |v: &str, head: &[&str], base: &[&str]| {
            let t = tags_for_version(v);
            assert_eq!(t.head, head, "{v}");
            assert_eq!(t.base, base, "{v}");
        };
        check("v3.14.1", &["v3.14.1"], &[]);
        check("v2.0.0+incompatible", &["v2.0.0"], &[]);
        check("v0.0.0-20250609014153-fbef77faaa40", &[], &[]);
        check("v1.2.4-0.20250609014153-fbef77faaa40", &[], &["v1.2.3"]);
        check(
            "v1.3.0-rc.1.0.20250609014153-fbef77faaa40",
            &[],
            &["v1.3.0-rc.1"],
        );
        check("(devel)", &[], &[]);
        assert!(tags_for_version("v1.0.0+dirty").dirty);
    }

    #[test]
    fn rfc3339_times() {
        assert_eq!(unix_seconds("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(unix_seconds("2026-09-06T14:51:11Z"), Some(1_788_706_271));
        assert_eq!(
            unix_seconds("2000-02-29T12:00:00.5+01:00"),
            Some(951_822_000)
        );
        assert_eq!(unix_seconds("2026-13-06T14:51:11Z"), None);
        assert_eq!(unix_seconds("yesterday"), None);
    }

    #[test]
    fn only_git_stamps_with_full_hashes() {
        let stamp = |vcs: &str, rev: &str, time: &str| VcsStamp {
            vcs: vcs.into(),
            revision: rev.into(),
            time: time.into(),
            modified: false,
        };
        let rev = "a3f0c75d21d918756fa38de8b5d3429efde7948b";
        assert!(script(&stamp("git", rev, "2026-09-06T14:51:11Z"), "v1.0.0").is_ok());
        assert!(matches!(
            script(&stamp("hg", rev, "2026-09-06T14:51:11Z"), "v1.0.0"),
            Err(StampError::NotGit(_))
        ));
        assert!(matches!(
            script(
                &stamp("git", "abc; rm -rf /", "2026-09-06T14:51:11Z"),
                "v1.0.0"
            ),
            Err(StampError::Revision(_))
        ));
    }

    #[test]
    fn quoting() {
        assert_eq!(sh_quote("v1.2.3"), "v1.2.3");
        assert_eq!(sh_quote(""), "''");
        assert_eq!(sh_quote("a b'c"), "'a b'\\''c'");
    }
}
