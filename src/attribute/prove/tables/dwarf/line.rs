//! Line programs compared row by row (see [`super`]).

use gimli::{AttributeValue, SectionId, Unit};

use super::value::same_text;
use super::{Compare, Place, Side, MAX_ROWS, R};

impl<'a> Compare<'_, 'a, '_, '_> {
    /// Two units' line programs: header, files, rows.
    pub(super) fn lines(&mut self, a: &Unit<R<'a>>, b: &Unit<R<'a>>, unit: &str) {
        let (Some(p), Some(q)) = (a.line_program.clone(), b.line_program.clone()) else {
            return;
        };
        let span = |s: &Side<'a, '_>, h: &gimli::LineProgramHeader<R<'a>>| {
            let initial = if h.format() == gimli::Format::Dwarf64 {
                12
            } else {
                4
            };
            s.place(
                SectionId::DebugLine,
                h.offset().0 as u64,
                (h.unit_length() as u64).saturating_add(initial),
            )
        };
        let (pl, pr) = (span(&self.l, p.header()), span(&self.r, q.header()));
        if !self.need.touches(pl.as_ref(), pr.as_ref()) {
            return;
        }
        match self.line_program(a, b, p, q) {
            Ok(strings) => {
                if let (Some(pl), Some(pr)) = (pl, pr) {
                    self.proof.lhs.push(pl);
                    self.proof.rhs.push(pr);
                }
                for (sl, sr) in strings {
                    self.proof.lhs.push(sl);
                    self.proof.rhs.push(sr);
                }
            }
            Err(Some(what)) => self.differ(
                what.0.unwrap_or_else(|| unit.to_string()),
                format!("DWARF line table of {unit} differs: {}", what.1),
                pl,
                pr,
            ),
            Err(None) => {}
        }
    }

    /// The places of the directory and file names in string sections, when
    /// equal; `Err(Some((function, what)))` on a difference, `Err(None)`
    /// past a bound.
    #[allow(clippy::type_complexity)] // the error names where and what
    fn line_program(
        &mut self,
        a: &Unit<R<'a>>,
        b: &Unit<R<'a>>,
        p: gimli::IncompleteLineProgram<R<'a>>,
        q: gimli::IncompleteLineProgram<R<'a>>,
    ) -> Result<Vec<(Place, Place)>, Option<(Option<String>, String)>> {
        let (hp, hq) = (p.header(), q.header());
        let diff = |what: &str| Err(Some((None, what.to_string())));
        if hp.version() != hq.version()
            || hp.line_encoding() != hq.line_encoding()
            || hp.address_size() != hq.address_size()
            || hp.standard_opcode_lengths().slice() != hq.standard_opcode_lengths().slice()
        {
            return diff("header fields");
        }
        fn text<'a>(
            s: &Side<'a, '_>,
            u: &Unit<R<'a>>,
            v: AttributeValue<R<'a>>,
        ) -> Option<&'a [u8]> {
            s.d.attr_string(u, v).ok().map(|r| r.slice())
        }
        let (dp, dq) = (hp.include_directories(), hq.include_directories());
        if dp.len() != dq.len() {
            return diff("include directories");
        }
        let mut strings = Vec::new();
        let mut covered =
            |x: AttributeValue<R<'a>>, y: AttributeValue<R<'a>>, s: &[u8], t: &[u8]| {
                let places =
                    self.l
                        .string_place(a, x, s.len())
                        .zip(self.r.string_place(b, y, t.len()));
                strings.extend(places);
            };
        for (x, y) in dp.iter().zip(dq) {
            let (s, t) = (text(&self.l, a, *x), text(&self.r, b, *y));
            match (s, t) {
                (Some(s), Some(t)) if same_text(self.inputs.roots, s, t) => covered(*x, *y, s, t),
                _ => return diff("include directories"),
            }
        }
        let (fp, fq) = (hp.file_names(), hq.file_names());
        if fp.len() != fq.len() {
            return diff("file names");
        }
        for (x, y) in fp.iter().zip(fq) {
            let (s, t) = (
                text(&self.l, a, x.path_name()),
                text(&self.r, b, y.path_name()),
            );
            let same = matches!((s, t), (Some(s), Some(t)) if same_text(self.inputs.roots, s, t))
                && x.directory_index() == y.directory_index()
                && x.timestamp() == y.timestamp()
                && x.size() == y.size()
                && x.md5() == y.md5();
            if !same {
                let name = s.map(|s| String::from_utf8_lossy(s).into_owned());
                return Err(Some((name, "a file name".into())));
            }
            if let (Some(s), Some(t)) = (s, t) {
                covered(x.path_name(), y.path_name(), s, t);
            }
        }
        let (mut rp, mut rq) = (p.rows(), q.rows());
        loop {
            self.rows += 1;
            if self.rows > MAX_ROWS {
                return Err(None);
            }
            let (x, y) = match (rp.next_row(), rq.next_row()) {
                (Ok(None), Ok(None)) => return Ok(strings),
                (Ok(Some((_, x))), Ok(Some((_, y)))) => (*x, *y),
                _ => return diff("the number of rows"),
            };
            let same = self.inputs.map.corresponds(x.address(), y.address())
                && x.file_index() == y.file_index()
                && x.line() == y.line()
                && x.column() == y.column()
                && x.is_stmt() == y.is_stmt()
                && x.basic_block() == y.basic_block()
                && x.end_sequence() == y.end_sequence()
                && x.prologue_end() == y.prologue_end()
                && x.epilogue_begin() == y.epilogue_begin()
                && x.isa() == y.isa()
                && x.discriminator() == y.discriminator();
            if !same {
                let f = self
                    .inputs
                    .map
                    .lhs_funcs
                    .at(x.address())
                    .map(|f| f.name.clone());
                let what = format!(
                    "the row at {:#x} (line {} against {})",
                    x.address(),
                    x.line().map_or(0, |l| l.get()),
                    y.line().map_or(0, |l| l.get())
                );
                return Err(Some((f, what)));
            }
        }
    }
}
