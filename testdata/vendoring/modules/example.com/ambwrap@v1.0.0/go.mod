module example.com/ambwrap

go 1.17

require example.com/amb v1.0.0
