module example.com/outer/inner

go 1.19
