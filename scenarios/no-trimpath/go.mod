module example.com/no-trimpath

go 1.26
