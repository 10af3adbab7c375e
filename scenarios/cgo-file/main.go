// Command fnvsum prints 64-bit FNV-1a hashes of files or of its arguments,
// computed by a small C library through cgo. The library's header checks its
// preconditions with an assert-like inline function that reports __FILE__,
// and the header is found through #cgo CFLAGS: -I${SRCDIR}/include, so
// __FILE__ is the header's absolute path in the build directory.
package main

/*
#cgo CFLAGS: -I${SRCDIR}/include
#include "fnv.h"
*/
import "C"

import (
	"flag"
	"fmt"
	"os"
	"unsafe"
)

func fnv(b []byte) uint64 {
	if len(b) == 0 {
		return uint64(C.fnv1a64(nil, 0))
	}
	return uint64(C.fnv1a64((*C.uchar)(unsafe.Pointer(&b[0])), C.size_t(len(b))))
}

func main() {
	strs := flag.Bool("s", false, "hash the arguments themselves, not files")
	debug := flag.Bool("debug", false, "report which C header the library was built with")
	flag.Parse()
	if *debug {
		fmt.Fprintf(os.Stderr, "fnv.h: %s\n", C.GoString(C.fnv_header_path()))
	}
	status := 0
	for _, arg := range flag.Args() {
		data := []byte(arg)
		if !*strs {
			var err error
			if data, err = os.ReadFile(arg); err != nil {
				fmt.Fprintln(os.Stderr, "fnvsum:", err)
				status = 1
				continue
			}
		}
		fmt.Printf("%016x  %s\n", fnv(data), arg)
	}
	os.Exit(status)
}
