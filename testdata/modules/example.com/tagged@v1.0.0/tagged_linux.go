package tagged

func osName() string { return "linux" }
