//! The `GOCACHEPROG` twinbuild runs as (`twinbuild cacheprog CONFIG`, a
//! hidden command): the go command's build cache protocol
//! (`cmd/go/internal/cacheprog`), one JSON value per line on stdin and
//! stdout, `get`/`put`/`close` requests answered by ID.
//!
//! For `cache-audit` it sits between the go command and the cache under
//! audit and declares only `get` and `close`: the go command then treats it
//! as a read-only cache and never sends a `put`. Each `get` is answered from
//! the audited cache, a GOCACHE directory read in place (`dir`: the go
//! command's own layout, `<xx>/<action ID>-a` index entries and
//! `<xx>/<output ID>-d` outputs) or the user's cache program started as a
//! child (`upstream`, through `sh -c`); the body served is first copied into
//! `scratch` (so the go command never reads the audited cache itself) and
//! hashed on the way, and every request is logged ([`Served`], one JSON line
//! each) for `cache-audit` to judge.
//!
//! With `writable` (and a `dir`), it is a plain directory-backed cache
//! program that accepts puts in the same layout: the well-behaved backend
//! the tests fill a cache through.
//!
//! Hostile input from the upstream program (garbage, huge sizes, a body path
//! that is not a regular file of the size it claims, a hang past
//! `timeout_secs`) is logged as an error and answered as a miss; the
//! upstream is ended at `close`, or killed. Every line read is capped
//! ([`MAX_LINE`]), bodies are streamed, never held.

use std::fs::File;
use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::time::Duration;

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine as _;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// A request or response line longer than this is an error.
pub const MAX_LINE: u64 = 1 << 20;
/// The largest body served or stored (a package archive is far smaller).
pub const MAX_BODY: u64 = 1 << 30;
/// The longest body line a `put` (the tests' backend only) may send: 1 GiB of base64.
const MAX_PUT_LINE: u64 = MAX_LINE * 1024;
/// The go command's index entry: `v1 <64 hex> <64 hex> <%20d size> <%20d time>\n`.
pub(crate) const ENTRY_SIZE: usize = 2 + 1 + 64 + 1 + 64 + 1 + 20 + 1 + 20 + 1;

/// What the proxy is told, written by `cache-audit` into a file whose path
/// is its one argument (GOCACHEPROG is a command line: a file avoids quoting).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct ProxyConfig {
    /// A GOCACHE directory to serve.
    pub dir: Option<PathBuf>,
    /// Or the user's cache program, run with `sh -c`.
    pub upstream: Option<String>,
    /// Accept puts into `dir` (the tests' backend); else only get and close.
    pub writable: bool,
    /// Where every request is logged (JSON lines of [`Served`]).
    pub log: Option<PathBuf>,
    /// Where bodies are copied before they are served.
    pub scratch: PathBuf,
    /// How long to wait for the upstream program's answer.
    pub timeout_secs: u64,
}

/// One `get` as served, a line of the log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Served {
    /// The action ID asked for, 64 hex digits.
    pub action_id: String,
    pub outcome: Outcome,
    /// The output ID the cache gave, 64 hex digits.
    pub output_id: Option<String>,
    pub size: Option<u64>,
    /// The sha256 of the body as served: the output ID when the entry is sound.
    pub content_sha256: Option<String>,
    /// What was wrong, for `missing` and `error`.
    pub detail: Option<String>,
}

/// How a `get` ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Outcome {
    /// Served.
    Hit,
    /// The cache has no entry.
    Miss,
    /// The cache has the index entry but not the output it names (answered as a miss).
    Missing,
    /// The cache program misbehaved (answered as a miss; `cache-audit` ends with exit 2).
    Error,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Request {
    #[serde(rename = "ID")]
    id: i64,
    command: String,
    #[serde(rename = "ActionID", default)]
    action_id: Option<String>,
    #[serde(rename = "OutputID", default)]
    output_id: Option<String>,
    #[serde(default)]
    body_size: i64,
}

#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Response {
    #[serde(rename = "ID")]
    id: i64,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    err: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    known_commands: Vec<String>,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    miss: bool,
    #[serde(rename = "OutputID", default, skip_serializing_if = "Option::is_none")]
    output_id: Option<String>,
    #[serde(default, skip_serializing_if = "is_zero")]
    size: i64,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    disk_path: String,
}

