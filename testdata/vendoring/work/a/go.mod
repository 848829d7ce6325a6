module example.com/wa

go 1.22

require (
	example.com/dep v1.0.0
	example.com/local v1.0.0
)

replace example.com/local v1.0.0 => ../localdep
