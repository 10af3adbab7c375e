//! `.debug_info` compared unit by unit (see [`super`]): units paired in
//! order, each pair's DIE trees walked in parallel (same depth, tag,
//! attribute names and form classes), the values compared where the DIE's
//! bytes differ, and the line programs after. A difference is named after
//! the enclosing function, else the unit.

use gimli::{constants, SectionId, Unit};

use super::{Compare, Dwarf, Entry, Side, Why, MAX_DIES, MAX_ROWS, MAX_UNITS, R};
use crate::attribute::prove::{tables, Place};

impl<'a> Compare<'_, 'a, '_, '_> {
    /// Every paired unit whose `.debug_info` or line program differs;
    /// a difference where the lists of units differ.
    pub(super) fn units(&mut self) {
        let lines_differ = self.need.everything || self.need.lines;
        let info = |s: &Side<'a, '_>, k: usize| {
            let h = s.headers.get(k)?;
            let len = h.length_including_self() as u64;
            s.place(SectionId::DebugInfo, h.offset().0 as u64, len)
        };
        let paired = self.l.headers.len().min(self.r.headers.len());
        for k in 0..paired {
            if self.dies > MAX_DIES || self.rows > MAX_ROWS {
                return;
            }
            let (a, b) = (self.l.headers[k], self.r.headers[k]);
            let (ol, or) = (a.offset().0 as u64, b.offset().0 as u64);
            let (pl, pr) = (info(&self.l, k), info(&self.r, k));
            let info_differs = self.need.touches(pl.as_ref(), pr.as_ref());
            if !info_differs && !lines_differ {
                continue;
            }
            let (ua, ub) = match (self.l.d.unit(a), self.r.d.unit(b)) {
                (Ok(x), Ok(y)) => (x, y),
                _ => {
                    self.differ(
                        "DWARF".into(),
                        format!("DWARF: the compile unit at {ol:#x} does not decode"),
                        pl,
                        pr,
                    );
                    continue;
                }
            };
            let name = unit_name(self.l.d, &ua);
            if info_differs {
                match self.unit(&ua, &ub, ol, or) {
                    Ok(()) => {
                        if let (Some(pl), Some(pr)) = (pl, pr) {
                            self.proof.lhs.push(pl);
                            self.proof.rhs.push(pr);
                        }
                    }
                    Err(Some(why)) => self.differ(why.subject, why.title, pl, pr),
                    // Past a bound: neither covered nor a difference.
                    Err(None) => {}
                }
            }
            self.lines(&ua, &ub, &name);
        }
        let (nl, nr) = (self.l.headers.len(), self.r.headers.len());
        let at_bound = nl == MAX_UNITS || nr == MAX_UNITS;
        if (nl != nr && !at_bound) || self.l.unreadable || self.r.unreadable {
            // One side has more units, or a unit list is unreadable.
            let (pl, pr) = (info(&self.l, paired), info(&self.r, paired));
            self.differ(
                "DWARF".into(),
                "DWARF: the lists of compile units differ".into(),
                pl,
                pr,
            );
        }
    }

    /// Walk two units' DIE trees in parallel.
    fn unit(
        &mut self,
        a: &Unit<R<'a>>,
        b: &Unit<R<'a>>,
        ol: u64,
        or: u64,
    ) -> Result<(), Option<Why>> {
        let unit_name = unit_name(self.l.d, a);
        let (mut ca, mut cb) = (a.entries(), b.entries());
        // The enclosing function per depth, for naming a difference.
        let mut scope: Vec<(isize, String)> = Vec::new();
        let mut addr_words: Vec<(Place, Place)> = Vec::new();
        let end =
            |o: u64, u: &Unit<R<'a>>| o.saturating_add(u.header.length_including_self() as u64);
        let (end_l, end_r) = (end(ol, a), end(or, b));
        // This unit's differing ranges, per side (`None`: not known, so all).
        let local = |d: &tables::Differing, i: Option<usize>, r: std::ops::Range<u64>| {
            let within = d.within(&(i?, r));
            Some(within.iter().map(|h| h.1.clone()).collect::<Vec<_>>())
        };
        let (hl, hr) = (
            local(self.need.lhs, self.l.info, ol..end_l),
            local(self.need.rhs, self.r.info, or..end_r),
        );
        let all = self.need.everything;
        let touched = |h: &Option<Vec<std::ops::Range<u64>>>, r: std::ops::Range<u64>| {
            h.as_ref()
                .is_none_or(|v| v.iter().any(|x| tables::overlaps(x, &r)))
        };
        // A DIE's values are compared once the next DIE gives where it
        // ends, and only when its bytes (the unit header's, for the first)
        // hold a difference: the rest are the same bytes.
        let mut pending: Option<(Entry<'a>, Entry<'a>, u64, u64)> = None;
        let mut first = true;
        // Past the unit's last differing byte on both sides, the walk may
        // stop once: see `same_tail`.
        let last = |h: &Option<Vec<std::ops::Range<u64>>>| {
            h.as_ref()
                .map(|v| v.iter().map(|x| x.end).max().unwrap_or(0))
        };
        let mut tail = (!all
            && a.header.encoding() == b.header.encoding()
            && a.header.debug_abbrev_offset() == b.header.debug_abbrev_offset())
        .then(|| last(&hl).zip(last(&hr)))
        .flatten();
        loop {
            let next = match (ca.next_dfs(), cb.next_dfs()) {
                (Ok(None), Ok(None)) => None,
                (Ok(Some(x)), Ok(Some(y))) => Some((x, y)),
                _ => {
                    return Err(Some(Why {
                        subject: unit_name.clone(),
                        title: format!("DWARF of {unit_name}: the DIE trees differ in shape"),
                    }))
                }
            };
            let why = |scope: &[(isize, String)], what: String| {
                let subject = scope
                    .last()
                    .map_or_else(|| unit_name.clone(), |s| s.1.clone());
                Some(Why {
                    title: format!("DWARF of {subject} differs: {what}"),
                    subject,
                })
            };
            let (next_l, next_r) = next.as_ref().map_or((end_l, end_r), |(x, y)| {
                (
                    ol.wrapping_add(x.offset().0 as u64),
                    or.wrapping_add(y.offset().0 as u64),
                )
            });
            if let Some((ea, eb, sl, sr)) = pending.take() {
                if all || touched(&hl, sl..next_l.max(sl)) || touched(&hr, sr..next_r.max(sr)) {
                    for (x, y) in ea.attrs().iter().zip(eb.attrs()) {
                        if x.name() == constants::DW_AT_GNU_locviews {
                            match self.views(a, b, &ea, &eb, x.value(), y.value()) {
                                Some(places) => {
                                    addr_words.push(places);
                                    continue;
                                }
                                None => {
                                    let what = format!("{} of a {}", x.name(), ea.tag());
                                    return Err(why(&scope, what));
                                }
                            }
                        }
                        match self.value(a, b, ol, or, x.name(), x.value(), y.value()) {
                            Ok(words) => addr_words.extend(words),
                            Err(()) => {
                                return Err(why(&scope, format!("{} of a {}", x.name(), ea.tag())));
                            }
                        }
                    }
                }
            }
            let Some((ea, eb)) = next else {
                break;
            };
            if let Some((last_l, last_r)) = tail {
                if next_l >= last_l && next_r >= last_r {
                    tail = None;
                    if self.same_tail(next_l..end_l, next_r..end_r, ol, or) {
                        break;
                    }
                }
            }
            self.dies += 1;
            if self.dies > MAX_DIES {
                return Err(None);
            }
            while scope.last().is_some_and(|s| s.0 >= ea.depth()) {
                scope.pop();
            }
            if ea.tag() == constants::DW_TAG_subprogram {
                let name = ea
                    .attr_value(constants::DW_AT_name)
                    .and_then(|v| self.l.d.attr_string(a, v).ok())
                    .map(|s| String::from_utf8_lossy(s.slice()).into_owned());
                if let Some(n) = name {
                    scope.push((ea.depth(), n));
                }
            }
            if ea.depth() != eb.depth() || ea.tag() != eb.tag() {
                return Err(why(&scope, format!("{} against {}", ea.tag(), eb.tag())));
            }
            let (xs, ys) = (ea.attrs(), eb.attrs());
            if xs.len() != ys.len()
                || xs.iter().zip(ys).any(|(x, y)| {
                    x.name() != y.name() || form_class(x.form()) != form_class(y.form())
                })
            {
                return Err(why(&scope, format!("the attributes of a {}", ea.tag())));
            }
            // The first DIE answers for the unit header's bytes too.
            let (sl, sr) = if first { (ol, or) } else { (next_l, next_r) };
            first = false;
            pending = Some((ea.clone(), eb.clone(), sl, sr));
        }
        for (pl, pr) in addr_words {
            self.proof.lhs.push(pl);
            self.proof.rhs.push(pr);
        }
        Ok(())
    }
}

