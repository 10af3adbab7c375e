module example.com/linux-arm64

go 1.26
