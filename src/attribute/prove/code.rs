//! Code: a differing byte in machine code is a consequence only when the
//! function holding it decodes on both sides to the same instructions,
//! operand for operand, except for address-carrying operands whose lhs
//! target corresponds to the rhs target ([`AddrMap::corresponds`]).
//!
//! amd64 and 386 are decoded with `iced-x86`: branch and call targets,
//! RIP-relative memory operands, absolute memory addresses and immediates
//! that are addresses on both sides are compared through the map; every
//! other part of the instruction (code, registers, immediates, prefixes,
//! masks) must be equal. arm64 is decoded with `yaxpeax-arm`: PC-relative
//! operands (`b`, `bl`, `b.cond`, `cbz`, `tbz`, `adr`, literal loads) are
//! compared through the map, and an `adrp` is completed by the first later
//! instruction that adds its low 12 bits (`add`, or a load or store based on
//! the register), the full address being compared. Other architectures are
//! not decoded: their differing code stays unproven.
//!
//! Each function is decoded once and only when it holds a difference.

use std::cell::RefCell;
use std::collections::HashMap;
use std::ops::Range;

use iced_x86::{Decoder, DecoderOptions, Formatter, Instruction, IntelFormatter, OpKind, Register};
use yaxpeax_arch::{Decoder as _, U8Reader};
use yaxpeax_arm::armv8::a64::{InstDecoder, Instruction as ArmInstruction, Opcode, Operand};

use super::correspond::{AddrMap, Func};
use super::{InstructionDiff, Outcome, ProofKind, Unproven};
use crate::attribute::Cause;
use crate::binary::Binary;

/// Instruction differences kept per function (all are checked).
const MAX_SHOWN: usize = 4;
/// The largest function decoded (Go's largest are well under 1 MiB).
const MAX_FUNCTION: u64 = 16 << 20;
/// How far after an `adrp` its completing instruction is looked for.
const ADRP_WINDOW: usize = 4;

/// The instruction sets this module decodes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Isa {
    X86 { bitness: u32 },
    Arm64,
}

/// Proves code hunks one function at a time, remembering each function's result.
pub struct CodeProver<'m, 'b, 'd> {
    lhs: &'b Binary<'d>,
    rhs: &'b Binary<'d>,
    map: &'m AddrMap<'b, 'd>,
    isa: Option<Isa>,
    /// By lhs function start: `None` when proven, else what differs.
    checked: RefCell<HashMap<u64, Option<Unproven>>>,
}

impl<'m, 'b, 'd> CodeProver<'m, 'b, 'd> {
    pub fn new(lhs: &'b Binary<'d>, rhs: &'b Binary<'d>, map: &'m AddrMap<'b, 'd>) -> Self {
        let isa = match (lhs.arch.as_str(), rhs.arch.as_str()) {
            ("amd64", "amd64") => Some(Isa::X86 { bitness: 64 }),
            ("386", "386") => Some(Isa::X86 { bitness: 32 }),
            ("arm64", "arm64") => Some(Isa::Arm64),
            _ => None,
        };
        CodeProver {
            lhs,
            rhs,
            map,
            isa,
            checked: RefCell::new(HashMap::new()),
        }
    }

