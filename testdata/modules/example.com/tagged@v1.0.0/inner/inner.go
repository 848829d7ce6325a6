// Package inner is a nested module: the outer module's zip leaves it out.
package inner
