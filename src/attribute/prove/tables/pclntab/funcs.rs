//! The functab's functions paired (see [`super`]): by index where the
//! names agree, each pair holding a differing byte compared ([`Reach`]
//! says which), the final end-of-text entry, and the zero padding between
//! the last `_func` record and `go:func.*`.

use std::ops::Range;

use super::side::{Func, Side, FUNCTAB, NIL, PCTAB};
use super::{Compare, MAX_TABLE_PADDING};
use crate::attribute::prove::tables;

impl<'a> Compare<'_, 'a, '_> {
    /// functab and `_func` records, paired by index where the names agree.
    pub(super) fn funcs(&mut self) {
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
}

/// Which of one side's functions hold a difference. A function pair none
/// of whose bytes (functab entry, record and its padding, pc-value tables,
/// funcdata blobs) differ on either side is the same bytes and needs no
/// proof; when the pctab differs, the function with the last pc-value
/// table is always compared, for the end of the pctab.
struct Reach<'s, 'a> {
    side: &'s Side<'a>,
    differing: &'s tables::Differing,
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
        differing: &'s tables::Differing,
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