impl Compare<'_, '_, '_, '_> {
    /// Are the rest of two units, from a DIE boundary past their last
    /// differing byte, the same bytes at the same place in their units?
    /// Then the rest decodes the same on both sides (the caller checked the
    /// encodings and abbreviation offsets; `.debug_abbrev` and every section
    /// a DIE reaches by offset or index are the same bytes, or every DIE
    /// would be compared) and holds no difference to prove.
    fn same_tail(
        &self,
        l: std::ops::Range<u64>,
        r: std::ops::Range<u64>,
        ol: u64,
        or: u64,
    ) -> bool {
        fn info<'s>(s: &'s Side<'_, '_>, x: std::ops::Range<u64>) -> Option<&'s [u8]> {
            let data = s.loaded.get(SectionId::DebugInfo);
            data.get(usize::try_from(x.start).ok()?..usize::try_from(x.end).ok()?)
        }
        l.start.wrapping_sub(ol) == r.start.wrapping_sub(or)
            && info(&self.l, l).is_some_and(|x| Some(x) == info(&self.r, r))
    }
}

/// The unit's `DW_AT_name`, or its offset.
fn unit_name(d: &Dwarf<'_>, u: &Unit<R<'_>>) -> String {
    let mut cursor = u.entries();
    let name = cursor.next_dfs().ok().flatten().and_then(|e| {
        let v = e.attr_value(constants::DW_AT_name)?;
        d.attr_string(u, v).ok()
    });
    match name {
        Some(n) => format!("unit {}", String::from_utf8_lossy(n.slice())),
        None => format!("unit at {:#x}", u.header.offset().0),
    }
}

