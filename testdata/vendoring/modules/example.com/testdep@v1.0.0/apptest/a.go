package apptest