fn is_zero(n: &i64) -> bool {
    *n == 0
}

/// Runs the proxy on stdin and stdout until `close` or the end of stdin.
pub fn serve(config_path: &Path) -> Result<(), String> {
    let text = std::fs::read_to_string(config_path)
        .map_err(|e| format!("cannot read {}: {e}", config_path.display()))?;
    let config: ProxyConfig = serde_json::from_str(&text)
        .map_err(|e| format!("{} is not a proxy config: {e}", config_path.display()))?;
    std::fs::create_dir_all(&config.scratch)
        .map_err(|e| format!("cannot create {}: {e}", config.scratch.display()))?;
    let mut log = match &config.log {
        Some(p) => {
            Some(File::create(p).map_err(|e| format!("cannot create {}: {e}", p.display()))?)
        }
        None => None,
    };
    let mut upstream = match &config.upstream {
        Some(cmd) => Some(Upstream::start(
            cmd,
            Duration::from_secs(config.timeout_secs),
        )?),
        None => None,
    };
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let mut commands = vec!["get", "close"];
    if config.writable && config.dir.is_some() {
        commands.insert(1, "put");
    }
    let hello = Response {
        known_commands: commands.iter().map(|c| c.to_string()).collect(),
        ..Response::default()
    };
    send(&mut out, &hello)?;
    let stdin = std::io::stdin();
    let mut input = stdin.lock();
    let mut served = 0u64;
    while let Some(line) = read_line(&mut input).map_err(|e| format!("reading a request: {e}"))? {
        if line.trim().is_empty() {
            continue;
        }
        let req: Request =
            serde_json::from_str(&line).map_err(|e| format!("a request is not JSON: {e}"))?;
        let res = match req.command.as_str() {
            "get" => {
                served += 1;
                let (res, record) = get(&config, upstream.as_mut(), &req, served);
                if let (Some(log), Some(record)) = (log.as_mut(), record) {
                    let mut l = serde_json::to_string(&record).map_err(|e| e.to_string())?;
                    l.push('\n');
                    log.write_all(l.as_bytes())
                        .map_err(|e| format!("cannot write the log: {e}"))?;
                }
                res
            }
            "put" if config.writable => put(&config, &req, &mut input),
            "close" => {
                if let Some(u) = upstream.take() {
                    u.close();
                }
                send(
                    &mut out,
                    &Response {
                        id: req.id,
                        ..Response::default()
                    },
                )?;
                return Ok(());
            }
            other => Response {
                id: req.id,
                err: format!("unknown command {other:?}"),
                ..Response::default()
            },
        };
        send(&mut out, &res)?;
    }
    if let Some(u) = upstream.take() {
        u.close();
    }
    Ok(())
}

fn send(out: &mut impl Write, res: &Response) -> Result<(), String> {
    let mut line = serde_json::to_string(res).map_err(|e| e.to_string())?;
    line.push('\n');
    out.write_all(line.as_bytes())
        .and_then(|()| out.flush())
        .map_err(|e| format!("cannot answer the go command: {e}"))
}

/// One line (without its newline), at most [`MAX_LINE`] bytes; `None` at the end.
fn read_line(r: &mut impl BufRead) -> std::io::Result<Option<String>> {
    let mut buf = Vec::new();
    let n = r.by_ref().take(MAX_LINE + 1).read_until(b'\n', &mut buf)?;
    if n == 0 {
        return Ok(None);
    }
    if buf.len() as u64 > MAX_LINE {
        return Err(std::io::Error::other(format!(
            "a line over {} KiB",
            MAX_LINE >> 10
        )));
    }
    if buf.last() == Some(&b'\n') {
        buf.pop();
    }
    String::from_utf8(buf)
        .map(Some)
        .map_err(|_| std::io::Error::other("a line that is not UTF-8"))
}

/// The 32 bytes of a base64 ID, or why not.
fn decode_id(b64: Option<&str>) -> Result<[u8; 32], String> {
    let bytes = B64
        .decode(b64.ok_or("no ID")?)
        .map_err(|e| format!("an ID that is not base64: {e}"))?;
    bytes
        .try_into()
        .map_err(|b: Vec<u8>| format!("an ID of {} bytes, not 32", b.len()))
}

