package dep

import _ "example.com/dep/winonly"
