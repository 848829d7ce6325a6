package cgopkg
