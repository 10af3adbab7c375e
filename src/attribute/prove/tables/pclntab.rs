//! The pclntab comparison (see [`super`]): both sides' pclntab decoded and
//! compared entry by entry, modulo the address correspondence and the roots.
//!
//! Decoded, and covered where equivalent:
//! - the header: magic, `minLC`, `ptrSize`, `nfunc`, `nfiles` and
//!   `textStart` equal; its table offsets are layout, proven by decoding
//!   each table at its offset;
//! - funcnametab: the names equal, in order (a common prefix and suffix
//!   are covered, what lies between is a difference);
//! - filetab: file by file, equal modulo the roots (an embedded path);
//! - cutab: entry by entry, both "no file" or naming equivalent files;
//! - functab and `_func` records, paired by index where the names agree:
//!   the entries' addresses correspond under the map; name, args,
//!   deferreturn, startLine, funcID, flag, pad, npcdata, nfuncdata equal;
//!   the pcsp, pcfile, pcln and pcdata tables decoded to equal (value, pc)
//!   sequences; the files pcfile names (through cutab) equivalent; funcdata
//!   both absent, equal, or pointing at corresponding addresses from each
//!   side's `go:func.*`; the inline tree (funcdata 3, entries up to the
//!   largest inline index in pcdata 2) entry by entry, names by string;
//!   zero alignment padding after a record; the final end-of-text entry;
//! - pctab's leading pad byte; the `findfunctab`, when its bytes are exactly
//!   what the linker computes from that side's functab;
//! - the runtime's `moduledata` words that describe the pclntab (its
//!   address, each table's address, the name and file tables' lengths, the
//!   functab's length, `findfunctab`, `epclntab`), where they hold exactly
//!   what the decoded header gives.
//!
//! Only function pairs holding a differing byte on either side (in the
//! functab entry, the record and its padding, a pc-value table, a funcdata
//! blob) are compared; when the pctab differs, the function with the last
//! pc-value table always is.
//!
//! Not decoded, so never covered: funcdata other than inline trees (stack
//! maps, stack objects, open-coded defer info, arg info, wrapper info),
//! pc-value tables no function references, gaps between tables, and any
//! record that does not decode. A function whose entry differs beyond the
//! layout is a [`TableDifference`] naming it.

mod side;

use std::ops::Range;

use super::Inputs;
use crate::attribute::prove::{Place, Roots, TableDifference, TableProof};
use crate::attribute::Cause;
use crate::diff::Status;
use side::{Func, PcTable, Side, CUTAB, FUNCTAB, NIL, PCTAB};

/// Largest inline tree decoded (entries).
const MAX_INLINE_ENTRIES: u64 = 1 << 16;
/// Size of one inline tree entry (`runtime.inlinedCall`).
const INLINE_ENTRY: u64 = 16;
const PCDATA_INLTREEINDEX: usize = 2;
const FUNCDATA_INLTREE: usize = 3;
/// Largest funcdata blob compared byte for byte.
const MAX_FUNCDATA_BLOB: u64 = 1 << 20;
/// Zero bytes between tables taken for alignment padding.
const MAX_TABLE_PADDING: u64 = 64;

/// Decode the pclntab of both sides and compare what differs.
pub fn prove(inputs: &Inputs<'_, '_, '_>) -> TableProof {
    prove_in(inputs, false)
}

