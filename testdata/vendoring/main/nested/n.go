package nested

import _ "example.com/nonexistent/nested"
