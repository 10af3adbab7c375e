//! Spawning one process of a build: exact environment, own process group,
//! bounded output capture, a deadline.
//!
//! Input: a [`Spawn`] (program, arguments, working dir, the full environment).
//! Output: a [`Finished`] (exit status or timeout, the last
//! [`OUTPUT_TAIL`] bytes of stdout and stderr interleaved, wall time).
//!
//! The child starts with an empty environment plus exactly the given
//! variables, stdin from /dev/null, in a new process group. On timeout, and
//! after it exits, the whole group is sent SIGKILL, so grandchildren (the
//! compiler, a build script's background jobs) end too. While it runs the group
//! is registered with [`cleanup`](super::cleanup) so Ctrl-C ends it.

use std::collections::{BTreeMap, VecDeque};
use std::io::{self, Read};
use std::path::Path;
use std::process::ExitStatus;
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use super::cleanup;
// The most of a hash log written per build, and the longest line kept
// whole (a longer one is passed on in pieces): what `actions` reads.
use crate::actions::{MAX_HASH_LOG, MAX_LINE};

/// How much of a build's output is kept (the end of it, where errors are).
pub(crate) const OUTPUT_TAIL: usize = 64 * 1024;

/// How long to wait for the output reader once the process is gone.
const READER_GRACE: Duration = Duration::from_secs(2);

/// One process to run.
pub(crate) struct Spawn<'a> {
    pub program: &'a Path,
    pub args: &'a [String],
    pub dir: &'a Path,
    pub env: &'a BTreeMap<String, String>,
}

/// How a process ended.
#[derive(Debug)]
pub(crate) enum Exit {
    Status(ExitStatus),
    TimedOut,
}

#[derive(Debug)]
pub(crate) struct Finished {
    pub exit: Exit,
    /// The last [`OUTPUT_TAIL`] bytes of stdout and stderr, lossily decoded.
    pub output: String,
    pub duration: Duration,
}

impl Finished {
    pub fn success(&self) -> bool {
        matches!(self.exit, Exit::Status(s) if s.success())
    }

    /// The exit code, or `signal N`, for error messages.
    pub fn code(&self) -> String {
        match self.exit {
            Exit::TimedOut => "timeout".to_string(),
            Exit::Status(s) => exit_code(s),
        }
    }
}

fn exit_code(s: ExitStatus) -> String {
    if let Some(c) = s.code() {
        return c.to_string();
    }
    #[cfg(unix)]
    {
        use std::os::unix::process::ExitStatusExt;
        if let Some(sig) = s.signal() {
            return format!("signal {sig}");
        }
    }
    "unknown".to_string()
}

/// Runs `spawn` to completion or until `timeout` passes.
pub(crate) fn run(spawn: &Spawn<'_>, timeout: Duration) -> io::Result<Finished> {
    run_recording(spawn, timeout, None)
}

/// [`run`], with the go command's hash lines (`GODEBUG=gocachehash=1`
/// prints them, each line starting with `HASH`) written to `hash_log`
/// (at most [`MAX_HASH_LOG`] bytes) instead of the output kept.
pub(crate) fn run_recording(
    spawn: &Spawn<'_>,
    timeout: Duration,
    hash_log: Option<&Path>,
) -> io::Result<Finished> {
    let start = Instant::now();
    let mut lines = match hash_log {
        Some(path) => Some(Lines::new(std::fs::File::create(path)?)),
        None => None,
    };
    let expr = duct::cmd(spawn.program, spawn.args)
        .dir(spawn.dir)
        .full_env(spawn.env)
        .stdin_null()
        .stderr_to_stdout()
        .unchecked()
        .before_spawn(|command| {
            #[cfg(unix)]
            {
                use std::os::unix::process::CommandExt;
                command.process_group(0);
            }
            #[cfg(not(unix))]
            let _ = command;
            Ok(())
        });
    let reader = Arc::new(expr.reader()?);
    let pgid = reader.pids().first().copied().unwrap_or(0);
    cleanup::register_child(pgid);

    let tail = Arc::new(Mutex::new(Tail::default()));
    let (done_tx, done_rx) = mpsc::channel::<()>();
    {
        let reader = Arc::clone(&reader);
        let tail = Arc::clone(&tail);
        std::thread::spawn(move || {
            let mut buf = [0u8; 8192];
            loop {
                match (&*reader).read(&mut buf) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => {
                        let mut tail = tail.lock().unwrap_or_else(|e| e.into_inner());
                        match &mut lines {
                            Some(l) => l.push(&buf[..n], &mut tail),
                            None => tail.push(&buf[..n]),
                        }
                    }
                }
            }
            if let Some(l) = &mut lines {
                l.finish(&mut tail.lock().unwrap_or_else(|e| e.into_inner()));
            }
            let _ = done_tx.send(());
        });
    }

    let deadline = start.checked_add(timeout);
    let mut poll = Duration::from_millis(5);
    let exit = loop {
        if let Some(output) = reader.try_wait()? {
            break Exit::Status(output.status);
        }
        if deadline.is_some_and(|d| Instant::now() >= d) {
            cleanup::kill_group(pgid);
            let _ = reader.kill();
            // Reap the killed leader; SIGKILL cannot be ignored, so this is quick.
            while reader.try_wait()?.is_none() {
                std::thread::sleep(Duration::from_millis(5));
            }
            break Exit::TimedOut;
        }
        std::thread::sleep(poll);
        poll = (poll * 2).min(Duration::from_millis(50));
    };
    let duration = start.elapsed();
    // End whatever the process left running in its group (background jobs of a build script).
    cleanup::kill_group(pgid);
    cleanup::unregister_child(pgid);
    // A grandchild that left the group may still hold the pipe: do not wait for it forever.
    let _ = done_rx.recv_timeout(READER_GRACE);
    let output = tail.lock().unwrap_or_else(|e| e.into_inner()).text();
    // Killed by the Ctrl-C handler: let it finish and exit with its message.
    cleanup::let_the_handler_finish();
    Ok(Finished {
        exit,
        output,
        duration,
    })
}

