module example.com/thirdparty

go 1.26

require (
	github.com/google/uuid v1.6.0
	golang.org/x/text v0.31.0
)
