package hidden

import _ "example.com/nonexistent/hidden"