/// With `all`, every function pair is compared, differing or not.
fn prove_in(inputs: &Inputs<'_, '_, '_>, all: bool) -> TableProof {
    let mut proof = TableProof::default();
    let (Some(lt), Some(rt)) = (inputs.lhs_pclntab, inputs.rhs_pclntab) else {
        return proof;
    };
    let differs = inputs.diff.pairs.iter().any(|p| {
        p.lhs == Some(lt.span.section) && p.rhs == Some(rt.span.section) && p.status != Status::Same
    });
    if !differs {
        return proof;
    }
    let (Some(l), Some(r)) = (Side::new(inputs.lhs, lt), Side::new(inputs.rhs, rt)) else {
        return proof;
    };
    let mut c = Compare {
        l: &l,
        r: &r,
        inputs,
        proof: &mut proof,
        pctab_end: [0; 2],
        funcdata: [Vec::new(), Vec::new()],
        all,
    };
    c.header();
    c.names();
    c.files();
    c.cutab();
    c.funcs();
    c.table_padding();
    for (side, lhs) in [(&l, true), (&r, false)] {
        let pad = side.off[PCTAB];
        if side.b.get(pad, 1) == Some(&[0]) {
            c.cover(lhs, side.place(pad..pad + 1));
        }
        if let Some((section, range)) = side.checked_findfunctab() {
            c.cover(lhs, (section, range.clone()));
            // moduledata.findfunctab points at it.
            if let Some(m) = side.module {
                let ptr = u64::from(side.ptr);
                let at = m.at.1 + 19 * ptr;
                let b = crate::binary::go::Bytes::new(side.bin.raw(m.at.0), side.bin.little_endian);
                let addr = side.bin.sections[section].address.map(|a| a + range.start);
                if addr.is_some() && b.word(at, side.ptr) == addr {
                    c.cover(lhs, (m.at.0, at..at + ptr));
                }
            }
        }
        for place in side.module_words() {
            c.cover(lhs, place);
        }
    }
    proof
}

struct Compare<'c, 'a, 'i> {
    l: &'c Side<'a>,
    r: &'c Side<'a>,
    inputs: &'c Inputs<'i, 'i, 'i>,
    proof: &'c mut TableProof,
    /// The end of the last pc-value table decoded, per side.
    pctab_end: [u64; 2],
    /// Every funcdata offset the records use, sorted, per side: a blob runs
    /// to the next one.
    funcdata: [Vec<u64>; 2],
    /// Compare every function pair, not only those holding a difference.
    all: bool,
}

/// Where one side's bytes of a function are: its functab entry, its record
/// and the pc tables and inline tree it uses.
#[derive(Default)]
struct FuncPlaces {
    equal: Vec<Place>,
}

impl<'a> Compare<'_, 'a, '_> {
    fn cover(&mut self, lhs: bool, place: Place) {
        if lhs {
            self.proof.lhs.push(place);
        } else {
            self.proof.rhs.push(place);
        }
    }

    fn cover_both(&mut self, l: Range<u64>, r: Range<u64>) {
        let (pl, pr) = (self.l.place(l), self.r.place(r));
        self.proof.lhs.push(pl);
        self.proof.rhs.push(pr);
    }

    fn differ(&mut self, subject: String, title: String, lhs: Option<Place>, rhs: Option<Place>) {
        self.proof.differences.push(TableDifference {
            cause: Cause::Data,
            subject,
            title,
            lhs,
            rhs,
        });
    }

    fn roots(&self) -> &Roots {
        self.inputs.roots
    }

