module example.com/cgo-file

go 1.26