    /// The address map the proofs rest on.
    pub fn map(&self) -> &'m AddrMap<'b, 'd> {
        self.map
    }

    /// Prove the hunk at lhs addresses `l` and rhs addresses `r` (either may
    /// be empty: an insertion or a deletion).
    pub fn prove(&self, l: Range<u64>, r: Range<u64>) -> Outcome {
        let Some(isa) = self.isa else {
            return unproven_at(
                self.map.lhs_funcs.at(l.start),
                &format!("machine code for {} is not decoded", self.lhs.arch),
            );
        };
        // The lhs functions the hunk touches, and the rhs ones (paired by name).
        let mut funcs: Vec<&Func> = Vec::new();
        let touch = |range: &Range<u64>, lhs: bool, out: &mut Vec<&'m Func>| {
            let funcs = if lhs {
                &self.map.lhs_funcs
            } else {
                &self.map.rhs_funcs
            };
            let first = funcs
                .at(range.start)
                .or_else(|| funcs.at(range.start.wrapping_sub(1)));
            let mut at = range.start;
            if let Some(f) = first {
                out.push(f);
                at = f.end;
            }
            while at < range.end {
                match funcs.at(at) {
                    Some(f) => {
                        out.push(f);
                        at = f.end;
                    }
                    None => break,
                }
            }
        };
        touch(&l, true, &mut funcs);
        let mut rhs_funcs: Vec<&Func> = Vec::new();
        touch(&r, false, &mut rhs_funcs);
        if funcs.is_empty() && rhs_funcs.is_empty() {
            return unproven_at(None, "machine code outside every function differs");
        }
        // A function only one side has is a difference of its own.
        for g in &rhs_funcs {
            if self.map.lhs_funcs.counterpart(g).is_none() {
                return Outcome::Unproven(Unproven {
                    cause: Cause::Code,
                    subject: g.name.clone(),
                    title: format!("function {} exists only in the rhs", g.name),
                    instructions: vec![],
                });
            }
            if !funcs.iter().any(|f| f.name == g.name && f.nth == g.nth) {
                if let Some(f) = self.map.lhs_funcs.counterpart(g) {
                    funcs.push(f);
                }
            }
        }
        for f in funcs {
            if let Some(u) = self.check(isa, f) {
                return Outcome::Unproven(u);
            }
        }
        Outcome::Proven(ProofKind::Address)
    }

    fn check(&self, isa: Isa, f: &Func) -> Option<Unproven> {
        if let Some(done) = self.checked.borrow().get(&f.start) {
            return done.clone();
        }
        let result = self.compare(isa, f);
        self.checked.borrow_mut().insert(f.start, result.clone());
        result
    }

    fn compare(&self, isa: Isa, f: &Func) -> Option<Unproven> {
        let Some(g) = self.map.rhs_funcs.counterpart(f) else {
            return Some(Unproven {
                cause: Cause::Code,
                subject: f.name.clone(),
                title: format!("function {} exists only in the lhs", f.name),
                instructions: vec![],
            });
        };
        let (Some(a), Some(b)) = (code_bytes(self.lhs, f), code_bytes(self.rhs, g)) else {
            return Some(Unproven {
                cause: Cause::Code,
                subject: f.name.clone(),
                title: format!("function {} could not be read for decoding", f.name),
                instructions: vec![],
            });
        };
        let shown = match isa {
            Isa::X86 { bitness } => self.compare_x86(bitness, f, a, g, b),
            Isa::Arm64 => self.compare_arm64(f, a, g, b),
        };
        if shown.is_empty() {
            return None;
        }
        let first = &shown[0];
        Some(Unproven {
            cause: Cause::Code,
            subject: f.name.clone(),
            title: format!(
                "function {} differs beyond addresses: lhs `{}` vs rhs `{}`",
                f.name,
                if first.lhs.is_empty() {
                    "(none)"
                } else {
                    &first.lhs
                },
                if first.rhs.is_empty() {
                    "(none)"
                } else {
                    &first.rhs
                }
            ),
            instructions: shown,
        })
    }

    /// The instructions that differ beyond addresses (the first few).
    fn compare_x86(
        &self,
        bitness: u32,
        f: &Func,
        a: &[u8],
        g: &Func,
        b: &[u8],
    ) -> Vec<InstructionDiff> {
        let mut da = Decoder::with_ip(bitness, a, f.start, DecoderOptions::NONE);
        let mut db = Decoder::with_ip(bitness, b, g.start, DecoderOptions::NONE);
        let (mut x, mut y) = (Instruction::default(), Instruction::default());
        let mut fmt = IntelFormatter::new();
        let mut shown = Vec::new();
        let text = |fmt: &mut IntelFormatter, i: &Instruction| {
            let mut s = String::new();
            fmt.format(i, &mut s);
            s
        };
        loop {
            let (more_a, more_b) = (da.can_decode(), db.can_decode());
            if !more_a && !more_b {
                break;
            }
            if more_a {
                da.decode_out(&mut x);
            }
            if more_b {
                db.decode_out(&mut y);
            }
            let same = more_a && more_b && self.same_x86(&x, &y, a, b, f.start, g.start);
            if !same {
                shown.push(InstructionDiff {
                    symbol: f.name.clone(),
                    lhs_address: if more_a { x.ip() } else { f.end },
                    rhs_address: if more_b { y.ip() } else { g.end },
                    lhs: if more_a {
                        text(&mut fmt, &x)
                    } else {
                        String::new()
                    },
                    rhs: if more_b {
                        text(&mut fmt, &y)
                    } else {
                        String::new()
                    },
                });
                // After a length mismatch the streams are out of step: one difference says it.
                if shown.len() >= MAX_SHOWN || !more_a || !more_b || x.len() != y.len() {
                    break;
                }
            }
        }
        shown
    }

    fn same_x86(
        &self,
        x: &Instruction,
        y: &Instruction,
        a: &[u8],
        b: &[u8],
        fa: u64,
        fb: u64,
    ) -> bool {
        if x.is_invalid() || y.is_invalid() {
            // Undecodable bytes (data in the text, padding) must be equal.
            let (sa, sb) = ((x.ip() - fa) as usize, (y.ip() - fb) as usize);
            return x.len() == y.len() && a.get(sa..sa + x.len()) == b.get(sb..sb + y.len());
        }
        if x.code() != y.code() || x.op_count() != y.op_count() {
            return false;
        }
        let (mut x, mut y) = (*x, *y);
        for op in 0..x.op_count() {
            let kind = x.op_kind(op);
            if kind != y.op_kind(op) {
                return false;
            }
            match kind {
                OpKind::NearBranch16 | OpKind::NearBranch32 | OpKind::NearBranch64 => {
                    if !self
                        .map
                        .corresponds(x.near_branch_target(), y.near_branch_target())
                    {
                        return false;
                    }
                    match kind {
                        OpKind::NearBranch16 => {
                            x.set_near_branch16(0);
                            y.set_near_branch16(0);
                        }
                        OpKind::NearBranch32 => {
                            x.set_near_branch32(0);
                            y.set_near_branch32(0);
                        }
                        _ => {
                            x.set_near_branch64(0);
                            y.set_near_branch64(0);
                        }
                    }
                }
                OpKind::Memory => {
                    let rel = x.is_ip_rel_memory_operand();
                    if rel != y.is_ip_rel_memory_operand() {
                        return false;
                    }
                    let absolute =
                        x.memory_base() == Register::None && x.memory_index() == Register::None;
                    let (ta, tb) = if rel {
                        (x.ip_rel_memory_address(), y.ip_rel_memory_address())
                    } else {
                        (x.memory_displacement64(), y.memory_displacement64())
                    };
                    if (rel || absolute) && ta != tb {
                        if !self.map.corresponds(ta, tb) {
                            return false;
                        }
                        x.set_memory_displacement64(0);
                        y.set_memory_displacement64(0);
                    } else if rel {
                        x.set_memory_displacement64(0);
                        y.set_memory_displacement64(0);
                    }
                }
                OpKind::Immediate32 | OpKind::Immediate64 | OpKind::Immediate32to64 => {
                    let (va, vb) = (x.immediate(op), y.immediate(op));
                    if va != vb {
                        // An immediate that is an address on both sides (absolute code).
                        if !(self.map.is_address(va, true) && self.map.corresponds(va, vb)) {
                            return false;
                        }
                        if x.try_set_immediate_u64(op, 0).is_err()
                            || y.try_set_immediate_u64(op, 0).is_err()
                        {
                            return false;
                        }
                    }
                }
                _ => {}
            }
        }
        x == y
    }

    fn compare_arm64(&self, f: &Func, a: &[u8], g: &Func, b: &[u8]) -> Vec<InstructionDiff> {
        let decoder = InstDecoder::default();
        let decode = |bytes: &[u8]| -> Option<ArmInstruction> {
            let mut reader = U8Reader::new(bytes);
            decoder.decode(&mut reader).ok()
        };
        let (na, nb) = (a.len() / 4, b.len() / 4);
        let text = |i: &Option<ArmInstruction>, bytes: &[u8]| match i {
            Some(i) => i.to_string(),
            None => format!(
                ".word {:#010x}",
                u32::from_le_bytes(bytes.try_into().unwrap_or([0; 4]))
            ),
        };
        let words_a: Vec<Option<ArmInstruction>> =
            (0..na).map(|k| decode(&a[k * 4..k * 4 + 4])).collect();
        let words_b: Vec<Option<ArmInstruction>> =
            (0..nb).map(|k| decode(&b[k * 4..k * 4 + 4])).collect();
        // Instructions whose differing immediate an adrp pair already proved.
        let mut completed = vec![false; na.max(nb)];
        let mut shown = Vec::new();
        for k in 0..na.max(nb) {
            let (pa, pb) = (f.start + 4 * k as u64, g.start + 4 * k as u64);
            let ok = match (words_a.get(k), words_b.get(k)) {
                (Some(Some(x)), Some(Some(y))) => {
                    completed[k]
                        || self.same_arm64(x, y, pa, pb, &words_a, &words_b, k, &mut completed)
                }
                (Some(None), Some(None)) => a[k * 4..k * 4 + 4] == b[k * 4..k * 4 + 4],
                _ => false,
            };
            if !ok {
                shown.push(InstructionDiff {
                    symbol: f.name.clone(),
                    lhs_address: pa,
                    rhs_address: pb,
                    lhs: words_a
                        .get(k)
                        .map(|i| text(i, &a[k * 4..k * 4 + 4]))
                        .unwrap_or_default(),
                    rhs: words_b
                        .get(k)
                        .map(|i| text(i, &b[k * 4..k * 4 + 4]))
                        .unwrap_or_default(),
                });
                if shown.len() >= MAX_SHOWN || k >= na || k >= nb {
                    break;
                }
            }
        }
        shown
    }

    #[allow(clippy::too_many_arguments)] // the two sides' instruction, address and stream
    fn same_arm64(
        &self,
        x: &ArmInstruction,
        y: &ArmInstruction,
        pa: u64,
        pb: u64,
        words_a: &[Option<ArmInstruction>],
        words_b: &[Option<ArmInstruction>],
        k: usize,
        completed: &mut [bool],
    ) -> bool {
        if x.opcode != y.opcode {
            return false;
        }
        if x.opcode == Opcode::ADRP {
            let (Operand::Register(_, ra), Operand::PCOffset(oa)) = (x.operands[0], x.operands[1])
            else {
                return x == y;
            };
            let (Operand::Register(_, rb), Operand::PCOffset(ob)) = (y.operands[0], y.operands[1])
            else {
                return false;
            };
            if ra != rb {
                return false;
            }
            let page_a = (pa & !0xfff).wrapping_add(oa as u64);
            let page_b = (pb & !0xfff).wrapping_add(ob as u64);
            // The instruction that adds the low 12 bits.
            for n in k + 1..(k + 1 + ADRP_WINDOW).min(words_a.len()).min(words_b.len()) {
                let (Some(u), Some(v)) = (&words_a[n], &words_b[n]) else {
                    break;
                };
                match (low12(u, ra), low12(v, ra)) {
                    (Some((lo_a, ua)), Some((lo_b, vb))) => {
                        let (ta, tb) = (page_a.wrapping_add(lo_a), page_b.wrapping_add(lo_b));
                        if ua != vb || !self.map.corresponds(ta, tb) {
                            return false;
                        }
                        completed[n] = true;
                        return true;
                    }
                    (None, None) if !writes(u, ra) && !writes(v, ra) => continue,
                    _ => return false,
                }
            }
            return page_a == page_b || self.map.corresponds(page_a, page_b);
        }
        let mut same = true;
        for (u, v) in x.operands.iter().zip(y.operands.iter()) {
            match (u, v) {
                (Operand::PCOffset(oa), Operand::PCOffset(ob)) => {
                    let ta = pa.wrapping_add(*oa as u64);
                    let tb = pb.wrapping_add(*ob as u64);
                    same &= self.map.corresponds(ta, tb);
                }
                _ => same &= u == v,
            }
        }
        same
    }
}

