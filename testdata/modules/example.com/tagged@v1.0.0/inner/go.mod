module example.com/tagged/inner

go 1.22