    fn header(&mut self) {
        let (l, r) = (self.l, self.r);
        fn fixed<'x>(s: &Side<'x>) -> Option<&'x [u8]> {
            s.b.get(0, 8 + 3 * u64::from(s.ptr))
        }
        let same = l.ptr == r.ptr && fixed(l).is_some() && fixed(l) == fixed(r);
        if same {
            self.cover_both(0..l.header_len, 0..r.header_len);
        } else {
            self.differ(
                "pclntab".into(),
                "pclntab header differs: magic, function or file count".into(),
                Some(l.place(0..l.header_len)),
                Some(r.place(0..r.header_len)),
            );
        }
    }

    /// funcnametab: equal names in order.
    fn names(&mut self) {
        let (l, r) = (self.l, self.r);
        let text = |s: &Side<'a>, k: usize| string_bytes(s, &s.tab.func_names[k]);
        let (nl, nr) = (l.tab.func_names.len(), r.tab.func_names.len());
        let mut prefix = 0;
        while prefix < nl.min(nr) && text(l, prefix).is_some() && text(l, prefix) == text(r, prefix)
        {
            prefix += 1;
        }
        let mut suffix = 0;
        while suffix < nl.min(nr) - prefix
            && text(l, nl - 1 - suffix).is_some()
            && text(l, nl - 1 - suffix) == text(r, nr - 1 - suffix)
        {
            suffix += 1;
        }
        for k in (0..prefix).chain(nl - suffix..nl) {
            let kr = if k < prefix { k } else { k + nr - nl };
            let (sl, sr) = (&l.tab.func_names[k], &r.tab.func_names[kr]);
            self.proof.lhs.push(with_nul(&sl.span));
            self.proof.rhs.push(with_nul(&sr.span));
        }
        if prefix + suffix < nl.max(nr) {
            let spread = |s: &Side<'_>, n: usize| {
                let names = &s.tab.func_names[prefix..n - suffix];
                let (first, last) = (names.first()?, names.last()?);
                Some((s.section, first.span.range.start..last.span.range.end + 1))
            };
            let first = l
                .tab
                .func_names
                .get(prefix)
                .or(r.tab.func_names.get(prefix))
                .map_or_else(String::new, |s| s.name.clone());
            self.differ(
                first.clone(),
                format!("pclntab function name table differs from {first} on"),
                spread(l, nl),
                spread(r, nr),
            );
        }
    }

    /// filetab: file by file, modulo the roots.
    fn files(&mut self) {
        let (l, r) = (self.l, self.r);
        let (fl, fr) = (&l.tab.files, &r.tab.files);
        for k in 0..fl.len().max(fr.len()) {
            match (fl.get(k), fr.get(k)) {
                (Some(a), Some(b))
                    if same_text(self.roots(), string_bytes(l, a), string_bytes(r, b)) =>
                {
                    self.proof.lhs.push(with_nul(&a.span));
                    self.proof.rhs.push(with_nul(&b.span));
                }
                (a, b) => {
                    let name = a.or(b).map_or_else(String::new, |s| s.name.clone());
                    self.differ(
                        name.clone(),
                        format!("pclntab file table: {name} differs beyond the build paths"),
                        a.map(|s| with_nul(&s.span)),
                        b.map(|s| with_nul(&s.span)),
                    );
                }
            }
        }
    }

    /// cutab: entry by entry, "no file" or equivalent files.
    fn cutab(&mut self) {
        let (l, r) = (self.l, self.r);
        let entries = |s: &Side<'_>| (s.table_end(s.off[CUTAB]) - s.off[CUTAB]) / 4;
        let (nl, nr) = (entries(l), entries(r));
        for k in 0..nl.max(nr) {
            let (al, ar) = (l.off[CUTAB] + 4 * k, r.off[CUTAB] + 4 * k);
            let (vl, vr) = (
                (k < nl).then(|| l.b.u32(al)).flatten(),
                (k < nr).then(|| r.b.u32(ar)).flatten(),
            );
            let ok = match (vl, vr) {
                (Some(NIL), Some(NIL)) => true,
                (Some(a), Some(b)) => match (l.file_at_offset(a), r.file_at_offset(b)) {
                    (Some(fa), Some(fb)) => same_text(
                        self.roots(),
                        string_bytes(l, &l.tab.files[fa]),
                        string_bytes(r, &r.tab.files[fb]),
                    ),
                    _ => false,
                },
                _ => false,
            };
            if ok {
                self.cover_both(al..al + 4, ar..ar + 4);
            } else {
                let file = |s: &Side<'_>, v: Option<u32>| {
                    v.and_then(|v| s.file_at_offset(v))
                        .map(|f| s.tab.files[f].name.clone())
                };
                let name = file(l, vl)
                    .or(file(r, vr))
                    .unwrap_or_else(|| "pclntab".into());
                self.differ(
                    name,
                    format!("pclntab compile-unit table differs at entry {k}"),
                    (k < nl).then(|| l.place(al..al + 4)),
                    (k < nr).then(|| r.place(ar..ar + 4)),
                );
            }
        }
    }

    /// functab and `_func` records, paired by index where the names agree.
    fn funcs(&mut self) {
        let (l, r) = (self.l, self.r);
        let fl: Vec<Option<Func>> = (0..l.tab.nfunc).map(|k| l.func(k)).collect();
        let fr: Vec<Option<Func>> = (0..r.tab.nfunc).map(|k| r.func(k)).collect();
        for (k, list) in [&fl, &fr].into_iter().enumerate() {
            let offs = &mut self.funcdata[k];
            offs.extend(
                list.iter()
                    .flatten()
                    .flat_map(|f| &f.funcdata)
                    .filter(|&&o| o != NIL)
                    .map(|&o| u64::from(o)),
            );
            offs.sort_unstable();
            offs.dedup();
        }
        self.gofunc_padding(&fl, &fr);
        let name = |f: &Option<Func>| f.as_ref().and_then(|f| f.name.clone());
        let (nl, nr) = (fl.len(), fr.len());
        let mut prefix = 0;
        while prefix < nl.min(nr)
            && name(&fl[prefix]).is_some()
            && name(&fl[prefix]) == name(&fr[prefix])
        {
            prefix += 1;
        }
        let mut suffix = 0;
        while suffix < nl.min(nr) - prefix
            && name(&fl[nl - 1 - suffix]).is_some()
            && name(&fl[nl - 1 - suffix]) == name(&fr[nr - 1 - suffix])
        {
            suffix += 1;
        }
        let reach = [
            Reach::new(
                l,
                &fl,
                self.funcdata[0].clone(),
                self.inputs.differing(true),
            ),
            Reach::new(
                r,
                &fr,
                self.funcdata[1].clone(),
                self.inputs.differing(false),
            ),
        ];
        for k in (0..prefix).chain(nl - suffix..nl) {
            let kr = if k < prefix { k } else { k + nr - nl };
            if let (Some(a), Some(b)) = (&fl[k], &fr[kr]) {
                if self.all || reach[0].touches(a) || reach[1].touches(b) {
                    self.func(a, b);
                }
            }
        }
        // What lies between: functions on one side only (or renamed).
        for (side, list, lhs) in [(l, &fl, true), (r, &fr, false)] {
            let n = list.len();
            for (k, f) in list.iter().enumerate().take(n - suffix).skip(prefix) {
                let entry_at = side.off[FUNCTAB] + 8 * k as u64;
                let (subject, place) = match f {
                    Some(f) => (f.display_name(), side.place(f.rec..f.end)),
                    None => (
                        format!("<functab entry {k}>"),
                        side.place(entry_at..entry_at + 8),
                    ),
                };
                let title = format!(
                    "pclntab: function {subject} is only on the {} (the function lists differ)",
                    if lhs { "lhs" } else { "rhs" }
                );
                let entry = side.place(entry_at..entry_at + 8);
                let (pl, pr) = if lhs {
                    (Some(place), None)
                } else {
                    (None, Some(place))
                };
                self.differ(subject.clone(), title.clone(), pl, pr);
                let (el, er) = if lhs {
                    (Some(entry), None)
                } else {
                    (None, Some(entry))
                };
                self.differ(subject, title, el, er);
            }
        }
        // The end-of-text entry after the last function.
        let (el, er) = (
            l.off[FUNCTAB] + 8 * l.tab.nfunc,
            r.off[FUNCTAB] + 8 * r.tab.nfunc,
        );
        let end_ok = match (l.b.u32(el), r.b.u32(er), l.text, r.text) {
            (Some(a), Some(b), Some(tl), Some(tr)) => self
                .inputs
                .map
                .corresponds(tl.wrapping_add(u64::from(a)), tr.wrapping_add(u64::from(b))),
            _ => false,
        };
        if end_ok {
            self.cover_both(el..el + 4, er..er + 4);
            self.padding(el + 4, er + 4);
        } else {
            self.differ(
                "pclntab".into(),
                "pclntab: the end of the text differs beyond the layout".into(),
                Some(l.place(el..el + 4)),
                Some(r.place(er..er + 4)),
            );
        }
    }

    /// Zero alignment padding after the header, funcnametab, cutab and
    /// filetab, up to the next table.
    fn table_padding(&mut self) {
        for (side, lhs) in [(self.l, true), (self.r, false)] {
            let last = |v: &[crate::binary::go::pclntab::PclntabString]| {
                v.last().map(|s| s.span.range.end + 1 - side.base)
            };
            let cu = side.off[CUTAB];
            let ends = [
                Some(self.pctab_end[usize::from(!lhs)]).filter(|&e| e > 0),
                Some(side.header_len),
                last(&side.tab.func_names),
                last(&side.tab.files),
                Some(cu + (side.table_end(cu) - cu) / 4 * 4),
            ];
            for end in ends.into_iter().flatten() {
                let next = side.table_end(end.saturating_sub(1));
                let gap = next.saturating_sub(end);
                if (1..MAX_TABLE_PADDING).contains(&gap)
                    && side
                        .b
                        .get(end, gap)
                        .is_some_and(|b| b.iter().all(|&x| x == 0))
                {
                    self.cover(lhs, side.place(end..next));
                }
            }
        }
    }

    /// Zero alignment padding from `l`/`r` to the next pointer boundary of the functab.
    fn padding(&mut self, l: u64, r: u64) {
        for (side, at, lhs) in [(self.l, l, true), (self.r, r, false)] {
            let ptr = u64::from(side.ptr);
            let pad = (ptr - (at - side.off[FUNCTAB]) % ptr) % ptr;
            if pad > 0
                && side
                    .b
                    .get(at, pad)
                    .is_some_and(|b| b.iter().all(|&x| x == 0))
            {
                self.cover(lhs, side.place(at..at + pad));
            }
        }
    }

    /// One pair of functions.
    fn func(&mut self, a: &Func, b: &Func) {
        let (l, r) = (self.l, self.r);
        let mut what: Vec<&'static str> = Vec::new();
        let mut unknown = false;
        let mut equal_l = FuncPlaces::default();
        let mut equal_r = FuncPlaces::default();
        let mut differ_places: Vec<(Option<Place>, Option<Place>)> = Vec::new();

        // The entry: the address, from the functab and the record.
        let entry_ok = match (l.text, r.text) {
            (Some(tl), Some(tr)) => {
                a.fields[0] == a.entry
                    && b.fields[0] == b.entry
                    && self.inputs.map.corresponds(
                        tl.wrapping_add(u64::from(a.entry)),
                        tr.wrapping_add(u64::from(b.entry)),
                    )
            }
            _ => false,
        };
        if !entry_ok {
            what.push("entry address");
        }
        for (k, label) in [
            (Func::ARGS, "argument size"),
            (Func::DEFERRETURN, "deferreturn offset"),
            (Func::START_LINE, "start line"),
        ] {
            if a.fields[k] != b.fields[k] {
                what.push(label);
            }
        }
        if a.bytes != b.bytes {
            what.push("funcID or flags");
        }
        if a.pcdata.len() != b.pcdata.len() || a.funcdata.len() != b.funcdata.len() {
            what.push("pcdata or funcdata count");
        }
        if (a.fields[Func::CU_OFFSET] == NIL) != (b.fields[Func::CU_OFFSET] == NIL) {
            what.push("compile unit");
        }
        // A compile-unit offset is layout, proven below by the files its
        // pcfile values name; without a pcfile table it must be equal.
        let cu_by_files = a.fields[Func::PCFILE] != 0 && b.fields[Func::PCFILE] != 0;
        if !cu_by_files && a.fields[Func::CU_OFFSET] != b.fields[Func::CU_OFFSET] {
            what.push("compile unit");
        }

        // The pc-value tables.
        let mut pcfile = None;
        let mut inline = None;
        let tables = [
            (
                a.fields[Func::PCSP],
                b.fields[Func::PCSP],
                "stack-pointer table",
            ),
            (a.fields[Func::PCFILE], b.fields[Func::PCFILE], "file table"),
            (a.fields[Func::PCLN], b.fields[Func::PCLN], "line table"),
        ]
        .into_iter()
        .chain(
            a.pcdata
                .iter()
                .zip(&b.pcdata)
                .map(|(&x, &y)| (x, y, "pcdata table")),
        );
        for (k, (x, y, label)) in tables.enumerate() {
            let (tx, ty) = (l.pc_table(x), r.pc_table(y));
            let same = match (&tx, &ty) {
                (Some(None), Some(None)) => true,
                (Some(Some(p)), Some(Some(q))) => p.pairs == q.pairs,
                _ => false,
            };
            let place = |s: &Side<'_>, t: &Option<Option<PcTable>>| {
                t.as_ref()
                    .and_then(|t| t.as_ref())
                    .map(|t| s.place(t.range.clone()))
            };
            let (pl, pr) = (place(l, &tx), place(r, &ty));
            for (k, t) in [&tx, &ty].into_iter().enumerate() {
                if let Some(Some(t)) = t {
                    self.pctab_end[k] = self.pctab_end[k].max(t.range.end);
                }
            }
            if same {
                equal_l.equal.extend(pl);
                equal_r.equal.extend(pr);
                let values = tx.flatten().map(|t| t.pairs);
                if k == 1 {
                    pcfile = values;
                } else if k == 3 + PCDATA_INLTREEINDEX {
                    inline = values;
                }
            } else {
                what.push(label);
                differ_places.push((pl, pr));
            }
        }

        // The files the pcfile table names, through each side's compile unit.
        if let Some(pairs) = &pcfile {
            let mut values: Vec<i32> = pairs.iter().map(|p| p.0).collect();
            values.sort_unstable();
            values.dedup();
            let same = values.iter().all(|&v| {
                match (
                    l.file_of(a.fields[Func::CU_OFFSET], v),
                    r.file_of(b.fields[Func::CU_OFFSET], v),
                ) {
                    (Some(x), Some(y)) => same_text(
                        self.roots(),
                        string_bytes(l, &l.tab.files[x]),
                        string_bytes(r, &r.tab.files[y]),
                    ),
                    _ => false,
                }
            });
            if !same {
                what.push("source files");
            }
        }

        // Funcdata: absent, equal, or at corresponding addresses.
        for (j, (&x, &y)) in a.funcdata.iter().zip(&b.funcdata).enumerate() {
            if x == NIL || y == NIL {
                if x != y {
                    what.push("funcdata");
                }
                continue;
            }
            let (Some(ml), Some(mr)) = (l.module, r.module) else {
                unknown |= x != y;
                continue;
            };
            let (xa, ya) = (
                ml.gofunc.wrapping_add(u64::from(x)),
                mr.gofunc.wrapping_add(u64::from(y)),
            );
            if !self.inputs.map.corresponds(xa, ya) {
                what.push("funcdata");
                continue;
            }
            if j == FUNCDATA_INLTREE {
                match self.inline_tree(xa, ya, inline.as_deref()) {
                    Some(Ok((pl, pr))) => {
                        equal_l.equal.push(pl);
                        equal_r.equal.push(pr);
                        continue;
                    }
                    Some(Err((pl, pr))) => {
                        what.push("inline tree");
                        differ_places.push((pl, pr));
                        continue;
                    }
                    None => {}
                }
            }
            // Other funcdata is not decoded: covered only when byte-equal.
            if let Some((pl, pr)) = self.equal_blobs(u64::from(x), u64::from(y)) {
                equal_l.equal.push(pl);
                equal_r.equal.push(pr);
            }
        }

        self.proof.lhs.extend(equal_l.equal);
        self.proof.rhs.extend(equal_r.equal);
        let (rl, rr) = (a.rec..a.end, b.rec..b.end);
        let (el, er) = (a.entry_at..a.entry_at + 8, b.entry_at..b.entry_at + 8);
        if what.is_empty() {
            if !unknown {
                self.cover_both(el, er);
                self.cover_both(rl, rr);
                self.padding(a.end, b.end);
            }
            return;
        }
        let mut seen = Vec::new();
        what.retain(|w| {
            let first = !seen.contains(w);
            seen.push(*w);
            first
        });
        let name = a.display_name();
        let title = format!(
            "pclntab entry of {name}: its {} differ{}",
            join(&what),
            if what.len() == 1 { "s" } else { "" }
        );
        differ_places.push((Some(l.place(el)), Some(r.place(er))));
        differ_places.push((Some(l.place(rl)), Some(r.place(rr))));
        for (pl, pr) in differ_places {
            self.differ(name.clone(), title.clone(), pl, pr);
        }
    }

    /// The funcdata blobs at offsets `x` (lhs) and `y` (rhs) from each
    /// side's `go:func.*`, when they have the same length (to the next
    /// funcdata offset) and the same bytes.
    fn equal_blobs(&self, x: u64, y: u64) -> Option<(Place, Place)> {
        let blob = |side: &Side<'a>, offs: &[u64], at: u64| {
            let m = side.module?;
            let k = offs.partition_point(|&o| o <= at);
            let end = match offs.get(k) {
                Some(&next) => next,
                // The last blob runs to the findfunctab, which follows it.
                None => m.findfunctab.checked_sub(m.gofunc)?,
            };
            let len = end
                .checked_sub(at)
                .filter(|&n| n > 0 && n <= MAX_FUNCDATA_BLOB)?;
            side.at_address(m.gofunc.checked_add(at)?, len)
        };
        let (si, oi, a) = blob(self.l, &self.funcdata[0], x)?;
        let (sj, oj, b) = blob(self.r, &self.funcdata[1], y)?;
        (a == b).then(|| {
            let n = a.len() as u64;
            ((si, oi..oi + n), (sj, oj..oj + n))
        })
    }

    /// Zero padding between the last `_func` record and `go:func.*`.
    fn gofunc_padding(&mut self, fl: &[Option<Func>], fr: &[Option<Func>]) {
        for (side, list, lhs) in [(self.l, fl, true), (self.r, fr, false)] {
            let (Some(m), Some(addr)) = (side.module, side.address()) else {
                continue;
            };
            let Some(start) = m.gofunc.checked_sub(addr) else {
                continue;
            };
            let Some(end) = list.iter().flatten().map(|f| f.end).max() else {
                continue;
            };
            let gap = start.saturating_sub(end);
            if (1..MAX_TABLE_PADDING).contains(&gap)
                && side
                    .b
                    .get(end, gap)
                    .is_some_and(|b| b.iter().all(|&x| x == 0))
            {
                self.cover(lhs, side.place(end..start));
            }
        }
    }

    /// Compare two inline trees at lhs address `xa` and rhs `ya`, with as many
    /// entries as the inline index table (pcdata 2) uses. `None` when the
    /// tree's size is unknown or it cannot be read.
    #[allow(clippy::type_complexity)] // Ok(covered places) or Err(differing places)
    fn inline_tree(
        &self,
        xa: u64,
        ya: u64,
        index: Option<&[(i32, u64)]>,
    ) -> Option<Result<(Place, Place), (Option<Place>, Option<Place>)>> {
        let (l, r) = (self.l, self.r);
        let n = index?.iter().map(|p| p.0).max()?;
        let n = u64::try_from(n).ok()?.checked_add(1)?;
        if n > MAX_INLINE_ENTRIES {
            return None;
        }
        let len = n * INLINE_ENTRY;
        let (si, oi, x) = l.at_address(xa, len)?;
        let (sj, oj, y) = r.at_address(ya, len)?;
        let (pl, pr) = ((si, oi..oi + len), (sj, oj..oj + len));
        let word = |s: &Side<'_>, d: &[u8], at: usize| -> Option<u32> {
            let w: [u8; 4] = d.get(at..at + 4)?.try_into().ok()?;
            Some(if s.bin.little_endian {
                u32::from_le_bytes(w)
            } else {
                u32::from_be_bytes(w)
            })
        };
        let same = (0..n as usize).all(|k| {
            let at = k * INLINE_ENTRY as usize;
            let name =
                |s: &Side<'a>, d: &[u8]| word(s, d, at + 4).and_then(|o| s.name(o)).map(|n| n.0);
            x.get(at..at + 4) == y.get(at..at + 4)
                && name(l, x).is_some()
                && name(l, x) == name(r, y)
                && x.get(at + 8..at + 16) == y.get(at + 8..at + 16)
        });
        Some(if same {
            Ok((pl, pr))
        } else {
            Err((Some(pl), Some(pr)))
        })
    }
}

