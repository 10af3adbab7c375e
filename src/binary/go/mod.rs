//! Go-specific structures read from a [`Binary`](super::Binary): build ID,
//! buildinfo, pclntab file table and function names, DWARF units.
