module example.com/windows-amd64

go 1.26
