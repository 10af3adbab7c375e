module example.com/buildid-kept

go 1.26
