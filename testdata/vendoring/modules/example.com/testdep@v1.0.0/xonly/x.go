package xonly
