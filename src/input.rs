//! Stage 0 too, beside `cli`: the two files read into memory, bounded
//! (`MAX_INPUT_SIZE`), whole (a file truncated while read cannot crash
//! twinbuild, as a file mapping could), large ones into memory advised for
//! transparent huge pages; optionally hashed as they are read.

use std::io::Read;
use std::path::Path;

use anyhow::{bail, Context as _, Result};
use sha2::{Digest, Sha256};

use crate::binary::Binary;

/// Read a file for analysis, with a clear error naming it. With `digest`,
/// also its sha256 for the report, hashed chunk by chunk as it is read
/// (while each chunk is still in the CPU cache) instead of in a second pass.
pub(crate) fn read_input(path: &Path, digest: bool) -> Result<Input> {
    let meta =
        std::fs::metadata(path).with_context(|| format!("cannot read {}", path.display()))?;
    if meta.is_dir() {
        bail!("{} is a directory, not a binary", path.display());
    }
    if !meta.is_file() {
        bail!("{} is not a regular file", path.display());
    }
    if meta.len() > crate::binary::MAX_INPUT_SIZE {
        bail!(
            "{}: {} bytes is over the {}-byte input limit",
            path.display(),
            meta.len(),
            crate::binary::MAX_INPUT_SIZE
        );
    }
    // Read into memory: a mapped file that is truncated while we read it would crash us (SIGBUS).
    let cannot = || format!("cannot read {}", path.display());
    if !digest {
        if let Some(data) = read_into_huge_pages(path, meta.len()) {
            return Ok(Input {
                data: Bytes::Anon(data),
                sha256: None,
            });
        }
        let data = std::fs::read(path).with_context(cannot)?;
        return Ok(Input {
            data: Bytes::Heap(data),
            sha256: None,
        });
    }
    const CHUNK: u64 = 256 << 10;
    let mut file = std::fs::File::open(path).with_context(cannot)?;
    let mut data = Vec::with_capacity(meta.len() as usize);
    let mut hasher = Sha256::new();
    loop {
        let start = data.len();
        let n = (&mut file)
            .take(CHUNK)
            .read_to_end(&mut data)
            .with_context(cannot)?;
        if n == 0 {
            break;
        }
        hasher.update(&data[start..]);
    }
    let sha256 = Some(crate::binary::hex(&hasher.finalize()));
    Ok(Input {
        data: Bytes::Heap(data),
        sha256,
    })
}

/// Inputs from this size up are read into anonymous memory that asks for
/// transparent huge pages: a large input is then a few page faults, not
/// thousands (most of the time of reading a 37 MB file in is the kernel
/// filling fresh 4 KiB pages).
const HUGE_PAGE_INPUT: u64 = 8 << 20;

/// The file read whole into huge-page-advised anonymous memory; `None`
/// when it is small, or anything goes other than planned (the caller then
/// reads it the ordinary way, and reports any error).
fn read_into_huge_pages(path: &Path, len: u64) -> Option<memmap2::MmapMut> {
    if len < HUGE_PAGE_INPUT {
        return None;
    }
    let mut map = memmap2::MmapMut::map_anon(usize::try_from(len).ok()?).ok()?;
    // Advice only: without transparent huge pages the memory is ordinary.
    #[cfg(target_os = "linux")]
    let _ = map.advise(memmap2::Advice::HugePage);
    let mut file = std::fs::File::open(path).ok()?;
    file.read_exact(&mut map).ok()?;
    // The whole file, no more: one that grew while read is read again.
    (file.read(&mut [0u8; 1]).ok()? == 0).then_some(map)
}

/// An input's bytes: on the heap, or in anonymous memory (large inputs).
pub(crate) enum Bytes {
    Heap(Vec<u8>),
    Anon(memmap2::MmapMut),
}

impl std::ops::Deref for Bytes {
    type Target = [u8];

    fn deref(&self) -> &[u8] {
        match self {
            Bytes::Heap(v) => v,
            Bytes::Anon(m) => m,
        }
    }
}

pub(crate) struct Input {
    pub(crate) data: Bytes,
    /// sha256 of `data`, lower-case hex, when asked for.
    pub(crate) sha256: Option<String>,
}

pub(crate) fn parse<'a>(path: &Path, input: &'a Input) -> Result<Binary<'a>> {
    Binary::parse(&input.data).with_context(|| format!("{}", path.display()))
}
