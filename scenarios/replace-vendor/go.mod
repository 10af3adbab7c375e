module example.com/replace-vendor

go 1.26

require (
	example.com/lib v0.0.0-00010101000000-000000000000
	example.com/textwrap v1.2.0
)

// lib lives next to the program and is developed with it.
replace example.com/lib => ./lib