/// Which of one side's functions hold a difference. A function pair none
/// of whose bytes (functab entry, record and its padding, pc-value tables,
/// funcdata blobs) differ on either side is the same bytes and needs no
/// proof; when the pctab differs, the function with the last pc-value
/// table is always compared, for the end of the pctab.
struct Reach<'s, 'a> {
    side: &'s Side<'a>,
    differing: &'s super::Differing,
    /// Every pc-value table's offset in the pctab, sorted: a table runs
    /// to the next one (or the end of the pctab).
    tables: Vec<u64>,
    funcdata: Vec<u64>,
    /// `go:func.*`: its section and offset there, and where its blobs end.
    gofunc: Option<(usize, u64, Option<u64>)>,
    /// Whether the pctab, and `go:func.*`, hold a difference at all: most
    /// often neither does, and only entries and records need looking at.
    pctab_differs: bool,
    gofunc_differs: bool,
}

impl<'s, 'a> Reach<'s, 'a> {
    fn new(
        side: &'s Side<'a>,
        funcs: &[Option<Func>],
        funcdata: Vec<u64>,
        differing: &'s super::Differing,
    ) -> Self {
        let mut tables: Vec<u64> = funcs.iter().flatten().flat_map(Reach::tables_of).collect();
        tables.sort_unstable();
        tables.dedup();
        let gofunc = side.module.and_then(|m| {
            let (i, off, _) = side.at_address(m.gofunc, 0)?;
            Some((i, off, m.findfunctab.checked_sub(m.gofunc)))
        });
        let pctab = side.off[PCTAB]..side.table_end(side.off[PCTAB]);
        let pctab_differs = differing.touches(&side.place(pctab));
        let gofunc_differs = gofunc.is_none_or(|(i, base, end)| {
            let end = base.saturating_add(end.unwrap_or(u64::MAX));
            differing.touches(&(i, base..end))
        });
        Reach {
            side,
            differing,
            tables,
            funcdata,
            gofunc,
            pctab_differs,
            gofunc_differs,
        }
    }

