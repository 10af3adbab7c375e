module example.com/no-trimpath-darwin

go 1.26