/// For an instruction adding the low 12 bits of an address to register
/// `reg` (`add xd, xreg, #imm` or a load/store `[xreg, #imm]`): the
/// immediate, and the instruction with it zeroed (to compare the rest).
fn low12(i: &ArmInstruction, reg: u16) -> Option<(u64, ArmInstruction)> {
    let mut rest = *i;
    match i.opcode {
        Opcode::ADD => match (i.operands[1], i.operands[2]) {
            (Operand::RegisterOrSP(_, r), Operand::Immediate(imm)) if r == reg => {
                rest.operands[2] = Operand::Immediate(0);
                Some((u64::from(imm), rest))
            }
            _ => None,
        },
        _ => {
            for (n, op) in i.operands.iter().enumerate() {
                if let Operand::RegPreIndex(r, imm, false) = *op {
                    if r == reg {
                        rest.operands[n] = Operand::RegPreIndex(r, 0, false);
                        return Some((imm as i64 as u64, rest));
                    }
                }
            }
            None
        }
    }
}

/// Does `i` write register `reg` as its first operand (ending an adrp's life)?
fn writes(i: &ArmInstruction, reg: u16) -> bool {
    matches!(i.operands[0], Operand::Register(_, r) | Operand::RegisterOrSP(_, r) if r == reg)
}

/// The bytes of function `f` from the code section holding it.
fn code_bytes<'d>(bin: &Binary<'d>, f: &Func) -> Option<&'d [u8]> {
    if f.end.checked_sub(f.start)? > MAX_FUNCTION {
        return None;
    }
    let (i, s) = bin.sections.iter().enumerate().find(|(_, s)| {
        s.compression.is_none()
            && s.address
                .is_some_and(|a| f.start >= a && f.end <= a.saturating_add(s.file_size()))
    })?;
    let start = f.start - s.address?;
    bin.raw(i)
        .get(start as usize..(start + (f.end - f.start)) as usize)
}

fn unproven_at(f: Option<&Func>, why: &str) -> Outcome {
    Outcome::Unproven(Unproven {
        cause: Cause::Code,
        subject: f.map_or_else(|| "machine code".to_string(), |f| f.name.clone()),
        title: match f {
            Some(f) => format!("function {} differs: {why}", f.name),
            None => why.to_string(),
        },
        instructions: vec![],
    })
}
