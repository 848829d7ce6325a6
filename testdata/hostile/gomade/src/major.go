package major