/// The output split into lines: hash lines to the log, the rest to the tail.
struct Lines {
    log: io::BufWriter<std::fs::File>,
    written: u64,
    partial: Vec<u8>,
}

impl Lines {
    fn new(file: std::fs::File) -> Lines {
        Lines {
            log: io::BufWriter::new(file),
            written: 0,
            partial: Vec::new(),
        }
    }

    fn push(&mut self, data: &[u8], tail: &mut Tail) {
        let mut rest = data;
        while let Some(k) = rest.iter().position(|&b| b == b'\n') {
            self.partial.extend_from_slice(&rest[..=k]);
            rest = &rest[k + 1..];
            self.line(tail);
        }
        self.partial.extend_from_slice(rest);
        if self.partial.len() > MAX_LINE {
            self.line(tail);
        }
    }

    fn finish(&mut self, tail: &mut Tail) {
        if !self.partial.is_empty() {
            self.line(tail);
        }
        let _ = io::Write::flush(&mut self.log);
    }

    fn line(&mut self, tail: &mut Tail) {
        let line = std::mem::take(&mut self.partial);
        if !line.starts_with(b"HASH") {
            tail.push(&line);
        } else if self.written + line.len() as u64 <= MAX_HASH_LOG {
            // A log that cannot be written is a log cut short: the reader says so.
            if io::Write::write_all(&mut self.log, &line).is_ok() {
                self.written += line.len() as u64;
            }
        }
        self.partial = line;
        self.partial.clear();
    }
}

/// The last [`OUTPUT_TAIL`] bytes written, and how many came before them.
#[derive(Default)]
struct Tail {
    bytes: VecDeque<u8>,
    dropped: u64,
}

impl Tail {
    fn push(&mut self, data: &[u8]) {
        self.bytes.extend(data);
        let excess = self.bytes.len().saturating_sub(OUTPUT_TAIL);
        if excess > 0 {
            self.bytes.drain(..excess);
            self.dropped += excess as u64;
        }
    }

    fn text(&self) -> String {
        let (a, b) = self.bytes.as_slices();
        let mut v = Vec::with_capacity(a.len() + b.len());
        v.extend_from_slice(a);
        v.extend_from_slice(b);
        let text = String::from_utf8_lossy(&v);
        if self.dropped > 0 {
            format!("[{} bytes of earlier output omitted]\n{text}", self.dropped)
        } else {
            text.into_owned()
        }
    }
}

/// A command line for messages: arguments with spaces or quotes are quoted.
pub(crate) fn display_command(program: &Path, args: &[String]) -> String {
    let mut out = quote(&program.to_string_lossy());
    for a in args {
        out.push(' ');
        out.push_str(&quote(a));
    }
    out
}

