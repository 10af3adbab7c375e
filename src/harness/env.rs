//! The controlled environment of each build.
//!
//! A build starts from an **empty** environment; nothing of the user's is
//! inherited (their `GOFLAGS`, `GOTOOLCHAIN`, `GOPROXY`, credentials, …).
//! twinbuild then sets, for each side:
//!
//! | variable | value | pinned or varied |
//! |---|---|---|
//! | `PATH` | the dir of the `go` in use, `/usr/bin`, `/bin` | pinned |
//! | `HOME`, `TMPDIR`, `GOTMPDIR` | fresh dirs of the side | varied |
//! | `GOCACHE` | a fresh, empty dir (or `<cache-dir>/lhs`, `/rhs`) | varied |
//! | `GOPATH`, `GOMODCACHE` | a fresh dir of the side (`$GOPATH/pkg/mod`) | varied |
//! | `GOPROXY` | `file://<root>/proxy`, the user's module cache served offline (see `proxy`), or the user's with `--allow-network` | pinned |
//! | `GOFLAGS` | `-mod=readonly` (`-mod=vendor` with `vendor/modules.txt`); empty for `plain` | pinned |
//! | `GOENV`, `GOWORK` | `off` | pinned |
//! | `GOTOOLCHAIN` | the pinned `goX.Y.Z`, or `local` when not pinned | pinned |
//! | `CGO_ENABLED` | `1` with `--cgo`, else `0` (both profiles) | pinned |
//! | `GOOS`, `GOARCH` | from `--target` (unset otherwise: the host's) | pinned |
//! | `LANG`, `TZ` | `C`, `UTC` | pinned |
//!
//! Then the side's own `--lhs-env`/`--rhs-env` variables, last, so they can
//! override any of the above: they are the user's deliberate variation.
//!
//! Only the paths vary by default, so a difference between the binaries comes
//! from a path, from the user's side variables, or from nondeterminism in the
//! toolchain. Locale, time zone, umask and CPU count are the same for both
//! builds; varying them is a later feature (the variation explorer).
//!
//! `CGO_ENABLED` is set in `plain` too: the go command's default (1 when a C
//! compiler is on PATH) depends on the machine, not on the user's flags.
//! `GOSUMDB` is left at its default: go.sum verifies every module, and the
//! checksum database is consulted only for modules missing from go.sum (which
//! `-mod=readonly` refuses anyway) and for toolchain downloads, which must be
//! verified (never `GOSUMDB=off`).
//!
//! [`recorded`] is the environment as written into the report: values of
//! variables whose names look like credentials are replaced by `<redacted>`,
//! and passwords in URLs (a proxy with `user:pass@`) are masked.

use std::collections::BTreeMap;

use super::workspace::SideDirs;

/// What the value of a credential-like variable is recorded as.
pub const REDACTED: &str = "<redacted>";

/// The parts of the environment both sides share.
#[derive(Debug, Clone)]
pub(crate) struct CommonEnv {
    pub path: String,
    pub goproxy: String,
    /// Further network settings passed through from the user with `--allow-network`.
    pub network: Vec<(String, String)>,
    pub goflags: String,
    pub gotoolchain: String,
    pub cgo: bool,
    pub target: Option<(String, String)>,
}

/// The full environment of one side's build.
pub(crate) fn side_env(
    common: &CommonEnv,
    dirs: &SideDirs,
    extra: &[(String, String)],
) -> Result<BTreeMap<String, String>, String> {
    let mut env = BTreeMap::new();
    let mut set = |k: &str, v: String| {
        env.insert(k.to_string(), v);
    };
    set("PATH", common.path.clone());
    set("HOME", utf8(&dirs.home)?);
    set("TMPDIR", utf8(&dirs.tmp)?);
    set("GOTMPDIR", utf8(&dirs.gotmp)?);
    set("GOCACHE", utf8(&dirs.gocache)?);
    set("GOPATH", utf8(&dirs.gopath)?);
    set("GOMODCACHE", utf8(&dirs.gomodcache)?);
    set("GOPROXY", common.goproxy.clone());
    set("GOFLAGS", common.goflags.clone());
    set("GOENV", "off".into());
    set("GOWORK", "off".into());
    set("GOTOOLCHAIN", common.gotoolchain.clone());
    set("CGO_ENABLED", if common.cgo { "1" } else { "0" }.into());
    if let Some((os, arch)) = &common.target {
        set("GOOS", os.clone());
        set("GOARCH", arch.clone());
    }
    set("LANG", "C".into());
    set("TZ", "UTC".into());
    for (k, v) in &common.network {
        set(k, v.clone());
    }
    for (k, v) in extra {
        set(k, v.clone());
    }
    Ok(env)
}

fn utf8(p: &std::path::Path) -> Result<String, String> {
    p.to_str().map(str::to_string).ok_or_else(|| {
        format!(
            "the temp path {} is not UTF-8; set TMPDIR to a UTF-8 path",
            p.display()
        )
    })
}