/// The class of a form, so that equal values in different encodings compare.
#[allow(non_upper_case_globals)] // gimli spells the constants as DWARF does
fn form_class(f: constants::DwForm) -> u8 {
    use constants::*;
    match f {
        DW_FORM_addr | DW_FORM_addrx | DW_FORM_addrx1 | DW_FORM_addrx2 | DW_FORM_addrx3
        | DW_FORM_addrx4 => 1,
        DW_FORM_string | DW_FORM_strp | DW_FORM_line_strp | DW_FORM_strx | DW_FORM_strx1
        | DW_FORM_strx2 | DW_FORM_strx3 | DW_FORM_strx4 => 2,
        DW_FORM_ref1 | DW_FORM_ref2 | DW_FORM_ref4 | DW_FORM_ref8 | DW_FORM_ref_udata
        | DW_FORM_ref_addr => 3,
        DW_FORM_data1
        | DW_FORM_data2
        | DW_FORM_data4
        | DW_FORM_data8
        | DW_FORM_sdata
        | DW_FORM_udata
        | DW_FORM_implicit_const => 4,
        DW_FORM_block | DW_FORM_block1 | DW_FORM_block2 | DW_FORM_block4 | DW_FORM_exprloc => 5,
        DW_FORM_flag | DW_FORM_flag_present => 6,
        DW_FORM_sec_offset | DW_FORM_rnglistx | DW_FORM_loclistx => 7,
        other => 100u8.wrapping_add(other.0 as u8),
    }
}
