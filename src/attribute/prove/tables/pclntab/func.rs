//! One pair of functions compared (see [`super`]): the functab entries'
//! addresses corresponding, the `_func` records' fields equal, the pc-value
//! tables decoded to equal sequences, the files pcfile names equivalent,
//! and the funcdata (inline trees through [`super::funcdata`]); a pair that
//! differs is a difference naming the function and what differs.

use super::side::{Func, PcTable, Side, NIL};
use super::{same_text, string_bytes, Compare, FUNCDATA_INLTREE, PCDATA_INLTREEINDEX};
use crate::attribute::prove::Place;

/// Where one side's bytes of a function are: its functab entry, its record
/// and the pc tables and inline tree it uses.
#[derive(Default)]
struct FuncPlaces {
    equal: Vec<Place>,
}

impl<'a> Compare<'_, 'a, '_> {
    /// One pair of functions.
    pub(super) fn func(&mut self, a: &Func, b: &Func) {
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
}

/// "a", "a and b", "a, b and c".
fn join(items: &[&str]) -> String {
    match items {
        [] => String::new(),
        [one] => (*one).to_string(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}