/// True for names that look like they hold a credential.
pub fn is_secret_name(name: &str) -> bool {
    let upper = name.to_ascii_uppercase();
    [
        "TOKEN",
        "SECRET",
        "PASSWORD",
        "PASSWD",
        "KEY",
        "CREDENTIAL",
        "AUTH",
        "COOKIE",
    ]
    .iter()
    .any(|w| upper.contains(w))
}

/// A value as recorded: `<redacted>` for credential-like names, URL passwords masked.
pub fn redact(name: &str, value: &str) -> String {
    if is_secret_name(name) {
        return REDACTED.to_string();
    }
    mask_url_passwords(value)
}

/// The environment as recorded in the report.
pub(crate) fn recorded(env: &BTreeMap<String, String>) -> BTreeMap<String, String> {
    env.iter().map(|(k, v)| (k.clone(), redact(k, v))).collect()
}

/// `https://user:pass@host` → `https://user:<redacted>@host`, in every comma- or
/// pipe-separated element (GOPROXY lists).
fn mask_url_passwords(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    let mut rest = value;
    while let Some(i) = rest.find("://") {
        let (head, tail) = rest.split_at(i + 3);
        out.push_str(head);
        let end = tail.find([',', '|', ' ']).unwrap_or(tail.len());
        let (url, after) = tail.split_at(end);
        let authority_end = url.find('/').unwrap_or(url.len());
        let authority = &url[..authority_end];
        match (authority.rfind('@'), authority.find(':')) {
            (Some(at), Some(colon)) if colon < at => {
                out.push_str(&authority[..colon + 1]);
                out.push_str(REDACTED);
                out.push_str(&url[at..]);
            }
            _ => out.push_str(url),
        }
        rest = after;
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::harness::Side;
    use std::path::Path;

    fn common() -> CommonEnv {
        CommonEnv {
            path: "/usr/local/go/bin:/usr/bin:/bin".into(),
            goproxy: "file:///home/u/go/pkg/mod/cache/download".into(),
            network: vec![],
            goflags: "-mod=readonly".into(),
            gotoolchain: "go1.26.8".into(),
            cgo: false,
            target: Some(("linux".into(), "arm64".into())),
        }
    }

    #[test]
    fn env_is_built_from_nothing_and_side_env_comes_last() {
        // Whatever this process has (the machine sets GOFLAGS=-buildvcs=false), nothing is inherited.
        let dirs = SideDirs::new(Path::new("/tmp/tb"), Side::Lhs, None);
        let extra = vec![
            ("SOURCE_DATE_EPOCH".to_string(), "1".to_string()),
            ("TZ".to_string(), "Asia/Tokyo".to_string()),
        ];
        let env = side_env(&common(), &dirs, &extra).unwrap();
        let names: Vec<&str> = env.keys().map(String::as_str).collect();
        assert_eq!(
            names,
            [
                "CGO_ENABLED",
                "GOARCH",
                "GOCACHE",
                "GOENV",
                "GOFLAGS",
                "GOMODCACHE",
                "GOOS",
                "GOPATH",
                "GOPROXY",
                "GOTMPDIR",
                "GOTOOLCHAIN",
                "GOWORK",
                "HOME",
                "LANG",
                "PATH",
                "SOURCE_DATE_EPOCH",
                "TMPDIR",
                "TZ"
            ]
        );
        assert_eq!(env["GOFLAGS"], "-mod=readonly");
        assert_eq!(env["GOCACHE"], "/tmp/tb/lhs/gocache");
        assert_eq!(env["GOMODCACHE"], "/tmp/tb/lhs/gopath/pkg/mod");
        assert_eq!(env["TZ"], "Asia/Tokyo");
    }

    #[test]
    fn credentials_are_redacted() {
        for name in [
            "GITHUB_TOKEN",
            "aws_secret_access_key",
            "DB_PASSWORD",
            "GOAUTH",
            "SSH_KEY",
        ] {
            assert_eq!(redact(name, "hunter2"), REDACTED, "{name}");
        }
        assert_eq!(redact("GOOS", "linux"), "linux");
        assert_eq!(
            redact(
                "GOPROXY",
                "https://me:s3cret@proxy.corp/go,https://proxy.golang.org,direct"
            ),
            "https://me:<redacted>@proxy.corp/go,https://proxy.golang.org,direct"
        );
        assert_eq!(
            redact("HTTPS_PROXY", "http://user@proxy:3128"),
            "http://user@proxy:3128"
        );
        assert_eq!(redact("GOPROXY", "file:///a/b"), "file:///a/b");
        let env: BTreeMap<String, String> = [
            ("NPM_TOKEN".to_string(), "x".to_string()),
            ("HOME".to_string(), "/h".to_string()),
        ]
        .into();
        let rec = recorded(&env);
        assert_eq!(rec["NPM_TOKEN"], REDACTED);
        assert_eq!(rec["HOME"], "/h");
    }
}
