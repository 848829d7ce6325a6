int in_testdata(void) { return 0; }