fn quote(s: &str) -> String {
    let plain = !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./=:,+@%^".contains(c));
    if plain {
        s.to_string()
    } else {
        format!("'{}'", s.replace('\'', r"'\''"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sh(script: &str, timeout: Duration) -> Finished {
        let env: BTreeMap<String, String> = [("PATH".to_string(), "/usr/bin:/bin".to_string())]
            .into_iter()
            .collect();
        let args = vec!["-c".to_string(), script.to_string()];
        let dir = std::env::temp_dir();
        run(
            &Spawn {
                program: Path::new("/bin/sh"),
                args: &args,
                dir: &dir,
                env: &env,
            },
            timeout,
        )
        .unwrap()
    }

    #[test]
    fn hash_lines_go_to_the_log_and_the_rest_to_the_output() {
        let dir = tempfile::tempdir().unwrap();
        let log = dir.path().join("hash.log");
        let env: BTreeMap<String, String> = [("PATH".to_string(), "/usr/bin:/bin".to_string())]
            .into_iter()
            .collect();
        // Hash lines interleaved with a build's own output, one written in
        // two pieces, and a last line without a newline.
        let script = r#"echo 'HASH[build a]'; echo 'a.go:1: error'; printf 'HASH[build a]: "go1"';
            sleep 0.1; printf '\n'; echo done; printf 'HASH[build a]: 0123'"#;
        let args = vec!["-c".to_string(), script.to_string()];
        let f = run_recording(
            &Spawn {
                program: Path::new("/bin/sh"),
                args: &args,
                dir: dir.path(),
                env: &env,
            },
            Duration::from_secs(30),
            Some(&log),
        )
        .unwrap();
        assert!(f.success(), "{}", f.output);
        assert_eq!(f.output, "a.go:1: error\ndone\n");
        assert_eq!(
            std::fs::read_to_string(&log).unwrap(),
            "HASH[build a]\nHASH[build a]: \"go1\"\nHASH[build a]: 0123"
        );
    }

    #[test]
    fn captures_stdout_and_stderr_and_status() {
        let f = sh("echo out; echo err >&2; exit 3", Duration::from_secs(30));
        assert!(!f.success());
        assert_eq!(f.code(), "3");
        assert!(
            f.output.contains("out\n") && f.output.contains("err\n"),
            "{}",
            f.output
        );
    }

    #[test]
    fn environment_is_exactly_what_was_given() {
        let f = sh("env", Duration::from_secs(30));
        assert!(f.success());
        let names: Vec<&str> = f
            .output
            .lines()
            .filter_map(|l| l.split('=').next())
            .collect();
        // sh itself may add PWD, SHLVL and `_`.
        for n in names {
            assert!(
                ["PATH", "PWD", "SHLVL", "_"].contains(&n),
                "unexpected variable {n}"
            );
        }
    }

    #[test]
    fn keeps_only_the_tail() {
        let f = sh(
            "head -c 200000 /dev/zero | tr '\\0' a; echo; echo END",
            Duration::from_secs(30),
        );
        assert!(f.success());
        assert!(f.output.starts_with('['), "{}", &f.output[..40]);
        assert!(f.output.ends_with("END\n"));
        assert!(f.output.len() < OUTPUT_TAIL + 100);
    }

    #[test]
    fn timeout_kills_the_whole_group() {
        let tmp = tempfile::tempdir().unwrap();
        let pidfile = tmp.path().join("pid");
        let script = format!("sleep 100 & echo $! > {}; wait", pidfile.display());
        let t = Instant::now();
        let f = sh(&script, Duration::from_millis(500));
        assert!(matches!(f.exit, Exit::TimedOut));
        assert!(t.elapsed() < Duration::from_secs(5));
        let pid = std::fs::read_to_string(&pidfile)
            .unwrap()
            .trim()
            .to_string();
        assert!(
            process_gone(&pid),
            "background sleep {pid} survived the timeout"
        );
    }

    /// True when the process no longer runs (gone, or a zombie waiting for its reaper).
    pub(crate) fn process_gone(pid: &str) -> bool {
        for _ in 0..100 {
            match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
                Err(_) => return true,
                Ok(stat)
                    if stat
                        .rsplit(')')
                        .next()
                        .is_some_and(|r| r.trim_start().starts_with('Z')) =>
                {
                    return true
                }
                Ok(_) => std::thread::sleep(Duration::from_millis(20)),
            }
        }
        false
    }

    #[test]
    fn quoting_for_display() {
        let args = vec![
            "build".to_string(),
            "-ldflags=-buildid= -X a=b".to_string(),
            "it's".to_string(),
        ];
        assert_eq!(
            display_command(Path::new("/usr/bin/go"), &args),
            r"/usr/bin/go build '-ldflags=-buildid= -X a=b' 'it'\''s'"
        );
    }
}
