// Command motd prints the message of the day from its data directory. The
// directory is fixed when the program is built, the way C projects do with
// ./configure --datadir: #cgo CFLAGS defines DATADIR from ${SRCDIR}, and a C
// function hands it to Go as a string. So the absolute build directory is a
// C string constant in the binary, where -trimpath (and the
// -ffile-prefix-map it passes to the C compiler) cannot reach: they rewrite
// file names, not macro values.
//
// The go command accepts a -D value only without `-` or `@`, so this builds
// only in a directory whose absolute path has neither.
package main

/*
#cgo CFLAGS: -DDATADIR="${SRCDIR}/data"
#include "datadir.h"
*/
import "C"

import (
	"fmt"
	"os"
	"path/filepath"
)

func main() {
	dir := C.GoString(C.data_dir())
	if len(os.Args) > 1 && os.Args[1] == "-where" {
		fmt.Println(dir)
		return
	}
	b, err := os.ReadFile(filepath.Join(dir, "motd.txt"))
	if err != nil {
		fmt.Fprintln(os.Stderr, "motd:", err)
		os.Exit(1)
	}
	os.Stdout.Write(b)
}
