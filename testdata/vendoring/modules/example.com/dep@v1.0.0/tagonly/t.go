package tagonly
