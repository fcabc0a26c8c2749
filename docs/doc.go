// Package docs holds vigil's documentation (Markdown beside this file).
// It has no code: its test checks that every relative link of the README
// and of docs/ leads to a file that exists, and that every screenshot the
// user guide shows is one the dashboard's browser tests take, so that
// the documentation cannot point at what is gone.
package docs
