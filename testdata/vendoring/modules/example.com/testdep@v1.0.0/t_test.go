package testdep

import _ "example.com/testdep/testonly"
