module example.com/cgo-srcdir

go 1.26
