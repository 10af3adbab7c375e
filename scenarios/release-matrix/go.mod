module example.com/release-matrix

go 1.26
