//! Where member bytes are kept while two archives are compared: small
//! members in memory, larger ones in twinbuild's own temp dir under
//! generated names (`m1`, `m2`...; never an entry's name), hashed as they are
//! written. The temp dir is removed when the [`Store`] is dropped, and on
//! Ctrl-C through the harness's cleanup registry.

use std::io::{self, Read, Seek, Write};
use std::path::{Path, PathBuf};
use std::rc::Rc;

use sha2::{Digest, Sha256};

use super::ArchiveError;

/// Members up to this size are kept in memory...
const IN_MEMORY: u64 = 8 << 20;
/// ...while the members in memory take less than this in all.
const MEMORY_BUDGET: u64 = 256 << 20;

/// Where bytes to read are: a file, or memory.
#[derive(Debug, Clone)]
pub(crate) enum Source {
    File(PathBuf),
    Memory(Rc<Vec<u8>>),
}

pub(crate) trait ReadSeek: Read + Seek {}
impl<T: Read + Seek> ReadSeek for T {}

impl Source {
    pub fn open(&self) -> io::Result<Box<dyn ReadSeek + '_>> {
        Ok(match self {
            Source::File(p) => Box::new(io::BufReader::with_capacity(
                256 << 10,
                std::fs::File::open(p)?,
            )),
            Source::Memory(v) => Box::new(io::Cursor::new(v.as_slice())),
        })
    }

    pub fn len(&self) -> io::Result<u64> {
        Ok(match self {
            Source::File(p) => std::fs::metadata(p)?.len(),
            Source::Memory(v) => v.len() as u64,
        })
    }
}

/// A member's bytes: where they are, how many, their sha256.
#[derive(Debug, Clone)]
pub(crate) struct Blob {
    pub at: Source,
    pub len: u64,
    pub sha256: String,
}

impl Blob {
    /// A file holding the bytes (written now when they are in memory).
    pub fn path(&self, store: &mut Store) -> io::Result<PathBuf> {
        match &self.at {
            Source::File(p) => Ok(p.clone()),
            Source::Memory(v) => {
                let path = store.fresh()?;
                std::fs::write(&path, v.as_slice())?;
                Ok(path)
            }
        }
    }
}

/// The temp dir and the memory budget of one comparison.
pub(crate) struct Store {
    dir: Option<tempfile::TempDir>,
    next: u64,
    in_memory: u64,
}

impl Store {
    pub fn new() -> Store {
        Store {
            dir: None,
            next: 0,
            in_memory: 0,
        }
    }

    /// A new file name in the temp dir (made on first use).
    pub fn fresh(&mut self) -> io::Result<PathBuf> {
        if self.dir.is_none() {
            let dir = tempfile::Builder::new()
                .prefix("twinbuild_archive_")
                .tempdir()?;
            crate::harness::cleanup::register_root(dir.path());
            self.dir = Some(dir);
        }
        self.next += 1;
        let dir = self.dir.as_ref().map(tempfile::TempDir::path);
        Ok(dir
            .unwrap_or(Path::new("."))
            .join(format!("m{}", self.next)))
    }

    /// Reads `r` to its end into a blob. More than `limit` bytes is an
    /// error (`what` says which member and which limit).
    pub fn put(&mut self, r: &mut dyn Read, limit: u64, what: &str) -> Result<Blob, ArchiveError> {
        let mut hasher = Sha256::new();
        let mut mem = Vec::new();
        let mut file: Option<(PathBuf, io::BufWriter<std::fs::File>)> = None;
        let mut len = 0u64;
        let mut buf = vec![0u8; 64 << 10];
        loop {
            let n = match r.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e.into()),
            };
            len += n as u64;
            if len > limit {
                return Err(super::malformed(format!(
                    "{what}: more than {limit} bytes uncompressed"
                )));
            }
            hasher.update(&buf[..n]);
            match &mut file {
                Some((_, f)) => f.write_all(&buf[..n])?,
                None if len <= IN_MEMORY && self.in_memory + len <= MEMORY_BUDGET => {
                    mem.extend_from_slice(&buf[..n]);
                }
                None => {
                    let path = self.fresh()?;
                    let mut f = io::BufWriter::new(std::fs::File::create(&path)?);
                    f.write_all(&mem)?;
                    f.write_all(&buf[..n])?;
                    mem = Vec::new();
                    file = Some((path, f));
                }
            }
        }
        let sha256 = crate::binary::hex(&hasher.finalize());
        let at = match file {
            Some((path, f)) => {
                f.into_inner().map_err(io::IntoInnerError::into_error)?;
                Source::File(path)
            }
            None => {
                self.in_memory += len;
                Source::Memory(Rc::new(mem))
            }
        };
        Ok(Blob { at, len, sha256 })
    }
}

impl Drop for Store {
    fn drop(&mut self) {
        if let Some(dir) = self.dir.take() {
            crate::harness::cleanup::unregister_root(dir.path());
        }
    }
}

/// A reader that counts, hashes and caps what passes through it: reading
/// past `cap` bytes is an error, so a decompression bomb stops at the cap.
pub(crate) struct Counted<R> {
    inner: R,
    pub count: u64,
    cap: u64,
    hasher: Option<Sha256>,
    pub over: bool,
}

impl<R: Read> Counted<R> {
    pub fn new(inner: R, cap: u64, hash: bool) -> Self {
        Counted {
            inner,
            count: 0,
            cap,
            hasher: hash.then(Sha256::new),
            over: false,
        }
    }

    pub fn sha256(self) -> Option<String> {
        self.hasher.map(|h| crate::binary::hex(&h.finalize()))
    }
}

impl<R: Read> Read for Counted<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.count += n as u64;
        if self.count > self.cap {
            self.over = true;
            return Err(io::Error::other("over the decompression cap"));
        }
        if let Some(h) = &mut self.hasher {
            h.update(&buf[..n]);
        }
        Ok(n)
    }
}
