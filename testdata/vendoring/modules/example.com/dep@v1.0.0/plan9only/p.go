package plan9only