use crate::binary::hex;

/// Answers a `get`, and what to log of it.
fn get(
    config: &ProxyConfig,
    upstream: Option<&mut Upstream>,
    req: &Request,
    n: u64,
) -> (Response, Option<Served>) {
    let miss = Response {
        id: req.id,
        miss: true,
        ..Response::default()
    };
    let action = match decode_id(req.action_id.as_deref()) {
        Ok(a) => a,
        Err(e) => {
            let res = Response {
                id: req.id,
                err: e,
                ..Response::default()
            };
            return (res, None);
        }
    };
    let mut record = Served {
        action_id: hex(&action),
        outcome: Outcome::Miss,
        output_id: None,
        size: None,
        content_sha256: None,
        detail: None,
    };
    let found = match (upstream, &config.dir) {
        (Some(u), _) => u.get(&action),
        (None, Some(dir)) => from_dir(dir, &action),
        (None, None) => Err(Problem::Error("no cache to serve".into())),
    };
    let body = match found {
        Ok(None) => return (miss, Some(record)),
        Ok(Some(body)) => body,
        Err(Problem::Missing(why)) => {
            record.outcome = Outcome::Missing;
            record.detail = Some(why);
            return (miss, Some(record));
        }
        Err(Problem::Error(why)) => {
            record.outcome = Outcome::Error;
            record.detail = Some(why);
            return (miss, Some(record));
        }
    };
    record.output_id = Some(hex(&body.output_id));
    record.size = Some(body.size);
    let dest = config
        .scratch
        .join(format!("{n}-{}-d", hex(&body.output_id)));
    match copy_hashed(&body.path, &dest, body.size) {
        Ok(sum) => {
            record.outcome = Outcome::Hit;
            record.content_sha256 = Some(sum);
            let res = Response {
                id: req.id,
                output_id: Some(B64.encode(body.output_id)),
                size: body.size as i64,
                disk_path: dest.to_string_lossy().into_owned(),
                ..Response::default()
            };
            (res, Some(record))
        }
        Err(why) => {
            record.outcome = Outcome::Error;
            record.detail = Some(why);
            (miss, Some(record))
        }
    }
}

/// A body a cache has for an action.
struct Body {
    output_id: [u8; 32],
    size: u64,
    path: PathBuf,
}

enum Problem {
    Missing(String),
    Error(String),
}

/// The entry for `action` in a GOCACHE directory, read as the go command reads it.
fn from_dir(dir: &Path, action: &[u8; 32]) -> Result<Option<Body>, Problem> {
    let hex_id = hex(action);
    let index = dir.join(&hex_id[..2]).join(format!("{hex_id}-a"));
    let mut f = match File::open(&index) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(Problem::Missing(format!("{}: {e}", index.display()))),
    };
    let mut entry = Vec::with_capacity(ENTRY_SIZE + 1);
    (&mut f)
        .take(ENTRY_SIZE as u64 + 1)
        .read_to_end(&mut entry)
        .map_err(|e| Problem::Missing(format!("{}: {e}", index.display())))?;
    let (output_id, size) = parse_entry(&entry, &hex_id)
        .map_err(|why| Problem::Missing(format!("{}: {why}", index.display())))?;
    let out_hex = hex(&output_id);
    let path = dir.join(&out_hex[..2]).join(format!("{out_hex}-d"));
    let meta = std::fs::symlink_metadata(&path)
        .map_err(|e| Problem::Missing(format!("{}: {e}", path.display())))?;
    if !meta.is_file() {
        return Err(Problem::Missing(format!(
            "{} is not a regular file",
            path.display()
        )));
    }
    if meta.len() != size {
        return Err(Problem::Missing(format!(
            "{} has {} bytes, its entry says {size}",
            path.display(),
            meta.len()
        )));
    }
    Ok(Some(Body {
        output_id,
        size,
        path,
    }))
}

