module example.com/no-trimpath-windows

go 1.26
