//! `parse`: arbitrary bytes through `Binary::parse`, the Go readers, every
//! section's contents (inflation included) and `inspect`'s renderers.
//! Nothing may panic, hang or allocate without bound.
#![no_main]

use libfuzzer_sys::fuzz_target;
use twinbuild::binary::{go, Binary};

fuzz_target!(|data: &[u8]| {
    let Ok(bin) = Binary::parse(data) else { return };
    for i in 0..bin.sections.len() {
        let _ = bin.contents(i);
    }
    let info = go::read(&bin);
    let _ = info.warnings.len();
    for format in [
        twinbuild::report::OutputFormat::Human,
        twinbuild::report::OutputFormat::Json,
    ] {
        let _ = twinbuild::report::inspect::render("fuzz", &bin, format);
    }
});
