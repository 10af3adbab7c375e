module example.com/tamper

go 1.22