/// The output ID and size of an index entry for the action `hex_id`.
pub(crate) fn parse_entry(entry: &[u8], hex_id: &str) -> Result<([u8; 32], u64), String> {
    if entry.len() != ENTRY_SIZE {
        return Err(format!(
            "an entry of {} bytes, not {ENTRY_SIZE}",
            entry.len()
        ));
    }
    let text = std::str::from_utf8(entry).map_err(|_| "an entry that is not text")?;
    let fields: Vec<&str> = text.trim_end_matches('\n').splitn(5, ' ').collect();
    let [v, id, out, _, _] = fields.as_slice() else {
        return Err("an entry without its five fields".into());
    };
    if *v != "v1" || *id != hex_id || !text.ends_with('\n') {
        return Err("not a v1 entry of this action".into());
    }
    let size_text = text[3 + 64 + 1 + 64 + 1..][..20].trim_start();
    let size: u64 = size_text
        .parse()
        .map_err(|_| format!("a size that is not a number: {size_text:?}"))?;
    if size > MAX_BODY {
        return Err(format!("a size of {size} bytes, over the {MAX_BODY} limit"));
    }
    let output_id = unhex(out).ok_or("an output ID that is not 64 hex digits")?;
    Ok((output_id, size))
}

/// The 32 bytes 64 hex digits spell.
pub(crate) fn unhex(s: &str) -> Option<[u8; 32]> {
    if s.len() != 64 {
        return None;
    }
    let mut out = [0u8; 32];
    for (i, b) in out.iter_mut().enumerate() {
        *b = u8::from_str_radix(s.get(2 * i..2 * i + 2)?, 16).ok()?;
    }
    Some(out)
}

/// Copies `size` bytes of `from` to `to` (created), returning their sha256;
/// an error when the file does not hold exactly `size` bytes.
fn copy_hashed(from: &Path, to: &Path, size: u64) -> Result<String, String> {
    let meta = std::fs::symlink_metadata(from).map_err(|e| format!("{}: {e}", from.display()))?;
    if !meta.is_file() {
        return Err(format!("{} is not a regular file", from.display()));
    }
    if meta.len() != size {
        return Err(format!(
            "{} has {} bytes, the cache said {size}",
            from.display(),
            meta.len()
        ));
    }
    let mut src = File::open(from).map_err(|e| format!("{}: {e}", from.display()))?;
    let mut dst = File::create(to).map_err(|e| format!("{}: {e}", to.display()))?;
    let mut h = Sha256::new();
    let mut buf = vec![0u8; 1 << 16];
    let mut left = size;
    while left > 0 {
        let want = buf.len().min(usize::try_from(left).unwrap_or(usize::MAX));
        let n = src
            .read(&mut buf[..want])
            .map_err(|e| format!("{}: {e}", from.display()))?;
        if n == 0 {
            return Err(format!("{} ended early", from.display()));
        }
        h.update(&buf[..n]);
        dst.write_all(&buf[..n])
            .map_err(|e| format!("{}: {e}", to.display()))?;
        left -= n as u64;
    }
    Ok(hex(&h.finalize()))
}

