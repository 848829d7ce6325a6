package deeper

import _ "example.com/nonexistent/vendored"
