package testdata

import _ "example.com/nonexistent/testdata"
