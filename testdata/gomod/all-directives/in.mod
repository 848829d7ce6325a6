// Deprecated: use example.com/m/v2 instead.
module example.com/m

go 1.24.0

toolchain go1.24.2

godebug (
	default=go1.21
	panicnil=1
)

require (
	example.com/a v1.0.0
	example.com/tool v0.5.0
)

exclude (
	example.com/a v0.9.0
	example.com/a v0.10.0
)

retract (
	[v1.1.0, v1.2.0] // broken release
	// Published by mistake.
	v1.0.1
)

tool example.com/tool/cmd/gen

ignore ./node_modules

replace example.com/a => ./a
