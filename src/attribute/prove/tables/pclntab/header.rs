//! The pclntab's header and the tables beside the functab (see [`super`]):
//! the header's fixed fields, funcnametab (equal names in order), filetab
//! (file by file, modulo the roots), cutab (entry by entry), and the zero
//! alignment padding between tables and after functab entries.

use super::side::{Side, CUTAB, FUNCTAB, NIL};
use super::{same_text, string_bytes, with_nul, Compare, MAX_TABLE_PADDING};

impl<'a> Compare<'_, 'a, '_> {
    pub(super) fn header(&mut self) {
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
    pub(super) fn names(&mut self) {
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
    pub(super) fn files(&mut self) {
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
    pub(super) fn cutab(&mut self) {
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

    /// Zero alignment padding after the header, funcnametab, cutab and
    /// filetab, up to the next table.
    pub(super) fn table_padding(&mut self) {
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
    pub(super) fn padding(&mut self, l: u64, r: u64) {
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
}
