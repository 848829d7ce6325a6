package ambwrap
