package tagged

func osName() string { return "windows" }
