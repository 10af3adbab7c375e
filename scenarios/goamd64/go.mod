module example.com/goamd64

go 1.26
