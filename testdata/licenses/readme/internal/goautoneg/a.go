package goautoneg
