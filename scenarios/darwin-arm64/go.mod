module example.com/darwin-arm64

go 1.26
