module example.com/pie

go 1.26