    fn tables_of(f: &Func) -> impl Iterator<Item = u64> + '_ {
        [
            f.fields[Func::PCSP],
            f.fields[Func::PCFILE],
            f.fields[Func::PCLN],
        ]
        .into_iter()
        .chain(f.pcdata.iter().copied())
        .filter(|&t| t != 0)
        .map(u64::from)
    }

    fn touches(&self, f: &Func) -> bool {
        let s = self.side;
        let hit = |r: Range<u64>| self.differing.touches(&s.place(r));
        let ptr = u64::from(s.ptr);
        if hit(f.entry_at..f.entry_at + 8) || hit(f.rec..f.end.saturating_add(ptr)) {
            return true;
        }
        for t in Reach::tables_of(f).filter(|_| self.pctab_differs) {
            let k = self.tables.partition_point(|&x| x <= t);
            // The last table: compared always, for the pctab's end.
            let Some(&next) = self.tables.get(k) else {
                return true;
            };
            if hit(s.off[PCTAB] + t..s.off[PCTAB] + next) {
                return true;
            }
        }
        for &x in f
            .funcdata
            .iter()
            .filter(|&&x| x != NIL && self.gofunc_differs)
        {
            let Some((i, base, last_end)) = self.gofunc else {
                return true;
            };
            let x = u64::from(x);
            let k = self.funcdata.partition_point(|&o| o <= x);
            let end = self.funcdata.get(k).copied().or(last_end).unwrap_or(x + 1);
            let place = (
                i,
                base.saturating_add(x)..base.saturating_add(end.max(x + 1)),
            );
            if self.differing.touches(&place) {
                return true;
            }
        }
        false
    }
}

/// The bytes of a pclntab string (section-level span), from its side.
fn string_bytes<'a>(
    side: &Side<'a>,
    s: &crate::binary::go::pclntab::PclntabString,
) -> Option<&'a [u8]> {
    let r = &s.span.range;
    side.b
        .get(r.start.checked_sub(side.base)?, r.end.checked_sub(r.start)?)
}

/// A string's place with its terminating NUL.
fn with_nul(span: &crate::binary::go::Span) -> Place {
    (span.section, span.range.start..span.range.end + 1)
}

/// Equal bytes, or both UTF-8 and equal modulo the roots.
fn same_text(roots: &Roots, a: Option<&[u8]>, b: Option<&[u8]>) -> bool {
    let (Some(a), Some(b)) = (a, b) else {
        return false;
    };
    a == b
        || matches!(
            (std::str::from_utf8(a), std::str::from_utf8(b)),
            (Ok(x), Ok(y)) if roots.same_modulo_roots(x, y)
        )
}

/// "a", "a and b", "a, b and c".
fn join(items: &[&str]) -> String {
    match items {
        [] => String::new(),
        [one] => (*one).to_string(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}

#[cfg(test)]
mod tests;
