module example.com/toolexec-nondeterminism

go 1.26
