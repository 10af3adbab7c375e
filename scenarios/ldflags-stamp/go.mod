module example.com/ldflags-stamp

go 1.26
