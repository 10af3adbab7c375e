module example.com/makefile-home

go 1.26
