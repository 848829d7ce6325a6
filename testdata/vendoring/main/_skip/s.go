package skip

import _ "example.com/nonexistent/underscore"
