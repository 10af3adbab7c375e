module example.com/vcs-stamp

go 1.26