/// A `put` into the directory (the tests' backend): the body (a base64 JSON
/// string on the next line) as `<xx>/<output ID>-d`, then the index entry.
fn put(config: &ProxyConfig, req: &Request, input: &mut impl BufRead) -> Response {
    let fail = |e: String| Response {
        id: req.id,
        err: e,
        ..Response::default()
    };
    let Some(dir) = &config.dir else {
        return fail("no directory".into());
    };
    let (action, output) = match (
        decode_id(req.action_id.as_deref()),
        decode_id(req.output_id.as_deref()),
    ) {
        (Ok(a), Ok(o)) => (a, o),
        (Err(e), _) | (_, Err(e)) => return fail(e),
    };
    let size = u64::try_from(req.body_size).unwrap_or(u64::MAX);
    // The body comes as one base64 line held in memory: that line is capped too.
    if size > MAX_BODY || size.saturating_mul(4) / 3 + 8 > MAX_PUT_LINE {
        return fail(format!(
            "a body of {} bytes is over the limit",
            req.body_size
        ));
    }
    let body = if size == 0 {
        Vec::new()
    } else {
        // The go command ends the request with an empty line, then the body.
        let mut line = Vec::new();
        while line.iter().all(u8::is_ascii_whitespace) {
            line.clear();
            match input
                .by_ref()
                .take(size * 4 / 3 + 16)
                .read_until(b'\n', &mut line)
            {
                Ok(0) => return fail("the body is missing".into()),
                Ok(_) => {}
                Err(e) => return fail(format!("reading the body: {e}")),
            }
        }
        let text = String::from_utf8_lossy(&line);
        let Ok(b64) = serde_json::from_str::<String>(text.trim()) else {
            return fail("a body that is not a JSON string".into());
        };
        match B64.decode(b64) {
            Ok(b) if b.len() as u64 == size => b,
            _ => return fail("a body that is not base64 of its size".into()),
        }
    };
    let (a_hex, o_hex) = (hex(&action), hex(&output));
    let data = dir.join(&o_hex[..2]).join(format!("{o_hex}-d"));
    let index = dir.join(&a_hex[..2]).join(format!("{a_hex}-a"));
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    let entry = format!("v1 {a_hex} {o_hex} {size:>20} {now:>20}\n");
    let written = (|| {
        for p in [&data, &index] {
            if let Some(parent) = p.parent() {
                std::fs::create_dir_all(parent)?;
            }
        }
        std::fs::write(&data, &body)?;
        std::fs::write(&index, entry)
    })();
    match written {
        Ok(()) => Response {
            id: req.id,
            disk_path: data.to_string_lossy().into_owned(),
            ..Response::default()
        },
        Err(e) => fail(format!("cannot store the entry: {e}")),
    }
}

/// The user's cache program, asked for `get`s only.
struct Upstream {
    child: Child,
    stdin: ChildStdin,
    lines: Receiver<std::io::Result<String>>,
    timeout: Duration,
    next_id: i64,
    /// Set once it misbehaved: every later get is an error without asking.
    broken: Option<String>,
}

impl Upstream {
    fn start(cmd: &str, timeout: Duration) -> Result<Upstream, String> {
        let mut child = Command::new("/bin/sh")
            .args(["-c", cmd])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .map_err(|e| format!("cannot start the cache program {cmd:?}: {e}"))?;
        let (Some(stdin), Some(stdout)) = (child.stdin.take(), child.stdout.take()) else {
            return Err("the cache program has no pipes".into());
        };
        let (tx, lines) = mpsc::channel();
        std::thread::spawn(move || {
            let mut r = BufReader::new(stdout);
            loop {
                match read_line(&mut r) {
                    Ok(Some(l)) => {
                        if tx.send(Ok(l)).is_err() {
                            return;
                        }
                    }
                    Ok(None) => return,
                    Err(e) => {
                        let _ = tx.send(Err(e));
                        return;
                    }
                }
            }
        });
        let mut u = Upstream {
            child,
            stdin,
            lines,
            timeout,
            next_id: 1,
            broken: None,
        };
        match u.response() {
            Ok(hello) if hello.known_commands.iter().any(|c| c == "get") => Ok(u),
            Ok(_) => {
                u.broken = Some("the cache program does not know get".into());
                Ok(u)
            }
            Err(e) => {
                u.broken = Some(e);
                Ok(u)
            }
        }
    }

    /// The next response, within the timeout.
    fn response(&mut self) -> Result<Response, String> {
        let line = match self.lines.recv_timeout(self.timeout) {
            Ok(Ok(l)) => l,
            Ok(Err(e)) => return Err(format!("the cache program's output: {e}")),
            Err(RecvTimeoutError::Timeout) => {
                return Err(format!(
                    "the cache program did not answer within {} s",
                    self.timeout.as_secs()
                ))
            }
            Err(RecvTimeoutError::Disconnected) => {
                return Err("the cache program ended its output".into())
            }
        };
        serde_json::from_str(&line).map_err(|e| {
            let shown: String = line.chars().take(80).collect();
            format!("the cache program sent a line that is not a response ({e}): {shown:?}")
        })
    }

    fn get(&mut self, action: &[u8; 32]) -> Result<Option<Body>, Problem> {
        if let Some(why) = &self.broken {
            return Err(Problem::Error(why.clone()));
        }
        let result = self.ask(action);
        if let Err(Problem::Error(why)) = &result {
            // After garbage or a hang the stream cannot be trusted: stop asking.
            self.broken = Some(why.clone());
            let _ = self.child.kill();
        }
        result
    }

