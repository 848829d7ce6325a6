// Package junk is vendored inside a dependency: module zips leave it out.
package junk