    fn ask(&mut self, action: &[u8; 32]) -> Result<Option<Body>, Problem> {
        let id = self.next_id;
        self.next_id += 1;
        let req = format!(
            "{{\"ID\":{id},\"Command\":\"get\",\"ActionID\":\"{}\"}}\n",
            B64.encode(action)
        );
        self.stdin
            .write_all(req.as_bytes())
            .and_then(|()| self.stdin.flush())
            .map_err(|e| Problem::Error(format!("cannot ask the cache program: {e}")))?;
        let res = self.response().map_err(Problem::Error)?;
        if res.id != id {
            return Err(Problem::Error(format!(
                "the cache program answered request {} when asked {id}",
                res.id
            )));
        }
        if !res.err.is_empty() {
            return Err(Problem::Error(format!("the cache program: {}", res.err)));
        }
        if res.miss {
            return Ok(None);
        }
        let output_id = decode_id(res.output_id.as_deref())
            .map_err(|e| Problem::Error(format!("the cache program's output ID: {e}")))?;
        let size = u64::try_from(res.size)
            .ok()
            .filter(|s| *s <= MAX_BODY)
            .ok_or_else(|| {
                Problem::Error(format!(
                    "the cache program claims a body of {} bytes (the limit is {MAX_BODY})",
                    res.size
                ))
            })?;
        let path = PathBuf::from(&res.disk_path);
        if !path.is_absolute() {
            return Err(Problem::Error(format!(
                "the cache program's DiskPath {:?} is not absolute",
                res.disk_path
            )));
        }
        Ok(Some(Body {
            output_id,
            size,
            path,
        }))
    }

    /// Asks it to close, waits a moment, then ends it.
    fn close(mut self) {
        if self.broken.is_none() {
            let id = self.next_id;
            let _ = writeln!(self.stdin, "{{\"ID\":{id},\"Command\":\"close\"}}");
            let _ = self.stdin.flush();
            let _ = self.response();
        }
        drop(self.stdin);
        for _ in 0..20 {
            if matches!(self.child.try_wait(), Ok(Some(_))) {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn index_entries_are_read_as_the_go_command_reads_them() {
        let id = "ab".repeat(32);
        let out = "cd".repeat(32);
        let entry = format!("v1 {id} {out} {:>20} {:>20}\n", 1234, 5);
        let (o, size) = parse_entry(entry.as_bytes(), &id).unwrap();
        assert_eq!((hex(&o), size), (out.clone(), 1234));
        // Another action's entry, a short one, a huge size, garbage.
        assert!(parse_entry(entry.as_bytes(), &"ef".repeat(32)).is_err());
        assert!(parse_entry(&entry.as_bytes()[1..], &id).is_err());
        let huge = format!("v1 {id} {out} {:>20} {:>20}\n", u64::MAX, 5);
        assert!(parse_entry(huge.as_bytes(), &id)
            .unwrap_err()
            .contains("limit"));
        assert!(parse_entry(&[b'x'; ENTRY_SIZE], &id).is_err());
    }

    #[test]
    fn ids_are_32_bytes_of_base64() {
        assert_eq!(decode_id(Some(&B64.encode([7u8; 32]))).unwrap(), [7u8; 32]);
        assert!(decode_id(Some(&B64.encode([7u8; 31]))).is_err());
        assert!(decode_id(Some("not base64!")).is_err());
        assert!(decode_id(None).is_err());
    }

    #[test]
    fn a_body_of_another_size_than_claimed_is_not_served() {
        let t = tempfile::tempdir().unwrap();
        let from = t.path().join("body");
        std::fs::write(&from, b"hello").unwrap();
        let to = t.path().join("copy");
        assert_eq!(
            copy_hashed(&from, &to, 5).unwrap(),
            hex(&Sha256::digest(b"hello"))
        );
        assert!(copy_hashed(&from, &to, 6).unwrap_err().contains("said 6"));
        assert!(copy_hashed(t.path(), &to, 0)
            .unwrap_err()
            .contains("not a regular file"));
    }
}
